// `npm run bench -- startup [--entries 0,100000] [--run src|dist] [--json]`: `wcoord start` (a real child process,
// bench/wcoord-child.ts) to its status API's /health answering "ready", on one devnet chain with one
// wallet: once per E on a fresh data directory, empty for E = 0, else with E finished window rows
// (status done, a follower's accepted result) and E transcript rows (inbound_messages, one ~300-byte
// wire each) pre-filled through the Store's repositories in one transaction.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../src/store/store.js";
import { onlyFlags, printTable, type BenchArgs } from "./bench-util.js";
import { nodeDataDir, runFlag, startChain, startWcoord, type WcoordRun } from "./wcoord-child.js";

export interface StartupOptions {
  entries: number[];
  run: WcoordRun;
}

export function startupOptions(args: BenchArgs): StartupOptions {
  onlyFlags(args, ["entries", "run"]);
  const run = runFlag(args.flags.get("run"));
  const v = args.flags.get("entries");
  if (v === undefined) return { entries: [0, 100_000], run };
  const entries = v.split(",").map((s) => (s.trim() === "" ? NaN : Number(s)));
  if (entries.some((x) => !Number.isSafeInteger(x) || x < 0)) throw new Error(`--entries must be integers ≥ 0 separated by commas, got ${JSON.stringify(v)}`);
  return { entries, run };
}

/** Writes `entries` window rows and as many transcript rows, spread over 100 made-up wallets, 900 blocks apart. */
export function prefillStore(dataDir: string, entries: number): { ms: number } {
  const started = performance.now();
  mkdirSync(dataDir, { recursive: true });
  const store = Store.open(dataDir);
  try {
    const wallets = Array.from({ length: 100 }, (_, i) => i.toString(16).padStart(40, "0"));
    const wire = new Uint8Array(300).fill(7);
    const digest = new Uint8Array(32).fill(9);
    store.transaction(() => {
      for (let i = 0; i < entries; i++) {
        const walletPkh = wallets[i % wallets.length]!;
        const W = 900 * (1 + Math.floor(i / wallets.length));
        store.windows.claim(walletPkh, W, { role: "follower", leader: "0x000000000000000000000000000000000000dEaD", seedHex: "ab".repeat(32), checklist: ["Heartbeat"] });
        store.windows.update(walletPkh, W, { status: "done", result: "accepted", resultDigest: digest, joinedAtBlock: W, firstPublishBlock: W + 3 });
        store.inboundMessages.append({ wire, fromPeer: "12D3KooWBenchPeer", walletPkh, W, receivedAtBlock: W + 3, verdict: "accept" });
      }
    });
  } finally {
    store.close();
  }
  return { ms: performance.now() - started };
}

export async function runStartupBench(args: BenchArgs): Promise<void> {
  const { entries, run } = startupOptions(args);
  const root = mkdtempSync(join(tmpdir(), "wcoord-bench-startup-"));
  const ms: Record<number, number> = {};
  const prefillMs: Record<number, number> = {};
  try {
    const net = await startChain(join(root, "chain"), 1, 0);
    try {
      for (const e of entries) {
        const dir = join(root, `e${e}`);
        mkdirSync(dir);
        if (e > 0) prefillMs[e] = prefillStore(nodeDataDir(dir), e).ms;
        const child = await startWcoord(net, dir, { run });
        ms[e] = Math.round(child.readyMs);
        await child.stop();
      }
    } finally {
      await net.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  if (args.json) return void process.stdout.write(JSON.stringify({ bench: "startup", ms }) + "\n");
  printTable(
    ["entries", "start → /health ready", "pre-fill (not timed in start)"],
    entries.map((e) => [String(e), `${ms[e]} ms`, e === 0 ? "empty store" : `${Math.round(prefillMs[e]!)} ms`]),
  );
}
