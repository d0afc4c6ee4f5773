// Ethereum transaction intents (reliability.md §3.7): every transaction the node sends is signed and
// persisted before it is sent (R1), re-sent as the same raw bytes (R7), and looked up on every block
// and at boot until a receipt or a verified outcome ends its tracking (R10).
import { JsonRpcApiProvider, Transaction, getBytes, hexlify, toQuantity, type Wallet } from "ethers";
import { silentLogger, type Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { EthIntentRow } from "../store/repos/eth-intents-repo.js";
import type { Store } from "../store/store.js";
import { crashPoint } from "../util/crash-point.js";
import { isAbortError } from "../util/sleep.js";
import { classifyRpcError } from "./errors.js";
import type { BlockRef, EthereumChain } from "./ethereum-chain.js";
import type { AbortOptions } from "../util/lifecycle.js";
import { classifyCallError } from "./revert.js";

/**
 * Revert reasons meaning "someone else already did it" (§3.7 step 4): a receipt reverting with one
 * of these ends the intent as `superseded`, not `reverted`.
 */
export const ALREADY_DONE_REASONS: readonly string[] = [
  "Deposit already swept",
  "Target wallets commitment already submitted",
  "Not a pending redemption request",
  "Sweep request is not in Pending state",
];

export const DEFAULT_REPLACE_AFTER_BLOCKS = 12;
/** Gas estimate headroom in percent: the state may change a little between estimate and inclusion. */
const GAS_HEADROOM_PERCENT = 20n;

// Node answers to eth_sendRawTransaction that mean "this nonce or this transaction is already
// there": the look-up decides what happened (§3.7 step 3).
const KNOWN_OR_USED = /already known|known transaction|already imported|already exists|nonce too low|nonce has already been used|NONCE_EXPIRED/i;

export type EthIntentErrorCode = "WOULD_REVERT" | "NO_FEE_DATA";

export class EthIntentError extends Error {
  override readonly name = "EthIntentError";
  constructor(
    readonly code: EthIntentErrorCode,
    message: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface EthIntentRequest {
  /** Short label, e.g. `record:deposit_sweep` or `moving_funds_commitment`. */
  purpose: string;
  /** One intent per key, e.g. `record:deposit_sweep:<txid>`; a second submit returns the first intent. */
  dedupeKey: string;
  to: string;
  /** 0x-hex calldata. */
  data: string;
  /** True when the goal of the transaction is already reached at `at` (§3.7 step 1). */
  goalReached(at: BlockRef): Promise<boolean>;
  actionId?: number;
  /** Skips eth_estimateGas; for calls whose estimate cannot be trusted. */
  gasLimit?: bigint;
}

export interface EthIntentSenderDeps {
  store: Store;
  chain: EthereumChain;
  /** The operator key; its address is the intents' `from`. A provider is not needed. */
  wallet: Wallet;
  logger?: Logger;
  /** Intent counts are read from the store at scrape time (status-source), so nothing is counted here. */
  metrics?: Metrics | null;
  /** Blocks without a receipt before a fee-bumped replacement (§3.7 step 5). Default 12. */
  replaceAfterBlocks?: number;
}

interface Receipt {
  status: string;
  blockNumber: string;
  blockHash: string;
}

type Head = BlockRef;

export interface PollOptions extends AbortOptions {
  /**
   * Boot step 5 (reliability.md §5): apply what receipts and nonces show, but send nothing (no send,
   * re-send, replacement or fresh intent); a later normal poll performs the pending side effect.
   */
  lookUpOnly?: boolean;
}

export class EthIntentSender {
  private readonly store: Store;
  private readonly provider: JsonRpcApiProvider;
  private readonly wallet: Wallet;
  private readonly log: Logger;
  private readonly replaceAfterBlocks: number;
  readonly from: string;
  /** Goal predicates of this process's submits; after a restart the intent's call is simulated instead. */
  private readonly goals = new Map<string, (at: BlockRef) => Promise<boolean>>();
  private chainId: bigint | undefined;
  /** Serializes submit and poll: nonce reservation and look-ups must not interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: EthIntentSenderDeps) {
    if (!(deps.chain.provider instanceof JsonRpcApiProvider)) {
      throw new TypeError("EthIntentSender needs a JSON-RPC provider (eth_sendRawTransaction, eth_estimateGas at latest)");
    }
    this.store = deps.store;
    this.provider = deps.chain.provider;
    this.wallet = deps.wallet;
    this.from = deps.wallet.address;
    this.log = (deps.logger ?? silentLogger).child({ module: "eth-intents" });
    this.replaceAfterBlocks = deps.replaceAfterBlocks ?? DEFAULT_REPLACE_AFTER_BLOCKS;
  }

  /**
   * The intent for `dedupeKey`: the mined or reverted version if there is one, else the newest
   * version still tracked, else the newest version.
   */
  get(dedupeKey: string): EthIntentRow | undefined {
    const rows = this.store.ethIntents.byDedupeKey(dedupeKey);
    const decided = rows.find((r) => r.status === "mined" || r.status === "reverted");
    if (decided) return decided;
    const active = rows.filter(isActive);
    return active.at(-1) ?? rows.at(-1);
  }

  /**
   * §3.7 steps 1–3. Idempotent by `dedupeKey`: an existing intent is returned as it is (and its goal
   * predicate remembered for the look-ups). Throws EthIntentError WOULD_REVERT (nothing persisted)
   * when the estimate reverts for a reason other than "already done".
   */
  submit(req: EthIntentRequest, o?: AbortOptions): Promise<EthIntentRow> {
    return this.serial(() => this.submitNow(req, o));
  }

  /**
   * §3.7 steps 4–5 for every intent still `prepared` or `sent`: receipts, re-sends of the same raw,
   * nonce taken by another transaction, replacement of a stuck transaction. Errors of one intent are
   * logged and leave it tracked (R10). Call on every block and at boot.
   */
  poll(o?: PollOptions): Promise<void> {
    return this.serial(() => this.pollNow(o));
  }

  /** Polls on every new head until the returned function is called. */
  watch(): () => void {
    let running = false;
    let again = false;
    const life = new AbortController();
    const run = async (): Promise<void> => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          await this.poll({ signal: life.signal }).catch((err: unknown) => {
            if (!life.signal.aborted) this.log.warn({ err: describe(err) }, "intent look-up failed; retrying on the next block");
          });
        } while (again && !life.signal.aborted);
      } finally {
        running = false;
      }
    };
    const off = this.deps.chain.onHead(() => void run());
    return () => {
      off();
      life.abort(new DOMException("intent watcher stopped", "AbortError"));
    };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async submitNow(req: EthIntentRequest, o?: AbortOptions): Promise<EthIntentRow> {
    this.goals.set(req.dedupeKey, req.goalReached);
    const existing = this.get(req.dedupeKey);
    if (existing) return existing;

    const head = await this.latest(o);
    const base = { purpose: req.purpose, dedupeKey: req.dedupeKey, actionId: req.actionId ?? null, to: req.to, data: getBytes(req.data), from: this.from };
    if (await req.goalReached(head)) {
      this.log.info({ dedupeKey: req.dedupeKey, block: head.blockNumber }, "goal already reached; intent not needed");
      return this.store.ethIntents.insert({ ...base, status: "not_needed" });
    }
    let gasLimit = req.gasLimit;
    if (gasLimit === undefined) {
      const estimate = await this.estimateGas(req.to, req.data, o);
      if (typeof estimate === "string") {
        if (ALREADY_DONE_REASONS.includes(estimate)) {
          this.log.info({ dedupeKey: req.dedupeKey, reason: estimate }, "the call says it is already done; intent not needed");
          return this.store.ethIntents.insert({ ...base, status: "not_needed", revertReason: estimate });
        }
        throw new EthIntentError("WOULD_REVERT", `${req.purpose} would revert: ${estimate}`, { dedupeKey: req.dedupeKey, reason: estimate });
      }
      gasLimit = estimate + (estimate * GAS_HEADROOM_PERCENT) / 100n;
    }
    const nonce = await this.reserveNonce(o);
    const fees = await this.currentFees(o);
    const signed = await this.sign({ to: req.to, data: req.data, nonce, gasLimit, ...fees });
    // R1: the raw bytes are committed before they leave the process.
    const row = this.store.ethIntents.insert({ ...base, status: "prepared", nonce, ...fees, signedRaw: signed.raw, txHash: signed.hash });
    this.log.info({ dedupeKey: row.dedupeKey, id: row.id, nonce, txHash: signed.hash }, "intent prepared");
    crashPoint("eth.intent.prepared");
    return this.send(row, head, o);
  }

  private async pollNow(o?: PollOptions): Promise<void> {
    const keys = [...new Set(this.store.ethIntents.active().map((r) => r.dedupeKey))];
    if (keys.length === 0) return;
    const head = await this.latest(o);
    for (const key of keys) {
      try {
        await this.lookUp(key, head, o);
      } catch (err) {
        if (o?.signal?.aborted || isAbortError(err)) throw err;
        this.log.warn({ dedupeKey: key, err: describe(err) }, "intent look-up failed; it stays tracked");
      }
    }
  }

  /** One dedupe key: every active version shares one nonce (replacements reuse it). */
  private async lookUp(key: string, head: Head, o?: PollOptions): Promise<void> {
    const active = this.store.ethIntents.byDedupeKey(key).filter(isActive);
    const newest = active.at(-1);
    if (!newest || newest.nonce === null || newest.from === null) return;
    // The count first: a receipt that appears after it is still found below, so "used and no
    // receipt of ours" really means another transaction took the nonce.
    const used = await this.txCount(newest.from, "latest", o);
    for (const v of active) {
      if (v.txHash === null) continue;
      const receipt = (await this.provider.send("eth_getTransactionReceipt", [v.txHash])) as Receipt | null;
      if (receipt) return this.settle(v, receipt, active, o);
    }
    if (used > newest.nonce) return this.nonceTaken(key, active, head, o);
    if (o?.lookUpOnly) return;
    if (newest.status === "prepared") {
      await this.send(newest, head, o);
      return;
    }
    const known = await this.provider.send("eth_getTransactionByHash", [newest.txHash]);
    if (known === null) {
      this.log.info({ dedupeKey: key, id: newest.id, txHash: newest.txHash }, "transaction unknown to the node; re-sending the same raw");
      await this.sendRaw(newest, o);
      return;
    }
    if (newest.sentBlock !== null && head.blockNumber - newest.sentBlock >= this.replaceAfterBlocks) {
      await this.replace(newest, head, o);
    }
  }

  private async settle(v: EthIntentRow, receipt: Receipt, active: EthIntentRow[], o?: AbortOptions): Promise<void> {
    const minedBlock = Number(BigInt(receipt.blockNumber));
    let status: "mined" | "reverted" | "superseded" = "mined";
    let revertReason: string | null = null;
    if (BigInt(receipt.status) !== 1n) {
      revertReason = await this.revertReason(v, minedBlock, o);
      status = ALREADY_DONE_REASONS.includes(revertReason) ? "superseded" : "reverted";
    }
    this.store.transaction(() => {
      this.store.ethIntents.update(v.id, { status, minedBlock, revertReason });
      for (const other of active) {
        if (other.id !== v.id) this.store.ethIntents.update(other.id, { status: "superseded", revertReason: `version ${v.id} was mined` });
      }
    });
    const ctx = { dedupeKey: v.dedupeKey, id: v.id, txHash: v.txHash, minedBlock, reason: revertReason };
    if (status === "reverted") this.log.error(ctx, "ALERT: intent transaction reverted");
    else this.log.info(ctx, status === "mined" ? "intent mined" : "intent reverted because it was already done; superseded");
  }

  /** §3.7 step 4, last case: the goal decides between `superseded` and a fresh intent with a new nonce. */
  private async nonceTaken(key: string, active: EthIntentRow[], head: Head, o?: PollOptions): Promise<void> {
    const newest = active.at(-1)!;
    const reason = `nonce ${newest.nonce} used by another transaction`;
    if (await this.goalReached(newest, head, o)) {
      this.store.transaction(() => {
        for (const v of active) this.store.ethIntents.update(v.id, { status: "superseded", revertReason: `${reason}; goal reached` });
      });
      this.log.info({ dedupeKey: key, nonce: newest.nonce }, "nonce taken by another transaction and the goal is reached; superseded");
      return;
    }
    if (o?.lookUpOnly) return;
    const gasLimit = Transaction.from(hexlify(newest.signedRaw!)).gasLimit;
    const nonce = await this.reserveNonce(o);
    const fees = await this.currentFees(o);
    const data = hexlify(newest.data ?? new Uint8Array());
    const signed = await this.sign({ to: newest.to!, data, nonce, gasLimit, ...fees });
    const fresh = this.store.transaction(() => {
      for (const v of active) this.store.ethIntents.update(v.id, { status: "superseded", revertReason: reason });
      return this.store.ethIntents.insert({
        purpose: newest.purpose,
        dedupeKey: key,
        actionId: newest.actionId,
        to: newest.to,
        data: newest.data,
        from: this.from,
        nonce,
        ...fees,
        signedRaw: signed.raw,
        txHash: signed.hash,
        status: "prepared",
        replacesId: newest.id,
      });
    });
    this.log.warn({ dedupeKey: key, id: fresh.id, oldNonce: newest.nonce, nonce }, "nonce taken by another transaction; fresh intent with a new nonce");
    await this.send(fresh, head, o);
  }

  /** §3.7 step 5: same nonce, fees raised by 12.5 % (at least the current fee data), new row. */
  private async replace(newest: EthIntentRow, head: Head, o?: AbortOptions): Promise<void> {
    const gasLimit = Transaction.from(hexlify(newest.signedRaw!)).gasLimit;
    const now = await this.currentFees(o);
    const maxPriorityFeePerGas = max(bump(newest.maxPriorityFeePerGas!), now.maxPriorityFeePerGas);
    const maxFeePerGas = max(bump(newest.maxFeePerGas!), now.maxFeePerGas, maxPriorityFeePerGas);
    const data = hexlify(newest.data ?? new Uint8Array());
    const signed = await this.sign({ to: newest.to!, data, nonce: newest.nonce!, gasLimit, maxFeePerGas, maxPriorityFeePerGas });
    const row = this.store.ethIntents.insert({
      purpose: newest.purpose,
      dedupeKey: newest.dedupeKey,
      actionId: newest.actionId,
      to: newest.to,
      data: newest.data,
      from: this.from,
      nonce: newest.nonce,
      maxFeePerGas,
      maxPriorityFeePerGas,
      signedRaw: signed.raw,
      txHash: signed.hash,
      status: "prepared",
      replacesId: newest.id,
    });
    this.log.warn(
      { dedupeKey: row.dedupeKey, id: row.id, replaces: newest.id, nonce: row.nonce, maxFeePerGas, maxPriorityFeePerGas, sentBlock: newest.sentBlock },
      "no receipt after the replacement delay; sending a fee-bumped replacement",
    );
    await this.send(row, head, o);
  }

  /** Sends a `prepared` row's raw bytes and marks it `sent`; on a send error it stays `prepared` for the next look-up. */
  private async send(row: EthIntentRow, head: Head, o?: AbortOptions): Promise<EthIntentRow> {
    if (!(await this.sendRaw(row, o))) return row;
    crashPoint("eth.intent.sent-before-commit");
    return this.store.ethIntents.update(row.id, { status: "sent", sentBlock: head.blockNumber });
  }

  /** True when the node took the transaction or already has it (or its nonce): the look-up decides then. */
  private async sendRaw(row: EthIntentRow, o?: AbortOptions): Promise<boolean> {
    o?.signal?.throwIfAborted();
    try {
      await this.provider.send("eth_sendRawTransaction", [hexlify(row.signedRaw!)]);
      return true;
    } catch (err) {
      const text = errorText(err);
      if (KNOWN_OR_USED.test(text)) {
        this.log.info({ dedupeKey: row.dedupeKey, id: row.id, answer: text.slice(0, 200) }, "node already has the transaction or its nonce; look-up decides");
        return true;
      }
      this.log.warn({ dedupeKey: row.dedupeKey, id: row.id, err: describe(err) }, "eth_sendRawTransaction failed; retrying on the next look-up");
      return false;
    }
  }

  /** Revert reason of a mined, reverted transaction: the same call replayed on the state of its block. */
  private async revertReason(v: EthIntentRow, minedBlock: number, o?: AbortOptions): Promise<string> {
    o?.signal?.throwIfAborted();
    const gas = Transaction.from(hexlify(v.signedRaw!)).gasLimit;
    const call = { from: v.from, to: v.to, data: hexlify(v.data ?? new Uint8Array()), gas: toQuantity(gas) };
    try {
      await this.provider.send("eth_call", [call, toQuantity(minedBlock)]);
      return `unknown (the replay at block ${minedBlock} succeeded)`;
    } catch (err) {
      const failure = classifyCallError(err);
      if (failure.kind === "revert") return failure.reason;
      const rpc = classifyRpcError(err, "eth_call");
      if (rpc.transient) throw rpc;
      return `unknown (${failure.error})`;
    }
  }

  /** The submitter's predicate when this process has it, else a simulation of the intent's own call. */
  private async goalReached(row: EthIntentRow, head: Head, o?: AbortOptions): Promise<boolean> {
    const goal = this.goals.get(row.dedupeKey);
    if (goal) return goal(head);
    const reason = await this.estimateGas(row.to!, hexlify(row.data ?? new Uint8Array()), o);
    return typeof reason === "string" && ALREADY_DONE_REASONS.includes(reason);
  }

  /** Gas estimate at the latest block, or the revert reason when the call reverts there. */
  private async estimateGas(to: string, data: string, o?: AbortOptions): Promise<bigint | string> {
    o?.signal?.throwIfAborted();
    try {
      return BigInt((await this.provider.send("eth_estimateGas", [{ from: this.from, to, data }, "latest"])) as string);
    } catch (err) {
      const failure = classifyCallError(err);
      if (failure.kind === "revert") return failure.reason;
      throw classifyRpcError(err, "eth_estimateGas");
    }
  }

  /** §3.7 step 2: max(pending count, highest stored nonce + 1). */
  private async reserveNonce(o?: AbortOptions): Promise<number> {
    const pending = await this.txCount(this.from, "pending", o);
    const stored = this.store.ethIntents.maxNonce(this.from);
    return Math.max(pending, stored === undefined ? 0 : stored + 1);
  }

  private async txCount(from: string, tag: "latest" | "pending", o?: AbortOptions): Promise<number> {
    o?.signal?.throwIfAborted();
    return Number(BigInt((await this.provider.send("eth_getTransactionCount", [from, tag])) as string));
  }

  private async currentFees(o?: AbortOptions): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    o?.signal?.throwIfAborted();
    const fee = await this.provider.getFeeData();
    if (fee.maxFeePerGas === null || fee.maxPriorityFeePerGas === null) {
      throw new EthIntentError("NO_FEE_DATA", "the endpoint gives no EIP-1559 fee data");
    }
    return { maxFeePerGas: fee.maxFeePerGas, maxPriorityFeePerGas: fee.maxPriorityFeePerGas };
  }

  private async sign(tx: {
    to: string;
    data: string;
    nonce: number;
    gasLimit: bigint;
    maxFeePerGas: bigint;
    maxPriorityFeePerGas: bigint;
  }): Promise<{ raw: Uint8Array; hash: string }> {
    this.chainId ??= (await this.provider.getNetwork()).chainId;
    const raw = await this.wallet.signTransaction({ type: 2, chainId: this.chainId, value: 0n, ...tx });
    return { raw: getBytes(raw), hash: Transaction.from(raw).hash!.toLowerCase() };
  }

  private async latest(o?: AbortOptions): Promise<Head> {
    const b = await this.deps.chain.block("latest", o);
    return { blockNumber: b.number, blockHash: b.hash };
  }
}

function isActive(r: EthIntentRow): boolean {
  return r.status === "prepared" || r.status === "sent";
}

/** +12.5 %, rounded up. */
function bump(x: bigint): bigint {
  return (x * 9n + 7n) / 8n;
}

function max(...xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b > a ? b : a));
}

/** Every message in an ethers error chain (the node's own text is in info.error or error). */
function errorText(err: unknown, depth = 0): string {
  if (typeof err !== "object" || err === null || depth > 4) return String(err);
  const e = err as { message?: unknown; shortMessage?: unknown; code?: unknown; info?: { error?: unknown }; error?: unknown };
  const parts = [e.code, e.shortMessage, e.message].filter((p) => typeof p === "string") as string[];
  for (const inner of [e.info?.error, e.error]) if (inner !== undefined) parts.push(errorText(inner, depth + 1));
  return parts.join(" | ");
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 500) : String(err);
}
