// The status API over real HTTP on 127.0.0.1 and a real Store in a temp directory.
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/util/logger.js";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.js";
import { StatusServer, storeStatusSource } from "../../src/node/status-server.js";
import { storeScrapeSources } from "../../src/node/status-source.js";
import { type HealthStatus } from "../../src/metrics/metrics.js";
import { Store } from "../../src/store/store.js";
import { LEADER, OPERATOR, OTHER, populateStatusStore, WALLET_A, WALLET_B, type StatusFixture } from "../fixtures/status-store.js";

const dir = mkdtempSync(join(tmpdir(), "wcoord-status-"));
let store: Store;
let server: StatusServer;
let metrics: Metrics;
let fx: StatusFixture;
let health: HealthStatus = "recovering";

beforeAll(async () => {
  store = Store.open(dir);
  fx = populateStatusStore(store);
  metrics = createMetrics({ processMetrics: false });
  metrics.setScrapeSources(storeScrapeSources(store, () => 2805));
  metrics.windows.inc({ outcome: "opened" });
  const source = storeStatusSource(store, {
    health: () => health,
    ethHead: () => 2805,
    btcTip: () => 840_000,
    operator: OPERATOR,
    peerId: () => "16Uiu2HAm5hPxT7s3TA2f4b4YjAPzS7yLRSgdj87ysDZ6NAXMiRuY",
    profile: () => ({ protocolVersion: 1, chainId: 31337n, frequencyWindows: 4, rngScheme: "seedrandom" }),
    profileHash: () => "0xf7078f19dbcc594437c685d977fd985e5e729e22214aa69d81b40398d92a00ca",
    wallets: () => [WALLET_A, WALLET_B],
    peers: () => 3,
    version: "0.1.0",
  });
  server = new StatusServer({ source, metrics, logger: silentLogger }, { listen: "127.0.0.1:0" });
  await server.start();
});

afterAll(async () => {
  await server?.stop();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; type: string; body: string; json: () => any }> {
  const r = await fetch(server.url + path);
  const body = await r.text();
  return { status: r.status, type: r.headers.get("content-type") ?? "", body, json: () => JSON.parse(body) };
}

/** A raw request, for paths fetch() would normalise or methods it would not send as-is. */
function raw(method: string, path: string): Promise<{ status: number; body: string }> {
  const { port } = server.address()!;
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("status server", () => {
  it("listens on 127.0.0.1 with an assigned port", () => {
    const a = server.address()!;
    expect(a.host).toBe("127.0.0.1");
    expect(a.port).toBeGreaterThan(0);
  });

  it("GET /health reports the phase, heads and cursors (503 while recovering)", async () => {
    health = "recovering";
    let r = await get("/health");
    expect(r.status).toBe(503);
    expect(r.json()).toMatchObject({ status: "recovering", ethHead: 2805, btcTip: 840000, cursors: { "eth.events": { height: 2790 } } });
    health = "degraded";
    r = await get("/health");
    expect(r.status).toBe(200);
    expect(r.json().status).toBe("degraded");
    health = "ready";
    expect((await get("/health")).json().status).toBe("ready");
  });

  it("GET /status", async () => {
    const r = await get("/status");
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json/);
    expect(r.json()).toEqual({
      operator: OPERATOR,
      peerId: "16Uiu2HAm5hPxT7s3TA2f4b4YjAPzS7yLRSgdj87ysDZ6NAXMiRuY",
      profile: { protocolVersion: 1, chainId: "31337", frequencyWindows: 4, rngScheme: "seedrandom" },
      profileHash: "0xf7078f19dbcc594437c685d977fd985e5e729e22214aa69d81b40398d92a00ca",
      head: 2805,
      wallets: [WALLET_A, WALLET_B],
      peers: 3,
      version: "0.1.0",
    });
  });

  it("GET /windows: newest first, with proposal and action, filtered by wallet and limit", async () => {
    const all = (await get("/windows")).json();
    expect(all.map((w: any) => [w.W, w.wallet])).toEqual([
      [2700, WALLET_A],
      [1800, WALLET_B],
      [900, WALLET_A],
      [900, WALLET_B],
    ]);
    expect(all[0]).toMatchObject({
      role: "follower",
      leader: LEADER,
      checklist: ["Redemption"],
      proposal: "Heartbeat",
      result: "accepted",
      action: { id: fx.heartbeatActionId, type: "Heartbeat", state: "validating", validationBlock: 2800 },
    });
    const b = (await get(`/windows?wallet=0x${WALLET_B.toUpperCase()}&limit=1`)).json();
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ W: 1800, wallet: WALLET_B, result: "idle", leader: OTHER });
  });

  it("GET /faults: newest first, filters by wallet, type, sinceBlock and limit", async () => {
    const all = (await get("/faults")).json();
    expect(all.map((f: any) => f.id)).toEqual([fx.idleFaultId, fx.invalidFaultId]);
    expect(all[0]).toMatchObject({ type: "LeaderIdleness", typeCode: 1, culprit: OTHER, W: 1800, detectedBlock: 1880, wallet: WALLET_B });
    expect(all[0].evidence).toBeUndefined();
    expect((await get(`/faults?wallet=${WALLET_A}`)).json().map((f: any) => f.type)).toEqual(["InvalidProposal"]);
    expect((await get("/faults?type=InvalidProposal")).json().map((f: any) => f.id)).toEqual([fx.invalidFaultId]);
    expect((await get("/faults?type=1")).json().map((f: any) => f.id)).toEqual([fx.idleFaultId]);
    expect((await get("/faults?type=11")).json()).toEqual([]); // DkgNoParticipation, by code
    expect(all[0]).toMatchObject({ requestId: null, attempt: null });
    expect((await get("/faults?sinceBlock=1000")).json().map((f: any) => f.id)).toEqual([fx.idleFaultId]);
    expect((await get("/faults?limit=1")).json()).toHaveLength(1);
    expect((await get("/faults?wallet=" + "cc".repeat(20))).json()).toEqual([]);
  });

  it("GET /faults/:id includes the evidence; unknown id is 404", async () => {
    const f = (await get(`/faults/${fx.invalidFaultId}`)).json();
    expect(f).toMatchObject({ id: fx.invalidFaultId, type: "InvalidProposal", reason: "Deposit not revealed" });
    expect(f.evidence).toEqual({ wire: "0x0102", validationBlock: { number: 950, hash: "0x" + "cd".repeat(32) } });
    const missing = await get("/faults/999");
    expect(missing.status).toBe(404);
    expect(missing.json().error).toMatch(/no fault 999/);
  });

  it("GET /actions and /actions/:id with its transitions", async () => {
    const list = (await get(`/actions?wallet=${WALLET_A}&state=validating`)).json();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: fx.heartbeatActionId, type: "Heartbeat", state: "validating", start: 2800, expiry: 3400, holdsLock: true });
    expect((await get("/actions?state=done")).json()).toEqual([]);
    const one = (await get(`/actions/${fx.heartbeatActionId}`)).json();
    expect(one.transitions.map((t: any) => [t.from, t.to, t.ethHead])).toEqual([
      [null, "scheduled", 2704],
      ["scheduled", "validating", 2800],
    ]);
    expect(one.trackers).toEqual([]);
    expect(one.intents).toEqual([]);
    expect((await get("/actions/77")).status).toBe(404);
  });

  it("GET /metrics serves Prometheus text including scrape-time gauges from the store", async () => {
    const r = await get("/metrics");
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain/);
    expect(r.body).toContain('wcoord_windows_total{outcome="opened"} 1');
    expect(r.body).toContain('wcoord_actions{type="Heartbeat",state="validating"} 1');
    // 24 h of blocks before head 2805 reaches back to block 0: both faults are recent.
    expect(r.body).toContain('wcoord_faults_recent{type="LeaderIdleness"} 1');
    expect(r.body).toContain('wcoord_faults_recent{type="InvalidProposal"} 1');
    // The heartbeat of W=2700 is validating: 3100 − 2805 blocks to its signing deadline, busy since this window.
    expect(r.body).toContain(`wcoord_action_deadline_blocks{type="Heartbeat",wallet="${WALLET_A}"} 295`);
    expect(r.body).toContain(`wcoord_wallet_busy_windows{wallet="${WALLET_A}"} 0`);
  });

  it("GET / serves the page with a strict CSP and no external assets", async () => {
    const r = await fetch(server.url + "/");
    const html = await r.text();
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/html/);
    expect(r.headers.get("content-security-policy")).toMatch(/default-src 'none'.*script-src 'sha256-/);
    expect(html).toContain('<table id="windows">');
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
  });

  describe("bad input", () => {
    const bad: Array<[string, RegExp]> = [
      ["/windows?limit=0", /limit: expected an integer from 1 to 1000/],
      ["/windows?limit=abc", /limit/],
      ["/windows?limit=1001", /limit/],
      ["/windows?wallet=xyz", /wallet: expected a 20-byte wallet PKH/],
      ["/windows?wallet=" + "aa".repeat(21), /wallet/],
      ["/windows?colour=red", /unknown query parameter "colour"/],
      ["/windows?limit=1&limit=2", /more than once/],
      ["/faults?type=Sloppiness", /type: expected one of LeaderIdleness/],
      ["/faults?type=0", /type/],
      ["/faults?type=12", /type/],
      ["/faults?sinceBlock=-5", /sinceBlock/],
      ["/faults?sinceBlock=1e3", /sinceBlock/],
      ["/actions?state=flying", /state: expected one of scheduled/],
      ["/faults/abc", /id: expected a positive integer/],
      ["/faults/0", /id/],
      ["/actions/1.5", /id/],
      ["/faults/%E0%A4%A", /malformed id/],
      ["/health?x=1", /unknown query parameter/],
    ];
    for (const [path, re] of bad) {
      it(`400 for ${path}`, async () => {
        const r = await raw("GET", path);
        expect(r.status).toBe(400);
        expect(JSON.parse(r.body).error).toMatch(re);
      });
    }

    it("404 for unknown paths, 405 for other methods, and the server keeps serving", async () => {
      expect((await raw("GET", "/nope")).status).toBe(404);
      expect((await raw("GET", "/faults/1/extra")).status).toBe(404);
      expect(JSON.parse((await raw("GET", "/admin")).body).error).toMatch(/no such endpoint/);
      expect((await raw("POST", "/faults")).status).toBe(405);
      expect((await raw("DELETE", "/actions/1")).status).toBe(405);
      expect((await raw("HEAD", "/status")).status).toBe(200);
      expect((await raw("GET", "//status?%%%")).status).toBeGreaterThanOrEqual(400);
      expect((await get("/status")).status).toBe(200);
    });

    it("a source that throws gives 500 without details, and the server survives", async () => {
      const failing = new StatusServer(
        {
          source: {
            ...storeStatusSource(store, { health: () => "ready", ethHead: () => null, btcTip: () => null }),
            windows: () => {
              throw new Error("secret internals");
            },
          },
          metrics: null,
          logger: silentLogger,
        },
        { listen: "127.0.0.1:0" },
      );
      await failing.start();
      try {
        const r = await fetch(failing.url + "/windows");
        expect(r.status).toBe(500);
        expect(await r.json()).toEqual({ error: "internal error" });
        expect((await fetch(failing.url + "/metrics")).status).toBe(404);
        expect((await fetch(failing.url + "/health")).status).toBe(200);
      } finally {
        await failing.stop();
      }
    });
  });

  it("start/stop are idempotent and stop frees the port", async () => {
    const s = new StatusServer({ source: storeStatusSource(store, { health: () => "ready", ethHead: () => null, btcTip: () => null }), metrics: null, logger: silentLogger }, { listen: "127.0.0.1:0" });
    await s.stop();
    await s.start();
    await s.start();
    const url = s.url;
    expect((await fetch(url + "/health")).status).toBe(200);
    await s.stop();
    await s.stop();
    await expect(fetch(url + "/health")).rejects.toThrow();
  });
});
