// One Electrum session: line-delimited JSON-RPC over TCP or TLS (`ssl://` verifies the certificate).
// Any protocol violation closes it; the failover above (electrum-servers.ts) opens another.
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { BitcoinServerError, BitcoinUnavailableError, type BtcHeader } from "./bitcoin-chain.js";
import { MalformedAnswerError, parseHeaderNotification } from "./electrum-answers.js";

const MAX_LINE_CHARS = 32 * 1024 * 1024;

/** Where a server listens, from a `tcp://host:port` or `ssl://host:port` URL. */
export interface ElectrumEndpoint {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

export function parseElectrumUrl(url: string): ElectrumEndpoint {
  const m = /^(tcp|ssl):\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s]+):(\d{1,5})\/?$/.exec(url);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) throw new Error(`invalid Electrum URL ${url} (expected tcp://host:port or ssl://host:port)`);
  const host = m[2].startsWith("[") ? m[2].slice(1, -1) : m[2];
  return { url, host, port, tls: m[1] === "ssl" };
}

export class ElectrumConnection {
  /** Settles once the socket is open and the handshake answered (set by the opener). */
  ready: Promise<void> = Promise.resolve();
  closed = false;
  readonly whenClosed: Promise<void>;
  private socket: Socket | null = null;
  private buffer = "";
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; method: string }>();
  private markClosed!: () => void;

  /** `onHeader` hears every `blockchain.headers.subscribe` notification. */
  constructor(
    private readonly endpoint: ElectrumEndpoint,
    private readonly onHeader: (h: BtcHeader) => void,
  ) {
    this.whenClosed = new Promise((resolve) => (this.markClosed = resolve));
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const { host, port } = this.endpoint;
      const socket = this.endpoint.tls
        ? tlsConnect({ host, port, servername: isIP(host) ? undefined : host }, () => resolve())
        : netConnect({ host, port }, () => resolve());
      this.socket = socket;
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => this.onData(chunk));
      socket.on("error", (err) => {
        reject(new BitcoinUnavailableError(`Electrum ${this.endpoint.url}: ${err.message}`));
        this.destroy(new BitcoinUnavailableError(`Electrum ${this.endpoint.url}: ${err.message}`));
      });
      socket.on("close", () => {
        reject(new BitcoinUnavailableError(`Electrum ${this.endpoint.url}: connection closed`));
        this.destroy(new BitcoinUnavailableError(`Electrum ${this.endpoint.url}: connection closed`));
      });
    });
  }

  request(method: string, params: unknown[], signal: AbortSignal): Promise<unknown> {
    if (this.closed || !this.socket) return Promise.reject(new BitcoinUnavailableError(`Electrum ${this.endpoint.url}: connection closed`));
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
    this.destroy(new MalformedAnswerError(`Electrum ${this.endpoint.url}: malformed line (${why})`));
  }
}
