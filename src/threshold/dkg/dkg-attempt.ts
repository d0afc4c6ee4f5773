// One member's FROST DKG for one attempt of one request (threshold.md §3.2), without transport or store:
// the caller feeds it the messages it receives and publishes what it returns. The FROST arithmetic is
// the library's (`schnorr_FROST.DKG.round1/2/3`); this class adds the session, the share encryption,
// the per-sender checks that name a culprit with evidence, and the transcript.
//
// Key form held: the library's DKG output, BIP-86-tweaked (empty script tree). `walletX` is the x of its
// `public.commitments[0]`; a signature of t shares (frostSignDigest) verifies under walletX with no
// further tweak, so walletX is the wallet key of §1 as it is (like dev-wallet.ts's, whose dealer key
// is untweaked).
//
// FROST identifier of member index i = the scalar i. In an attempt, the library's `max` is the number of
// included members and the identifiers are their member indices (gaps allowed).
import { schnorr_FROST, secp256k1 } from "@noble/curves/secp256k1.js";
import type { DKG_Round2, DKG_Secret, Key } from "@noble/curves/abstract/frost.js";
import { computeAddress } from "ethers";
import { walletPkhFromPublicKey } from "../../coordination/seed.js";
import { bytesEqual, concatBytes, to0x } from "../../util/hex.js";
import { frostIdentifier } from "../dev-wallet.js";
import { judgeComplaint, makeComplaint, shareMatchesCommitment, type ComplaintVerdict } from "./complaint.js";
import { encodeRound1, encodeRound2, type DkgComplaint, type DkgRound1Message, type DkgRound2Message } from "./dkg-messages.js";
import { checkSession, type DkgSession } from "./dkg-session.js";
import { excludedMembers } from "./exclusion.js";
import { round1Package, verifyRound1Message } from "./round1-check.js";
import { round1Randomness } from "./round1-randomness.js";
import { decryptShare, encryptShare } from "./share-encryption.js";
import type { DkgTranscript } from "./transcript.js";

export interface DkgAttemptInit {
  readonly requestId: bigint;
  /** `seed` of `DkgRequested` (32 bytes): binds keys and polynomials to this request on this chain. */
  readonly requestSeed: Uint8Array;
  readonly attempt: number;
  /** All members of the request, strictly ascending 0x addresses; member index i is members[i−1]. */
  readonly members: readonly string[];
  /** Their operator public keys, 33 bytes compressed, same order (checked against the addresses). */
  readonly operatorPublicKeys: readonly Uint8Array[];
  readonly myIndex: number;
  /** This member's 32-byte operator private key. */
  readonly myOperatorKey: Uint8Array;
  readonly threshold: number;
  /** Ascending member indices taking part in this attempt (exclusion.ts), myIndex among them. */
  readonly included: readonly number[];
}

/** A fault with the evidence anyone can check offline (threshold.md §5.3). */
export type DkgFault =
  /** The sender's round-1 message fails verifyRound1Message: the message is the evidence. */
  | { readonly code: "DkgInvalidProof"; readonly accused: number; readonly evidence: DkgRound1Message }
  /** The share to this member fails: publish the complaint; judgeComplaint settles it. */
  | { readonly code: "DkgInvalidShare"; readonly accused: number; readonly complaint: DkgComplaint };

/** Why a message was dropped without blame (the transport's checks should stop most of these first). */
export type DkgIgnoreReason =
  | "WRONG_SESSION" // another request or attempt
  | "NOT_INCLUDED" // the sender is not in this attempt
  | "SENDER_MISMATCH" // `from` is not the message's sender
  | "OWN_MESSAGE"
  | "DUPLICATE" // already have this one
  | "CONFLICTING" // already have a different one from this sender (the first one counts)
  | "NO_ROUND1" // a round-2 message before the sender's round 1 (buffer and retry)
  | "WRONG_RECIPIENTS" // a round-2 message not addressed to exactly the other included members: the sender counts as silent
  | "NO_EVIDENCE" // a complaint about messages not held yet (retry once they are)
  | "PROVEN_BAD"; // the sender is already proven bad in this attempt: nothing it sends counts any more

type Ignored = { readonly kind: "ignored"; readonly reason: DkgIgnoreReason };

export type DkgAcceptResult =
  | { readonly kind: "accepted" }
  | Ignored
  | { readonly kind: "fault"; readonly fault: DkgFault };

export type DkgComplaintResult =
  | { readonly kind: "judged"; readonly verdict: ComplaintVerdict; readonly culprit: number }
  | Ignored;

export interface DkgOutcome {
  /** 32-byte x-only wallet key. */
  readonly walletX: Uint8Array;
  /** HASH160(0x02 ‖ walletX). */
  readonly walletPkh: Uint8Array;
  /** The library's key package: this member's secret share and the group's public package. */
  readonly keyShare: Key;
  /** Members not in this attempt: the `excluded` list of the result (§3.1). */
  readonly excluded: readonly number[];
  readonly transcript: DkgTranscript;
}

function checkInit(init: DkgAttemptInit): void {
  checkSession(init);
  const n = init.members.length;
  if (n < 2 || n > 255) throw new RangeError(`members must be 2…255, got ${n}`);
  if (init.operatorPublicKeys.length !== n) throw new RangeError("one operator public key per member");
  init.members.forEach((m, i) => {
    if (i > 0 && m.toLowerCase() <= init.members[i - 1].toLowerCase()) throw new RangeError("members must be strictly ascending");
    const pub = init.operatorPublicKeys[i];
    if (pub.length !== 33 || computeAddress(to0x(pub)).toLowerCase() !== m.toLowerCase()) throw new RangeError(`operator public key ${i + 1} is not member ${m}'s`);
  });
  if (!Number.isInteger(init.threshold) || init.threshold < 2 || init.threshold > n) throw new RangeError(`threshold must be 2…${n}`);
  const inc = init.included;
  if (inc.some((v, i) => !Number.isInteger(v) || v < 1 || v > n || (i > 0 && v <= inc[i - 1]))) throw new RangeError("included must be ascending member indices");
  if (inc.length < init.threshold) throw new RangeError(`${inc.length} included members cannot make a ${init.threshold}-of-n wallet`);
  if (!inc.includes(init.myIndex)) throw new RangeError(`member ${init.myIndex} is not included in this attempt`);
  const mine = secp256k1.getPublicKey(init.myOperatorKey, true);
  if (!bytesEqual(mine, init.operatorPublicKeys[init.myIndex - 1])) throw new RangeError(`the operator key is not member ${init.myIndex}'s`);
}

export class DkgAttempt {
  readonly session: DkgSession;
  private readonly others: readonly number[];
  private mine: { message: DkgRound1Message; secret: DKG_Secret } | null = null;
  private myRound2: DkgRound2Message | null = null;
  private readonly received1 = new Map<number, DkgRound1Message>();
  private readonly received2 = new Map<number, DkgRound2Message>();
  /** Decrypted shares to me that passed the sender's commitment. */
  private readonly sharesToMe = new Map<number, Uint8Array>();
  private readonly bad = new Set<number>();
  private outcome: DkgOutcome | null = null;

  constructor(private readonly init: DkgAttemptInit) {
    checkInit(init);
    this.session = { requestId: init.requestId, requestSeed: init.requestSeed.slice(), attempt: init.attempt };
    this.others = init.included.filter((i) => i !== init.myIndex);
  }

  /**
   * My round-1 message and the library's round-1 secret. Deterministic for the attempt (round1-randomness.ts):
   * after a restart, calling it again gives the same package, so the secret need not be persisted.
   */
  round1(): { message: DkgRound1Message; secret: DKG_Secret } {
    if (this.mine === null) {
      const { init } = this;
      const rng = round1Randomness({ session: this.session, operatorKey: init.myOperatorKey, myIndex: init.myIndex, threshold: init.threshold, included: init.included });
      const r = schnorr_FROST.DKG.round1(frostIdentifier(init.myIndex), this.signers(), undefined, rng);
      const message: DkgRound1Message = { requestId: init.requestId, attempt: init.attempt, sender: init.myIndex, commitment: r.public.commitment, proofOfKnowledge: r.public.proofOfKnowledge };
      this.mine = { message, secret: r.secret };
    }
    return this.mine;
  }

  /** Checks a member's round-1 message; an invalid proof of knowledge is a fault with the message as evidence. */
  acceptRound1(from: number, msg: DkgRound1Message): DkgAcceptResult {
    const pre = this.precheck(from, msg.sender, msg);
    if (pre !== null) return pre;
    const known = this.received1.get(from);
    if (known !== undefined) return { kind: "ignored", reason: bytesEqual(encodeRound1(known), encodeRound1(msg)) ? "DUPLICATE" : "CONFLICTING" };
    if (!verifyRound1Message(msg, this.init.threshold)) {
      this.bad.add(from);
      return { kind: "fault", fault: { code: "DkgInvalidProof", accused: from, evidence: msg } };
    }
    this.received1.set(from, msg);
    return { kind: "accepted" };
  }

  /** Included members (not me) whose valid round-1 message has not arrived. */
  missingRound1(): number[] {
    return this.others.filter((i) => !this.received1.has(i));
  }

  /** My round-2 message: every other included member's share, encrypted to it. Needs every round 1. */
  round2(): DkgRound2Message {
    if (this.myRound2 !== null) return this.myRound2;
    const missing = this.missingRound1();
    if (missing.length > 0) throw new Error(`round 2 needs the round-1 messages of members ${missing.join(", ")}`);
    const { init } = this;
    const packages = this.others.map((i) => round1Package(this.received1.get(i)!));
    const out: Record<string, DKG_Round2> = schnorr_FROST.DKG.round2(this.round1().secret, packages);
    const senderCommitment = this.round1().message.commitment[0];
    const shares = this.others.map((recipient) => {
      const share = out[frostIdentifier(recipient)].signingShare;
      const pair = { session: this.session, sender: init.myIndex, recipient, senderCommitment };
      return { recipient, ciphertext: encryptShare(share, init.myOperatorKey, init.operatorPublicKeys[recipient - 1], pair) };
    });
    this.myRound2 = { requestId: init.requestId, attempt: init.attempt, sender: init.myIndex, shares };
    return this.myRound2;
  }

  /** Decrypts and checks my share from `from`; a share that fails gives the complaint to publish. */
  acceptRound2(from: number, msg: DkgRound2Message): DkgAcceptResult {
    const pre = this.precheck(from, msg.sender, msg);
    if (pre !== null) return pre;
    const known = this.received2.get(from);
    if (known !== undefined) return { kind: "ignored", reason: bytesEqual(encodeRound2(known), encodeRound2(msg)) ? "DUPLICATE" : "CONFLICTING" };
    const r1 = this.received1.get(from);
    if (r1 === undefined) return { kind: "ignored", reason: "NO_ROUND1" };
    const expected = this.init.included.filter((i) => i !== from);
    if (msg.shares.length !== expected.length || msg.shares.some((s, i) => s.recipient !== expected[i])) return { kind: "ignored", reason: "WRONG_RECIPIENTS" };
    this.received2.set(from, msg);

    const { init } = this;
    const entry = msg.shares.find((s) => s.recipient === init.myIndex)!;
    const pair = { session: this.session, sender: from, recipient: init.myIndex, senderCommitment: r1.commitment[0] };
    const share = decryptShare(entry.ciphertext, init.myOperatorKey, init.operatorPublicKeys[from - 1], pair);
    if (share !== null && shareMatchesCommitment(share, init.myIndex, r1.commitment)) {
      this.sharesToMe.set(from, share);
      return { kind: "accepted" };
    }
    this.bad.add(from);
    const complaint = makeComplaint(this.session, init.myIndex, from, init.myOperatorKey, init.operatorPublicKeys[from - 1]);
    return { kind: "fault", fault: { code: "DkgInvalidShare", accused: from, complaint } };
  }

  /** Included members (not me) whose valid round-2 message has not arrived. */
  missingRound2(): number[] {
    return this.others.filter((i) => !this.received2.has(i));
  }

  /** Judges another member's complaint from the messages held; the culprit becomes proven bad. */
  acceptComplaint(from: number, c: DkgComplaint): DkgComplaintResult {
    const pre = this.precheck(from, c.complainer, c);
    if (pre !== null) return pre;
    if (!this.init.included.includes(c.accused) || c.accused === c.complainer) return { kind: "ignored", reason: "NOT_INCLUDED" };
    const senderRound1 = this.round1Of(c.accused);
    const senderRound2 = this.round2Of(c.accused);
    if (senderRound1 === undefined || senderRound2 === undefined) return { kind: "ignored", reason: "NO_EVIDENCE" };
    const keys = this.init.operatorPublicKeys;
    const verdict = judgeComplaint({
      session: this.session,
      complaint: c,
      senderRound1,
      senderRound2,
      complainerPublicKey: keys[c.complainer - 1],
      senderPublicKey: keys[c.accused - 1],
    });
    const culprit = verdict === "sender" ? c.accused : c.complainer;
    this.bad.add(culprit);
    return { kind: "judged", verdict, culprit };
  }

  /** The round-1 message held for `member` (mine included): evidence for the fault store and complaints. */
  round1Of(member: number): DkgRound1Message | undefined {
    return member === this.init.myIndex ? this.round1().message : this.received1.get(member);
  }

  /** The round-2 message held for `member` (mine once made). */
  round2Of(member: number): DkgRound2Message | undefined {
    return member === this.init.myIndex ? (this.myRound2 ?? undefined) : this.received2.get(member);
  }

  /** Members proven bad in this attempt (invalid proof, bad share to me, or judged complaints). */
  provenBad(): number[] {
    return [...this.bad].sort((a, b) => a - b);
  }

  /** Round 3 (the library's), once every included member's round 1 and valid share to me are in. */
  finish(): DkgOutcome {
    if (this.outcome !== null) return this.outcome;
    if (this.bad.size > 0) throw new Error(`attempt ${this.init.attempt} has proven-bad members ${this.provenBad().join(", ")}: start the next attempt`);
    const missing = this.others.filter((i) => !this.sharesToMe.has(i));
    if (missing.length > 0) throw new Error(`round 3 needs valid shares from members ${missing.join(", ")}`);
    const myRound2 = this.round2();
    const { init } = this;
    const packages = this.others.map((i) => round1Package(this.received1.get(i)!));
    const received = this.others.map((i) => ({ identifier: frostIdentifier(i), signingShare: this.sharesToMe.get(i)! }));
    const keyShare = schnorr_FROST.DKG.round3(this.round1().secret, packages, received);
    // The parts now live only inside the key share.
    for (const share of this.sharesToMe.values()) share.fill(0);
    const walletX = keyShare.public.commitments[0].slice(1);
    const byIndex = <M>(mineMsg: M, others: Map<number, M>) => init.included.map((i) => (i === init.myIndex ? mineMsg : others.get(i)!));
    const transcript: DkgTranscript = {
      requestId: init.requestId,
      requestSeed: this.session.requestSeed,
      attempt: init.attempt,
      threshold: init.threshold,
      members: init.members.map((m) => m.toLowerCase()),
      operatorPublicKeys: init.operatorPublicKeys.map((k) => k.slice()),
      included: [...init.included],
      round1: byIndex(this.round1().message, this.received1),
      round2: byIndex(myRound2, this.received2),
    };
    this.outcome = {
      walletX,
      walletPkh: walletPkhFromPublicKey(concatBytes(Uint8Array.of(0x02), walletX)),
      keyShare,
      excluded: excludedMembers(init.members.length, init.included),
      transcript,
    };
    return this.outcome;
  }

  private signers(): { min: number; max: number } {
    return { min: this.init.threshold, max: this.init.included.length };
  }

  /** The checks every inbound message shares; null when it may proceed. */
  private precheck(from: number, sender: number, m: { requestId: bigint; attempt: number }): Ignored | null {
    if (m.requestId !== this.init.requestId || m.attempt !== this.init.attempt) return { kind: "ignored", reason: "WRONG_SESSION" };
    if (from !== sender) return { kind: "ignored", reason: "SENDER_MISMATCH" };
    if (from === this.init.myIndex) return { kind: "ignored", reason: "OWN_MESSAGE" };
    if (!this.init.included.includes(from)) return { kind: "ignored", reason: "NOT_INCLUDED" };
    if (this.bad.has(from)) return { kind: "ignored", reason: "PROVEN_BAD" };
    return null;
  }
}
