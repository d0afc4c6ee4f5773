// deploy/systemd/wcoord.service passes `systemd-analyze verify` (with ExecStart pointed at /bin/true,
// since the package is not installed in /opt/wcoord here) and keeps its hardening. The verify step is
// skipped, with the reason in its name, where systemd-analyze is absent.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const UNIT = join(import.meta.dirname, "..", "..", "deploy", "systemd", "wcoord.service");
const text = readFileSync(UNIT, "utf8");
const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" }).status === 0;

describe("deploy/systemd/wcoord.service", () => {
  it("runs the installed wcoord start with a config, restarts on failure, and is hardened", () => {
    expect(text).toMatch(/^ExecStart=\/opt\/wcoord\/bin\/wcoord start --config \S+$/m);
    for (const line of ["DynamicUser=yes", "StateDirectory=wcoord", "Restart=on-failure", "RestartPreventExitStatus=2 3", "NoNewPrivileges=yes", "ProtectSystem=strict",
      "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=", "SystemCallFilter=@system-service"]) {
      expect(text.split("\n")).toContain(line);
    }
    // V8's JIT needs writable executable memory.
    expect(text).not.toMatch(/^MemoryDenyWriteExecute=yes/m);
  });

  it.skipIf(!analyze)(`systemd-analyze verify${analyze ? "" : " (skipped: systemd-analyze is not installed)"}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "wcoord-unit-"));
    try {
      writeFileSync(join(dir, "wcoord.service"), text.replace(/^ExecStart=\/opt\/wcoord\/bin\/wcoord /m, "ExecStart=/bin/true "));
      const r = spawnSync("systemd-analyze", ["verify", "./wcoord.service"], { cwd: dir, encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
