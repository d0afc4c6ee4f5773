// `npm run bench -- <name> [flags] [--json]`: one benchmark, a short table (or one JSON object with
// --json). Figures are printed, never asserted: timed unit tests would only measure the machine's load.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { onlyFlags, parseBenchArgs, type BenchArgs } from "./bench-util.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

const BENCHES: Record<string, { about: string; run: (args: BenchArgs) => Promise<void> | void }> = {
  gas: {
    about: "gas of the Bridge's, the validator's and the registry's calls",
    run: async (a) => {
      onlyFlags(a, []);
      // The gas bench deploys the compiled contracts in-process; the build's output goes to stderr (stdout is the figures).
      const build = spawnSync(join(ROOT, "node_modules", ".bin", "hardhat"), ["build", "--quiet"], { cwd: ROOT, stdio: ["ignore", 2, 2] });
      if (build.status !== 0) throw new Error("hardhat build failed");
      const { gasReport } = await import("./gas.js");
      (await import("./gas-report.js")).printGasReport(gasReport, a.json);
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
  footprint: {
    about: "RSS and CPU seconds of one `wcoord start` process, idle and across a window, with W wallets (--wallets, default 1,50,200)",
    run: async (a) => (await import("./footprint.js")).runFootprintBench(a),
  },
  startup: {
    about: "`wcoord start` to /health ready, empty store and with E window + transcript rows (--entries, default 0,100000)",
    run: async (a) => (await import("./startup.js")).runStartupBench(a),
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
