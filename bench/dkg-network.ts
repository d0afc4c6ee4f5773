// `npm run bench -- dkg-network [--n 10] [--json]`: wall time of one DKG among n real operator nodes on
// loopback (threshold.md §8): a `hardhat node`, the contracts, n nodes (createNode, libp2p, their own
// databases); governance requests a wallet of all n (t = ⌊n/2⌋ + 1, every member signs the result) and
// the clock runs until the registry accepts the result, i.e. the wallet is Live on the Bridge. It
// includes what a real DKG pays beyond compute: the nodes seeing the request (their event index),
// learning each other's keys, gossip on a fresh topic, the result's signatures and its transaction.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalNetwork } from "../src/devnet/local-network.js";
import { flagList, printTable, type BenchArgs } from "./bench-util.js";

export interface DkgNetworkFigure {
  n: number;
  t: number;
  /** Request mined → DkgResultAccepted seen, ms. */
  registeredMs: number;
  /** Registered → every member's sealed share stored, ms (usually 0: shares are stored before the result is signed). */
  sharesMs: number;
}

async function measure(n: number): Promise<DkgNetworkFigure> {
  const dir = mkdtempSync(join(tmpdir(), "wcoord-bench-dkg-network-"));
  const net = await LocalNetwork.start({ nodes: n, wallets: 1, frostWallets: 1, members: n, seed: "bench-dkg-network", dataDir: dir, blockMs: 0, logLevel: "info" });
  try {
    for (let i = 0; i < n; i++) await net.startNode(i);
    const started = Date.now();
    await net.createFrostWallets();
    const registeredMs = Date.now() - started;
    const w = net.wallets[0]!;
    const pkh = Buffer.from(w.walletPubKeyHash).toString("hex");
    while (!net.nodes.every((node) => node!.store.keyShares.get(pkh) !== undefined)) await new Promise((r) => setTimeout(r, 50));
    return { n, t: w.scheme === "frost" ? w.threshold : 0, registeredMs, sharesMs: Date.now() - started - registeredMs };
  } finally {
    await net.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runDkgNetworkBench(args: BenchArgs): Promise<void> {
  const figures: DkgNetworkFigure[] = [];
  for (const n of flagList(args, "n", [10])) figures.push(await measure(n));
  if (args.json) return void process.stdout.write(JSON.stringify({ bench: "dkg-network", figures }) + "\n");
  printTable(
    ["n", "t", "request → registered", "→ every share stored"],
    figures.map((f) => [String(f.n), String(f.t), `${(f.registeredMs / 1000).toFixed(1)} s`, `+${f.sharesMs} ms`]),
  );
}
