// Ethereum transaction intents (reliability.md §3.7): every transaction the node sends is signed and
// persisted before it is sent (R1), re-sent as the same raw bytes (R7), and looked up on every block
// and at boot until a receipt or a verified outcome ends its tracking (R10).
import { Transaction, getBytes, hexlify, type Wallet } from "ethers";
import { silentLogger, type Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { EthIntentRow, NewEthIntent } from "../store/repos/eth-intents-repo.js";
import type { Store } from "../store/store.js";
import { crashPoint } from "../util/crash-point.js";
import { errorMessage } from "../util/errors.js";
import { isAbortError } from "../util/sleep.js";
import { EthIntentError } from "./errors.js";
import type { BlockRef, EthereumChain } from "./ethereum-chain.js";
import { IntentRpc, type Fees, type Receipt } from "./eth-intent-rpc.js";
import type { AbortOptions } from "../util/lifecycle.js";

/** What submit() throws before anything is persisted. */
export { EthIntentError, type EthIntentErrorCode } from "./errors.js";

/**
 * Revert reasons meaning "someone else already did it" (§3.7 step 4): a receipt reverting with one
 * of these ends the intent as `superseded`, not `reverted`.
 */
export const ALREADY_DONE_REASONS: readonly string[] = [
  "Deposit already swept",
  "Target wallets commitment already submitted",
  "Not a pending redemption request",
  "Sweep request is not in Pending state",
  // FrostWalletRegistry: another member submitted the DKG result first (or the request timed out).
  "DKG request is not pending",
];

export const DEFAULT_REPLACE_AFTER_BLOCKS = 12;
/** Gas estimate headroom in percent: the state may change a little between estimate and inclusion. */
const GAS_HEADROOM_PERCENT = 20n;

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

export interface EthIntentSenderComponents {
  store: Store;
  /** Needs a JSON-RPC provider (eth_sendRawTransaction, eth_estimateGas at latest). */
  chain: EthereumChain;
  /** The operator key; its address is the intents' `from`. A provider is not needed. */
  wallet: Wallet;
  logger?: Logger;
  /** Intent counts are read from the store at scrape time (status-source), so nothing is counted here. */
  metrics?: Metrics | null;
}

export interface EthIntentSenderInit {
  /** Blocks without a receipt before a fee-bumped replacement (§3.7 step 5). Default DEFAULT_REPLACE_AFTER_BLOCKS. */
  replaceAfterBlocks?: number;
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
  readonly from: string;
  private readonly store: Store;
  private readonly chain: EthereumChain;
  private readonly rpc: IntentRpc;
  private readonly log: Logger;
  private readonly replaceAfterBlocks: number;
  /** Goal predicates of this process's submits; after a restart the intent's call is simulated instead. */
  private readonly goals = new Map<string, (at: BlockRef) => Promise<boolean>>();
  /** Serializes submit and poll: nonce reservation and look-ups must not interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(components: EthIntentSenderComponents, init: EthIntentSenderInit = {}) {
    this.rpc = new IntentRpc({ chain: components.chain, wallet: components.wallet });
    this.from = this.rpc.from;
    this.store = components.store;
    this.chain = components.chain;
    this.log = (components.logger ?? silentLogger).child({ module: "eth-intents" });
    this.replaceAfterBlocks = init.replaceAfterBlocks ?? DEFAULT_REPLACE_AFTER_BLOCKS;
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
            if (!life.signal.aborted) this.log.warn({ err: errorMessage(err) }, "intent look-up failed; retrying on the next block");
          });
        } while (again && !life.signal.aborted);
      } finally {
        running = false;
      }
    };
    const off = this.chain.onHead(() => void run());
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

    const head = await this.rpc.latest(o);
    const base = { purpose: req.purpose, dedupeKey: req.dedupeKey, actionId: req.actionId ?? null, to: req.to, data: getBytes(req.data), from: this.from };
    if (await req.goalReached(head)) {
      this.log.info({ dedupeKey: req.dedupeKey, block: head.blockNumber }, "goal already reached; intent not needed");
      return this.store.ethIntents.insert({ ...base, status: "not_needed" });
    }
    let gasLimit = req.gasLimit;
    if (gasLimit === undefined) {
      const estimate = await this.rpc.estimateGas(req.to, req.data, o);
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
    const fees = await this.rpc.currentFees(o);
    const signed = await this.rpc.sign({ to: req.to, data: req.data, nonce, gasLimit, ...fees });
    // R1: the raw bytes are committed before they leave the process.
    const row = this.store.ethIntents.insert({ ...base, status: "prepared", nonce, ...fees, signedRaw: signed.raw, txHash: signed.hash });
    this.log.info({ dedupeKey: row.dedupeKey, id: row.id, nonce, txHash: signed.hash }, "intent prepared");
    crashPoint("eth.intent.prepared");
    return this.send(row, head, o);
  }

  private async pollNow(o?: PollOptions): Promise<void> {
    const keys = [...new Set(this.store.ethIntents.active().map((r) => r.dedupeKey))];
    if (keys.length === 0) return;
    const head = await this.rpc.latest(o);
    for (const key of keys) {
      try {
        await this.lookUp(key, head, o);
      } catch (err) {
        if (o?.signal?.aborted || isAbortError(err)) throw err;
        this.log.warn({ dedupeKey: key, err: errorMessage(err) }, "intent look-up failed; it stays tracked");
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
    const used = await this.rpc.txCount(newest.from, "latest", o);
    for (const v of active) {
      if (v.txHash === null) continue;
      const receipt = await this.rpc.receipt(v.txHash);
      if (receipt) return this.settle(v, receipt, active, o);
    }
    if (used > newest.nonce) return this.nonceTaken(key, active, head, o);
    if (o?.lookUpOnly) return;
    if (newest.status === "prepared") {
      await this.send(newest, head, o);
      return;
    }
    if (!(await this.rpc.knows(newest.txHash))) {
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
      revertReason = await this.rpc.revertReason(v, minedBlock, o);
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
    const nonce = await this.reserveNonce(o);
    const version = await this.versionOf(newest, nonce, await this.rpc.currentFees(o));
    const fresh = this.store.transaction(() => {
      for (const v of active) this.store.ethIntents.update(v.id, { status: "superseded", revertReason: reason });
      return this.store.ethIntents.insert(version);
    });
    this.log.warn({ dedupeKey: key, id: fresh.id, oldNonce: newest.nonce, nonce }, "nonce taken by another transaction; fresh intent with a new nonce");
    await this.send(fresh, head, o);
  }

  /** §3.7 step 5: same nonce, fees raised by 12.5 % (at least the current fee data), new row. */
  private async replace(newest: EthIntentRow, head: Head, o?: AbortOptions): Promise<void> {
    const now = await this.rpc.currentFees(o);
    const maxPriorityFeePerGas = max(bump(newest.maxPriorityFeePerGas!), now.maxPriorityFeePerGas);
    const maxFeePerGas = max(bump(newest.maxFeePerGas!), now.maxFeePerGas, maxPriorityFeePerGas);
    const row = this.store.ethIntents.insert(await this.versionOf(newest, newest.nonce!, { maxFeePerGas, maxPriorityFeePerGas }));
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
      const known = await this.rpc.sendRaw(row.signedRaw!);
      if (known !== null) {
        this.log.info({ dedupeKey: row.dedupeKey, id: row.id, answer: known.slice(0, 200) }, "node already has the transaction or its nonce, or mined it reverted; look-up decides");
      }
      return true;
    } catch (err) {
      this.log.warn({ dedupeKey: row.dedupeKey, id: row.id, err: errorMessage(err).slice(0, 500) }, "eth_sendRawTransaction failed; retrying on the next look-up");
      return false;
    }
  }

  /** A new version of `v` replacing it: the same call and gas limit, signed with `nonce` and `fees`. */
  private async versionOf(v: EthIntentRow, nonce: number, fees: Fees): Promise<NewEthIntent> {
    const gasLimit = Transaction.from(hexlify(v.signedRaw!)).gasLimit;
    const signed = await this.rpc.sign({ to: v.to!, data: hexlify(v.data ?? new Uint8Array()), nonce, gasLimit, ...fees });
    const { purpose, dedupeKey, actionId, to, data } = v;
    return { purpose, dedupeKey, actionId, to, data, from: this.from, nonce, ...fees, signedRaw: signed.raw, txHash: signed.hash, status: "prepared", replacesId: v.id };
  }

  /** The submitter's predicate when this process has it, else a simulation of the intent's own call. */
  private async goalReached(row: EthIntentRow, head: Head, o?: AbortOptions): Promise<boolean> {
    const goal = this.goals.get(row.dedupeKey);
    if (goal) return goal(head);
    const reason = await this.rpc.estimateGas(row.to!, hexlify(row.data ?? new Uint8Array()), o);
    return typeof reason === "string" && ALREADY_DONE_REASONS.includes(reason);
  }

  /** §3.7 step 2: max(pending count, highest stored nonce + 1). */
  private async reserveNonce(o?: AbortOptions): Promise<number> {
    const pending = await this.rpc.txCount(this.from, "pending", o);
    const stored = this.store.ethIntents.maxNonce(this.from);
    return Math.max(pending, stored === undefined ? 0 : stored + 1);
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
