import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, REPEAT_INTERVAL_MS, RepeatLimiter } from "../../src/util/logger.js";

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

type Line = Record<string, unknown>;
const jsonLines = (text: string): Line[] =>
  text
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Line);

describe("RepeatLimiter (fake clock)", () => {
  function limited() {
    let now = 1_000_000;
    const limiter = new RepeatLimiter({ intervalMs: 60_000, now: () => now, schedule: null });
    const lines: Line[] = [];
    const root = pino(
      {
        level: "info",
        hooks: {
          logMethod(args, method, level) {
            limiter.hook(this, args, method, level);
          },
        },
      },
      { write: (s: string) => void lines.push(JSON.parse(s) as Line) },
    );
    return { limiter, lines, root, tick: (ms: number) => void (now += ms), now: () => now };
  }

  it("writes the first warning, holds back the repeats and reports their count with the next line after the interval", () => {
    const { lines, root, tick } = limited();
    const log = root.child({ module: "responder" });
    const fail = (txid: string) => log.warn({ txid, code: "BTC_CHAIN_MOVED", error: `ChainMovedError: moved while locating ${txid}` }, "bitcoin lookup failed; retry next block");
    fail("aa");
    for (let i = 0; i < 199; i++) {
      tick(250);
      fail(`t${i}`); // other ids, same failure
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, txid: "aa", msg: "bitcoin lookup failed; retry next block" });
    expect(lines[0].repeated).toBeUndefined();
    tick(60_000 - 199 * 250);
    fail("bb");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ txid: "bb", repeated: 199 });
    tick(1_000);
    fail("cc"); // a new interval began with "bb"
    expect(lines).toHaveLength(2);
  });

  it("a burst that ends: flush writes the last held-back line once the interval is over (lines + Σ repeated = occurrences)", () => {
    const { limiter, lines, root, tick } = limited();
    const log = root.child({ module: "actions" });
    for (let i = 0; i < 10; i++) log.error({ actionId: i, code: "E1" }, "action pass failed");
    limiter.flush();
    expect(lines).toHaveLength(1);
    tick(60_000);
    limiter.flush();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 50, actionId: 9, repeated: 8 });
    expect(lines.length + lines.reduce((n, l) => n + ((l.repeated as number | undefined) ?? 0), 0)).toBe(10);
    tick(60_000);
    limiter.flush(); // quiet for a whole interval: forgotten
    expect(limiter.size).toBe(0);
    log.error({ actionId: 10, code: "E1" }, "action pass failed");
    expect(lines).toHaveLength(3);
    expect(lines[2].repeated).toBeUndefined();
  });

  it("identity: message, level, module and error name or code; never info, never fatal", () => {
    const { lines, root } = limited();
    const a = root.child({ module: "a" });
    const b = root.child({ module: "b" });
    a.warn({ code: "X" }, "m");
    a.warn({ code: "X" }, "m"); // held
    a.warn({ code: "Y" }, "m"); // other code
    a.warn({ error: "TypeError: boom" }, "m");
    a.warn({ error: "RangeError: boom" }, "m"); // other error name
    a.warn({ err: new SyntaxError("x") }, "m");
    a.error({ code: "X" }, "m"); // other level
    b.warn({ code: "X" }, "m"); // other module
    a.warn({ code: "X" }, "other message");
    a.warn("plain");
    a.warn("plain"); // held
    for (let i = 0; i < 3; i++) a.info({ code: "X" }, "m");
    for (let i = 0; i < 2; i++) a.fatal({ code: "X" }, "m");
    expect(lines.map((l) => [l.level, l.module, l.msg, l.code ?? l.error ?? (l.err as { type?: string } | undefined)?.type ?? null])).toEqual([
      [40, "a", "m", "X"],
      [40, "a", "m", "Y"],
      [40, "a", "m", "TypeError: boom"],
      [40, "a", "m", "RangeError: boom"],
      [40, "a", "m", "SyntaxError"],
      [50, "a", "m", "X"],
      [40, "b", "m", "X"],
      [40, "a", "other message", "X"],
      [40, "a", "plain", null],
      [30, "a", "m", "X"],
      [30, "a", "m", "X"],
      [30, "a", "m", "X"],
      [60, "a", "m", "X"],
      [60, "a", "m", "X"],
    ]);
  });
});

describe("createLogger: one repeat limiter for the root and every child", () => {
  afterEach(() => vi.useRealTimers());

  it("children made separately share it, at warn and at error; the count comes by itself when the burst ends", () => {
    vi.useFakeTimers({ now: 0 });
    const out = capture();
    const file = join(dir, "repeat.log");
    const root = createLogger({ level: "debug", format: "json", file, destination: out.stream });
    const one = root.child({ module: "responder" });
    const two = root.child({ module: "responder" }).child({ actionId: 7 });
    for (let i = 0; i < 50; i++) (i % 2 === 0 ? one : two).warn({ code: "BTC_CHAIN_MOVED", txid: `t${i}` }, "bitcoin lookup failed; retry next block");
    for (let i = 0; i < 5; i++) root.child({ module: "actions" }).error({ code: "BOOM" }, "action pass failed");
    root.child({ module: "responder" }).info("info is never held back");
    let lines = jsonLines(out.text());
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, "bitcoin lookup failed; retry next block"],
      [50, "action pass failed"],
      [30, "info is never held back"],
    ]);
    vi.advanceTimersByTime(REPEAT_INTERVAL_MS);
    lines = jsonLines(out.text());
    expect(lines.slice(3)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 40, txid: "t49", actionId: 7, repeated: 48 }),
        expect.objectContaining({ level: 50, repeated: 3 }),
      ]),
    );
    expect(lines).toHaveLength(5);
    expect(jsonLines(readFileSync(file, "utf8"))).toHaveLength(5);
  });

  it("repeatIntervalMs: 0 turns it off", () => {
    const out = capture();
    const log = createLogger({ level: "info", format: "json", destination: out.stream, repeatIntervalMs: 0 });
    for (let i = 0; i < 3; i++) log.warn("same");
    expect(jsonLines(out.text())).toHaveLength(3);
  });
});
