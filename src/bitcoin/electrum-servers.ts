// Failover over the configured Electrum servers (reliability.md §6). Servers are tried in configured
// order; a call fails over to the next one on a transport failure (connect error, closed socket,
// timeout, malformed line or answer). A server is unhealthy for a while after 3 consecutive
// failures; with no healthy server left a call throws BitcoinUnavailableError. A JSON-RPC error
// answer is definitive (BitcoinServerError) and does not fail over. Each attempt is limited by
// AbortSignal.timeout(callTimeoutMs).
import type { AbortOptions } from "../util/lifecycle.js";
import type { Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { abortable } from "../util/sleep.js";
import { BitcoinServerError, BitcoinUnavailableError, type BtcHeader } from "./bitcoin-chain.js";
import { MalformedAnswerError } from "./electrum-answers.js";
import { ElectrumConnection, parseElectrumUrl, type ElectrumEndpoint } from "./electrum-connection.js";

export const DEFAULT_CALL_TIMEOUT_MS = 15_000;
export const DEFAULT_UNHEALTHY_FOR_MS = 60_000;
const FAILURES_BEFORE_UNHEALTHY = 3;
const CLIENT_NAME = "wcoord 0.1";
const PROTOCOL_VERSION = "1.4";

export interface ElectrumServersComponents {
  logger: Logger;
  metrics: Metrics | null;
  /** Hears the header notifications of every connection. */
  onHeader: (header: BtcHeader) => void;
}

export interface ElectrumServersInit {
  /** `tcp://host:port` or `ssl://host:port`, tried in order. */
  urls: readonly string[];
  /** Per-attempt limit (reliability.md §6). Default 15 000. */
  callTimeoutMs?: number;
  /** How long a server stays unhealthy after 3 consecutive failures. Default 60 000. */
  unhealthyForMs?: number;
}

interface Server extends ElectrumEndpoint {
  failures: number;
  unhealthyUntil: number;
  conn: ElectrumConnection | null;
}

export class ElectrumServers {
  private readonly servers: Server[];
  private readonly callTimeoutMs: number;
  private readonly unhealthyForMs: number;
  private readonly log: Logger;
  private readonly metrics: Metrics | null;
  private readonly onHeader: (header: BtcHeader) => void;
  private closed = false;
  /** Wall clock of the first failed call since the last answer; null while servers answer (health, reliability.md §5). */
  unreachableSince: number | null = null;

  constructor(components: ElectrumServersComponents, init: ElectrumServersInit) {
    if (init.urls.length === 0) throw new Error("ElectrumBitcoinChain: no Electrum URL configured");
    this.servers = init.urls.map((url) => ({ ...parseElectrumUrl(url), failures: 0, unhealthyUntil: 0, conn: null }));
    this.callTimeoutMs = init.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.unhealthyForMs = init.unhealthyForMs ?? DEFAULT_UNHEALTHY_FOR_MS;
    this.log = components.logger;
    this.metrics = components.metrics;
    this.onHeader = components.onHeader;
  }

  /** Accepts calls again after close(). */
  open(): void {
    this.closed = false;
  }

  /** Refuses further calls and drops every connection. */
  close(reason: Error): void {
    this.closed = true;
    for (const s of this.servers) {
      s.conn?.destroy(reason);
      s.conn = null;
    }
  }

  /** One request on the first healthy server that answers, with the connection that answered. */
  async call<T>(method: string, params: unknown[], parse: (r: unknown) => T, o?: AbortOptions): Promise<{ value: T; conn: ElectrumConnection }> {
    o?.signal?.throwIfAborted();
    if (this.closed) throw new BitcoinUnavailableError("Electrum client stopped");
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
      let conn: ElectrumConnection | null = null;
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
  private async connection(server: Server, signal: AbortSignal): Promise<ElectrumConnection> {
    if (!server.conn || server.conn.closed) {
      const conn = new ElectrumConnection(server, this.onHeader);
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

  private recordFailure(server: Server, conn: ElectrumConnection | null, method: string, err: unknown): void {
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
}
