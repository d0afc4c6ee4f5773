// One node's whole part in one signing session (threshold.md §5.2), transport-agnostic: signed wire
// messages in, wire messages to broadcast on the wallet's signing topic out, plus faults and the
// outcome. It joins the member side, the coordinator side (when this node coordinates the current
// attempt) and the attempt bookkeeping. Every member sees every message of the topic, so each one can
// tell for itself which subset members sent no share when an attempt times out.
import { bytesEqual, toHex } from "../../util/hex.js";
import { bip340KeyOf, verifyBip340Signature } from "../taproot.js";
import { CoordinatorAttempt } from "./coordinator-session.js";
import { verifySigningEvidence, type EvidenceVerdict, type SigningEvidence, type SigningFault } from "./evidence.js";
import { MemberSession, type MemberSessionInit } from "./member-session.js";
import { walletXOf } from "./package-keys.js";
import { SessionAttempts } from "./session-attempts.js";
import { memberOfAddress } from "./session-context.js";
import { SigningDecodeError } from "./signing-codec.js";
import { openSigningMessage, type OpenedSigningMessage } from "./signing-envelope.js";
import { invalidCommitmentPoint, packageHashOf, type PackageMessage, type SigningMessage } from "./signing-messages.js";

export interface SigningEngineInit extends MemberSessionInit {
  /** Every member index of the wallet. */
  readonly members: readonly number[];
  /** Member index of the window's leader (attempt 0's coordinator). */
  readonly leader: number;
  /**
   * Whether the store holds this node's consumed mark for (session, attempt), i.e. an earlier life of
   * this node answered (and, as coordinator, may have published) that attempt's package. Absent: never.
   */
  readonly isConsumed?: (sessionId: Uint8Array, attempt: number) => boolean;
}

export type SigningOutcome =
  | { readonly kind: "signed"; readonly signatures: readonly Uint8Array[]; readonly attempts: number; readonly signers: readonly number[] }
  | { readonly kind: "infeasible"; readonly attempts: number; readonly excluded: readonly number[] };

/** A message this node did not act on, with a bounded code (counted by the shell, never a crash). */
export interface SigningRefusal {
  readonly code: string;
  readonly detail: string;
}

export interface EngineStep {
  /** Wire messages to broadcast, in order. */
  readonly send: Uint8Array[];
  /** Faults for the fault store (evidence, and no-share records). */
  readonly faults: SigningFault[];
  readonly refusals: SigningRefusal[];
  /** Set once, when the session ends. */
  readonly outcome?: SigningOutcome;
}

/**
 * How far the current attempt got, as this member saw it; the shell's attempt timer follows it.
 * - gathering: fewer than `t` included members have committed and no package is out. Waiting for
 *   members costs nothing (a member's node joins when its own executor reaches the action), so no
 *   timer runs and nobody is charged.
 * - committed: `t` included members committed; the coordinator owes a package.
 * - packaged: the coordinator's package is out; its subset owes shares.
 * Every member sees the same topic, so each stage starts at about the same time on every member, and
 * so do their timeouts: the members judge who was silent from nearly the same view.
 */
export type AttemptStage = "gathering" | "committed" | "packaged";

interface ObservedAttempt {
  /** Included members whose well-formed commitments for this attempt were seen. */
  readonly committers: Set<number>;
  package?: OpenedSigningMessage<PackageMessage>;
  packageHash?: Uint8Array;
  /**
   * Senders of shares by the package hash they answer (hex). Kept per hash, not checked against the
   * package on arrival: gossip may deliver a member's shares before the package itself, and a member
   * counted silent by one observer and not by another would make them draw different coordinators.
   */
  readonly shareSenders: Map<string, Set<number>>;
}

/** Package hashes whose shares one attempt tracks (the real one, plus what an equivocating coordinator adds). */
const MAX_PACKAGES_OBSERVED = 4;

/** Messages for the next attempt that arrive before this node's own timeout: kept, then replayed. */
const MAX_EARLY_MESSAGES = 4 * 255;

export class SigningSessionEngine {
  private readonly attempts: SessionAttempts;
  private readonly member: MemberSession;
  private coordinating: CoordinatorAttempt | undefined;
  private observed: ObservedAttempt = { committers: new Set(), shareSenders: new Map() };
  private early: OpenedSigningMessage[] = [];
  private finished: SigningOutcome | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly init: SigningEngineInit) {
    this.attempts = new SessionAttempts({ sessionId: init.sessionId, members: init.members, threshold: init.threshold, leader: init.leader });
    this.member = new MemberSession(init, this.attempts);
  }

  get attempt(): number {
    return this.attempts.attempt;
  }

  get outcome(): SigningOutcome | undefined {
    return this.finished;
  }

  /** The current attempt's stage (see AttemptStage). */
  get stage(): AttemptStage {
    if (this.observed.package !== undefined) return "packaged";
    return this.observed.committers.size >= this.attempts.threshold ? "committed" : "gathering";
  }

  /** Starts attempt 0: this member's commitments (and, as coordinator, its own share of the work). */
  start(): Promise<EngineStep> {
    return this.serially(async () => {
      const step = newStep();
      await this.beginAttempt(step);
      return step;
    });
  }

  /** One wire message from the topic. */
  onMessage(wire: Uint8Array): Promise<EngineStep> {
    return this.serially(() => this.receive(wire));
  }

  /**
   * Runs one input at a time: `markConsumed` is awaited mid-input, and a second input must not see
   * the state half-way (two packages racing for the same nonces, or a timeout during a share).
   */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async receive(wire: Uint8Array): Promise<EngineStep> {
    const step = newStep();
    let opened: OpenedSigningMessage;
    try {
      opened = openSigningMessage(wire, this.init.domain);
    } catch (err) {
      if (!(err instanceof SigningDecodeError)) throw err;
      step.refusals.push({ code: "MALFORMED", detail: err.message });
      return step;
    }
    await this.handle(opened, step);
    return step;
  }

  /**
   * Evidence published by another node (the coordinator's SigningInvalidShare): checked offline, then
   * the accused is excluded from the next attempt on.
   */
  onEvidence(evidence: SigningEvidence): EvidenceVerdict {
    const verdict = verifySigningEvidence(evidence, this.init);
    if (verdict.valid && evidence.kind === "SigningInvalidShare") this.attempts.excludeCheater(evidence.member);
    return verdict;
  }

  /**
   * The current attempt's time is up (`signingAttemptMs` after its stage began): record who was silent
   * and start the next. A timer armed for an earlier attempt or stage, or one while gathering, does nothing.
   */
  onAttemptTimeout(attempt: number, stage: AttemptStage = this.stage): Promise<EngineStep> {
    return this.serially(() => this.closeOnTimeout(attempt, stage));
  }

  private async closeOnTimeout(attempt: number, stage: AttemptStage): Promise<EngineStep> {
    const step = newStep();
    if (this.finished !== undefined || attempt !== this.attempts.attempt || stage !== this.stage || stage === "gathering") return step;
    const pkg = this.observed.package;
    const answered = this.observed.packageHash === undefined ? undefined : this.observed.shareSenders.get(toHex(this.observed.packageHash));
    const silent = pkg === undefined ? [this.attempts.coordinator] : pkg.message.subset.filter((m) => !(answered?.has(m) ?? false));
    for (const m of silent) step.faults.push({ kind: "SigningNoShare", member: m, attempt, ...(pkg === undefined ? {} : { packageWire: pkg.wire }) });
    if (!this.attempts.closeAttempt({ cheaters: [], silent })) {
      this.finish(step, { kind: "infeasible", attempts: attempt + 1, excluded: this.attempts.excludedMembers() });
      return step;
    }
    await this.beginAttempt(step);
    return step;
  }

  private async beginAttempt(step: EngineStep): Promise<void> {
    this.observed = { committers: new Set(), shareSenders: new Map() };
    this.coordinating = undefined;
    const a = this.attempts.attempt;
    // After a restart (threshold.md §5.2, §7): an attempt whose nonces an earlier life consumed is
    // neither committed to nor coordinated again; a second package for it would be equivocation.
    const spent = this.init.isConsumed?.(this.init.sessionId, a) ?? false;
    const commitments = spent ? undefined : this.member.commitFor(a);
    if (!spent && this.attempts.coordinator === this.init.self) {
      this.coordinating = new CoordinatorAttempt(this.init, a, this.attempts.included);
    }
    if (commitments !== undefined) {
      step.send.push(commitments);
      await this.handle(openSigningMessage(commitments, this.init.domain), step);
    }
    const replay = this.early.filter((m) => m.message.attempt === a);
    this.early = this.early.filter((m) => m.message.attempt > a);
    for (const m of replay) await this.handle(m, step);
  }

  private async handle(opened: OpenedSigningMessage, step: EngineStep): Promise<void> {
    if (this.finished !== undefined) return;
    const m = opened.message;
    if (!bytesEqual(m.sessionId, this.init.sessionId)) return void step.refusals.push({ code: "WRONG_SESSION", detail: "message of another session" });
    const sender = memberOfAddress(this.init.operators, opened.sender);
    if (sender === undefined) return void step.refusals.push({ code: "NOT_A_MEMBER", detail: `message signed by ${opened.sender}` });
    if (m.attempt > this.attempts.attempt && m.kind !== "signatures") {
      if (m.attempt === this.attempts.attempt + 1 && this.early.length < MAX_EARLY_MESSAGES) this.early.push(opened);
      else step.refusals.push({ code: "FUTURE_ATTEMPT", detail: `${m.kind} of attempt ${m.attempt} during attempt ${this.attempts.attempt}` });
      return;
    }
    switch (m.kind) {
      case "commitments":
        return this.onCommitments(opened as OpenedSigningMessage<Extract<SigningMessage, { kind: "commitments" }>>, step);
      case "package":
        return this.onPackage(opened as OpenedSigningMessage<PackageMessage>, sender, step);
      case "shares":
        return this.onShares(opened as OpenedSigningMessage<Extract<SigningMessage, { kind: "shares" }>>, sender, step);
      case "signatures":
        return this.onSignatures(m, step);
    }
  }

  private async onCommitments(opened: OpenedSigningMessage<Extract<SigningMessage, { kind: "commitments" }>>, step: EngineStep): Promise<void> {
    this.countCommitter(opened);
    // Commitments are for the coordinator; the other members see them on the topic and ignore them.
    if (this.coordinating === undefined) {
      if (opened.message.attempt < this.attempts.attempt) step.refusals.push({ code: "STALE_ATTEMPT", detail: `commitments of attempt ${opened.message.attempt}` });
      return;
    }
    const answer = this.coordinating.onCommitments(opened);
    if (answer.kind === "refused") return void step.refusals.push(answer);
    if (answer.kind === "package") {
      step.send.push(answer.wire);
      await this.handle(openSigningMessage(answer.wire, this.init.domain), step);
    }
  }

  /** Counts the sender toward the attempt's `t` committers when the coordinator could use its commitments. */
  private countCommitter(opened: OpenedSigningMessage<Extract<SigningMessage, { kind: "commitments" }>>): void {
    const m = opened.message;
    if (m.attempt !== this.attempts.attempt || this.observed.committers.size >= this.attempts.threshold) return;
    const member = memberOfAddress(this.init.operators, opened.sender);
    if (member === undefined || !this.attempts.isIncluded(member) || this.observed.committers.has(member)) return;
    if (m.commitments.length !== this.init.digests.length || invalidCommitmentPoint(m.commitments) !== undefined) return;
    this.observed.committers.add(member);
  }

  private async onPackage(opened: OpenedSigningMessage<PackageMessage>, sender: number, step: EngineStep): Promise<void> {
    const pkg = opened.message;
    if (pkg.attempt === this.attempts.attempt && sender === this.attempts.coordinator && this.observed.package === undefined) {
      this.observed.package = opened;
      this.observed.packageHash = packageHashOf(pkg);
    }
    const answer = await this.member.onPackage(opened);
    if (answer.kind === "refused") {
      if (answer.evidence !== undefined) step.faults.push(answer.evidence);
      if (answer.code !== "NOT_IN_SUBSET") step.refusals.push({ code: answer.code, detail: answer.detail });
      return;
    }
    step.send.push(answer.wire);
    await this.handle(openSigningMessage(answer.wire, this.init.domain), step);
  }

  private async onShares(opened: OpenedSigningMessage<Extract<SigningMessage, { kind: "shares" }>>, sender: number, step: EngineStep): Promise<void> {
    const m = opened.message;
    if (m.attempt < this.attempts.attempt) return void step.refusals.push({ code: "STALE_ATTEMPT", detail: `shares of attempt ${m.attempt}` });
    if (m.attempt === this.attempts.attempt) {
      const key = toHex(m.packageHash);
      const senders = this.observed.shareSenders.get(key) ?? new Set<number>();
      // Bounded: one set per package hash, each at most the members; an attempt sees one real package.
      if (senders.size === 0 && this.observed.shareSenders.size >= MAX_PACKAGES_OBSERVED) return void step.refusals.push({ code: "TOO_MANY_PACKAGES", detail: `shares for a ${MAX_PACKAGES_OBSERVED + 1}th package hash` });
      this.observed.shareSenders.set(key, senders.add(sender));
    }
    if (this.coordinating === undefined) return;
    const answer = this.coordinating.onShares(opened);
    if (answer.kind === "refused") return void step.refusals.push(answer);
    if (answer.kind === "failed") {
      step.faults.push(...answer.evidence);
      for (const c of answer.cheaters) this.attempts.excludeCheater(c);
      step.refusals.push({ code: "AGGREGATE_FAILED", detail: answer.detail });
      return;
    }
    if (answer.kind === "signed") {
      step.send.push(answer.wire);
      await this.handle(openSigningMessage(answer.wire, this.init.domain), step);
    }
  }

  /** A signatures message ends the session when every signature verifies under this node's own digests and keys. */
  private onSignatures(m: Extract<SigningMessage, { kind: "signatures" }>, step: EngineStep): void {
    const { digests, keys } = this.init;
    const walletX = walletXOf(this.init.public);
    const valid =
      m.signatures.length === digests.length && m.signatures.every((sig, i) => verifyBip340Signature(digests[i], sig, bip340KeyOf(walletX, keys[i])));
    if (!valid) return void step.refusals.push({ code: "BAD_SIGNATURES", detail: `signatures of attempt ${m.attempt} do not verify` });
    const seen = this.observed;
    const signers = seen.package !== undefined && seen.packageHash !== undefined && bytesEqual(seen.packageHash, m.packageHash) ? seen.package.message.subset : [];
    this.finish(step, { kind: "signed", signatures: m.signatures, attempts: this.attempts.attempt + 1, signers });
  }

  private finish(step: EngineStep, outcome: SigningOutcome): void {
    this.finished = outcome;
    (step as { outcome?: SigningOutcome }).outcome = outcome;
  }
}

function newStep(): EngineStep {
  return { send: [], faults: [], refusals: [] };
}
