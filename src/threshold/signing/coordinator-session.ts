// The coordinator's side of one attempt (threshold.md §5.2 steps 2 and 4): take the first t included
// members to send commitments, sign the package, collect the subset's shares, aggregate each digest
// under its key and check the BIP-340 signature. Shares are verified one by one only when an aggregate
// fails (the library's `aggregate` does that and names the cheaters), which becomes evidence.
import { schnorr_FROST } from "@noble/curves/secp256k1.js";
import type { SigningKey } from "ethers";
import { bytesEqual } from "../../util/hex.js";
import { frostIdentifier } from "../dev-wallet.js";
import { bip340KeyOf, verifyBip340Signature } from "../taproot.js";
import type { SigningInvalidShareEvidence } from "./evidence.js";
import { commitmentListOf, TweakedPublics, walletXOf } from "./package-keys.js";
import { checkSessionContext, memberOfAddress, type SigningSessionContext } from "./session-context.js";
import { sealSigningMessage, type OpenedSigningMessage } from "./signing-envelope.js";
import {
  invalidCommitmentPoint,
  packageHashOf,
  type CommitmentsMessage,
  type NonceCommitmentPair,
  type PackageMessage,
  type SharesMessage,
} from "./signing-messages.js";

export interface CoordinatorAttemptInit extends SigningSessionContext {
  /** This node's member index (the attempt's coordinator). */
  readonly self: number;
  readonly operatorKey: SigningKey;
}

export type CoordinatorRefusalCode =
  | "WRONG_SESSION"
  | "WRONG_ATTEMPT"
  | "NOT_A_MEMBER"
  | "NOT_INCLUDED"
  | "DUPLICATE"
  | "COUNT_MISMATCH"
  | "BAD_COMMITMENT"
  | "PACKAGE_ALREADY_SENT"
  | "NO_PACKAGE_YET"
  | "OTHER_PACKAGE"
  | "NOT_IN_SUBSET"
  | "ATTEMPT_OVER";

type Refused = { readonly kind: "refused"; readonly code: CoordinatorRefusalCode; readonly detail: string };
const refuse = (code: CoordinatorRefusalCode, detail: string): Refused => ({ kind: "refused", code, detail });

export type CommitmentsAnswer = { readonly kind: "waiting" } | { readonly kind: "package"; readonly wire: Uint8Array } | Refused;

export type SharesAnswer =
  | { readonly kind: "waiting" }
  | { readonly kind: "signed"; readonly signatures: Uint8Array[]; readonly wire: Uint8Array }
  /** The attempt cannot sign; `cheaters` (with evidence) are the senders of shares that fail verification. */
  | { readonly kind: "failed"; readonly cheaters: readonly number[]; readonly evidence: readonly SigningInvalidShareEvidence[]; readonly detail: string }
  | Refused;

export class CoordinatorAttempt {
  private readonly answered = new Map<number, readonly NonceCommitmentPair[]>();
  private readonly shares = new Map<number, OpenedSigningMessage<SharesMessage>>();
  private pkg: { readonly opened: PackageMessage; readonly wire: Uint8Array; readonly hash: Uint8Array } | undefined;
  private over = false;
  private readonly publics: TweakedPublics;

  constructor(
    private readonly init: CoordinatorAttemptInit,
    readonly attempt: number,
    private readonly included: readonly number[],
  ) {
    checkSessionContext(init);
    this.publics = new TweakedPublics(init.public);
  }

  /** The signed package once sent. */
  get packageWire(): Uint8Array | undefined {
    return this.pkg?.wire;
  }

  /** Subset members whose shares have not arrived (empty before the package). */
  missingShares(): number[] {
    return this.pkg === undefined ? [] : this.pkg.opened.subset.filter((m) => !this.shares.has(m));
  }

  /** Takes commitments until `t` included members answered, then signs and returns the package. */
  onCommitments(opened: OpenedSigningMessage<CommitmentsMessage>): CommitmentsAnswer {
    const m = opened.message;
    const header = this.headerProblem(m.sessionId, m.attempt);
    if (header !== undefined) return header;
    const member = memberOfAddress(this.init.operators, opened.sender);
    if (member === undefined) return refuse("NOT_A_MEMBER", `commitments from non-member ${opened.sender}`);
    if (this.pkg !== undefined) return refuse("PACKAGE_ALREADY_SENT", `commitments of member ${member} after the package`);
    if (!this.included.includes(member)) return refuse("NOT_INCLUDED", `member ${member} is not included in attempt ${this.attempt}`);
    if (this.answered.has(member)) return refuse("DUPLICATE", `second commitments of member ${member}`);
    if (m.commitments.length !== this.init.digests.length) {
      return refuse("COUNT_MISMATCH", `${m.commitments.length} commitment pairs for ${this.init.digests.length} digests`);
    }
    const bad = invalidCommitmentPoint(m.commitments);
    if (bad !== undefined) return refuse("BAD_COMMITMENT", `member ${member}'s commitment ${bad} is not a curve point`);
    this.answered.set(member, m.commitments);
    if (this.answered.size < this.init.threshold) return { kind: "waiting" };
    return { kind: "package", wire: this.signPackage() };
  }

  /** Takes the subset's shares; with all `t` of them, aggregates every digest. */
  onShares(opened: OpenedSigningMessage<SharesMessage>): SharesAnswer {
    const m = opened.message;
    const header = this.headerProblem(m.sessionId, m.attempt);
    if (header !== undefined) return header;
    if (this.pkg === undefined) return refuse("NO_PACKAGE_YET", "shares before the package");
    if (!bytesEqual(m.packageHash, this.pkg.hash)) return refuse("OTHER_PACKAGE", "shares for another package");
    const member = memberOfAddress(this.init.operators, opened.sender);
    if (member === undefined || !this.pkg.opened.subset.includes(member)) return refuse("NOT_IN_SUBSET", `shares from ${opened.sender}, not in the subset`);
    if (this.shares.has(member)) return refuse("DUPLICATE", `second shares of member ${member}`);
    if (m.shares.length !== this.init.digests.length) return refuse("COUNT_MISMATCH", `${m.shares.length} shares for ${this.init.digests.length} digests`);
    this.shares.set(member, opened);
    if (this.shares.size < this.pkg.opened.subset.length) return { kind: "waiting" };
    this.over = true;
    return this.aggregateAll(this.pkg.opened, this.pkg.wire);
  }

  private headerProblem(sessionId: Uint8Array, attempt: number): Refused | undefined {
    if (!bytesEqual(sessionId, this.init.sessionId)) return refuse("WRONG_SESSION", "message of another session");
    if (attempt !== this.attempt) return refuse("WRONG_ATTEMPT", `message of attempt ${attempt} during attempt ${this.attempt}`);
    if (this.over) return refuse("ATTEMPT_OVER", `attempt ${this.attempt} is over`);
    return undefined;
  }

  private signPackage(): Uint8Array {
    // The first t to answer, listed ascending (the subset's canonical order).
    const subset = [...this.answered.keys()].slice(0, this.init.threshold).sort((a, b) => a - b);
    const pkg: PackageMessage = {
      kind: "package",
      sessionId: this.init.sessionId,
      attempt: this.attempt,
      coordinator: this.init.self,
      subset,
      commitments: subset.map((member) => this.answered.get(member)!),
      digests: this.init.digests,
      keys: this.init.keys,
    };
    const wire = sealSigningMessage(this.init.operatorKey, this.init.domain, pkg);
    this.pkg = { opened: pkg, wire, hash: packageHashOf(pkg) };
    return wire;
  }

  private aggregateAll(pkg: PackageMessage, packageWire: Uint8Array): SharesAnswer {
    const memberOfId = new Map(pkg.subset.map((m) => [frostIdentifier(m), m]));
    const firstBadDigest = new Map<number, number>();
    const signatures: Uint8Array[] = [];
    const walletX = walletXOf(this.init.public);
    let unexplained: string | undefined;
    pkg.digests.forEach((digest, i) => {
      const shareOf: Record<string, Uint8Array> = {};
      for (const m of pkg.subset) shareOf[frostIdentifier(m)] = this.shares.get(m)!.message.shares[i];
      try {
        const sig = schnorr_FROST.aggregate(this.publics.of(pkg.keys[i]), commitmentListOf(pkg, i), digest, shareOf);
        if (!verifyBip340Signature(digest, sig, bip340KeyOf(walletX, pkg.keys[i]))) unexplained ??= `signature ${i} does not verify under its ${pkg.keys[i].key} key`;
        signatures.push(sig);
      } catch (err) {
        const ids = (err as { cheaters?: unknown }).cheaters;
        const named = Array.isArray(ids) ? ids.map((id) => memberOfId.get(id as string)).filter((m): m is number => m !== undefined) : [];
        if (named.length === 0) unexplained ??= `aggregate ${i} failed naming no cheater: ${(err as Error).message}`;
        for (const m of named) if (!firstBadDigest.has(m)) firstBadDigest.set(m, i);
      }
    });
    if (firstBadDigest.size === 0 && unexplained === undefined) {
      const wire = sealSigningMessage(this.init.operatorKey, this.init.domain, {
        kind: "signatures",
        sessionId: pkg.sessionId,
        attempt: pkg.attempt,
        packageHash: packageHashOf(pkg),
        signatures,
      });
      return { kind: "signed", signatures, wire };
    }
    const cheaters = [...firstBadDigest.keys()].sort((a, b) => a - b);
    const evidence = cheaters.map(
      (member): SigningInvalidShareEvidence => ({
        kind: "SigningInvalidShare",
        member,
        digestIndex: firstBadDigest.get(member)!,
        packageWire,
        sharesWire: this.shares.get(member)!.wire,
        verifyingShare: this.init.public.verifyingShares[frostIdentifier(member)],
      }),
    );
    const detail = cheaters.length > 0 ? `invalid shares from member(s) ${cheaters.join(", ")}` : unexplained!;
    return { kind: "failed", cheaters, evidence, detail };
  }
}
