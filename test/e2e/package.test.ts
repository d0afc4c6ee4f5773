// The package an operator installs: `npm run build`'s dist step, `npm pack`, `npm install -g` of the
// tarball into a fresh prefix (dependencies from the local npm cache, --prefer-offline), then the
// installed `wcoord`: --help, `window` offline, `devnet` (one line: no Hardhat in the package), the
// Node-version guard under an old Node, and `start` against a `hardhat node` with contracts deployed,
// a config file and an encrypted keystore made by the installed `wcoord keys`, until /health says
// ready and /metrics serves the alert rules' gauges; stopped by PID with SIGTERM.
// Slow on purpose (a build, an npm install, a chain): about a minute, under 3 minutes on 2 cores.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startHardhatNode, type HardhatNode } from "../../src/devnet/hardhat-node.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// The installed bin is `#!/usr/bin/env node`: this process's Node (>= 22.13) first on PATH.
const ENV = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` };
const OLD_NODE = "/usr/bin/node";

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Run {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? ENV, encoding: "utf8", timeout: opts.timeout ?? 60_000 });
  return { code: r.status, out: r.stdout ?? "", err: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

const WINDOW_ARGS = [
  "window",
  "--wallet", "aa768412ceed10bd423c025542ca90071f9fb62d",
  "--block", "900",
  "--safe-block-hash", "1322996cbcbc38fc924a46f4df5f9064279d3ab43396e58386dac9b87440d64f",
  "--operators", "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf,0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
  "--json",
];

describe("the installed package (npm pack → npm install -g)", () => {
  let tmp: string;
  let prefix: string;
  let wcoord: string;
  let pkgDir: string;
  let pack: { filename: string; size: number; files: { path: string }[] };
  let installSeconds: number;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "wcoord-package-"));
    prefix = join(tmp, "prefix");
    // `npm run build` is `hardhat build` (pretest did it) then this dist step; prepack runs the whole
    // build, so pack itself runs with --ignore-scripts here.
    execFileSync(process.execPath, [join(ROOT, "scripts", "build-dist.mjs")], { cwd: ROOT, env: ENV, stdio: "pipe" });
    const packed = run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp]);
    expect(packed.code, packed.err).toBe(0);
    pack = (JSON.parse(packed.out) as (typeof pack)[])[0];
    const started = Date.now();
    const installed = run(
      "npm",
      ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", join(tmp, pack.filename)],
      { cwd: tmp, timeout: 170_000 },
    );
    installSeconds = (Date.now() - started) / 1000;
    expect(installed.code, installed.err).toBe(0);
    wcoord = join(prefix, "bin", "wcoord");
    pkgDir = join(prefix, "lib", "node_modules", "wallet-coordinator");
    console.log(`package: ${pack.filename} ${(pack.size / 1024).toFixed(0)} KiB, ${pack.files.length} files; npm install -g took ${installSeconds.toFixed(1)} s`);
  }, 200_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("holds bin/, dist/ with its SQL migrations, README, LICENSE and the operating examples; no sources or tests", () => {
    const files = pack.files.map((f) => f.path);
    for (const f of ["bin/wcoord.js", "dist/cli/cli.js", "dist/node/start-command.js", "dist/store/migrations/0001_init.sql", "README.md", "LICENSE", "package.json",
      "docs/config-reference.md", "deploy/monitoring/alerts.yml", "deploy/monitoring/grafana-dashboard.json", "deploy/systemd/wcoord.service"]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^(src|test|contracts|artifacts|ignition|scripts|bench)\//.test(f) || f.startsWith("dist/devnet/") || f.endsWith(".ts"))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).not.toContain("tsx");
    expect(Object.keys(manifest.dependencies)).not.toContain("hardhat");
  });

  it("wcoord --help", () => {
    const r = run(wcoord, ["--help"], { cwd: tmp });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: wcoord <command>/);
    for (const c of ["start", "window", "logs", "faults", "keys", "db", "devnet"]) expect(r.out).toContain(`  ${c} `);
  });

  it("wcoord window offline gives what the sources give", () => {
    const installed = run(wcoord, WINDOW_ARGS, { cwd: tmp });
    expect(installed.err).toBe("");
    expect(installed.code).toBe(0);
    const fromSource = run(process.execPath, [join(ROOT, "bin", "wcoord.js"), ...WINDOW_ARGS], { env: { ...ENV, WCOORD_RUN: "src" } });
    expect(fromSource.code, fromSource.err).toBe(0);
    expect(JSON.parse(installed.out)).toEqual(JSON.parse(fromSource.out));
    expect(JSON.parse(installed.out)).toMatchObject({ index: 1, leader: "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf" });
  });

  it("wcoord devnet says in one line that it runs from a clone", () => {
    const r = run(wcoord, ["devnet"], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/^wcoord devnet: needs Hardhat .* run it from a clone/);
  });

  const oldNode = run(OLD_NODE, ["-e", "process.stdout.write(process.versions.node)"]);
  const isOld = oldNode.code === 0 && !/^(2[3-9]|[3-9]\d)\.|^22\.(1[3-9]|[2-9]\d)\./.test(oldNode.out);
  it.skipIf(!isOld)(`under an old Node (${OLD_NODE} ${oldNode.out || "absent"}): one line without a Node 22 to use, else re-executed under it`, () => {
    const bin = join(pkgDir, "bin", "wcoord.js");
    const alone = run(OLD_NODE, [bin, "--help"], { cwd: tmp, env: { ...process.env, NODE22_PREFIX: join(tmp, "no-node22") } });
    expect(alone.code).toBe(1);
    expect(alone.out).toBe("");
    expect(alone.err.trim().split("\n")).toHaveLength(1);
    expect(alone.err).toMatch(/^wcoord: needs Node\.js >= 22\.13 but this is v\d+\.\d+\.\d+: put Node 22 first on PATH/);
    // A Node 22 installed from npm where scripts/node22.sh puts it (<prefix>/node_modules/.bin/node) is
    // used instead; this process's Node is one when it is the `node` package (npm test, scripts/node22.sh).
    const node22Prefix = join(dirname(process.execPath), "..", "..", "..");
    if (!existsSync(join(node22Prefix, "node_modules", ".bin", "node"))) return;
    const reexec = run(OLD_NODE, [bin, ...WINDOW_ARGS], { cwd: tmp, env: { ...process.env, NODE22_PREFIX: node22Prefix } });
    expect(reexec.err).toBe("");
    expect(reexec.code).toBe(0);
    expect(JSON.parse(reexec.out)).toMatchObject({ index: 1 });
  });

  describe("wcoord start against a hardhat node", () => {
    let chain: HardhatNode;
    let dir: string;
    const deploymentId = `package-test-${process.pid}`;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "wcoord-package-start-"));
      chain = await startHardhatNode();
      const deployed = run(join(ROOT, "node_modules", ".bin", "hardhat"), ["run", "deploy/deploy.ts", "--network", "localhost"], {
        env: { ...ENV, WCOORD_LOCALHOST_URL: chain.url, WCOORD_DEPLOYMENTS_DIR: dir, WCOORD_IGNITION_DEPLOYMENT_ID: deploymentId },
        timeout: 120_000,
      });
      expect(deployed.code, deployed.err).toBe(0);
    }, 150_000);

    afterAll(async () => {
      await chain?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
      rmSync(join(ROOT, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    });

    it("reaches ready, answers /health and /metrics, stops cleanly on SIGTERM", async () => {
      writeFileSync(join(dir, "password"), "correct horse battery staple\n", { mode: 0o600 });
      const keys = run(wcoord, ["keys", "new", "--out", join(dir, "operator.json"), "--password-file", join(dir, "password"), "--scrypt-n", "1024"], { cwd: dir });
      expect(keys.code, keys.err).toBe(0);
      const statusPort = await freePort();
      // Relative paths resolve against the config file's directory (docs/config-reference.md).
      writeFileSync(
        join(dir, "node.yaml"),
        [
          "dataDir: data",
          "eth:",
          `  rpcUrl: ${chain.url}`,
          "bridge:",
          "  deploymentFile: localhost.json",
          "keys:",
          "  keystore: operator.json",
          "  passwordFile: password",
          "network:",
          '  listen: ["/ip4/127.0.0.1/tcp/0"]',
          "status:",
          `  listen: 127.0.0.1:${statusPort}`,
          "log:",
          "  format: json",
          "  level: info",
          "",
        ].join("\n"),
      );

      const child: ChildProcess = spawn(wcoord, ["start", "--config", join(dir, "node.yaml")], { cwd: tmp, env: ENV, stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      const lines: { msg?: string }[] = [];
      let buf = "";
      child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const ready = new Promise<void>((resolve, reject) => {
        child.stdout!.on("data", (d: Buffer) => {
          buf += d.toString();
          const parts = buf.split("\n");
          buf = parts.pop()!;
          for (const p of parts) {
            try {
              lines.push(JSON.parse(p) as { msg?: string });
            } catch {
              lines.push({ msg: p });
            }
            if (lines.at(-1)!.msg === "node ready") resolve();
          }
        });
        void exited.then((code) => reject(new Error(`wcoord start exited ${code} before ready:\n${err}\n${lines.map((l) => JSON.stringify(l)).join("\n")}`)));
      });
      try {
        await ready;
        const health = await fetch(`http://127.0.0.1:${statusPort}/health`);
        expect(health.status).toBe(200);
        expect(((await health.json()) as { status: string }).status).toBe("ready");
        const metrics = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
        expect(metrics).toContain('wcoord_health_status{status="ready"} 1');
        expect(metrics).toMatch(/^wcoord_chain_unreachable_seconds\{chain="eth"\} \d/m);
        expect(metrics).toContain('wcoord_windows_total{outcome="missed"} 0');
      } finally {
        process.kill(child.pid!, "SIGTERM");
      }
      expect(await exited).toBe(0);
      expect(err).toBe("");
      expect(lines.some((l) => l.msg === "shutting down")).toBe(true);
    }, 90_000);
  });
});
