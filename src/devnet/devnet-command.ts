// `wcoord devnet` (what `npm start` runs): flags, Ctrl-C handling, summary file.
import { parseArgs } from "node:util";
import { DRAIN_BTC_BLOCKS, pendingActions, runDevnet, writeSummary } from "./devnet.js";

const USAGE = `usage: wcoord devnet [options]

Runs a whole local network: a Hardhat chain on 127.0.0.1, the contracts, operator keys, wallets with
overlapping signing groups, and the operator nodes over libp2p; mines so a window comes every few seconds.

options:
  --nodes N         operator nodes (default 5)
  --wallets W       wallets (default 3)
  --windows K       after K windows, wait until every action is done, expired or backed out
                    (at most ${DRAIN_BTC_BLOCKS} Bitcoin blocks), then stop; exit 0, or 1 if some are
                    still pending (default: run until Ctrl-C)
  --no-drain        with --windows: stop right after window K, actions wherever they are
  --summary FILE    write a JSON summary of every window
  --seed S          scenario seed: the same S gives the same keys, wallets and leaders (default "wcoord")
  --kill-leader     stop the leader of the first wallet in the second window (shows LeaderIdleness)
  --data-dir DIR    keep the chain's deployment and every node's database and log here
  --block-ms MS     pause between blocks around a window (default 60)
`;

function positiveInt(name: string, v: string | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > 10_000) throw new Error(`--${name} must be an integer ≥ ${min}, got "${v}"`);
  return Number(v);
}

export async function runDevnetCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let opts;
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        nodes: { type: "string" },
        wallets: { type: "string" },
        windows: { type: "string" },
        summary: { type: "string" },
        seed: { type: "string" },
        "kill-leader": { type: "boolean" },
        "no-drain": { type: "boolean" },
        "data-dir": { type: "string" },
        "block-ms": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      out.write(USAGE);
      return 0;
    }
    opts = {
      nodes: positiveInt("nodes", values.nodes, 5, 2),
      wallets: positiveInt("wallets", values.wallets, 3, 1),
      windows: positiveInt("windows", values.windows, 0, 1),
      drain: values["no-drain"] !== true,
      seed: values.seed ?? "wcoord",
      killLeader: values["kill-leader"] ?? false,
      dataDir: values["data-dir"],
      blockMs: positiveInt("block-ms", values["block-ms"], 60, 0),
      summary: values.summary,
    };
  } catch (e) {
    err.write(`wcoord devnet: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }

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
