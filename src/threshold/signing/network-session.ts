// One signing session of this node over the wallet's signing topic (threshold.md §5.2): the effectful
// shell around one SigningSessionEngine. It feeds the engine the topic's messages, publishes what the
// engine sends (and the invalid-share evidence it finds, see evidence-wire.ts), owns the attempt timers,
// and settles once: the engine's outcome (signed or infeasible) or an abort (deadline, shutdown).
//
// Attempt clock: an attempt's timer runs `signingAttemptMs` from the start of its current stage as this
// node saw it (the engine's AttemptStage): from the t-th commitment (the coordinator owes a package) and
// again from the package (the subset owes shares). No timer runs while fewer than t members committed:
// members join as their own executors reach the action, and waiting for them must not charge anyone.
// Stages start on messages every member sees, so the members' clocks differ by network delay only,
// whenever each of them called sign().
import { crashPoint } from "../../util/crash-point.js";
import type { SigningEvidence, SigningFault } from "./evidence.js";
import { encodeEvidenceWire } from "./evidence-wire.js";
import type { AttemptStage, EngineStep, SigningOutcome, SigningRefusal, SigningSessionEngine } from "./session-engine.js";
import { SIGNING_KIND_BYTE } from "./signing-messages.js";

/** threshold.md §7 crash rows: right after this node published its package or its shares. */
const CRASH_AFTER_SEND = new Map<number, string>([
  [SIGNING_KIND_BYTE.package, "signing.coordinator.after-package"],
  [SIGNING_KIND_BYTE.shares, "signing.member.after-shares"],
]);

export interface NetworkSessionHooks {
  /** Publishes one wire on the wallet's signing topic; never throws. */
  publish(wire: Uint8Array): Promise<void>;
  /** A fault this node found (`self`) or verified evidence a peer published (`peer`). */
  fault(fault: SigningFault, origin: "self" | "peer"): void;
  /** A message or input that was not acted on (counted, never a crash). */
  refusal(refusal: SigningRefusal): void;
  /** An unexpected throw of the engine on one input; the session goes on. */
  internalError(err: unknown): void;
}

/** What markConsumed throws when the store holds a mark of these nonces (the engine refuses: MARK_FAILED). */
export class NonceMarkRefusedError extends Error {
  override readonly name = "NonceMarkRefusedError";
  readonly code = "NONCE_MARK_REFUSED";
}

type Input = { readonly kind: "message"; readonly wire: Uint8Array } | { readonly kind: "evidence"; readonly evidence: SigningEvidence };

export class NetworkSession {
  private readonly settled = deferred<SigningOutcome>();
  private state: "new" | "running" | "done" = "new";
  /** Inputs that arrived before start(): fed in order right after the engine's start. */
  private readonly queued: Input[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = "";
  private begun = false;
  private publishing: Promise<void> = Promise.resolve();
  readonly startedAt = Date.now();

  constructor(
    private readonly engine: SigningSessionEngine,
    private readonly sessionId: Uint8Array,
    private readonly attemptMs: number,
    private readonly hooks: NetworkSessionHooks,
    /** Inputs kept before start(); beyond it, further ones are refused. */
    private readonly maxQueued: number,
  ) {
    // The caller awaits `outcome`; an abort before it does must not be an unhandled rejection.
    this.settled.promise.catch(() => undefined);
  }

  /** Resolves with the engine's outcome; rejects with the abort reason. */
  get outcome(): Promise<SigningOutcome> {
    return this.settled.promise;
  }

  get finished(): boolean {
    return this.state === "done";
  }

  /** Attempts begun here (0 when the session never started). */
  get attemptsBegun(): number {
    return this.begun ? this.engine.attempt + 1 : 0;
  }

  /** Starts attempt 0, then replays what arrived before. */
  start(): void {
    if (this.state !== "new") return;
    this.state = "running";
    this.begun = true;
    this.run(this.engine.start());
    for (const input of this.queued.splice(0)) this.feed(input);
  }

  message(wire: Uint8Array): void {
    this.feed({ kind: "message", wire });
  }

  evidence(evidence: SigningEvidence): void {
    this.feed({ kind: "evidence", evidence });
  }

  abort(reason: unknown): void {
    if (this.state === "done") return;
    this.end();
    this.settled.reject(reason);
  }

  private feed(input: Input): void {
    if (this.state === "done") return;
    if (this.state === "new") {
      if (this.queued.length < this.maxQueued) this.queued.push(input);
      else this.hooks.refusal({ code: "QUEUE_FULL", detail: "input before the session started, queue full" });
      return;
    }
    if (input.kind === "message") return this.run(this.engine.onMessage(input.wire));
    // Evidence changes only who is included from the next attempt on; checked offline by the engine.
    const verdict = this.engine.onEvidence(input.evidence);
    if (verdict.valid) this.hooks.fault(input.evidence, "peer");
    else this.hooks.refusal({ code: "BAD_EVIDENCE", detail: verdict.reason });
  }

  /** The engine serialises its inputs, so steps resolve (and are absorbed) in input order. */
  private run(step: Promise<EngineStep>): void {
    step.then(
      (s) => this.absorb(s),
      (err: unknown) => {
        if (this.state !== "done") this.hooks.internalError(err);
      },
    );
  }

  private absorb(step: EngineStep): void {
    if (this.state === "done") return;
    for (const r of step.refusals) this.hooks.refusal(r);
    for (const f of step.faults) {
      this.hooks.fault(f, "self");
      if (f.kind === "SigningInvalidShare") this.publish(encodeEvidenceWire(this.sessionId, f));
    }
    for (const wire of step.send) this.publish(wire);
    if (step.outcome !== undefined) {
      // Let the last sends (the coordinator's signatures) leave before the caller moves on.
      const outcome = step.outcome;
      this.end();
      void this.publishing.then(() => this.settled.resolve(outcome));
      return;
    }
    this.arm();
  }

  /** Publishes in order, one at a time. */
  private publish(wire: Uint8Array): void {
    this.publishing = this.publishing.then(async () => {
      await this.hooks.publish(wire);
      const point = CRASH_AFTER_SEND.get(wire[0]);
      if (point !== undefined) crashPoint(point);
    });
  }

  /** Arms the timer of the engine's current attempt and stage (once per stage; none while gathering). */
  private arm(): void {
    const { attempt, stage } = this.engine;
    const key = `${attempt}:${stage}`;
    if (key === this.armedFor) return;
    this.armedFor = key;
    clearTimeout(this.timer);
    this.timer = stage === "gathering" ? undefined : setTimeout(() => this.fire(attempt, stage), this.attemptMs);
  }

  private fire(attempt: number, stage: AttemptStage): void {
    this.timer = undefined;
    if (this.state === "running") this.run(this.engine.onAttemptTimeout(attempt, stage));
  }

  private end(): void {
    this.state = "done";
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queued.length = 0;
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (reason: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
