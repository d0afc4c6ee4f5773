// `wcoord devnet` (what `npm start` runs): flags, Ctrl-C handling, summary file.
import { CommandExit, defineCommand, parseCommand, type TextSink } from "../util/cli-args.js";
import { DRAIN_BTC_BLOCKS, pendingActions, runDevnet, writeSummary } from "./devnet.js";

const DEVNET = defineCommand({
  name: "wcoord devnet",
  usage: "usage: wcoord devnet [options]",
  about: `Runs a whole local network: a Hardhat chain on 127.0.0.1, the contracts, operator keys, wallets with
overlapping signing groups, and the operator nodes over libp2p; mines so a window comes every few seconds.`,
  flags: {
    nodes: { type: "string", value: "N", default: "5", help: "operator nodes" },
    wallets: { type: "string", value: "W", default: "3", help: "wallets" },
    "frost-wallets": {
      type: "string",
      value: "F",
      default: "0",
      help: `the last F of the wallets are FROST wallets on Taproot, keyed by a trusted
dealer (development only; 0 to W); see --quorum-signing`,
    },
    windows: {
      type: "string",
      value: "K",
      help: `after K windows, wait until every action is done, expired or backed out
(at most ${DRAIN_BTC_BLOCKS} Bitcoin blocks), then stop; exit 0, or 1 if some are
still pending (default: run until Ctrl-C)`,
    },
    "quorum-signing": {
      type: "boolean",
      help: `FROST wallets are signed by t of their members over libp2p, each node holding
only its own share, sealed in its database (default: each node signs alone
with all the dealer's shares)`,
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

/** --frost-wallets: 0 up to --wallets. */
function frostCount(v: string, wallets: number): number {
  const n = boundedInt("frost-wallets", v, 0);
  if (n > wallets) throw new Error(`--frost-wallets must be at most --wallets (${wallets}), got ${n}`);
  return n;
}

export async function runDevnetCommand(argv: string[], out: TextSink, err: TextSink): Promise<number> {
  const opts = parseCommand(DEVNET, argv, { out, err }, ({ values }) => ({
    nodes: boundedInt("nodes", values.nodes, 2),
    wallets: boundedInt("wallets", values.wallets, 1),
    frostWallets: frostCount(values["frost-wallets"], boundedInt("wallets", values.wallets, 1)),
    windows: values.windows === undefined ? 0 : boundedInt("windows", values.windows, 1),
    drain: !values["no-drain"],
    quorumSigning: values["quorum-signing"],
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
