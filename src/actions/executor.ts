// The effectful shell around the action state machine (reliability.md §3): one serial queue per
// wallet (R9), every state change through store.actions.advance (R2) committed before the side
// effect it leads to (R1), and a stall monitor that applies nextStep to every non-terminal action
// on every new head (§3.2), so deadlines are blocks read from persisted rows and survive restarts (R3).
// This file keeps the pass loop and the dispatch; the steps do the work: validation-step.ts (§3.4),
// signing-step.ts (§3.5), and each handler's Bitcoin steps (broadcast-step.ts, settlement-step.ts).
import type { BtcTip } from "../bitcoin/bitcoin-chain.js";
import type { BlockRef } from "../chain/ethereum-chain.js";
import type { ChainClock } from "../coordination/clock.js";
import type { ActionDispatcher } from "../coordination/result-processor.js";
import type { Metrics } from "../metrics/metrics.js";
import type { CoordinationObserver } from "../protocol/events.js";
import type { ActionData, ActionRow } from "../store/repos/actions-repo.js";
import type { Store } from "../store/store.js";
import { crashPoint } from "../util/crash-point.js";
import type { Startable } from "../util/lifecycle.js";
import { silentLogger, type Logger } from "../util/logger.js";
import { isAbortError, sleep } from "../util/sleep.js";
import type { ActionHandler, ActionHandlers, HandlerCallContext } from "./handlers/handler.js";
import type { WalletSigner } from "./signer.js";
import { SigningStep, StaleAttemptError, type WalletKeySource } from "./signing-step.js";
import { isTerminal, nextStep, type ActionState, type Effect, type Heights, type Step } from "./state-machine.js";
import { actionIds, errorInfo, type RunHooks, type StepHost } from "./step-host.js";
import { TransitionLog } from "./transition-log.js";
import { ValidationStep } from "./validation-step.js";

/** A block's number and hash (EthereumChain.block satisfies it). */
export interface BlockSource {
  block(n: number, o?: { signal?: AbortSignal }): Promise<{ number: number; hash: string }>;
}

/** BitcoinTipTracker: trackers are moved (reorgs) before the executor sees the tip. */
export interface BitcoinTipSource {
  cursor(): BtcTip | null;
  onProcessed(listener: () => void): () => void;
}

export interface ActionExecutorComponents {
  store: Store;
  clock: ChainClock;
  blocks: BlockSource;
  bridge: WalletKeySource;
  signer: WalletSigner;
  handlers: ActionHandlers;
  /** The node's processed Bitcoin tip: it goes into the heights, and every processed tip triggers a sweep (§3.2). */
  bitcoinTip?: BitcoinTipSource | null;
  /** Told of every transition (the devnet timeline). */
  observer?: CoordinationObserver;
  logger?: Logger;
  metrics?: Metrics | null;
}

export interface ActionExecutorInit {
  /** Upper bound on transitions and effects in one run of an action (a loop guard). Default 32. */
  maxStepsPerRun?: number;
}

export const DEFAULT_MAX_STEPS_PER_RUN = 32;

/** A queued or running pass over one action. */
export interface ActionRun {
  /** Settles when the pass ends (waiting, frozen, or shut down). */
  readonly done: Promise<void>;
  /** Resolves when the pass starts its side effect (the signer call), or ends without one. */
  readonly effectStarted: Promise<void>;
}

export class ActionExecutor implements ActionDispatcher, Startable {
  private readonly store: Store;
  private readonly clock: ChainClock;
  private readonly blocks: BlockSource;
  private readonly handlers: ActionHandlers;
  private readonly bitcoinTip: BitcoinTipSource | null;
  private readonly log: Logger;
  private readonly maxSteps: number;
  private readonly transitions: TransitionLog;
  private readonly signing: SigningStep;
  private readonly validation: ValidationStep;
  private unsubscribeTip: (() => void) | undefined;

  private life = new AbortController();
  private monitor: Promise<void> | undefined;
  /** Tail of each wallet's serial queue (R9). */
  private readonly queues = new Map<string, Promise<void>>();
  /** Actions queued or running: a new head never queues a second pass of the same action. */
  private readonly runs = new Map<number, ActionRun>();
  private readonly warned = new Set<string>();

  constructor(components: ActionExecutorComponents, init: ActionExecutorInit = {}) {
    this.store = components.store;
    this.clock = components.clock;
    this.blocks = components.blocks;
    this.handlers = components.handlers;
    this.bitcoinTip = components.bitcoinTip ?? null;
    this.log = (components.logger ?? silentLogger).child({ module: "actions" });
    this.maxSteps = init.maxStepsPerRun ?? DEFAULT_MAX_STEPS_PER_RUN;
    this.transitions = new TransitionLog({
      store: this.store,
      clock: this.clock,
      btcTip: () => this.bitcoinTip?.cursor()?.height ?? null,
      observer: components.observer,
      logger: this.log,
      metrics: components.metrics ?? null,
    });
    const host: StepHost = {
      store: this.store,
      clock: this.clock,
      log: this.log,
      lifeSignal: () => this.life.signal,
      heights: () => this.heights(),
      handlerOf: (row) => this.handlerOf(row),
      missing: (row, what) => this.missing(row, what),
      callContext: (row, heights, deadlineBlock) => this.callContext(row, heights, deadlineBlock),
      stillCalls: (row, effect) => this.stillCalls(row, effect),
      transition: (row, to, data, detail, writes) => this.transitions.commit(row, to, data, detail, writes),
    };
    this.signing = new SigningStep({ host, signer: components.signer, bridge: components.bridge });
    this.validation = new ValidationStep({ host, signing: this.signing });
  }

  /** Starts the stall monitor. Idempotent. */
  async start(): Promise<void> {
    if (this.monitor !== undefined) return;
    if (this.life.signal.aborted) this.life = new AbortController();
    this.monitor = this.monitorLoop(this.life.signal);
    this.unsubscribeTip = this.bitcoinTip?.onProcessed(() => this.sweep());
  }

  /** Aborts every loop and waits for the running passes to end. Idempotent; legal without start. */
  async stop(): Promise<void> {
    this.life.abort(new DOMException("action executor stopped", "AbortError"));
    this.unsubscribeTip?.();
    this.unsubscribeTip = undefined;
    const monitor = this.monitor;
    this.monitor = undefined;
    await monitor;
    await Promise.allSettled([...this.queues.values()]);
  }

  /** ActionDispatcher: a window result just scheduled this action. */
  scheduled(actionId: number): void {
    this.kick(actionId);
  }

  /**
   * Queues one pass over the action on its wallet's queue, unless one is already queued or running.
   * Returns undefined for an unknown or terminal action.
   */
  kick(actionId: number, opts: { maxEffects?: number } = {}): ActionRun | undefined {
    const existing = this.runs.get(actionId);
    if (existing !== undefined) return existing;
    if (this.life.signal.aborted) return undefined;
    const row = this.store.actions.get(actionId);
    if (row === undefined || isTerminal(row.state)) return undefined;
    const wallet = row.walletPkh;
    let effectStarted!: () => void;
    const effectPromise = new Promise<void>((resolve) => (effectStarted = resolve));
    const prev = this.queues.get(wallet) ?? Promise.resolve();
    const life = this.life.signal;
    const done: Promise<void> = prev
      .then(() => this.drive(actionId, { effectStarted }, opts.maxEffects ?? Infinity))
      .catch((err: unknown) => {
        // Stopping the executor aborts the pass in flight: the node is shutting down, nothing failed.
        if (life.aborted && isAbortError(err)) return void this.log.debug({ actionId, wallet }, "action pass stopped");
        this.log.error({ actionId, wallet, ...errorInfo(err) }, "action pass failed; retried on the next block");
      })
      .finally(() => {
        this.runs.delete(actionId);
        effectStarted();
        if (this.queues.get(wallet) === done) this.queues.delete(wallet);
      });
    const run: ActionRun = { done, effectStarted: effectPromise };
    this.runs.set(actionId, run);
    this.queues.set(wallet, done);
    return run;
  }

  /**
   * Recovery's "watch before acting" (reliability.md §5 step 5): every action that may have broadcast
   * before a crash looks its transaction up first, so it resumes from what the chain shows. A failed
   * look-up changes nothing; the action's own step retries.
   */
  async lookUpBroadcasts(): Promise<void> {
    for (const row of this.store.actions.nonTerminal()) {
      const bitcoin = this.handlerOf(row)?.bitcoin;
      if (row.state !== "broadcast_pending" || bitcoin?.lookUp === undefined) continue;
      try {
        const t = await bitcoin.lookUp(row, await this.callContext(row, this.heights(), null));
        if (t !== null) this.transitions.commit(row, t.to, t.data ?? {}, { ...t.detail, recovery: true }, t.writes);
      } catch (err) {
        if (this.life.signal.aborted) return;
        this.log.warn({ ...actionIds(row), ...errorInfo(err) }, "recovery look-up failed; the broadcast step decides");
      }
    }
  }

  /** Evaluates every non-terminal action once (what the monitor does on each head). */
  sweep(): void {
    for (const row of this.store.actions.nonTerminal()) this.kick(row.id);
  }

  /** Resolves once no pass is queued or running. */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled([...this.queues.values()]);
  }

  /** The signal that ends every loop of this executor (for recovery). */
  get signal(): AbortSignal {
    return this.life.signal;
  }

  private async monitorLoop(signal: AbortSignal): Promise<void> {
    let next = Math.max(0, this.clock.head);
    while (!signal.aborted) {
      try {
        const head = await this.clock.waitForBlock(next, { signal });
        next = head + 1;
        this.sweep();
      } catch (err) {
        if (signal.aborted) return;
        if (isAbortError(err)) return; // the clock stopped
        this.log.error(errorInfo(err), "stall monitor: sweep failed");
        await sleep(1000, signal).catch(() => undefined);
      }
    }
  }

  private heights(): Heights {
    return { ethHead: this.clock.head, btcTip: this.bitcoinTip?.cursor()?.height ?? null };
  }

  /**
   * Applies nextStep until the action waits, freezes, an effect must be retried on a later block, or
   * `maxEffects` effects ran (recovery performs at most one per action, reliability.md §5 step 6).
   */
  private async drive(id: number, hooks: RunHooks, maxEffects: number): Promise<void> {
    let effects = 0;
    for (let i = 0; i < this.maxSteps; i++) {
      if (this.life.signal.aborted) return;
      const row = this.store.actions.get(id);
      if (row === undefined) return;
      const heights = this.heights();
      if (heights.ethHead < 0) return; // no head yet
      const step = nextStep(row, heights);
      let progressed: boolean;
      try {
        progressed = await this.apply(row, step, heights, hooks);
      } catch (err) {
        if (err instanceof StaleAttemptError || (err as { code?: unknown }).code === "CAS_FAILED") {
          // Someone else moved it (e.g. equivocation abort): re-read and decide again.
          this.log.info({ actionId: id, ...errorInfo(err) }, "action changed underneath; re-evaluating");
          continue;
        }
        throw err;
      }
      if (!progressed) return;
      // Validation only reads; every other effect is externally visible.
      if (step.kind === "effect" && step.effect !== "validate" && ++effects >= maxEffects) return;
    }
    this.log.warn({ actionId: id, maxSteps: this.maxSteps }, "action pass hit its step limit; continuing on the next block");
  }

  /** True when the row changed and the loop should decide again. */
  private async apply(row: ActionRow, step: Step, heights: Heights, hooks: RunHooks): Promise<boolean> {
    switch (step.kind) {
      case "frozen":
      case "wait":
        return false;
      case "advance":
        return this.applyAdvance(row, step.to, step.reason);
      case "effect":
        return this.applyEffect(row, step.effect, heights, hooks);
    }
  }

  private applyAdvance(row: ActionRow, to: ActionState, reason: string | undefined): boolean {
    if (to === "signing") {
      // built → signing: the built digests and round id are already persisted.
      this.signing.enterSigning(row, row.sighashes ?? [], row.roundId, {});
      return true;
    }
    if (row.state === "signed" && to === "broadcast_pending") {
      const bitcoin = this.handlerOf(row)?.bitcoin;
      if (bitcoin === undefined) return this.missing(row, "bitcoin handler");
      const t = bitcoin.enterBroadcastPending(row);
      this.transitions.commit(row, t.to, t.data ?? {}, t.detail ?? {}, t.writes);
      crashPoint("action.broadcast_pending.committed");
      return true;
    }
    reason = this.validation.reasonFor(row, to, reason);
    const data: ActionData = reason === undefined ? {} : { reason };
    this.transitions.commit(row, to, data, reason === undefined ? {} : { reason });
    crashPoint(`action.${to}`);
    return true;
  }

  private async applyEffect(row: ActionRow, effect: Effect, heights: Heights, hooks: RunHooks): Promise<boolean> {
    switch (effect) {
      case "validate":
        return this.validation.validate(row, heights);
      case "sign":
        return this.signing.sign(row, heights, hooks);
      default: {
        const bitcoin = this.handlerOf(row)?.bitcoin;
        if (bitcoin === undefined) return this.missing(row, "bitcoin handler");
        const ctx = await this.callContext(row, heights, null);
        hooks.effectStarted();
        const t = await bitcoin.continue(effect, row, ctx);
        if (t === null) return false;
        crashPoint(`action.${t.to}.before-commit`);
        this.transitions.commit(row, t.to, t.data ?? {}, t.detail ?? {}, t.writes);
        return true;
      }
    }
  }

  private async callContext(row: ActionRow, heights: Heights, deadlineBlock: number | null): Promise<HandlerCallContext> {
    const signal =
      deadlineBlock === null ? this.life.signal : AbortSignal.any([this.life.signal, this.clock.signalAtBlock(deadlineBlock)]);
    const at = await this.blockRef(heights.ethHead, signal);
    return { at, heights, signal };
  }

  private async blockRef(n: number, signal: AbortSignal): Promise<BlockRef> {
    const b = await this.blocks.block(n, { signal });
    return { blockHash: b.hash, blockNumber: b.number };
  }

  private stillCalls(row: ActionRow, effect: Effect): boolean {
    const now = this.store.actions.get(row.id);
    if (now === undefined || now.state !== row.state) return false;
    const step = nextStep(now, this.heights());
    return step.kind === "effect" && step.effect === effect;
  }

  private handlerOf(row: ActionRow): ActionHandler | undefined {
    return this.handlers.get(row.type);
  }

  /** The action waits: nothing here can execute it yet (logged once per action and part). */
  private missing(row: ActionRow, what: string): false {
    const key = `${row.id}:${what}`;
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.log.warn({ ...actionIds(row), state: row.state, missing: what }, "no executor support for this action yet; it waits");
    }
    return false;
  }
}
