// `npm run bench -- <name> [flags] [--json]`: one benchmark, a short table (or one JSON object with
// --json). Figures are printed, never asserted: timed unit tests would only measure the machine's load.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBenchArgs, type BenchArgs } from "./bench-util.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

const BENCHES: Record<string, { about: string; run: (args: BenchArgs) => Promise<void> | void }> = {
  gas: {
    about: "gas of the Bridge's, the validator's and the registry's calls (JSON)",
    run: async () => {
      // The gas bench deploys the compiled contracts in-process.
      const build = spawnSync(join(ROOT, "node_modules", ".bin", "hardhat"), ["build", "--quiet"], { cwd: ROOT, stdio: "inherit" });
      if (build.status !== 0) throw new Error("hardhat build failed");
      await import("./gas.js");
    },
  },
  dkg: { about: "one member's DKG compute at n = 10, 50, 100 (--n), beside the bare library", run: async (a) => (await import("./dkg.js")).runDkgBench(a) },
  "dkg-network": {
    about: "wall time of one DKG among n real nodes on loopback, request to registered wallet (--n, default 10)",
    run: async (a) => (await import("./dkg-network.js")).runDkgNetworkBench(a),
  },
  signing: {
    about: "one signing session of 20 digests at t = 3, 26, 51 (--t): member and coordinator compute, beside the bare library",
    run: async (a) => (await import("./signing.js")).runSigningBench(a),
  },
};

const [name, ...rest] = process.argv.slice(2);
const bench = name === undefined ? undefined : BENCHES[name];
if (bench === undefined) {
  process.stderr.write(`usage: npm run bench -- <name> [flags] [--json]\n\n${Object.entries(BENCHES).map(([n, b]) => `  ${n.padEnd(12)} ${b.about}`).join("\n")}\n`);
  process.exit(name === undefined || name === "--help" ? 0 : 2);
}
try {
  await bench.run(parseBenchArgs(rest));
} catch (e) {
  process.stderr.write(`bench ${name}: ${(e as Error).message}\n`);
  process.exit(1);
}
