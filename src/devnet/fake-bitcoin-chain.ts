// In-memory Bitcoin chain for the devnet and the tests (reliability.md §7.4). It implements
// BitcoinChain and SpvSource directly and backs the fake Electrum server (electrum-server.ts).
//   const btc = new FakeBitcoinChain();                 // tip at height 100, 0.0001 BTC/kB
//   const { txid, raw } = btc.fund(script, 50_000n);    // mempool tx paying `script` from a fake outpoint
//   btc.mine(); btc.submit(signedRaw);                  // the mempool into a block; broadcast (classified)
//   btc.forkAt(h); btc.disconnectTip();                 // reorgs: dropped txs go back to the mempool
//   btc.setUnreachable(true); btc.injectBroadcastError("min relay fee not met", 2); btc.setFeeRate(-1);
// Acceptance checks what the node can get wrong: inputs exist and are unspent, no mempool double spend,
// Σout ≤ Σin, the ECDSA signature of every P2WPKH, P2PKH, P2WSH and P2SH input and the BIP-340 key-path
// signature of every P2TR input (fake-tx-check.ts); a `fund` transaction's input is never checked.
// Blocks are real (fake-block.ts: coinbase, merkle root, regtest proof of work), so SPV proofs can be
// built from them (fake-spv.ts). Every tip change is reported to the onTip listeners, one header per
// connected block; they are silent while unreachable and hear the current tip once reachable again.
import { Transaction } from "bitcoinjs-lib";
import type { AbortOptions } from "../util/lifecycle.js";
import {
  BitcoinServerError,
  BitcoinUnavailableError,
  FeeEstimateUnavailableError,
  type BitcoinChain,
  type BroadcastOutcome,
  type BtcHeader,
  type BtcTip,
  type HistoryItem,
  type Utxo,
} from "../bitcoin/bitcoin-chain.js";
import { classifyBroadcastError } from "../bitcoin/broadcast-outcome.js";
import { feeRateFromEstimate } from "../bitcoin/fees.js";
import { electrumScriptHash } from "../bitcoin/scripts.js";
import { TipListeners } from "../bitcoin/tip-listeners.js";
import type { SpvSource, TxMerkle } from "../bitcoin/spv-source.js";
import { hash256, txidFromHash } from "../bitcoin/tx.js";
import { headerOf, nextBlock, type FakeBlock } from "./fake-block.js";
import { headersAnswer, merkleAnswer, positionAnswer } from "./fake-spv.js";
import { verifyInput } from "./fake-tx-check.js";

export interface FakeBitcoinChainOptions {
  /** Height of the initial tip (a chain of empty blocks from 0). Default 100. */
  startHeight?: number;
  /** `blockchain.estimatefee` answer in BTC/kB. Default 0.0001 (10 sat/vB). */
  feeRateBtcPerKb?: number;
}

interface KnownTx {
  readonly txid: string;
  readonly raw: Uint8Array;
  readonly tx: Transaction;
  /** Created by `fund` (its input is a fake outpoint) or a block's coinbase: inputs never checked. */
  readonly funding: boolean;
  /** Electrum script hashes of its outputs and of the outputs it spends (history membership). */
  readonly scriptHashes: ReadonlySet<string>;
}

export type AcceptResult = { readonly txid: string } | { readonly error: string };

export class FakeBitcoinChain implements BitcoinChain, SpvSource {
  private readonly blocks: FakeBlock[] = [];
  private mempool: string[] = [];
  /** Every transaction ever seen; membership of the chain or mempool is tracked separately. */
  private readonly txs = new Map<string, KnownTx>();
  private readonly confirmedAt = new Map<string, number>();
  /** "txid:vout" → spending txid, over the chain and the mempool. */
  private spentBy = new Map<string, string>();
  private readonly listeners = new TipListeners();
  private readonly injected: { message: string; remaining: number }[] = [];
  private feeRate: number;
  private unreachable = false;
  /** Makes every coinbase (so every header) unique, so a fork's blocks never share a hash with the old ones. */
  private nonce = 0;
  private lastEmitted: string | null = null;

  constructor(opts: FakeBitcoinChainOptions = {}) {
    this.feeRate = opts.feeRateBtcPerKb ?? 0.0001;
    const start = opts.startHeight ?? 100;
    for (let h = 0; h <= start; h++) this.connectBlock([]);
    this.lastEmitted = this.tipBlock().hash;
  }

  // ---- BitcoinChain ----

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  tip(): BtcTip {
    const b = this.tipBlock();
    return { height: b.height, hash: b.hash };
  }

  onTip(listener: (tip: BtcHeader) => void): () => void {
    return this.listeners.add(listener);
  }

  async header(height: number, o?: AbortOptions): Promise<BtcHeader> {
    this.enter(o);
    return headerOf(this.blockAt(height));
  }

  async getTransaction(txid: string, o?: AbortOptions): Promise<Uint8Array | null> {
    this.enter(o);
    return this.isLive(txid) ? this.txs.get(txid)!.raw : null;
  }

  async confirmations(txid: string, o?: AbortOptions): Promise<number> {
    this.enter(o);
    return this.confirmationsOf(txid);
  }

  async history(scriptHash: string, o?: AbortOptions): Promise<HistoryItem[]> {
    this.enter(o);
    const items: HistoryItem[] = [];
    for (const txid of this.liveTxids()) {
      const t = this.txs.get(txid)!;
      if (!t.scriptHashes.has(scriptHash)) continue;
      const h = this.confirmedAt.get(txid);
      // Electrum: 0 = mempool with confirmed inputs, −1 = mempool with an unconfirmed parent.
      const height = h ?? (t.tx.ins.some((i) => this.mempool.includes(txidFromHash(i.hash))) ? -1 : 0);
      items.push({ txid, height });
    }
    return items;
  }

  async unspent(scriptHash: string, o?: AbortOptions): Promise<Utxo[]> {
    this.enter(o);
    const utxos: Utxo[] = [];
    for (const txid of this.liveTxids()) {
      const t = this.txs.get(txid)!;
      t.tx.outs.forEach((out, vout) => {
        if (electrumScriptHash(out.script) !== scriptHash || this.spentBy.has(`${txid}:${vout}`)) return;
        utxos.push({ txid, vout, value: out.value, height: this.confirmedAt.get(txid) ?? 0 });
      });
    }
    return utxos;
  }

  async estimateSatPerVByte(o?: AbortOptions): Promise<number> {
    o?.signal?.throwIfAborted();
    if (this.unreachable) throw new FeeEstimateUnavailableError("Bitcoin backend unreachable (fake)");
    if (this.feeRate < 0) throw new FeeEstimateUnavailableError("blockchain.estimatefee returned -1 (no estimate)");
    return feeRateFromEstimate(this.feeRate);
  }

  async broadcast(raw: Uint8Array, o?: AbortOptions): Promise<BroadcastOutcome> {
    o?.signal?.throwIfAborted();
    return this.submit(raw);
  }

  // ---- SpvSource ----

  async transactionMerkle(txid: string, height: number, o?: AbortOptions): Promise<TxMerkle> {
    this.enter(o);
    return merkleAnswer(this.blockAt(height, "blockchain.transaction.get_merkle"), txid);
  }

  async txIdFromPos(height: number, pos: number, o?: AbortOptions): Promise<{ txid: string; merkle: Uint8Array[] }> {
    this.enter(o);
    return positionAnswer(this.blockAt(height, "blockchain.transaction.id_from_pos"), pos);
  }

  async blockHeaders(start: number, count: number, o?: AbortOptions): Promise<Uint8Array> {
    this.enter(o);
    return headersAnswer(this.blocks, start, count);
  }

  // ---- test controls ----

  /** Mines n blocks on the tip; the whole mempool goes into the first one. */
  mine(n = 1): BtcHeader[] {
    const mined: BtcHeader[] = [];
    for (let i = 0; i < n; i++) {
      const txids = i === 0 ? this.mempool : [];
      if (i === 0) this.mempool = [];
      mined.push(headerOf(this.connectBlock(txids)));
      this.emit();
    }
    return mined;
  }

  /** A transaction from a fresh fake outpoint paying `value` to `script`, placed in the mempool. */
  fund(script: Uint8Array, value: bigint): { txid: string; vout: 0; raw: Uint8Array } {
    const tx = new Transaction();
    tx.version = 1;
    tx.addInput(hash256(new TextEncoder().encode(`fake-funding-outpoint-${this.nonce++}`)), 0, 0xffffffff);
    tx.addOutput(script, value);
    const raw = tx.toBuffer();
    const txid = tx.getId();
    this.txs.set(txid, { txid, raw, tx, funding: true, scriptHashes: new Set([electrumScriptHash(script)]) });
    this.mempool.push(txid);
    this.reindex();
    return { txid, vout: 0, raw };
  }

  /** `broadcast`, synchronously. */
  submit(raw: Uint8Array): BroadcastOutcome {
    if (this.unreachable) return { kind: "unknown", message: "Bitcoin backend unreachable (fake)" };
    const r = this.acceptRaw(raw);
    return "txid" in r ? { kind: "accepted", txid: r.txid } : classifyBroadcastError(r.error);
  }

  /**
   * The server-side answer to a broadcast: the txid or bitcoind's error text (used by the fake
   * Electrum server, which sends the text as a JSON-RPC error). Throws when unreachable.
   */
  acceptRaw(raw: Uint8Array): AcceptResult {
    this.enter();
    const injected = this.injected[0];
    if (injected) {
      if (--injected.remaining <= 0) this.injected.shift();
      return { error: injected.message };
    }
    let tx: Transaction;
    try {
      tx = Transaction.fromBuffer(raw);
    } catch {
      return { error: "TX decode failed" };
    }
    if (tx.ins.length === 0) return { error: "bad-txns-vin-empty" };
    if (tx.outs.length === 0) return { error: "bad-txns-vout-empty" };
    const txid = tx.getId();
    if (this.mempool.includes(txid)) return { error: "txn-already-in-mempool" };
    if (this.confirmedAt.has(txid)) return { error: "Transaction already in block chain" };

    const prevouts: { script: Uint8Array; value: bigint }[] = [];
    const seen = new Set<string>();
    for (const input of tx.ins) {
      const key = `${txidFromHash(input.hash)}:${input.index}`;
      if (seen.has(key)) return { error: "bad-txns-inputs-duplicate" };
      seen.add(key);
      const spender = this.spentBy.get(key);
      if (spender !== undefined && this.mempool.includes(spender)) return { error: "txn-mempool-conflict" };
      const prev = this.liveOutput(txidFromHash(input.hash), input.index);
      if (spender !== undefined || prev === null) return { error: "bad-txns-inputs-missingorspent" };
      prevouts.push(prev);
    }
    const totalIn = prevouts.reduce((s, p) => s + p.value, 0n);
    const totalOut = tx.outs.reduce((s, o) => s + o.value, 0n);
    if (totalOut > totalIn) return { error: "bad-txns-in-belowout" };
    for (let i = 0; i < tx.ins.length; i++) {
      const failure = verifyInput(tx, i, prevouts);
      if (failure !== null) return { error: failure };
    }

    const scriptHashes = new Set([...tx.outs, ...prevouts].map((o) => electrumScriptHash(o.script)));
    this.txs.set(txid, { txid, raw: new Uint8Array(raw), tx, funding: false, scriptHashes });
    this.mempool.push(txid);
    this.reindex();
    return { txid };
  }

  /** Drops the blocks above `height`; their transactions go back to the mempool unless they conflict. */
  forkAt(height: number): void {
    if (!Number.isInteger(height) || height < 0) throw new RangeError(`forkAt: bad height ${height}`);
    if (height >= this.tipBlock().height) return;
    const removed = this.blocks.splice(height + 1);
    const candidates = [...removed.flatMap((b) => b.txids), ...this.mempool];
    this.mempool = [];
    this.reindex();
    for (const txid of candidates) {
      const t = this.txs.get(txid)!;
      const inputsOk =
        t.funding ||
        t.tx.ins.every((i) => {
          const key = `${txidFromHash(i.hash)}:${i.index}`;
          return !this.spentBy.has(key) && this.liveOutput(txidFromHash(i.hash), i.index) !== null;
        });
      if (!inputsOk) continue;
      this.mempool.push(txid);
      this.reindex();
    }
    this.emit();
  }

  disconnectTip(): void {
    this.forkAt(this.tipBlock().height - 1);
  }

  setUnreachable(on: boolean): void {
    this.unreachable = on;
    if (!on) this.emit();
  }

  isUnreachable(): boolean {
    return this.unreachable;
  }

  /** The next `times` broadcasts answer `message` (exact server text) instead of being processed. */
  injectBroadcastError(message: string, times = 1): void {
    if (times > 0) this.injected.push({ message, remaining: times });
  }

  /** The `blockchain.estimatefee` answer in BTC/kB; −1 means "no estimate". */
  setFeeRate(btcPerKb: number): void {
    this.feeRate = btcPerKb;
  }

  /** The raw `blockchain.estimatefee` answer (fake Electrum server). Throws when unreachable. */
  estimateFeeBtcPerKb(): number {
    this.enter();
    return this.feeRate;
  }

  txHeight(txid: string): number | null {
    return this.confirmedAt.get(txid) ?? null;
  }

  inMempool(txid: string): boolean {
    return this.mempool.includes(txid);
  }

  /** Evicts a mempool transaction and its mempool descendants. */
  dropFromMempool(txid: string): void {
    const evicted = new Set([txid]);
    for (const id of this.mempool) {
      if (this.txs.get(id)!.tx.ins.some((i) => evicted.has(txidFromHash(i.hash)))) evicted.add(id);
    }
    this.mempool = this.mempool.filter((id) => !evicted.has(id));
    this.reindex();
  }

  /** The 80-byte header at a height of the best chain (fake Electrum server). */
  rawHeader(height: number): Uint8Array {
    this.enter();
    return this.blockAt(height).header;
  }

  /** Raw bytes, depth and block hash of a live transaction, or null (fake Electrum server). */
  transactionInfo(txid: string): { raw: Uint8Array; confirmations: number; blockHash: string | null } | null {
    this.enter();
    if (!this.isLive(txid)) return null;
    const h = this.confirmedAt.get(txid);
    return { raw: this.txs.get(txid)!.raw, confirmations: this.confirmationsOf(txid), blockHash: h === undefined ? null : this.blocks[h].hash };
  }

  // ---- internals ----

  private enter(o?: AbortOptions): void {
    o?.signal?.throwIfAborted();
    if (this.unreachable) throw new BitcoinUnavailableError("Bitcoin backend unreachable (fake)");
  }

  private tipBlock(): FakeBlock {
    return this.blocks[this.blocks.length - 1];
  }

  private blockAt(height: number, method = "blockchain.block.header"): FakeBlock {
    const b = Number.isInteger(height) ? this.blocks[height] : undefined;
    if (!b) throw new BitcoinServerError(`height ${height} out of range`, method, 1);
    return b;
  }

  private connectBlock(txids: string[]): FakeBlock {
    const txs = txids.map((txid) => ({ txid, tx: this.txs.get(txid)!.tx }));
    const block = nextBlock(this.blocks[this.blocks.length - 1], txs, this.nonce++);
    const cb = block.coinbase;
    // Known like any transaction (Electrum serves it), but never in the mempool or a history.
    this.txs.set(cb.txid, { txid: cb.txid, raw: cb.raw, tx: cb.tx, funding: true, scriptHashes: new Set() });
    this.blocks.push(block);
    this.reindex();
    return block;
  }

  private emit(): void {
    const tip = this.tipBlock();
    if (this.unreachable || tip.hash === this.lastEmitted) return;
    this.lastEmitted = tip.hash;
    this.listeners.emit(headerOf(tip));
  }

  /** Transactions of the best chain (block order) followed by the mempool. */
  private liveTxids(): string[] {
    return [...this.blocks.flatMap((b) => b.txids), ...this.mempool];
  }

  private isLive(txid: string): boolean {
    return this.confirmedAt.has(txid) || this.mempool.includes(txid);
  }

  private confirmationsOf(txid: string): number {
    const h = this.confirmedAt.get(txid);
    if (h !== undefined) return this.tipBlock().height - h + 1;
    return this.mempool.includes(txid) ? 0 : -1;
  }

  private liveOutput(txid: string, vout: number): { script: Uint8Array; value: bigint } | null {
    if (!this.isLive(txid)) return null;
    return this.txs.get(txid)!.tx.outs[vout] ?? null;
  }

  /** Recomputes the confirmation heights and the spent set (small chains: clarity over speed). */
  private reindex(): void {
    this.confirmedAt.clear();
    for (const b of this.blocks) for (const id of [b.coinbase.txid, ...b.txids]) this.confirmedAt.set(id, b.height);
    const spent = new Map<string, string>();
    for (const id of this.liveTxids()) {
      const t = this.txs.get(id)!;
      if (t.funding) continue;
      for (const i of t.tx.ins) spent.set(`${txidFromHash(i.hash)}:${i.index}`, id);
    }
    this.spentBy = spent;
  }
}
