// `wcoord` command dispatcher, the top of the folder order: it may load any command, the devnet's too. Each command lives in its own module, loaded on demand so that quick
// commands (window, faults) do not pay for libp2p or Hardhat start-up.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TextSink } from "../util/cli-args.js";

type Command = (argv: string[], out: TextSink, err: TextSink) => Promise<number>;

const COMMANDS: Record<string, { about: string; load: () => Promise<Command> }> = {
  devnet: { about: "run a whole local network: chain, contracts, operator nodes (npm start)", load: loadDevnet },
  start: { about: "run an operator node", load: async () => (await import("../node/start-command.js")).runStartCommand },
  window: { about: "print the index, seed, leader and checklist of a window", load: async () => (await import("../coordination/window-command.js")).runWindowCommand },
  logs: { about: "show the coordination timeline from the node's records", load: async () => (await import("../node/logs-command.js")).runLogsCommand },
  faults: { about: "list recorded faults", load: async () => (await import("../node/faults-command.js")).runFaultsCommand },
  keys: { about: "create or import an encrypted operator keystore", load: async () => (await import("../node/keys-command.js")).runKeysCommand },
  wallet: { about: "show a wallet as the Bridge holds it; request a new FROST wallet (governance)", load: async () => (await import("../node/wallet-command.js")).runWalletCommand },
  db: { about: "check, back up or reindex the node database", load: async () => (await import("../store/db-command.js")).runDbCommand },
};

// The devnet deploys the contracts with Hardhat from the repository's sources, so it runs from a clone
// only: the package build (tsconfig.build.json) leaves src/devnet out and the package has no Hardhat.
// The specifier is not a literal so that the build does not follow it into deploy/ and Hardhat.
const DEVNET_MODULE = "../devnet/devnet-command.js";

async function loadDevnet(): Promise<Command> {
  const here = dirname(fileURLToPath(import.meta.url));
  const present = existsSync(join(here, "..", "devnet", "devnet-command.ts")) || existsSync(join(here, "..", "devnet", "devnet-command.js"));
  let hardhat = true;
  try {
    createRequire(import.meta.url).resolve("hardhat");
  } catch {
    hardhat = false;
  }
  if (!present || !hardhat) {
    return async (_argv, _out, err) => {
      err.write("wcoord devnet: needs Hardhat and the contracts' sources, which this installation does not have; run it from a clone of the repository (npm ci, then npm start)\n");
      return 1;
    };
  }
  return ((await import(DEVNET_MODULE)) as { runDevnetCommand: Command }).runDevnetCommand;
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.about}`);
  return `usage: wcoord <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun 'wcoord <command> --help' for a command's options.\n`;
}

export async function main(argv: string[], out: TextSink = process.stdout, err: TextSink = process.stderr): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? err : out).write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    err.write(`wcoord: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await command.load())(rest, out, err);
}
