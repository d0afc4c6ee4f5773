// Electrum adapter of BitcoinChain (reliability.md §3.6, §6; coordination.md §13.8).
//
// Usage:
//   const btc = new ElectrumBitcoinChain({ urls: ["tcp://127.0.0.1:50001", "ssl://electrum.example:50002"] });
//   await btc.start();            // subscribes to headers; never throws for an unreachable server
//   btc.onTip((h) => …);          // every new tip, reorgs included
//   await btc.confirmations(txid, { signal });
//   await btc.stop();
//
// Servers are tried in configured order; a call fails over to the next one on a transport failure
// (connect error, closed socket, timeout, malformed line or answer). A server is unhealthy for 60 s
// after 3 consecutive failures; with no healthy server left a call throws BitcoinUnavailableError.
// A JSON-RPC error answer is definitive (BitcoinServerError) and does not fail over. `ssl://`
// verifies the certificate. Each attempt is limited by AbortSignal.timeout(callTimeoutMs).
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { sha256 } from "@noble/hashes/sha2.js";
import type { AbortOptions } from "../util/lifecycle.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { fromHex, toHex } from "../util/hex.js";
import { abortable, backoffMs, sleep } from "../util/sleep.js";
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
} from "./bitcoin-chain.js";
import { classifyBroadcastError } from "./broadcast-outcome.js";

/** coordination.md §13.8: `blockchain.estimatefee` (BTC/kB) → sat/vB = round(max(1, btcPerKb × 100 000)). */
export function feeRateFromEstimate(btcPerKb: number): number {
  return Math.round(Math.max(1, btcPerKb * 100_000));
}

export interface ElectrumInit {
  /** `tcp://host:port` or `ssl://host:port`, tried in order. */
  urls: string[];
  /** Per-attempt limit (reliability.md §6). Default 15 000. */
  callTimeoutMs?: number;
  logger?: Logger;
  metrics?: Metrics | null;
  /** How long a server stays unhealthy after 3 consecutive failures. Default 60 000. */
  unhealthyForMs?: number;
}

const FAILURES_BEFORE_UNHEALTHY = 3;
const CLIENT_NAME = "wcoord 0.1";
const PROTOCOL_VERSION = "1.4";
/** Re-subscribing now and then keeps the session from idling out and catches a missed notification. */
const RESUBSCRIBE_MS = 120_000;
const MAX_LINE_CHARS = 32 * 1024 * 1024;
/** ElectrumX, Fulcrum and electrs all pass bitcoind's text on for an unknown txid. */
const TX_NOT_FOUND = /no such mempool or blockchain transaction|transaction not found|no such transaction|not found/i;

/** A line or answer that does not follow the protocol: the server is treated as failing. */
class MalformedAnswerError extends Error {
  override readonly name = "MalformedAnswerError";
}

interface Server {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  failures: number;
  unhealthyUntil: number;
  conn: Connection | null;
}

export class ElectrumBitcoinChain implements BitcoinChain {
  private readonly servers: Server[];
  private readonly callTimeoutMs: number;
  private readonly unhealthyForMs: number;
  private readonly log: Logger;
  private readonly metrics: Metrics | null;
  private readonly listeners = new Set<(tip: BtcHeader) => void>();
  private current: BtcHeader | null = null;
  private stopped = false;
  private loop: { controller: AbortController; done: Promise<void> } | null = null;
  /** Wall clock of the first failed call since the last answer; null while servers answer (health, reliability.md §5). */
  unreachableSince: number | null = null;

  constructor(init: ElectrumInit) {
    if (init.urls.length === 0) throw new Error("ElectrumBitcoinChain: no Electrum URL configured");
    this.servers = init.urls.map(parseUrl);
    this.callTimeoutMs = init.callTimeoutMs ?? 15_000;
    this.unhealthyForMs = init.unhealthyForMs ?? 60_000;
    this.log = (init.logger ?? silentLogger).child({ module: "btc" });
    this.metrics = init.metrics ?? null;
  }

  async start(): Promise<void> {
    if (this.loop) return;
    this.stopped = false;
    const controller = new AbortController();
    let firstAttempt!: () => void;
    const first = new Promise<void>((resolve) => (firstAttempt = resolve));
    const done = this.subscriptionLoop(controller.signal, firstAttempt);
    this.loop = { controller, done };
    await first;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const loop = this.loop;
    this.loop = null;
    loop?.controller.abort(new BitcoinUnavailableError("Electrum client stopped"));
    for (const s of this.servers) {
      s.conn?.destroy(new BitcoinUnavailableError("Electrum client stopped"));
      s.conn = null;
    }
    await loop?.done;
  }

  tip(): BtcTip | null {
    return this.current ? { height: this.current.height, hash: this.current.hash } : null;
  }

  onTip(listener: (tip: BtcHeader) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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

  // ---- calls and failover ----

  private async call<T>(method: string, params: unknown[], parse: (r: unknown) => T, o?: AbortOptions): Promise<T> {
    return (await this.callWithConnection(method, params, parse, o)).value;
  }

  private async callWithConnection<T>(
    method: string,
    params: unknown[],
    parse: (r: unknown) => T,
    o?: AbortOptions,
  ): Promise<{ value: T; conn: Connection }> {
    o?.signal?.throwIfAborted();
    if (this.stopped) throw new BitcoinUnavailableError("Electrum client stopped");
    const now = Date.now();
    const healthy = this.servers.filter((s) => s.unhealthyUntil <= now);
    if (healthy.length === 0) {
      this.unreachableSince ??= now;
      throw new BitcoinUnavailableError(`no healthy Electrum server (${method})`);
    }
    let last: unknown = null;
    for (const server of healthy) {
      o?.signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(this.callTimeoutMs);
      const signal = o?.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
      let conn: Connection | null = null;
      try {
        conn = await this.connection(server, signal);
        const result = await conn.request(method, params, signal);
        let value: T;
        try {
          value = parse(result);
        } catch (err) {
          throw new MalformedAnswerError(`malformed ${method} answer: ${(err as Error).message}`);
        }
        server.failures = 0;
        this.unreachableSince = null;
        return { value, conn };
      } catch (err) {
        if (o?.signal?.aborted) throw o.signal.reason;
        if (err instanceof BitcoinServerError) {
          server.failures = 0; // the server works; its answer is definitive
          this.unreachableSince = null;
          throw err;
        }
        this.recordFailure(server, conn, method, err);
        last = err;
      }
    }
    this.unreachableSince ??= Date.now();
    throw new BitcoinUnavailableError(`every Electrum server failed for ${method}: ${(last as Error).message}`);
  }

  /** The server's open connection, or a new one after connect + `server.version`. */
  private async connection(server: Server, signal: AbortSignal): Promise<Connection> {
    if (!server.conn || server.conn.closed) {
      const conn = new Connection(server, (header) => this.setTip(header));
      server.conn = conn;
      // The handshake has its own time limit: one caller's abort must not spoil the shared connection.
      const handshake = AbortSignal.timeout(this.callTimeoutMs);
      conn.ready = conn
        .open()
        .then(() => conn.request("server.version", [CLIENT_NAME, PROTOCOL_VERSION], handshake))
        .then((r) => {
          if (!Array.isArray(r)) throw new MalformedAnswerError("malformed server.version answer");
        });
      conn.ready.catch((err: Error) => conn.destroy(err));
    }
    const conn = server.conn;
    await abortable(conn.ready, signal);
    return conn;
  }

  private recordFailure(server: Server, conn: Connection | null, method: string, err: unknown): void {
    server.failures += 1;
    this.metrics?.rpcErrors.inc({ endpoint: server.url, method });
    // A timed-out or misbehaving connection is not reused.
    if (conn && !conn.closed) conn.destroy(new BitcoinUnavailableError(`Electrum ${server.url}: ${(err as Error).message}`));
    if (server.conn === conn) server.conn = null;
    this.log.warn({ url: server.url, method, failures: server.failures, err: (err as Error).message }, "Electrum call failed");
    if (server.failures >= FAILURES_BEFORE_UNHEALTHY) {
      server.unhealthyUntil = Date.now() + this.unhealthyForMs;
      server.failures = 0;
      this.log.warn({ url: server.url, forMs: this.unhealthyForMs }, "Electrum server marked unhealthy");
    }
  }

  // ---- tip subscription ----

  /** Subscribes on one server, waits for that connection to end, then resubscribes (anywhere). */
  private async subscriptionLoop(signal: AbortSignal, firstAttempt: () => void): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      try {
        const { value, conn } = await this.callWithConnection("blockchain.headers.subscribe", [], parseHeaderNotification, { signal });
        this.setTip(value);
        firstAttempt();
        attempt = 0;
        while (!conn.closed && !signal.aborted) {
          const tick = new AbortController();
          await Promise.race([conn.whenClosed, sleep(RESUBSCRIBE_MS, AbortSignal.any([signal, tick.signal]))]).catch(() => {});
          tick.abort(); // no timer left behind when the connection closed first
          if (conn.closed || signal.aborted) break;
          const again = await this.callWithConnection("blockchain.headers.subscribe", [], parseHeaderNotification, { signal }).catch(() => null);
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
    for (const l of [...this.listeners]) {
      try {
        l(header);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, "tip listener threw");
      }
    }
  }
}

/** One line-delimited JSON-RPC session. Any protocol violation closes it. */
class Connection {
  ready: Promise<void> = Promise.resolve();
  closed = false;
  readonly whenClosed: Promise<void>;
  private socket: Socket | null = null;
  private buffer = "";
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; method: string }>();
  private markClosed!: () => void;

  constructor(
    private readonly server: Server,
    private readonly onHeader: (h: BtcHeader) => void,
  ) {
    this.whenClosed = new Promise((resolve) => (this.markClosed = resolve));
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const { host, port } = this.server;
      const socket = this.server.tls
        ? tlsConnect({ host, port, servername: isIP(host) ? undefined : host }, () => resolve())
        : netConnect({ host, port }, () => resolve());
      this.socket = socket;
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => this.onData(chunk));
      socket.on("error", (err) => {
        reject(new BitcoinUnavailableError(`Electrum ${this.server.url}: ${err.message}`));
        this.destroy(new BitcoinUnavailableError(`Electrum ${this.server.url}: ${err.message}`));
      });
      socket.on("close", () => {
        reject(new BitcoinUnavailableError(`Electrum ${this.server.url}: connection closed`));
        this.destroy(new BitcoinUnavailableError(`Electrum ${this.server.url}: connection closed`));
      });
    });
  }

  request(method: string, params: unknown[], signal: AbortSignal): Promise<unknown> {
    if (this.closed || !this.socket) return Promise.reject(new BitcoinUnavailableError(`Electrum ${this.server.url}: connection closed`));
    if (signal.aborted) return Promise.reject(signal.reason);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.pending.delete(id);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, {
        method,
        resolve: (v) => {
          signal.removeEventListener("abort", onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      });
      this.socket!.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
    });
  }

  destroy(reason: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.destroy();
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
    this.markClosed();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while (!this.closed && (nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onLine(line);
    }
    if (this.buffer.length > MAX_LINE_CHARS) this.malformed("line too long");
  }

  private onLine(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return this.malformed("not JSON");
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return this.malformed("not a JSON object");
    const m = msg as { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };
    if (typeof m.method === "string") {
      if (m.method !== "blockchain.headers.subscribe") return; // not subscribed to anything else
      try {
        this.onHeader(parseHeaderNotification(Array.isArray(m.params) ? m.params[0] : undefined));
      } catch (err) {
        this.malformed(`bad header notification: ${(err as Error).message}`);
      }
      return;
    }
    if (typeof m.id !== "number") return this.malformed("answer without a numeric id");
    const p = this.pending.get(m.id);
    if (!p) return; // an answer to a request we gave up on (timeout or abort)
    this.pending.delete(m.id);
    if (m.error !== undefined && m.error !== null) {
      const e = m.error as { message?: unknown; code?: unknown };
      const message = typeof e.message === "string" ? e.message : JSON.stringify(m.error);
      p.reject(new BitcoinServerError(message, p.method, typeof e.code === "number" ? e.code : undefined));
    } else if ("result" in m) {
      p.resolve(m.result);
    } else {
      this.malformed("answer with neither result nor error");
    }
  }

  private malformed(why: string): void {
    this.destroy(new MalformedAnswerError(`Electrum ${this.server.url}: malformed line (${why})`));
  }
}

function parseUrl(url: string): Server {
  const m = /^(tcp|ssl):\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s]+):(\d{1,5})\/?$/.exec(url);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) throw new Error(`invalid Electrum URL ${url} (expected tcp://host:port or ssl://host:port)`);
  const host = m[2].startsWith("[") ? m[2].slice(1, -1) : m[2];
  return { url, host, port, tls: m[1] === "ssl", failures: 0, unhealthyUntil: 0, conn: null };
}


// ---- answer parsers: each throws on a shape the protocol does not allow ----

function parseHexString(r: unknown): string {
  if (typeof r !== "string" || r.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(r)) throw new Error("expected a hex string");
  return r.toLowerCase();
}

function parseTxid(r: unknown): string {
  const hex = parseHexString(r);
  if (hex.length !== 64) throw new Error("expected a txid");
  return hex;
}

function parseNumber(r: unknown): number {
  if (typeof r !== "number" || !Number.isFinite(r)) throw new Error("expected a number");
  return r;
}

function parseHeight(r: unknown): number {
  if (typeof r !== "number" || !Number.isSafeInteger(r)) throw new Error("expected an integer height");
  return r;
}

/** 80-byte header → hash and previous hash, display order. */
function parseHeader(height: number, hex: string): BtcHeader {
  const bytes = fromHex(hex);
  if (bytes.length !== 80) throw new MalformedAnswerError(`header of ${bytes.length} bytes`);
  return {
    height,
    hash: toHex(sha256(sha256(bytes)).reverse()),
    prevHash: toHex(bytes.slice(4, 36).reverse()),
  };
}

function parseHeaderNotification(r: unknown): BtcHeader {
  if (typeof r !== "object" || r === null) throw new Error("expected {height, hex}");
  const { height, hex } = r as { height?: unknown; hex?: unknown };
  const h = parseHeight(height);
  if (h < 0) throw new Error("negative height");
  return parseHeader(h, parseHexString(hex));
}

function parseVerboseConfirmations(r: unknown): number {
  if (typeof r !== "object" || r === null) throw new Error("expected a verbose transaction");
  const c = (r as { confirmations?: unknown }).confirmations;
  if (c === undefined || c === null) return 0;
  const n = parseHeight(c);
  return n > 0 ? n : 0;
}

function parseHistory(r: unknown): HistoryItem[] {
  if (!Array.isArray(r)) throw new Error("expected an array");
  return r.map((e: { tx_hash?: unknown; height?: unknown }) => ({ txid: parseTxid(e?.tx_hash), height: parseHeight(e?.height) }));
}

function parseUnspent(r: unknown): Utxo[] {
  if (!Array.isArray(r)) throw new Error("expected an array");
  return r.map((e: { tx_hash?: unknown; tx_pos?: unknown; value?: unknown; height?: unknown }) => {
    const vout = parseHeight(e?.tx_pos);
    const value = parseHeight(e?.value);
    if (vout < 0 || value < 0) throw new Error("negative output index or value");
    return { txid: parseTxid(e?.tx_hash), vout, value: BigInt(value), height: parseHeight(e?.height) };
  });
}
