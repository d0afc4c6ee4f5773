// `wcoord devnet` (what `npm start` runs): flags, Ctrl-C handling, summary file.
import { CommandExit, defineCommand, parseCommand, type TextSink } from "../util/cli-args.js";
import { devThreshold } from "../../deploy/dev-frost-wallets.js";
import { DRAIN_BTC_BLOCKS, pendingActions, runDevnet, writeSummary } from "./devnet.js";
import { membersPerWallet } from "./local-network.js";

const DEVNET = defineCommand({
  name: "wcoord devnet",
  usage: "usage: wcoord devnet [options]",
  about: `Runs a whole local network: a Hardhat chain on 127.0.0.1, the contracts, operator keys, the operator
nodes over libp2p, and wallets with overlapping signing groups, each a FROST wallet on Taproot whose key its
members create by DKG (no node ever holds it) and whose transactions t of them sign; mines so a window
comes every few seconds.`,
  flags: {
    nodes: { type: "string", value: "N", default: "5", help: "operator nodes" },
    wallets: { type: "string", value: "W", default: "3", help: "wallets" },
    "frost-wallets": {
      type: "string",
      value: "F",
      help: "the last F of the wallets are FROST wallets, the others ECDSA (default: all)",
    },
    ecdsa: { type: "boolean", help: "every wallet an ECDSA wallet whose dev key every node holds (the old devnet)" },
    threshold: { type: "string", value: "T", help: "FROST signers per signature, 2 to the members per wallet (default: a majority)" },
    "kill-signers": {
      type: "string",
      value: "K",
      help: `stop K members of wallet 0 (never its leader) before the first window; with
K ≤ members − t its actions still end done`,
    },
    windows: {
      type: "string",
      value: "K",
      help: `after K windows, wait until every action is done, expired or backed out
(at most ${DRAIN_BTC_BLOCKS} Bitcoin blocks), then stop; exit 0, or 1 if some are
still pending (default: run until Ctrl-C)`,
    },
    "no-drain": { type: "boolean", help: "with --windows: stop right after window K, actions wherever they are" },
    summary: { type: "string", value: "FILE", help: "write a JSON summary of every window" },
    seed: { type: "string", value: "S", default: "wcoord", help: "scenario seed: the same S gives the same keys, wallets and leaders" },
    "kill-leader": { type: "boolean", help: "stop the leader of the first wallet in the second window (shows LeaderIdleness)" },
    "data-dir": { type: "string", value: "DIR", help: "keep the chain's deployment and every node's database and log here" },
    "block-ms": { type: "string", value: "MS", default: "60", help: "pause between blocks around a window" },
  },
});

/** A count flag: an integer from `min` to 10000. */
function boundedInt(name: string, v: string, min: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > 10_000) throw new Error(`--${name} must be an integer ≥ ${min}, got "${v}"`);
  return Number(v);
}

/** The FROST side of the flags, checked against the wallets' shape before anything starts. */
function frostFlags(values: Record<string, string | boolean | undefined>, nodes: number, wallets: number): { frostWallets: number; threshold?: number; killSigners: number } {
  if (values.ecdsa && values["frost-wallets"] !== undefined) throw new Error("give either --ecdsa or --frost-wallets, not both");
  const frostWallets = values.ecdsa ? 0 : values["frost-wallets"] === undefined ? wallets : boundedInt("frost-wallets", values["frost-wallets"] as string, 0);
  if (frostWallets > wallets) throw new Error(`--frost-wallets must be at most --wallets (${wallets}), got ${frostWallets}`);
  const m = membersPerWallet(nodes);
  const threshold = values.threshold === undefined ? undefined : boundedInt("threshold", values.threshold as string, 2);
  if (threshold !== undefined && (frostWallets === 0 || threshold > m)) {
    throw new Error(frostWallets === 0 ? "--threshold needs FROST wallets (not with --ecdsa)" : `--threshold must be 2 to ${m} (the members per wallet with ${nodes} nodes), got ${threshold}`);
  }
  const killSigners = values["kill-signers"] === undefined ? 0 : boundedInt("kill-signers", values["kill-signers"] as string, 1);
  const spare = m - (threshold ?? devThreshold(m));
  if (killSigners > 0 && frostWallets < wallets) throw new Error("--kill-signers needs wallet 0 to be a FROST wallet (every wallet FROST: no --ecdsa, no --frost-wallets below --wallets)");
  if (killSigners > spare) throw new Error(`--kill-signers must be at most members − t = ${spare}, so wallet 0 keeps a quorum; got ${killSigners}`);
  return { frostWallets, threshold, killSigners };
}

export async function runDevnetCommand(argv: string[], out: TextSink, err: TextSink): Promise<number> {
  const opts = parseCommand(DEVNET, argv, { out, err }, ({ values }) => ({
    nodes: boundedInt("nodes", values.nodes, 2),
    wallets: boundedInt("wallets", values.wallets, 1),
    ...frostFlags(values, boundedInt("nodes", values.nodes, 2), boundedInt("wallets", values.wallets, 1)),
    windows: values.windows === undefined ? 0 : boundedInt("windows", values.windows, 1),
    drain: !values["no-drain"],
    seed: values.seed,
    killLeader: values["kill-leader"],
    dataDir: values["data-dir"],
    blockMs: boundedInt("block-ms", values["block-ms"], 0),
    summary: values.summary,
  }));
  if (opts instanceof CommandExit) return opts.code;

  const controller = new AbortController();
  const onSignal = (): void => {
    out.write("\nstopping the devnet…\n");
    controller.abort(new Error("interrupted"));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const started = Date.now();
  try {
    const summary = await runDevnet({ ...opts, print: (line) => out.write(line + "\n"), signal: controller.signal });
    if (opts.summary) writeSummary(opts.summary, summary);
    out.write(`devnet: ${summary.windows.length} windows in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const pending = opts.drain && opts.windows > 0 ? pendingActions(summary.actions) : [];
    if (pending.length > 0) {
      err.write(`wcoord devnet: ${pending.length} action(s) not terminal after the drain: ${pending.map((a) => `W=${a.window} ${a.wallet} ${a.type} ${a.state}`).join("; ")}\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (controller.signal.aborted) return 0;
    err.write(`wcoord devnet: ${(e as Error).stack ?? e}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
