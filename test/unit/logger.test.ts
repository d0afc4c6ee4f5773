import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/node/logger.js";

const dir = mkdtempSync(join(tmpdir(), "wcoord-logger-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

describe("createLogger", () => {
  it("json: lines on the console and in the file, module bindings, secrets redacted", () => {
    const out = capture();
    const file = join(dir, "sub", "wcoord.log");
    const root = createLogger({ level: "info", format: "json", file, destination: out.stream });
    const log = root.child({ module: "keys" });
    log.info({ password: "hunter2", keystore: { privateKey: "0xdead" }, wallet: "aa76" }, "unlocked");
    log.debug("hidden at info");
    const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ module: "keys", msg: "unlocked", wallet: "aa76", password: "[redacted]", keystore: { privateKey: "[redacted]" } });
    expect(out.text()).toContain('"msg":"unlocked"');
    expect(out.text()).not.toContain("hunter2");
    expect(readFileSync(file, "utf8")).not.toContain("0xdead");
  });

  it("pretty: human lines without colours on a non-TTY, file stays JSON", () => {
    const out = capture();
    const file = join(dir, "pretty.log");
    const log = createLogger({ level: "debug", format: "pretty", file, destination: out.stream }).child({ module: "coordination" });
    log.warn({ wallet: "aa76", W: 2700, secret: "s3cr3t" }, "leader idle");
    expect(out.text()).toMatch(/WARN.*leader idle/);
    expect(out.text()).toContain("W: 2700");
    expect(out.text()).not.toContain("\u001b[");
    expect(out.text()).not.toContain("s3cr3t");
    const line = JSON.parse(readFileSync(file, "utf8").trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 40, module: "coordination", W: 2700, secret: "[redacted]" });
  });
});
