// The status web page rendered by headless Chromium (Debian's `chromium` package, no browser
// download) against a real status server over a real Store.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultType } from "../../src/protocol/constants.js";
import { silentLogger } from "../../src/util/logger.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { StatusServer, storeStatusSource } from "../../src/node/status-server.js";
import { Store } from "../../src/store/store.js";
import { LEADER, OPERATOR, populateStatusStore, WALLET_A, WALLET_B } from "../fixtures/status-store.js";

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const TITLE = HAVE_CHROMIUM
  ? "status page in headless Chromium"
  : `status page in headless Chromium — SKIPPED: ${CHROMIUM} is missing (install it with: apt-get update && apt-get install -y chromium)`;

describe.skipIf(!HAVE_CHROMIUM)(TITLE, () => {
  const dir = mkdtempSync(join(tmpdir(), "wcoord-page-"));
  let store: Store;
  let server: StatusServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    store = Store.open(dir);
    populateStatusStore(store);
    const source = storeStatusSource(store, {
      health: () => "ready",
      ethHead: () => 2805,
      btcTip: () => 840_000,
      operator: OPERATOR,
      profileHash: () => "0xf7078f19dbcc594437c685d977fd985e5e729e22214aa69d81b40398d92a00ca",
      wallets: () => [WALLET_A, WALLET_B],
      peers: () => 2,
      version: "0.1.0",
    });
    server = new StatusServer({ source, metrics: createMetrics({ processMetrics: false }), logger: silentLogger }, { listen: "127.0.0.1:0" });
    await server.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
    page = await browser.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(m.text());
    });
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(server.url + "/");
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Browser-side code as a string (the project compiles without the DOM lib); evaluate() is not subject to the page's CSP.
  const rowTexts = (table: string): Promise<string[][]> =>
    page.evaluate(`Array.from(document.querySelectorAll("#${table} tbody tr"), (tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent))`);

  it("shows health and the node summary", async () => {
    await page.waitForSelector("#health.ready", { timeout: 10_000 });
    expect(await page.textContent("#health")).toBe("ready");
    expect(await page.textContent("#head")).toBe("2805");
    expect(await page.textContent("#btc")).toBe("840000");
    expect(await page.textContent("#operator")).toBe(OPERATOR);
    expect(await page.textContent("#wallets")).toBe("2");
    expect(await page.title()).toBe("wcoord status");
  });

  it("shows the windows rows from the store", async () => {
    await page.waitForSelector("#windows tbody tr:nth-child(4)", { timeout: 10_000 });
    const rows = await rowTexts("windows");
    expect(rows).toHaveLength(4);
    const [W, wallet, leader, role, checklist, proposal, result] = rows[0];
    expect(W).toBe("2700");
    expect(wallet).toBe("aa76…b62d");
    expect(leader).toBe(LEADER.slice(0, 4) + "…" + LEADER.slice(-4));
    expect(role).toBe("follower");
    expect(checklist).toBe("[Redemption]");
    expect(proposal).toBe("Heartbeat #1 validating");
    expect(result).toBe("accepted");
    expect(rows.map((r) => r[0])).toEqual(["2700", "1800", "900", "900"]);
    expect(rows[3][6]).toBe("missed");
  });

  it("shows faults and actions", async () => {
    const faults = await rowTexts("faults");
    expect(faults.map((r) => [r[1], r[3], r[5]])).toEqual([
      ["1800", "LeaderIdleness", "no statement by W+80"],
      ["900", "InvalidProposal", "Deposit not revealed"],
    ]);
    const actions = await rowTexts("actions");
    expect(actions).toHaveLength(1);
    expect(actions[0].slice(0, 5)).toEqual(["1", "2700", "aa76…b62d", "Heartbeat", "validating"]);
  });

  it("picks up new records within a couple of polls, rendering text as text", async () => {
    store.faults.record({
      walletPkh: WALLET_A,
      W: 2700,
      type: FaultType.LeaderEquivocation,
      culprit: LEADER,
      reason: "<img src=x onerror=alert(1)>",
      detectedBlock: 2710,
      evidence: {},
    });
    await page.waitForSelector("#faults tbody tr:nth-child(3)", { timeout: 8_000 });
    const faults = await rowTexts("faults");
    expect(faults[0][3]).toBe("LeaderEquivocation");
    expect(faults[0][5]).toBe("<img src=x onerror=alert(1)>");
    expect(await page.$$("#faults img")).toHaveLength(0);
  });

  it("shows a DKG fault under its request and attempt (no wallet or window yet)", async () => {
    store.faults.record({ requestId: "7", attempt: 1, type: FaultType.DkgNoParticipation, culprit: LEADER, reason: "silent in attempt 1", detectedBlock: 2720, evidence: {} });
    await page.waitForSelector("#faults tbody tr:nth-child(4)", { timeout: 8_000 });
    const faults = await rowTexts("faults");
    expect(faults[0].slice(1, 4)).toEqual(["", "DKG 7 #1", "DkgNoParticipation"]);
    expect(faults[0][5]).toBe("silent in attempt 1");
  });

  it("ran without page errors and fetched only from the node itself", async () => {
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.length).toBeGreaterThan(1000);
    // For a person to look at: STATUS_PAGE_SCREENSHOT=/tmp/page.png npx vitest run test/e2e/status-page.test.ts
    if (process.env.STATUS_PAGE_SCREENSHOT) writeFileSync(process.env.STATUS_PAGE_SCREENSHOT, shot);
    expect(pageErrors).toEqual([]);
    const origin = new URL(server.url).origin;
    expect(requests.length).toBeGreaterThan(5);
    expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
  });
});
