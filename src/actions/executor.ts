// The effectful shell around the action state machine (reliability.md §3): one serial queue per
// wallet (R9), every state change through store.actions.advance (R2) committed before the side
// effect it leads to (R1), and a stall monitor that applies nextStep to every non-terminal action
// on every new head (§3.2), so deadlines are blocks read from persisted rows and survive restarts (R3).
import type { BtcTip } from "../bitcoin/bitcoin-chain.js";
import type { BlockRef } from "../chain/ethereum-chain.js";
import type { Startable } from "../util/lifecycle.js";
import type { ChainClock } from "../coordination/clock.js";
import type { CoordinationObserver } from "../protocol/events.js";
import { actionName } from "../protocol/constants.js";
import type { ActionDispatcher } from "../coordination/result-processor.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { ActionData, ActionRow } from "../store/repos/actions-repo.js";
import type { Store } from "../store/store.js";
import { crashPoint } from "../util/crash-point.js";
import { fromHex, toHex } from "../util/hex.js";
import { isAbortError, sleep } from "../util/sleep.js";
import type { ActionHandler, ActionHandlers, HandlerCallContext, HandlerTransition } from "./handlers/handler.js";
import { signingRoundId, verifyWalletSignature, type WalletSigner } from "./signer.js";
import {
  afterValidation,
  canTransition,
  EXPIRED_SIGNING_DEADLINE,
  isReorgEdge,
  isTerminal,
  nextStep,
  type ActionState,
  type Effect,
  type Heights,
  type StartValidation,
  type Step,
} from "./state-machine.js";

/** A block's number and hash (EthereumChain.block satisfies it). */
export interface BlockSource {
  block(n: number, o?: { signal?: AbortSignal }): Promise<{ number: number; hash: string }>;
}

/** The Bridge's `walletPublicKey(pkh)` pinned at a block: 64 bytes X ‖ Y, empty for an unknown wallet. */
export interface WalletKeySource {
  walletPublicKey(walletPkh: Uint8Array, at: BlockRef): Promise<Uint8Array>;
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

/** BitcoinTipTracker: trackers are moved (reorgs) before the executor sees the tip. */
export interface BitcoinTipSource {
  cursor(): BtcTip | null;
  onProcessed(listener: () => void): () => void;
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

interface RunHooks {
  effectStarted(): void;
}

/** Thrown when a signing attempt's compare-and-set on the attempt number fails. */
class StaleAttemptError extends Error {
  override readonly name = "StaleAttemptError";
}

function errorInfo(err: unknown): { code: string; error: string } {
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : typeof e?.name === "string" ? e.name : "UNKNOWN";
  return { code, error: e?.message !== undefined ? String(e.message) : String(err) };
}

/** Rejects with the signal's reason on abort; a late result of `p` is handed to `late`. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal, late: (outcome: "resolved" | "rejected") => void): Promise<T> {
  if (signal.aborted) {
    p.then(() => late("resolved"), () => late("rejected"));
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      settled = true;
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        if (settled) late("resolved");
        else resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (settled) late("rejected");
        else reject(err);
      },
    );
  });
}

export class ActionExecutor implements ActionDispatcher, Startable {
  private readonly store: Store;
  private readonly clock: ChainClock;
  private readonly blocks: BlockSource;
  private readonly bridge: WalletKeySource;
  private readonly signer: WalletSigner;
  private readonly handlers: ActionHandlers;
  private readonly bitcoinTip: BitcoinTipSource | null;
  private readonly observer: CoordinationObserver | undefined;
  private unsubscribeTip: (() => void) | undefined;
  private readonly log: Logger;
  private readonly metrics: Metrics | null;
  private readonly maxSteps: number;

  private life = new AbortController();
  private monitor: Promise<void> | undefined;
  /** Tail of each wallet's serial queue (R9). */
  private readonly queues = new Map<string, Promise<void>>();
  /** Actions queued or running: a new head never queues a second pass of the same action. */
  private readonly runs = new Map<number, ActionRun>();
  /** Signing attempt this process already handed to the signer, per action; empty after a restart (rejoin). */
  private readonly calledAttempt = new Map<number, number>();
  /** Wallet public keys from the Bridge (fixed for a PKH). */
  private readonly walletKeys = new Map<string, Uint8Array>();
  private readonly warned = new Set<string>();
  /** Expiry reason of an action's last unverified validation at start (§3.4 step 2: `not_synced`). */
  private readonly expiryReasons = new Map<number, string>();

  constructor(components: ActionExecutorComponents, init: ActionExecutorInit = {}) {
    this.store = components.store;
    this.clock = components.clock;
    this.blocks = components.blocks;
    this.bridge = components.bridge;
    this.signer = components.signer;
    this.handlers = components.handlers;
    this.bitcoinTip = components.bitcoinTip ?? null;
    this.observer = components.observer;
    this.log = (components.logger ?? silentLogger).child({ module: "actions" });
    this.metrics = components.metrics ?? null;
    this.maxSteps = init.maxStepsPerRun ?? DEFAULT_MAX_STEPS_PER_RUN;
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
        if (t !== null) this.transition(row, t.to, t.data ?? {}, { ...t.detail, recovery: true }, t.writes);
      } catch (err) {
        if (this.life.signal.aborted) return;
        this.log.warn({ ...this.ids(row), ...errorInfo(err) }, "recovery look-up failed; the broadcast step decides");
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
      this.enterSigning(row, row.sighashes ?? [], row.roundId, {});
      return true;
    }
    if (row.state === "signed" && to === "broadcast_pending") {
      const bitcoin = this.handlerOf(row)?.bitcoin;
      if (bitcoin === undefined) return this.missing(row, "bitcoin handler");
      const t = bitcoin.enterBroadcastPending(row);
      this.transition(row, t.to, t.data ?? {}, t.detail ?? {}, t.writes);
      crashPoint("action.broadcast_pending.committed");
      return true;
    }
    if (to === "expired" && reason === EXPIRED_SIGNING_DEADLINE && row.state === "validating") reason = this.expiryReasons.get(row.id) ?? reason;
    if (isTerminal(to)) this.expiryReasons.delete(row.id);
    const data: ActionData = reason === undefined ? {} : { reason };
    this.transition(row, to, data, reason === undefined ? {} : { reason });
    crashPoint(`action.${to}`);
    return true;
  }

  private async applyEffect(row: ActionRow, effect: Effect, heights: Heights, hooks: RunHooks): Promise<boolean> {
    switch (effect) {
      case "validate":
        return this.validate(row, heights);
      case "sign":
        return this.sign(row, heights, hooks);
      default: {
        const bitcoin = this.handlerOf(row)?.bitcoin;
        if (bitcoin === undefined) return this.missing(row, "bitcoin handler");
        const ctx = await this.callContext(row, heights, null);
        hooks.effectStarted();
        const t = await bitcoin.continue(effect, row, ctx);
        if (t === null) return false;
        crashPoint(`action.${t.to}.before-commit`);
        this.transition(row, t.to, t.data ?? {}, t.detail ?? {}, t.writes);
        return true;
      }
    }
  }

  /** §3.4: re-validate pinned at the head; transient failures wait for the next block. */
  private async validate(row: ActionRow, heights: Heights): Promise<boolean> {
    const handler = this.handlerOf(row);
    if (handler === undefined) return this.missing(row, "handler");
    let ctx: HandlerCallContext;
    try {
      ctx = await this.callContext(row, heights, row.signingDeadline);
    } catch (err) {
      if (this.life.signal.aborted) return false;
      this.log.warn({ ...this.ids(row), ...errorInfo(err) }, "validation at start: head block unavailable; retry next block");
      return false;
    }
    let outcome: StartValidation;
    try {
      outcome = await handler.validateAtStart(row, ctx);
    } catch (err) {
      // A check that throws could not decide: never abort on it (R10).
      outcome = { class: "unverified", error: errorInfo(err).error };
    }
    if (this.life.signal.aborted) return false;
    if (!this.stillCalls(row, "validate")) return true; // the deadline passed meanwhile: decide again
    const step = afterValidation(outcome, handler.build !== undefined);
    if (outcome.class === "unverified" && outcome.expiryReason !== undefined) this.expiryReasons.set(row.id, outcome.expiryReason);
    else this.expiryReasons.delete(row.id);
    if (step.kind !== "advance") {
      this.log.info(
        { ...this.ids(row), ethHead: ctx.at.blockNumber, error: outcome.class === "unverified" ? outcome.error : undefined },
        "validation at start unverified; retry next block",
      );
      return false;
    }
    const validationBlock = ctx.at.blockNumber;
    if (step.to === "aborted") {
      this.transition(row, "aborted", { reason: step.reason, validationBlock }, { reason: step.reason, validationBlock });
      crashPoint("action.aborted");
      return true;
    }
    crashPoint("action.validated");
    if (step.to === "built") {
      const built = await handler.build!(row, ctx);
      if (!this.stillCalls(row, "validate")) return true;
      const roundId = signingRoundId(fromHex(row.walletPkh), row.W, built.sighashes);
      this.transition(
        row,
        "built",
        { ...built, roundId, validationBlock },
        { validationBlock, roundId: toHex(roundId), fee: built.fee.toString() },
      );
      crashPoint("action.built");
      return true;
    }
    this.enterSigning(row, handler.digests(row), null, { validationBlock });
    return true;
  }

  /** Intent to sign (R1): round id, attempt 1 and start block committed before the signer is called. */
  private enterSigning(row: ActionRow, digests: readonly Uint8Array[], storedRoundId: Uint8Array | null, data: ActionData): void {
    if (digests.length === 0) throw new Error(`action ${row.id}: nothing to sign`);
    const roundId = storedRoundId ?? signingRoundId(fromHex(row.walletPkh), row.W, digests);
    const head = this.clock.head;
    this.transition(
      row,
      "signing",
      { ...data, roundId, signingAttempt: 1, signingStartedBlock: head, sighashes: digests },
      { roundId: toHex(roundId), attempt: 1, ...(data.validationBlock != null ? { validationBlock: data.validationBlock } : {}) },
    );
    crashPoint("action.signing.committed");
  }

  /** §3.5: sign, verify every signature against the Bridge's wallet key, then commit. */
  private async sign(row: ActionRow, heights: Heights, hooks: RunHooks): Promise<boolean> {
    const handler = this.handlerOf(row);
    if (handler === undefined) return this.missing(row, "handler");
    const roundId = row.roundId;
    if (roundId === null) throw new Error(`action ${row.id} is signing without a round id`);
    const digests = row.sighashes ?? handler.digests(row);
    const walletPkh = fromHex(row.walletPkh);

    // A read before the effect: nothing is signed for a wallet whose key cannot be checked.
    let publicKey: Uint8Array;
    try {
      publicKey = await this.walletKey(row, heights);
    } catch (err) {
      if (this.life.signal.aborted) return false;
      this.log.warn({ ...this.ids(row), ...errorInfo(err) }, "wallet public key unavailable; retry next block");
      return false;
    }

    // §3.5: a transaction another member already broadcast is adopted, not signed again.
    const bitcoin = handler.bitcoin;
    if (bitcoin?.adopt !== undefined) {
      let adopted: HandlerTransition | null = null;
      try {
        adopted = await bitcoin.adopt(row, await this.callContext(row, heights, row.signingDeadline));
      } catch (err) {
        if (this.life.signal.aborted) return false;
        this.log.info({ ...this.ids(row), ...errorInfo(err) }, "adoption check failed; signing");
      }
      if (adopted !== null) {
        this.transition(row, adopted.to, adopted.data ?? {}, { ...adopted.detail, adopted: true }, adopted.writes);
        return true;
      }
    }

    let current = row;
    let attempt = row.signingAttempt ?? 1;
    if (this.calledAttempt.get(row.id) === attempt) {
      // This process already used this attempt: commit the next one before calling again (R1).
      current = this.nextAttempt(row, attempt);
      attempt += 1;
      crashPoint("action.signing.committed");
    }
    this.calledAttempt.set(row.id, attempt);

    const deadline = this.clock.signalAtBlock(row.signingDeadline);
    const signal = AbortSignal.any([this.life.signal, deadline]);
    const logIds = { ...this.ids(row), roundId: toHex(roundId), attempt };
    hooks.effectStarted();
    crashPoint("action.signer.before");
    let signatures: Uint8Array[];
    try {
      signatures = await raceAbort(
        this.signer.sign({
          walletPkh,
          roundId,
          digests,
          startBlock: current.signingStartedBlock ?? heights.ethHead,
          deadlineBlock: row.signingDeadline,
          signal,
        }),
        signal,
        (outcome) => this.log.info({ ...logIds, outcome }, "late signer result ignored"),
      );
    } catch (err) {
      if (this.life.signal.aborted) return false;
      if (deadline.aborted) return true; // decide again: the deadline expires the action
      this.log.warn({ ...logIds, ...errorInfo(err) }, "signer failed; retry next block");
      return false;
    }
    crashPoint("action.signed.received");

    const bad = this.badSignatures(digests, signatures, publicKey);
    if (bad !== null) {
      this.log.error({ ...logIds, code: "BAD_SIGNATURE", detail: bad }, "signature verification failed; retry next block");
      return false;
    }
    // Frozen states ignore late results (R13); a newer attempt supersedes this one.
    const now = this.store.actions.get(row.id);
    if (now === undefined || now.state !== "signing" || now.signingAttempt !== attempt) {
      this.log.info({ ...logIds, state: now?.state }, "signatures for a superseded attempt ignored");
      return true;
    }
    const t = handler.signed(now, signatures, publicKey);
    this.transition(now, t.to, { ...t.data, stateHeight: this.clock.head }, { ...t.detail, roundId: toHex(roundId), attempt }, t.writes);
    crashPoint(`action.${t.to}.committed`);
    return true;
  }

  /** `signing → signing` with attempt + 1, compare-and-set on the attempt number. */
  private nextAttempt(row: ActionRow, attempt: number): ActionRow {
    return this.store.transaction(() => {
      const cur = this.store.actions.get(row.id);
      if (cur === undefined || cur.state !== "signing" || cur.signingAttempt !== attempt) {
        throw new StaleAttemptError(`action ${row.id}: expected signing attempt ${attempt}, found ${cur?.state}/${cur?.signingAttempt}`);
      }
      return this.transition(
        cur,
        "signing",
        { signingAttempt: attempt + 1, signingStartedBlock: this.clock.head },
        { roundId: cur.roundId === null ? null : toHex(cur.roundId), attempt: attempt + 1, retry: true },
      );
    });
  }

  private badSignatures(digests: readonly Uint8Array[], sigs: readonly Uint8Array[], publicKey: Uint8Array): string | null {
    if (!Array.isArray(sigs) || sigs.length !== digests.length) {
      return `expected ${digests.length} signatures, got ${Array.isArray(sigs) ? sigs.length : typeof sigs}`;
    }
    for (let i = 0; i < digests.length; i++) {
      if (!(sigs[i] instanceof Uint8Array) || !verifyWalletSignature(digests[i], sigs[i], publicKey)) return `signature ${i} does not verify`;
    }
    return null;
  }

  private async walletKey(row: ActionRow, heights: Heights): Promise<Uint8Array> {
    const cached = this.walletKeys.get(row.walletPkh);
    if (cached !== undefined) return cached;
    const at = await this.blockRef(heights.ethHead, this.life.signal);
    const key = await this.bridge.walletPublicKey(fromHex(row.walletPkh), at);
    if (key.length !== 64) throw Object.assign(new Error(`Bridge has no public key for wallet ${row.walletPkh} at ${at.blockNumber}`), { code: "UNKNOWN_WALLET" });
    this.walletKeys.set(row.walletPkh, key);
    return key;
  }

  private async blockRef(n: number, signal: AbortSignal): Promise<BlockRef> {
    const b = await this.blocks.block(n, { signal });
    return { blockHash: b.hash, blockNumber: b.number };
  }

  private async callContext(row: ActionRow, heights: Heights, deadlineBlock: number | null): Promise<HandlerCallContext> {
    const signal =
      deadlineBlock === null ? this.life.signal : AbortSignal.any([this.life.signal, this.clock.signalAtBlock(deadlineBlock)]);
    const at = await this.blockRef(heights.ethHead, signal);
    return { at, heights, signal };
  }

  /** The effect's result still applies: same state, and the decision at the current head is unchanged. */
  private stillCalls(row: ActionRow, effect: Effect): boolean {
    const now = this.store.actions.get(row.id);
    if (now === undefined || now.state !== row.state) return false;
    const step = nextStep(now, this.heights());
    return step.kind === "effect" && step.effect === effect;
  }

  /** advance() plus the structured log line and the metric of §8 (R14). */
  private transition(
    row: ActionRow,
    to: ActionState,
    data: ActionData,
    detail: Record<string, unknown>,
    writes?: () => void,
  ): ActionRow {
    if (!canTransition(row.state, to)) throw new Error(`action ${row.id}: illegal transition ${row.state} → ${to}`);
    const ethHead = this.clock.head;
    const btcTip = this.bitcoinTip?.cursor()?.height ?? null;
    const next = this.store.transaction(() => {
      const advanced = this.store.actions.advance(row.id, row.state, to, data, { ethHead, btcTip, detail });
      writes?.();
      return advanced;
    });
    const reorg = isReorgEdge(row.state, to) ? { reorg: true } : {};
    this.log.info(
      { ...this.ids(row), from: row.state, to, ethHead, btcTip, ...(next.txid !== null ? { txid: next.txid } : {}), ...reorg, ...(data.reason != null ? { reason: data.reason } : {}) },
      "action transition",
    );
    this.metrics?.actionTransitions.inc({ type: actionName(row.type), to });
    this.observer?.({
      type: "action",
      W: row.W,
      wallet: row.walletPkh,
      action: actionName(row.type),
      actionId: row.id,
      from: row.state,
      to,
      ethHead,
      btcTip,
      ...(next.txid !== null ? { txid: next.txid } : {}),
      ...(data.reason != null ? { reason: data.reason } : {}),
    });
    return next;
  }

  private ids(row: ActionRow): { actionId: number; wallet: string; W: number; type: string } {
    return { actionId: row.id, wallet: row.walletPkh, W: row.W, type: actionName(row.type) };
  }

  private handlerOf(row: ActionRow): ActionHandler | undefined {
    return this.handlers.get(row.type);
  }

  /** The action waits: nothing here can execute it yet (logged once per action and part). */
  private missing(row: ActionRow, what: string): false {
    const key = `${row.id}:${what}`;
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.log.warn({ ...this.ids(row), state: row.state, missing: what }, "no executor support for this action yet; it waits");
    }
    return false;
  }
}
