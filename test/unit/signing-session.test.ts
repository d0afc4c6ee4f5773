// threshold.md §5.1–§5.3: whole signing sessions among engine instances over in-memory broadcast, with
// the real library (dev FROST wallet, 5 members, t = 3) and real operator keys.
import { describe, expect, it } from "vitest";
import { verifyBip340Signature } from "../../src/threshold/taproot.js";
import { walletXOf } from "../../src/threshold/signing/package-keys.js";
import { openSigningMessage } from "../../src/threshold/signing/signing-envelope.js";
import { expectAllSigned, garbageShares, MIXED_KEYS, SigningNetwork, signingWorld, WALLET_KEY, type OutgoingFilter } from "./signing-harness.js";


/** Drops the member's shares messages (it committed, then went silent). */
const withholdShares: OutgoingFilter = (opened, wire) => (opened.message.kind === "shares" ? [] : [wire]);

describe("signing session: happy path", () => {
  it("5 members, t = 3, 3 digests mixing wallet and tapLeaf keys: every member ends with signatures that verify", async () => {
    const world = signingWorld(5, 3, MIXED_KEYS, "happy");
    const net = new SigningNetwork(world);
    await net.runToEnd();
    const sigs = expectAllSigned(net, 1);
    expect(sigs).toHaveLength(3);
    // The tapLeaf signatures verify under the deposit's output key, not under walletX.
    expect(verifyBip340Signature(world.digests[1], sigs[1], walletXOf(world.wallet.public))).toBe(false);
    // Every member that released shares had finished its consumed mark first.
    let releasing = 0;
    for (const [, log] of net.logs) {
      const shared = log.events.indexOf("shares:0");
      if (shared < 0) continue;
      releasing++;
      expect(log.events.indexOf("mark:0:done")).toBeGreaterThanOrEqual(0);
      expect(log.events.indexOf("mark:0:done")).toBeLessThan(shared);
    }
    expect(releasing).toBe(3);
  });
});

describe("signing session: silent members", () => {
  it("n − t members offline from the start: the first t to answer sign in attempt 0", async () => {
    const world = signingWorld(5, 3, MIXED_KEYS, "offline");
    const net = new SigningNetwork(world, { offline: [4, 5] });
    await net.runToEnd();
    expectAllSigned(net, 1);
  });

  it("n − t members commit then withhold their shares: attempt 0 times out, attempt 1 signs with a different subset", async () => {
    const world = signingWorld(5, 3, MIXED_KEYS, "silent");
    // Leader 3: members 1 and 2's commitments arrive first, so they are in attempt 0's subset.
    const net = new SigningNetwork(world, { leader: 3, outgoing: { 1: withholdShares, 2: withholdShares } });
    await net.start();
    expect([...net.outcomes().values()].every((o) => o === undefined)).toBe(true);
    await net.timeout(0);
    expectAllSigned(net, 2);
    const outcome = net.outcomes().get(3)!;
    expect(outcome.kind === "signed" && outcome.signers).toEqual([3, 4, 5]);
    const noShare = net.logs.get(4)!.faults.filter((f) => f.kind === "SigningNoShare");
    expect(noShare.map((f) => f.kind === "SigningNoShare" && f.member)).toEqual([1, 2]);
  });
});

describe("signing session: attempt stages", () => {
  it("fewer than t members committed: the timeout charges nobody and a member joining late still signs in attempt 0", async () => {
    const world = signingWorld(5, 3, [WALLET_KEY], "late");
    const e = (m: number) => net.engines.get(m)!;
    const net = new SigningNetwork(world);
    // Members 1 (the leader) and 2 commit; 3, 4 and 5 have not reached the action yet.
    const early = [(await e(1).start()).send[0]!, (await e(2).start()).send[0]!];
    await e(2).onMessage(early[0]);
    await e(1).onMessage(early[1]);
    expect([e(1).stage, e(2).stage]).toEqual(["gathering", "gathering"]);
    for (const m of [1, 2]) expect(await e(m).onAttemptTimeout(0)).toMatchObject({ send: [], faults: [] });
    expect([e(1).attempt, e(2).attempt]).toEqual([0, 0]);
    // Member 3 joins: its commitments make t, the leader's package follows at once, and all sign in attempt 0.
    const third = (await e(3).start()).send[0]!;
    const out = await e(1).onMessage(third);
    expect(out.send.map((w) => openSigningMessage(w, world.domain).message.kind)).toContain("package");
    expect(e(1).stage).toBe("packaged");
  });

  it("t members committed and the coordinator stays silent: the timeout charges the coordinator alone and the next attempt signs", async () => {
    const world = signingWorld(5, 3, [WALLET_KEY], "mute");
    // The leader (member 1) commits like the others but never sends a package.
    const mute: OutgoingFilter = (opened, wire) => (opened.message.kind === "package" ? [] : [wire]);
    const net = new SigningNetwork(world, { outgoing: { 1: mute } });
    await net.start();
    expect(net.engines.get(2)!.stage).toBe("committed");
    await net.timeout(0);
    await net.runToEnd();
    expectAllSigned(net, 2);
    const noShare = net.logs.get(3)!.faults.filter((f) => f.kind === "SigningNoShare");
    expect(noShare.map((f) => f.kind === "SigningNoShare" && f.member)).toEqual([1]);
  });
});

describe("signing session: gossip out of order", () => {
  it("an observer that gets the shares before the package still counts their senders as answered at the timeout", async () => {
    const world = signingWorld(5, 3, MIXED_KEYS, "order");
    const net = new SigningNetwork(world);
    const e = (m: number) => net.engines.get(m)!;
    const opened = (wire: Uint8Array) => openSigningMessage(wire, world.domain).message;
    const commitments = new Map<number, Uint8Array>();
    for (const m of [1, 2, 3, 4, 5]) commitments.set(m, (await e(m).start()).send[0]!);
    // The coordinator (member 1, the leader) takes the first t = 3 commitments: its own, 2's and 3's.
    const out: Uint8Array[] = [];
    for (const m of [2, 3]) out.push(...(await e(1).onMessage(commitments.get(m)!)).send);
    const pkg = out.find((w) => opened(w).kind === "package")!;
    const shares1 = out.find((w) => opened(w).kind === "shares")!;
    const shares = [shares1];
    for (const m of [2, 3]) shares.push(...(await e(m).onMessage(pkg)).send.filter((w) => opened(w).kind === "shares"));
    expect(shares).toHaveLength(3);
    // Member 4 sees the three shares first, then the package; no signatures reach it before its timeout.
    for (const w of shares) await e(4).onMessage(w);
    await e(4).onMessage(pkg);
    const closed = await e(4).onAttemptTimeout(0);
    expect(closed.faults.filter((f) => f.kind === "SigningNoShare")).toEqual([]);
  });
});

describe("signing session: infeasible", () => {
  it("three cheaters of five with t = 3: two failed attempts, then fewer than t remain and the session is infeasible", async () => {
    const world = signingWorld(5, 3, [WALLET_KEY], "infeasible");
    const outgoing = { 2: garbageShares(world, 2), 3: garbageShares(world, 3), 4: garbageShares(world, 4) };
    const net = new SigningNetwork(world, { outgoing });
    await net.runToEnd();
    for (const [, outcome] of net.outcomes()) {
      expect(outcome).toEqual({ kind: "infeasible", attempts: 2, excluded: [2, 3, 4] });
    }
  });
});

describe("signing session: replays", () => {
  it("an earlier attempt's package and commitments are refused during a later attempt", async () => {
    const world = signingWorld(5, 3, MIXED_KEYS, "replay");
    const dropAll: OutgoingFilter = (opened, wire) => (opened.message.kind === "shares" ? [] : [wire]);
    const outgoing = Object.fromEntries([1, 2, 3, 4, 5].map((m) => [m, dropAll]));
    const net = new SigningNetwork(world, { outgoing });
    await net.start();
    await net.timeout(0);
    expect([...net.engines.values()].map((e) => e.attempt)).toEqual([1, 1, 1, 1, 1]);
    const oldPackage = net.sent.find((s) => s.wire[0] === 2 && s.wire.subarray(33, 37).every((b) => b === 0))!;
    const oldCommitments = net.sent.filter((s) => s.wire[0] === 1 && s.wire.subarray(33, 37).every((b) => b === 0));
    const before = [...net.logs.values()].map((l) => l.events.length);
    await net.inject(oldPackage.from, oldPackage.wire);
    for (const c of oldCommitments) await net.inject(c.from, c.wire);
    expect([...net.logs.values()].map((l) => l.events.length)).toEqual(before);
    const codes = [...net.logs.values()].flatMap((l) => l.refusals.map((r) => r.code));
    expect(codes).toContain("ALREADY_ANSWERED");
    expect(codes.some((c) => c === "WRONG_ATTEMPT" || c === "STALE_ATTEMPT")).toBe(true);
  });
});
