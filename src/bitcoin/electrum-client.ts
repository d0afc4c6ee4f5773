// Electrum adapter of BitcoinChain (reliability.md §3.6, §6; coordination.md §13.8): the protocol
// methods and the header subscription, over the failover of electrum-servers.ts.
//
// Usage:
//   const btc = new ElectrumBitcoinChain({ logger }, { urls: ["tcp://127.0.0.1:50001", "ssl://electrum.example:50002"] });
//   await btc.start();            // subscribes to headers; never throws for an unreachable server
//   btc.onTip((h) => …);          // every new tip, reorgs included
//   await btc.confirmations(txid, { signal });
//   await btc.stop();
import type { AbortOptions } from "../util/lifecycle.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { concatBytes, fromHex, toHex } from "../util/hex.js";
import { backoffMs, sleep } from "../util/sleep.js";
import { BitcoinServerError, BitcoinUnavailableError, FeeEstimateUnavailableError } from "./bitcoin-chain.js";
import type { BitcoinChain, BroadcastOutcome, BtcHeader, BtcTip, HistoryItem, Utxo } from "./bitcoin-chain.js";
import { classifyBroadcastError } from "./broadcast-outcome.js";
import {
  parseHeader,
  parseHeaderNotification,
  parseHeaders,
  parseHexString,
  parseHistory,
  parseIdFromPos,
  parseNumber,
  parseTxid,
  parseTxMerkle,
  parseUnspent,
  parseVerboseConfirmations,
} from "./electrum-answers.js";
import { ElectrumServers, type ElectrumServersInit } from "./electrum-servers.js";
import { feeRateFromEstimate } from "./fees.js";
import type { SpvSource, TxMerkle } from "./spv-source.js";
import { TipListeners } from "./tip-listeners.js";

/** Re-subscribing now and then keeps the session from idling out and catches a missed notification. */
const RESUBSCRIBE_MS = 120_000;
/** ElectrumX, Fulcrum and electrs all pass bitcoind's text on for an unknown txid. */
const TX_NOT_FOUND = /no such mempool or blockchain transaction|transaction not found|no such transaction|not found/i;

export interface ElectrumComponents {
  logger?: Logger;
  metrics?: Metrics | null;
}

/** `urls`, `callTimeoutMs` (default 15 000) and `unhealthyForMs` (default 60 000): see ElectrumServersInit. */
export type ElectrumInit = ElectrumServersInit;

export class ElectrumBitcoinChain implements BitcoinChain, SpvSource {
  private readonly servers: ElectrumServers;
  private readonly log: Logger;
  private readonly listeners: TipListeners;
  private current: BtcHeader | null = null;
  private loop: { controller: AbortController; done: Promise<void> } | null = null;

  constructor(components: ElectrumComponents, init: ElectrumInit) {
    this.log = (components.logger ?? silentLogger).child({ module: "btc" });
    this.listeners = new TipListeners((err) => this.log.error({ err: (err as Error).message }, "tip listener threw"));
    this.servers = new ElectrumServers({ logger: this.log, metrics: components.metrics ?? null, onHeader: (h) => this.setTip(h) }, init);
  }

  /** Wall clock of the first failed call since the last answer; null while servers answer (health, reliability.md §5). */
  get unreachableSince(): number | null {
    return this.servers.unreachableSince;
  }

  async start(): Promise<void> {
    if (this.loop) return;
    this.servers.open();
    const controller = new AbortController();
    let firstAttempt!: () => void;
    const first = new Promise<void>((resolve) => (firstAttempt = resolve));
    const done = this.subscriptionLoop(controller.signal, firstAttempt);
    this.loop = { controller, done };
    await first;
  }

  async stop(): Promise<void> {
    const loop = this.loop;
    this.loop = null;
    loop?.controller.abort(new BitcoinUnavailableError("Electrum client stopped"));
    this.servers.close(new BitcoinUnavailableError("Electrum client stopped"));
    await loop?.done;
  }

  tip(): BtcTip | null {
    return this.current ? { height: this.current.height, hash: this.current.hash } : null;
  }

  onTip(listener: (tip: BtcHeader) => void): () => void {
    return this.listeners.add(listener);
  }

  header(height: number, o?: AbortOptions): Promise<BtcHeader> {
    return this.call("blockchain.block.header", [height], (r) => parseHeader(height, parseHexString(r)), o);
  }

  async getTransaction(txid: string, o?: AbortOptions): Promise<Uint8Array | null> {
    try {
      return fromHex(await this.call("blockchain.transaction.get", [txid], parseHexString, o));
    } catch (err) {
      if (err instanceof BitcoinServerError && TX_NOT_FOUND.test(err.message)) return null;
      throw err;
    }
  }

  async confirmations(txid: string, o?: AbortOptions): Promise<number> {
    try {
      return await this.call("blockchain.transaction.get", [txid, true], parseVerboseConfirmations, o);
    } catch (err) {
      if (err instanceof BitcoinServerError && TX_NOT_FOUND.test(err.message)) return -1;
      throw err;
    }
  }

  history(scriptHash: string, o?: AbortOptions): Promise<HistoryItem[]> {
    return this.call("blockchain.scripthash.get_history", [scriptHash], parseHistory, o);
  }

  unspent(scriptHash: string, o?: AbortOptions): Promise<Utxo[]> {
    return this.call("blockchain.scripthash.listunspent", [scriptHash], parseUnspent, o);
  }

  async estimateSatPerVByte(o?: AbortOptions): Promise<number> {
    let btcPerKb: number;
    try {
      btcPerKb = await this.call("blockchain.estimatefee", [1], parseNumber, o);
    } catch (err) {
      if (o?.signal?.aborted) throw err;
      throw new FeeEstimateUnavailableError(`blockchain.estimatefee failed: ${(err as Error).message}`, { cause: err });
    }
    if (btcPerKb < 0) throw new FeeEstimateUnavailableError("blockchain.estimatefee returned -1 (no estimate)");
    return feeRateFromEstimate(btcPerKb);
  }

  async broadcast(raw: Uint8Array, o?: AbortOptions): Promise<BroadcastOutcome> {
    try {
      const txid = await this.call("blockchain.transaction.broadcast", [toHex(raw)], parseTxid, o);
      return { kind: "accepted", txid };
    } catch (err) {
      if (err instanceof BitcoinServerError) return classifyBroadcastError(err.message);
      if (err instanceof BitcoinUnavailableError) return { kind: "unknown", message: err.message };
      throw err; // the caller's abort
    }
  }

  // ---- SpvSource ----

  transactionMerkle(txid: string, height: number, o?: AbortOptions): Promise<TxMerkle> {
    return this.call("blockchain.transaction.get_merkle", [txid, height], parseTxMerkle, o);
  }

  txIdFromPos(height: number, pos: number, o?: AbortOptions): Promise<{ txid: string; merkle: Uint8Array[] }> {
    return this.call("blockchain.transaction.id_from_pos", [height, pos, true], parseIdFromPos, o);
  }

  /** Asks again while the server stops at its `max` per request; fewer headers only at the tip. */
  async blockHeaders(start: number, count: number, o?: AbortOptions): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < count) {
      const r = await this.call("blockchain.block.headers", [start + got, count - got], parseHeaders, o);
      parts.push(r.raw);
      got += r.count;
      if (r.count === 0 || r.count < Math.min(count - got + r.count, r.max)) break;
    }
    return concatBytes(...parts).slice(0, count * 80);
  }

  private async call<T>(method: string, params: unknown[], parse: (r: unknown) => T, o?: AbortOptions): Promise<T> {
    return (await this.servers.call(method, params, parse, o)).value;
  }

  /** Subscribes on one server, waits for that connection to end, then resubscribes (anywhere). */
  private async subscriptionLoop(signal: AbortSignal, firstAttempt: () => void): Promise<void> {
    const subscribe = () => this.servers.call("blockchain.headers.subscribe", [], parseHeaderNotification, { signal });
    let attempt = 0;
    while (!signal.aborted) {
      try {
        const { value, conn } = await subscribe();
        this.setTip(value);
        firstAttempt();
        attempt = 0;
        while (!conn.closed && !signal.aborted) {
          const tick = new AbortController();
          await Promise.race([conn.whenClosed, sleep(RESUBSCRIBE_MS, AbortSignal.any([signal, tick.signal]))]).catch(() => {});
          tick.abort(); // no timer left behind when the connection closed first
          if (conn.closed || signal.aborted) break;
          const again = await subscribe().catch(() => null);
          if (again) this.setTip(again.value);
        }
      } catch (err) {
        firstAttempt();
        if (signal.aborted) break;
        this.log.warn({ err: (err as Error).message }, "Electrum header subscription failed; retrying");
        await sleep(backoffMs(attempt++), signal).catch(() => {});
      }
    }
  }

  private setTip(header: BtcHeader): void {
    if (this.current && this.current.hash === header.hash && this.current.height === header.height) return;
    this.current = header;
    this.listeners.emit(header);
  }
}
