// The attempt bookkeeping of one signing session (threshold.md §5.2), the same on every member so that
// all of them agree on each attempt's coordinator and on who may be in its subset.
//
// What is implemented:
// - Attempt a's `included` list and coordinator are fixed when the attempt starts; an exclusion learnt
//   during attempt a takes effect from attempt a + 1 (otherwise the coordinator could change mid-attempt).
// - A member proven to have sent an invalid share (SigningInvalidShare) is excluded for the rest of the
//   session.
// - A member that failed to answer — in the subset and sent no share, or the coordinator and sent no
//   package — is excluded for the next attempt only (SigningNoShare: a network can lose messages). A
//   second failure to answer in the same session excludes it for the rest of the session: without that
//   a member could commit fast and withhold its share forever, every other attempt.
// - A rest for one attempt never ends the session: when the members left without the resting ones are
//   fewer than `t`, the resting ones are back in (a slow attempt must not end a session that can still sign).
// - The session is infeasible as soon as fewer than `t` members are left that are not excluded for the
//   rest of the session.
//
// Bound: every failed attempt is charged to at least one member (an invalid share, a missing share or a
// missing package of the one coordinator); a cheater is charged once, a silent member at most twice.
// With k faulty members: at most 2k + 1 attempts; with only cheaters and members that are silent once,
// k + 1. Members that never answer round 1 cost nothing: the coordinator takes the first t to answer.
import { attemptCoordinator } from "./attempt-coordinator.js";

export interface SessionAttemptsInit {
  /** 32-byte session id. */
  readonly sessionId: Uint8Array;
  /** Every member index of the wallet (any order; kept ascending). */
  readonly members: readonly number[];
  /** `t`: signers of every signature. */
  readonly threshold: number;
  /** Member index of the window's leader: attempt 0's coordinator. */
  readonly leader: number;
}

/** What one member saw of a failed attempt. */
export interface AttemptFailure {
  /** Members whose invalid share is proven (their exclusion is for the rest of the session). */
  readonly cheaters: readonly number[];
  /** Members that were expected to answer and did not (subset members without a share, a coordinator without a package). */
  readonly silent: readonly number[];
}

interface AttemptFrame {
  readonly attempt: number;
  readonly included: readonly number[];
  /** Undefined once the session is infeasible. */
  readonly coordinator: number | undefined;
}

export class SessionAttempts {
  readonly sessionId: Uint8Array;
  readonly threshold: number;
  private readonly members: readonly number[];
  private readonly leader: number;
  private readonly excludedForSession = new Set<number>();
  private readonly silentBefore = new Set<number>();
  private resting = new Set<number>();
  private frame: AttemptFrame;

  constructor(init: SessionAttemptsInit) {
    this.members = [...new Set(init.members)].sort((a, b) => a - b);
    if (this.members.some((m) => !Number.isInteger(m) || m < 1 || m > 255)) throw new Error("member indices must be 1…255");
    if (!Number.isInteger(init.threshold) || init.threshold < 1 || init.threshold > this.members.length) {
      throw new Error(`threshold ${init.threshold} out of range for ${this.members.length} members`);
    }
    if (!this.members.includes(init.leader)) throw new Error(`leader ${init.leader} is not a member`);
    this.sessionId = init.sessionId;
    this.threshold = init.threshold;
    this.leader = init.leader;
    this.frame = this.frameOf(0);
  }

  /** The current attempt number. */
  get attempt(): number {
    return this.frame.attempt;
  }

  /** Ascending member indices that may be in the current attempt's subset. */
  get included(): readonly number[] {
    return this.frame.included;
  }

  /** True while at least `t` members are included in the current attempt. */
  get feasible(): boolean {
    return this.frame.coordinator !== undefined;
  }

  /** The current attempt's coordinator; throws when the session is infeasible. */
  get coordinator(): number {
    if (this.frame.coordinator === undefined) throw new Error("signing session is infeasible: no coordinator");
    return this.frame.coordinator;
  }

  isIncluded(member: number): boolean {
    return this.frame.included.includes(member);
  }

  /** Members excluded for the rest of the session, ascending. */
  excludedMembers(): number[] {
    return [...this.excludedForSession].sort((a, b) => a - b);
  }

  /** A proven invalid share: `member` is out for the rest of the session, from the next attempt on. */
  excludeCheater(member: number): void {
    if (this.members.includes(member)) this.excludedForSession.add(member);
  }

  /** Ends the current attempt as failed and starts the next one; returns whether it is feasible. */
  closeAttempt(failure: AttemptFailure): boolean {
    for (const m of failure.cheaters) this.excludeCheater(m);
    const resting = new Set<number>();
    for (const m of failure.silent) {
      if (!this.members.includes(m)) continue;
      if (this.silentBefore.has(m)) this.excludedForSession.add(m);
      this.silentBefore.add(m);
      resting.add(m);
    }
    this.resting = resting;
    this.frame = this.frameOf(this.frame.attempt + 1);
    return this.feasible;
  }

  private frameOf(attempt: number): AttemptFrame {
    const available = this.members.filter((m) => !this.excludedForSession.has(m));
    if (available.length < this.threshold) return { attempt, included: available, coordinator: undefined };
    const rested = available.filter((m) => !this.resting.has(m));
    const included = rested.length >= this.threshold ? rested : available;
    const coordinator = attemptCoordinator({ sessionId: this.sessionId, attempt, leader: this.leader, included });
    return { attempt, included, coordinator };
  }
}
