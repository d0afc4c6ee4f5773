// threshold.md §5.2 steps 2 and 4, §7 "bad input": the coordinator takes the first t included members,
// refuses commitments and shares that do not belong to the attempt, and aggregates under each key.
import { describe, expect, it } from "vitest";
import { CoordinatorAttempt, type CoordinatorAttemptInit } from "../../src/threshold/signing/coordinator-session.js";
import { MemberSession } from "../../src/threshold/signing/member-session.js";
import { walletXOf } from "../../src/threshold/signing/package-keys.js";
import { SessionAttempts } from "../../src/threshold/signing/session-attempts.js";
import { openSigningMessageOf, sealSigningMessage } from "../../src/threshold/signing/signing-envelope.js";
import { bip340KeyOf, verifyBip340Signature } from "../../src/threshold/taproot.js";
import { leafKey, signingWorld, WALLET_KEY } from "./signing-harness.js";

const world = signingWorld(5, 3, [leafKey("c-a"), WALLET_KEY], "coordinator-attempt");
const ctx = {
  domain: world.domain,
  operators: world.operators,
  sessionId: world.sessionId,
  public: world.wallet.public,
  threshold: 3,
  digests: world.digests,
  keys: world.keys,
};
const coordinatorInit: CoordinatorAttemptInit = { ...ctx, self: 1, operatorKey: world.operatorKeys[0] };

function setup() {
  const attempts = new SessionAttempts({ sessionId: world.sessionId, members: [1, 2, 3, 4, 5], threshold: 3, leader: 1 });
  const members = new Map(
    [1, 2, 3, 4, 5].map((m) => [
      m,
      new MemberSession({ ...ctx, self: m, secret: world.wallet.shares.get(m)!, operatorKey: world.operatorKeys[m - 1], markConsumed: async () => {} }, attempts),
    ]),
  );
  const coordinator = new CoordinatorAttempt(coordinatorInit, 0, attempts.included);
  const commit = (m: number) => openSigningMessageOf(members.get(m)!.commitFor(0)!, world.domain, "commitments");
  return { members, coordinator, commit };
}

describe("coordinator attempt", () => {
  it("takes the first t to answer, signs the package, aggregates the shares into signatures under each key", async () => {
    const { members, coordinator, commit } = setup();
    expect(coordinator.onCommitments(commit(4))).toEqual({ kind: "waiting" });
    expect(coordinator.onCommitments(commit(1))).toEqual({ kind: "waiting" });
    const answer = coordinator.onCommitments(commit(2));
    if (answer.kind !== "package") throw new Error(answer.kind);
    const pkg = openSigningMessageOf(answer.wire, world.domain, "package");
    expect(pkg.message.subset).toEqual([1, 2, 4]);
    expect(coordinator.onCommitments(commit(3))).toMatchObject({ code: "PACKAGE_ALREADY_SENT" });
    let last;
    for (const m of [4, 1, 2]) {
      const shares = await members.get(m)!.onPackage(pkg);
      if (shares.kind !== "shares") throw new Error(shares.code);
      last = coordinator.onShares(openSigningMessageOf(shares.wire, world.domain, "shares"));
    }
    if (last?.kind !== "signed") throw new Error(String(last?.kind));
    const walletX = walletXOf(world.wallet.public);
    last.signatures.forEach((sig, i) => expect(verifyBip340Signature(world.digests[i], sig, bip340KeyOf(walletX, world.keys[i]))).toBe(true));
    expect(coordinator.missingShares()).toEqual([]);
  });

  it("refuses commitments of another attempt or session, twice from one member, with a wrong count or an off-curve point", () => {
    const { coordinator, commit } = setup();
    const c2 = commit(2).message;
    const seal = (m: typeof c2, signer = 2) => openSigningMessageOf(sealSigningMessage(world.operatorKeys[signer - 1], world.domain, m), world.domain, "commitments");
    expect(coordinator.onCommitments(seal({ ...c2, attempt: 1 }))).toMatchObject({ code: "WRONG_ATTEMPT" });
    expect(coordinator.onCommitments(seal({ ...c2, sessionId: new Uint8Array(32) }))).toMatchObject({ code: "WRONG_SESSION" });
    expect(coordinator.onCommitments(seal({ ...c2, commitments: c2.commitments.slice(1) }))).toMatchObject({ code: "COUNT_MISMATCH" });
    const offCurve = { hiding: c2.commitments[0].hiding, binding: new Uint8Array([2, ...new Uint8Array(31), 5]) };
    expect(coordinator.onCommitments(seal({ ...c2, commitments: [offCurve, c2.commitments[1]] }))).toMatchObject({ code: "BAD_COMMITMENT" });
    expect(coordinator.onCommitments(seal(c2))).toEqual({ kind: "waiting" });
    expect(coordinator.onCommitments(seal(c2))).toMatchObject({ code: "DUPLICATE" });
  });

  it("refuses shares before the package, for another package, from outside the subset, or for another attempt", async () => {
    const { members, coordinator, commit } = setup();
    for (const m of [1, 2]) coordinator.onCommitments(commit(m));
    const early = commit(3);
    const answer = coordinator.onCommitments(early);
    if (answer.kind !== "package") throw new Error(answer.kind);
    const pkg = openSigningMessageOf(answer.wire, world.domain, "package");
    const s2 = await members.get(2)!.onPackage(pkg);
    if (s2.kind !== "shares") throw new Error(s2.code);
    const shares = openSigningMessageOf(s2.wire, world.domain, "shares").message;
    const reseal = (m: typeof shares, signer = 2) => openSigningMessageOf(sealSigningMessage(world.operatorKeys[signer - 1], world.domain, m), world.domain, "shares");
    expect(coordinator.onShares(reseal({ ...shares, attempt: 1 }))).toMatchObject({ code: "WRONG_ATTEMPT" });
    expect(coordinator.onShares(reseal({ ...shares, packageHash: new Uint8Array(32) }))).toMatchObject({ code: "OTHER_PACKAGE" });
    expect(coordinator.onShares(reseal(shares, 5))).toMatchObject({ code: "NOT_IN_SUBSET" });
    expect(coordinator.onShares(reseal(shares))).toEqual({ kind: "waiting" });
    expect(coordinator.onShares(reseal(shares))).toMatchObject({ code: "DUPLICATE" });
    expect(coordinator.missingShares()).toEqual([1, 3]);
    const fresh = new CoordinatorAttempt(coordinatorInit, 0, [1, 2, 3, 4, 5]);
    expect(fresh.onShares(reseal(shares))).toMatchObject({ code: "NO_PACKAGE_YET" });
  });

  it("refuses commitments from a member not included in the attempt", () => {
    const { commit } = setup();
    const coordinator = new CoordinatorAttempt(coordinatorInit, 0, [1, 2, 3, 5]);
    expect(coordinator.onCommitments(commit(4))).toMatchObject({ code: "NOT_INCLUDED" });
  });
});
