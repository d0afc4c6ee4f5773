// threshold.md §5.1, §5.2 step 3: a member's package check, one refusal code per rule, and the durable
// consumed mark awaited before any share leaves.
import { describe, expect, it } from "vitest";
import { schnorr_FROST } from "@noble/curves/secp256k1.js";
import { frostIdentifier } from "../../src/threshold/dev-wallet.js";
import { MemberSession, type MemberSessionInit } from "../../src/threshold/signing/member-session.js";
import { commitmentListOf, publicForKey } from "../../src/threshold/signing/package-keys.js";
import { SessionAttempts } from "../../src/threshold/signing/session-attempts.js";
import { openSigningMessageOf, sealSigningMessage } from "../../src/threshold/signing/signing-envelope.js";
import { packageHashOf, type NonceCommitmentPair, type PackageMessage } from "../../src/threshold/signing/signing-messages.js";
import { bytesEqual } from "../../src/util/hex.js";
import { leafKey, signingWorld, WALLET_KEY, type SigningWorld } from "./signing-harness.js";

const world = signingWorld(5, 3, [WALLET_KEY, leafKey("m-a"), leafKey("m-b")], "member");
const MEMBERS = [1, 2, 3, 4, 5];

function attemptsOf(w: SigningWorld): SessionAttempts {
  return new SessionAttempts({ sessionId: w.sessionId, members: MEMBERS, threshold: 3, leader: 1 });
}

function memberInit(m: number, markConsumed: MemberSessionInit["markConsumed"] = async () => {}): MemberSessionInit {
  return {
    domain: world.domain,
    operators: world.operators,
    sessionId: world.sessionId,
    public: world.wallet.public,
    threshold: 3,
    digests: world.digests,
    keys: world.keys,
    self: m,
    secret: world.wallet.shares.get(m)!,
    operatorKey: world.operatorKeys[m - 1],
    markConsumed,
  };
}

function commitmentsOf(wire: Uint8Array | undefined): readonly NonceCommitmentPair[] {
  return openSigningMessageOf(wire!, world.domain, "commitments").message.commitments;
}

function signedPackage(signer: number, fields: Partial<PackageMessage> & Pick<PackageMessage, "subset" | "commitments">) {
  const pkg: PackageMessage = { kind: "package", sessionId: world.sessionId, attempt: 0, coordinator: signer, digests: world.digests, keys: world.keys, ...fields };
  return openSigningMessageOf(sealSigningMessage(world.operatorKeys[signer - 1], world.domain, pkg), world.domain, "package");
}

/** Members 1–3 committed for attempt 0; returns their sessions and commitments. */
function threeCommitted(mark?: MemberSessionInit["markConsumed"]) {
  const attempts = attemptsOf(world);
  const sessions = [1, 2, 3].map((m) => new MemberSession(memberInit(m, m === 2 ? mark : undefined), attempts));
  const commitments = sessions.map((s) => commitmentsOf(s.commitFor(0)));
  return { attempts, sessions, commitments };
}

describe("member session: package checks", () => {
  it("awaits markConsumed before it returns any share, and the shares verify for the package", async () => {
    let release!: () => void;
    const marks: [Uint8Array, number][] = [];
    const mark = (sessionId: Uint8Array, attempt: number) => {
      marks.push([sessionId, attempt]);
      return new Promise<void>((r) => (release = r));
    };
    const { sessions, commitments } = threeCommitted(mark);
    const pkg = signedPackage(1, { subset: [1, 2, 3], commitments });
    let answered = false;
    const answer = sessions[1].onPackage(pkg).then((a) => ((answered = true), a));
    await new Promise((r) => setTimeout(r, 30));
    expect(marks).toHaveLength(1);
    expect(bytesEqual(marks[0][0], world.sessionId) && marks[0][1]).toBe(0);
    expect(answered).toBe(false);
    release();
    const a = await answer;
    if (a.kind !== "shares") throw new Error(`refused: ${a.kind === "refused" && a.code}`);
    const shares = openSigningMessageOf(a.wire, world.domain, "shares").message;
    expect(bytesEqual(shares.packageHash, packageHashOf(pkg.message))).toBe(true);
    shares.shares.forEach((share, i) => {
      const pub = publicForKey(world.wallet.public, world.keys[i]);
      expect(schnorr_FROST.verifyShare(pub, commitmentListOf(pkg.message, i), world.digests[i], frostIdentifier(2), share)).toBe(true);
    });
    // The same package again: no second set of shares (the nonces are spent).
    expect(await sessions[1].onPackage(pkg)).toMatchObject({ kind: "refused", code: "ALREADY_ANSWERED" });
  });

  it("two different packages racing for one attempt: one gets shares, the other is equivocation; markConsumed runs once", async () => {
    let marks = 0;
    const slowMark = async () => {
      marks++;
      await new Promise((r) => setTimeout(r, 20));
    };
    const { attempts, sessions, commitments } = threeCommitted(slowMark);
    const fourth = commitmentsOf(new MemberSession(memberInit(4), attempts).commitFor(0));
    const a = signedPackage(1, { subset: [1, 2, 3], commitments });
    const b = signedPackage(1, { subset: [1, 2, 4], commitments: [commitments[0], commitments[1], fourth] });
    const answers = await Promise.all([sessions[1].onPackage(a), sessions[1].onPackage(b)]);
    expect(answers.map((x) => (x.kind === "shares" ? "shares" : x.code))).toEqual(["shares", "EQUIVOCATION"]);
    expect(marks).toBe(1);
  });

  it("passes the package hash to markConsumed, and releases nothing when the mark fails (MARK_FAILED), not even later", async () => {
    const hashes: Uint8Array[] = [];
    const failing = async (_s: Uint8Array, _a: number, packageHash: Uint8Array) => {
      hashes.push(packageHash);
      throw new Error("nonces already marked for another package");
    };
    const { sessions, commitments } = threeCommitted(failing);
    const pkg = signedPackage(1, { subset: [1, 2, 3], commitments });
    expect(await sessions[1].onPackage(pkg)).toMatchObject({ kind: "refused", code: "MARK_FAILED" });
    expect(hashes.map((h) => bytesEqual(h, packageHashOf(pkg.message)))).toEqual([true]);
    expect(await sessions[1].onPackage(pkg)).toMatchObject({ kind: "refused", code: "ALREADY_ANSWERED" });
  });

  it("refuses a package from a member that does not coordinate the attempt", async () => {
    const { sessions, commitments } = threeCommitted();
    expect(await sessions[1].onPackage(signedPackage(2, { subset: [1, 2, 3], commitments }))).toMatchObject({ code: "WRONG_COORDINATOR" });
    // Signed by member 1's key but naming another coordinator.
    expect(await sessions[1].onPackage(signedPackage(1, { coordinator: 3, subset: [1, 2, 3], commitments }))).toMatchObject({ code: "WRONG_COORDINATOR" });
  });

  it("refuses |subset| ≠ t", async () => {
    const { sessions, commitments } = threeCommitted();
    expect(await sessions[1].onPackage(signedPackage(1, { subset: [1, 2], commitments: commitments.slice(0, 2) }))).toMatchObject({ code: "SUBSET_SIZE" });
  });

  it("refuses commitments of mine that I did not send", async () => {
    const { sessions, commitments } = threeCommitted();
    const swapped = [commitments[0], commitments[2], commitments[2]];
    expect(await sessions[1].onPackage(signedPackage(1, { subset: [1, 2, 3], commitments: swapped }))).toMatchObject({ code: "COMMITMENTS_DIFFER" });
  });

  it("refuses a subset with an excluded member", async () => {
    const attempts = attemptsOf(world);
    attempts.excludeCheater(3);
    expect(attempts.closeAttempt({ cheaters: [], silent: [] })).toBe(true);
    const coordinator = attempts.coordinator;
    const sessions = new Map(MEMBERS.map((m) => [m, new MemberSession(memberInit(m), attempts)]));
    const subset = [1, 2, 3];
    const commitments = subset.map((m) => (m === 3 ? commitmentsOf(sessions.get(1)!.commitFor(1)) : commitmentsOf(sessions.get(m)!.commitFor(1))));
    const pkg = signedPackage(coordinator, { attempt: 1, subset, commitments });
    expect(await sessions.get(2)!.onPackage(pkg)).toMatchObject({ code: "SUBSET_NOT_INCLUDED" });
    expect(sessions.get(3)!.commitFor(1)).toBeUndefined();
  });

  it("refuses a package of an earlier attempt it never saw, and one of a later attempt", async () => {
    const { attempts, sessions, commitments } = threeCommitted();
    const old = signedPackage(1, { subset: [1, 2, 3], commitments });
    const late = signedPackage(1, { attempt: 1, subset: [1, 2, 3], commitments });
    expect(await sessions[1].onPackage(late)).toMatchObject({ code: "FUTURE_ATTEMPT" });
    attempts.closeAttempt({ cheaters: [], silent: [] });
    expect(await sessions[1].onPackage(old)).toMatchObject({ code: "STALE_ATTEMPT" });
  });

  it("a package for a member that never committed gets no shares (after a restart it has no nonces)", async () => {
    const { commitments } = threeCommitted();
    const restarted = new MemberSession(memberInit(2), attemptsOf(world));
    expect(await restarted.onPackage(signedPackage(1, { subset: [1, 2, 3], commitments }))).toMatchObject({ code: "NO_NONCES" });
  });

  it("a package from a non-member is refused", async () => {
    const { sessions, commitments } = threeCommitted();
    const outsider = signingWorld(5, 3, world.keys, "outsider");
    const pkg: PackageMessage = { kind: "package", sessionId: world.sessionId, attempt: 0, coordinator: 1, subset: [1, 2, 3], commitments, digests: world.digests, keys: world.keys };
    const opened = openSigningMessageOf(sealSigningMessage(outsider.operatorKeys[0], world.domain, pkg), world.domain, "package");
    expect(await sessions[1].onPackage(opened)).toMatchObject({ code: "NOT_A_MEMBER" });
  });
});
