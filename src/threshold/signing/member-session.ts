// A member's side of one signing session (threshold.md §5.1, §5.2 steps 1 and 3): round-1 nonces kept
// in memory only, and the package check that decides whether shares leave this node. A share is
// released only for a package from the attempt's coordinator whose digests and keys are exactly the
// ones this member computed itself, and only after the durable "nonces consumed" mark is written.
import { schnorr_FROST } from "@noble/curves/secp256k1.js";
import type { FrostSecret, Nonces } from "@noble/curves/abstract/frost.js";
import type { SigningKey } from "ethers";
import { crashPoint } from "../../util/crash-point.js";
import { bytesEqual } from "../../util/hex.js";
import type { SigningCoordinatorEquivocationEvidence } from "./evidence.js";
import { commitmentListOf, sameDigestKey, secretForKey, TweakedPublics } from "./package-keys.js";
import type { SessionAttempts } from "./session-attempts.js";
import { checkSessionContext, memberOfAddress, type SigningSessionContext } from "./session-context.js";
import { sealSigningMessage, type OpenedSigningMessage } from "./signing-envelope.js";
import { invalidCommitmentPoint, packageHashOf, type NonceCommitmentPair, type PackageMessage } from "./signing-messages.js";

/** Why a package got no shares from this member. */
export type PackageRefusalCode =
  | "WRONG_SESSION"
  | "NOT_A_MEMBER"
  | "EQUIVOCATION"
  | "ALREADY_ANSWERED"
  | "STALE_ATTEMPT"
  | "FUTURE_ATTEMPT"
  | "WRONG_COORDINATOR"
  | "SUBSET_SIZE"
  | "SUBSET_NOT_INCLUDED"
  | "NOT_IN_SUBSET"
  | "NO_NONCES"
  | "COMMITMENTS_DIFFER"
  | "DIGESTS_DIFFER"
  | "KEYS_DIFFER"
  | "BAD_COMMITMENT"
  | "SIGN_FAILED"
  | "MARK_FAILED";

export type PackageAnswer =
  | { readonly kind: "shares"; readonly wire: Uint8Array }
  | {
      readonly kind: "refused";
      readonly code: PackageRefusalCode;
      readonly detail: string;
      /** Set with EQUIVOCATION: both signed packages. */
      readonly evidence?: SigningCoordinatorEquivocationEvidence;
    };

export interface MemberSessionInit extends SigningSessionContext {
  /** This node's member index. */
  readonly self: number;
  /** This member's secret share (identifier = its member index). */
  readonly secret: FrostSecret;
  /** The operator key that signs this member's messages. */
  readonly operatorKey: SigningKey;
  /**
   * Durable "nonces of (session, attempt) consumed" mark, for the package (by its hash) the shares will
   * answer; awaited before any share leaves. A throw (e.g. the store holds another package for that
   * attempt) releases nothing (refusal MARK_FAILED): the nonces are already dropped.
   */
  readonly markConsumed: (sessionId: Uint8Array, attempt: number, packageHash: Uint8Array) => Promise<void>;
}

interface AttemptNonces {
  readonly nonces: Nonces[];
  readonly commitments: NonceCommitmentPair[];
  readonly wire: Uint8Array;
}

const refuse = (code: PackageRefusalCode, detail: string): PackageAnswer => ({ kind: "refused", code, detail });

export class MemberSession {
  private readonly nonces = new Map<number, AttemptNonces>();
  /** The first package of each attempt signed by that attempt's coordinator. */
  private readonly packages = new Map<number, OpenedSigningMessage<PackageMessage>>();
  private readonly publics: TweakedPublics;
  private readonly signingSecrets: FrostSecret[];

  constructor(
    private readonly init: MemberSessionInit,
    private readonly attempts: SessionAttempts,
  ) {
    checkSessionContext(init);
    schnorr_FROST.validateSecret(init.secret, init.public);
    this.publics = new TweakedPublics(init.public);
    this.signingSecrets = init.keys.map((key) => secretForKey(init.secret, init.public, key));
  }

  /**
   * This member's signed commitments for the current attempt (fresh nonces from the OS RNG, memory
   * only; the same wire if asked twice), or undefined when it is not included in that attempt.
   */
  commitFor(attempt: number): Uint8Array | undefined {
    if (attempt !== this.attempts.attempt) throw new Error(`commitments asked for attempt ${attempt} during attempt ${this.attempts.attempt}`);
    for (const a of this.nonces.keys()) if (a < attempt) this.nonces.delete(a);
    if (!this.attempts.isIncluded(this.init.self)) return undefined;
    const held = this.nonces.get(attempt);
    if (held !== undefined) return held.wire;
    const round1 = this.signingSecrets.map((s) => schnorr_FROST.commit(s));
    const commitments = round1.map((r) => ({ hiding: r.commitments.hiding, binding: r.commitments.binding }));
    const wire = sealSigningMessage(this.init.operatorKey, this.init.domain, {
      kind: "commitments",
      sessionId: this.init.sessionId,
      attempt,
      commitments,
    });
    this.nonces.set(attempt, { nonces: round1.map((r) => r.nonces), commitments, wire });
    return wire;
  }

  /** Checks a package (§5.2 step 3); on success awaits `markConsumed`, then returns the signed shares. */
  async onPackage(opened: OpenedSigningMessage<PackageMessage>): Promise<PackageAnswer> {
    const pkg = opened.message;
    if (!bytesEqual(pkg.sessionId, this.init.sessionId)) return refuse("WRONG_SESSION", "package of another session");
    const sender = memberOfAddress(this.init.operators, opened.sender);
    if (sender === undefined) return refuse("NOT_A_MEMBER", `package signed by non-member ${opened.sender}`);
    const first = this.packages.get(pkg.attempt);
    if (first !== undefined) return this.repeatedPackage(first, opened, sender);
    if (pkg.attempt < this.attempts.attempt) return refuse("STALE_ATTEMPT", `package of attempt ${pkg.attempt} during attempt ${this.attempts.attempt}`);
    if (pkg.attempt > this.attempts.attempt) return refuse("FUTURE_ATTEMPT", `package of attempt ${pkg.attempt} during attempt ${this.attempts.attempt}`);
    if (!this.attempts.feasible || sender !== this.attempts.coordinator || pkg.coordinator !== sender) {
      return refuse("WRONG_COORDINATOR", `package from member ${sender} naming ${pkg.coordinator}; attempt ${pkg.attempt} is coordinated by ${this.attempts.feasible ? this.attempts.coordinator : "nobody"}`);
    }
    this.packages.set(pkg.attempt, opened);
    const problem = this.packageProblem(pkg);
    if (problem !== undefined) return problem;
    const held = this.nonces.get(pkg.attempt);
    if (held === undefined) return refuse("NO_NONCES", `no nonces for attempt ${pkg.attempt} (consumed, or never committed here)`);
    const mine = pkg.commitments[pkg.subset.indexOf(this.init.self)];
    if (!mine.every((p, i) => bytesEqual(p.hiding, held.commitments[i].hiding) && bytesEqual(p.binding, held.commitments[i].binding))) {
      return refuse("COMMITMENTS_DIFFER", "the package carries commitments of mine that I did not send");
    }
    // Single use, decided before the await: a concurrent second call finds no nonces.
    this.nonces.delete(pkg.attempt);
    try {
      await this.init.markConsumed(this.init.sessionId, pkg.attempt, packageHashOf(pkg));
    } catch (err) {
      // No mark, no share (the store may hold another package for these nonces, or failed).
      return refuse("MARK_FAILED", `nonce mark not written: ${(err as Error)?.message ?? String(err)}`);
    }
    // threshold.md §7: the mark is durable, no share has left (a restart must find no nonces to reuse).
    crashPoint("signing.member.after-mark");
    let shares: Uint8Array[];
    try {
      shares = pkg.digests.map((digest, i) =>
        schnorr_FROST.signShare(this.signingSecrets[i], this.publics.of(pkg.keys[i]), held.nonces[i], commitmentListOf(pkg, i), digest),
      );
    } catch (err) {
      return refuse("SIGN_FAILED", `signShare failed: ${(err as Error).message}`);
    }
    const wire = sealSigningMessage(this.init.operatorKey, this.init.domain, {
      kind: "shares",
      sessionId: pkg.sessionId,
      attempt: pkg.attempt,
      packageHash: packageHashOf(pkg),
      shares,
    });
    return { kind: "shares", wire };
  }

  /** The checks of a package's content against this member's own view, or undefined when it passes. */
  private packageProblem(pkg: PackageMessage): PackageAnswer | undefined {
    const t = this.init.threshold;
    if (pkg.subset.length !== t) return refuse("SUBSET_SIZE", `subset of ${pkg.subset.length}, threshold ${t}`);
    const outsider = pkg.subset.find((m) => !this.attempts.isIncluded(m));
    if (outsider !== undefined) return refuse("SUBSET_NOT_INCLUDED", `member ${outsider} is not included in attempt ${pkg.attempt}`);
    if (!pkg.subset.includes(this.init.self)) return refuse("NOT_IN_SUBSET", `member ${this.init.self} is not in the subset`);
    const mine = this.init.digests;
    if (pkg.digests.length !== mine.length || !pkg.digests.every((d, i) => bytesEqual(d, mine[i]))) {
      return refuse("DIGESTS_DIFFER", "the package's digests are not the ones I computed");
    }
    if (!pkg.keys.every((key, i) => sameDigestKey(key, this.init.keys[i]))) {
      return refuse("KEYS_DIFFER", "the package's per-digest keys are not the ones I computed");
    }
    for (const [j, row] of pkg.commitments.entries()) {
      const bad = invalidCommitmentPoint(row);
      if (bad !== undefined) return refuse("BAD_COMMITMENT", `member ${pkg.subset[j]}'s commitment ${bad} is not a curve point`);
    }
    return undefined;
  }

  /** A second package for an attempt: the same one gets no new shares; a different one is equivocation. */
  private repeatedPackage(first: OpenedSigningMessage<PackageMessage>, second: OpenedSigningMessage<PackageMessage>, sender: number): PackageAnswer {
    if (sender !== first.message.coordinator || second.message.coordinator !== sender) {
      return refuse("WRONG_COORDINATOR", `attempt ${first.message.attempt} is coordinated by ${first.message.coordinator}`);
    }
    if (bytesEqual(first.body, second.body)) return refuse("ALREADY_ANSWERED", `package of attempt ${first.message.attempt} already handled`);
    return {
      kind: "refused",
      code: "EQUIVOCATION",
      detail: `coordinator ${sender} signed two packages for attempt ${first.message.attempt}`,
      evidence: { kind: "SigningCoordinatorEquivocation", coordinator: sender, firstPackageWire: first.wire, secondPackageWire: second.wire },
    };
  }
}
