// EthereumChain over ethers v6 JSON-RPC: eth_blockNumber polling (always on, the fallback), optional
// WebSocket newHeads, pinned EIP-1898 calls, and retry with backoff while errors are transient
// (reliability.md §6).
import { FetchRequest, JsonRpcProvider, Network, toQuantity } from "ethers";
import { silentLogger, type Logger } from "../util/logger.js";
import { abortable, backoffMs, isAbortError, sleep } from "../util/sleep.js";
import { CallRevertedError, RpcError, RpcErrorCode, classifyRpcError } from "./errors.js";
import { DEFAULT_CALL_TIMEOUT_MS, type BlockHeader, type BlockRef, type ChainCallOptions, type ChainLog, type EthereumChain, type LogFilter } from "./ethereum-chain.js";
import { errorMessage } from "../util/errors.js";

export interface EthersChainComponents {
  logger?: Logger;
}

export interface EthersChainInit {
  rpcUrl: string;
  /** If set, heads also arrive through a newHeads subscription; polling continues as the fallback. */
  wsUrl?: string;
  /** eth_blockNumber poll period. Default 2000. */
  pollIntervalMs?: number;
  /** Per-call time limit. Default 10000 (reliability.md §6). */
  callTimeoutMs?: number;
  /** Pins the provider's network; without it ethers asks eth_chainId once. */
  chainId?: bigint;
  /** Metrics hook, called once per RPC attempt. */
  onRpc?: (method: string, ms: number, ok: boolean) => void;
}

export const DEFAULT_POLL_INTERVAL_MS = 2000;

export class EthersChain implements EthereumChain {
  readonly provider: JsonRpcProvider;
  private readonly log: Logger;
  private readonly init: EthersChainInit;
  private readonly network: Network | undefined;
  private readonly pollIntervalMs: number;
  private readonly callTimeoutMs: number;
  private readonly headListeners = new Set<(head: number) => void>();
  private highest = -1;
  /** Aborted by stop(); bounds every retry loop that has no signal of its own. */
  private life = new AbortController();
  private running = false;
  private pollTask: Promise<void> | undefined;
  private wsTask: Promise<void> | undefined;
  private eip1898 = true;

  constructor(components: EthersChainComponents, init: EthersChainInit) {
    this.log = (components.logger ?? silentLogger).child({ module: "eth" });
    this.init = init;
    this.pollIntervalMs = init.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.callTimeoutMs = init.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.network = init.chainId === undefined ? undefined : Network.from(init.chainId);
    const req = new FetchRequest(init.rpcUrl);
    req.timeout = this.callTimeoutMs;
    // No hidden 429 retries inside ethers: our loop owns retries and their backoff.
    req.retryFunc = async () => false;
    // cacheTimeout -1: the default 250 ms cache returns stale block numbers (style.md §4).
    // batchMaxCount 1: one slow or failing call never drags its batch-mates down with it.
    this.provider = new JsonRpcProvider(req, this.network, {
      staticNetwork: this.network ?? true,
      cacheTimeout: -1,
      batchMaxCount: 1,
    });
  }

  head(): number {
    return this.highest;
  }

  onHead(listener: (head: number) => void): () => void {
    this.headListeners.add(listener);
    return () => {
      this.headListeners.delete(listener);
    };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.life.signal.aborted) this.life = new AbortController();
    const signal = this.life.signal;
    // One attempt up front so head() is known when start() returns (unless the endpoint is down).
    try {
      this.noteHead(await this.blockNumber({ signal, retry: false }));
    } catch (err) {
      if (!signal.aborted) this.log.warn({ err: describe(err) }, "initial eth_blockNumber failed; polling continues");
    }
    this.pollTask = this.pollLoop(signal);
    if (this.init.wsUrl !== undefined) this.wsTask = this.wsLoop(this.init.wsUrl, signal);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.life.abort(new DOMException("chain stopped", "AbortError"));
    await Promise.allSettled([this.pollTask, this.wsTask]);
    this.pollTask = undefined;
    this.wsTask = undefined;
  }

  async blockNumber(o?: ChainCallOptions): Promise<number> {
    return this.rpc("eth_blockNumber", [], o, (r) => toNumber(r, "eth_blockNumber"));
  }

  async block(n: number | "latest", o?: ChainCallOptions): Promise<BlockHeader> {
    const tag = n === "latest" ? "latest" : toQuantity(n);
    return this.rpc("eth_getBlockByNumber", [tag, false], o, (r) => {
      if (r === null || r === undefined) {
        throw new RpcError(RpcErrorCode.HEADER_NOT_FOUND, `block ${n} not found`, { method: "eth_getBlockByNumber", transient: true });
      }
      return parseBlock(r);
    });
  }

  async call(tx: { to: string; data: string }, at: BlockRef, o?: ChainCallOptions): Promise<string> {
    const req = { to: tx.to, data: tx.data };
    if (this.eip1898) {
      try {
        return await this.rpc("eth_call", [req, { blockHash: at.blockHash }], o, (r) => toData(r, "eth_call"));
      } catch (err) {
        if (!(err instanceof RpcError) || !isEip1898Refusal(err)) throw err;
        this.eip1898 = false;
        this.log.warn({ err: err.message }, "endpoint refuses EIP-1898 block tags; pinning by number and re-checking the hash");
      }
    }
    // coordination.md §0 fallback: pin by number, then make sure that number still has the hash.
    const data = await this.rpc("eth_call", [req, toQuantity(at.blockNumber)], o, (r) => toData(r, "eth_call"));
    const b = await this.block(at.blockNumber, o);
    if (b.hash !== at.blockHash.toLowerCase()) {
      throw new RpcError(RpcErrorCode.BLOCK_HASH_MISMATCH, `block ${at.blockNumber} is now ${b.hash}, not ${at.blockHash}`, {
        method: "eth_call",
        transient: true,
      });
    }
    return data;
  }

  async logs(filter: LogFilter, o?: ChainCallOptions): Promise<ChainLog[]> {
    const params = {
      address: filter.address,
      topics: filter.topics ?? [],
      fromBlock: toQuantity(filter.fromBlock),
      toBlock: toQuantity(filter.toBlock),
    };
    return this.rpc("eth_getLogs", [params], o, (r) => {
      if (!Array.isArray(r)) throw badResponse("eth_getLogs", r);
      return r.map(parseLog);
    });
  }

  /**
   * One JSON-RPC method with the per-call time limit, retried with full-jitter backoff while the error
   * is transient. Ends on success, a definitive error, or abort of `o.signal` / stop() (throws the
   * abort reason).
   */
  private async rpc<T>(method: string, params: unknown[], o: ChainCallOptions | undefined, parse: (r: unknown) => T): Promise<T> {
    const outer = o?.signal ? AbortSignal.any([o.signal, this.life.signal]) : this.life.signal;
    for (let attempt = 0; ; attempt++) {
      outer.throwIfAborted();
      const t0 = performance.now();
      let failure: unknown;
      try {
        const result = parse(await this.once(method, params, outer));
        this.init.onRpc?.(method, performance.now() - t0, true);
        return result;
      } catch (err) {
        failure = err;
      }
      this.init.onRpc?.(method, performance.now() - t0, false);
      if (outer.aborted) throw outer.reason;
      const e = classifyRpcError(failure, method);
      if (!e.transient || o?.retry === false) throw e;
      const delay = backoffMs(attempt);
      this.log.debug({ method, attempt, delay, err: e.message }, "transient RPC error; retrying");
      await sleep(delay, outer);
    }
  }

  private async once(method: string, params: unknown[], outer: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.callTimeoutMs);
    const signal = AbortSignal.any([outer, timeout]);
    const pending = this.provider.send(method, params);
    try {
      return await abortable(pending, signal);
    } catch (err) {
      if (timeout.aborted && !outer.aborted) {
        throw new RpcError(RpcErrorCode.TIMEOUT, `${method} timed out after ${this.callTimeoutMs} ms`, { method, transient: true });
      }
      throw err;
    }
  }

  private noteHead(n: number): void {
    if (n <= this.highest) return;
    this.highest = n;
    for (const listener of [...this.headListeners]) {
      try {
        listener(n);
      } catch (err) {
        this.log.error({ err: describe(err) }, "head listener threw");
      }
    }
  }

  private async pollLoop(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        await sleep(this.pollIntervalMs, signal);
        this.noteHead(await this.blockNumber({ signal, retry: false }));
        if (failures > 0) this.log.info({ failures }, "eth_blockNumber polling recovered");
        failures = 0;
      } catch (err) {
        if (signal.aborted || isAbortError(err)) break;
        failures++;
        // Log the first failure and then every 30th, so an outage does not flood the log.
        if (failures === 1 || failures % 30 === 0) this.log.warn({ failures, err: describe(err) }, "eth_blockNumber poll failed");
      }
    }
  }

  /** newHeads over WebSocket; reconnects with backoff whenever the socket closes. */
  private async wsLoop(url: string, signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      const gotHead = await this.wsSession(url, signal);
      if (signal.aborted) break;
      attempt = gotHead ? 0 : attempt + 1;
      const delay = Math.max(100, backoffMs(attempt));
      this.log.warn({ url, delay }, "WebSocket closed; reconnecting");
      try {
        await sleep(delay, signal);
      } catch {
        break;
      }
    }
  }

  /**
   * Runs one WebSocket connection until it closes or `signal` aborts. Resolves true if it delivered a
   * head. Plain JSON-RPC on the socket rather than ethers' WebSocketProvider: destroying that provider
   * while its eth_subscribe is still pending leaves an unhandled rejection (a stop right after start).
   */
  private wsSession(url: string, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let gotHead = false;
      const socket = new WebSocket(url);
      const finish = (): void => {
        signal.removeEventListener("abort", finish);
        if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close();
        resolve(gotHead);
      };
      socket.addEventListener("open", () => socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] })));
      socket.addEventListener("message", (ev: MessageEvent) => {
        const n = newHeadNumber(ev.data);
        if (n === "refused") {
          this.log.warn({ url }, "newHeads subscription failed");
          finish();
        } else if (n !== null) {
          gotHead = true;
          this.noteHead(n);
        }
      });
      socket.addEventListener("close", finish);
      socket.addEventListener("error", () => this.log.debug({ url }, "WebSocket error"));
      signal.addEventListener("abort", finish, { once: true });
    });
  }
}

/** The block number of a newHeads notification, "refused" for an error answer, null for anything else. */
function newHeadNumber(data: unknown): number | "refused" | null {
  let msg: { id?: unknown; error?: unknown; method?: unknown; params?: { result?: { number?: unknown } } };
  try {
    msg = JSON.parse(String(data)) as typeof msg;
  } catch {
    return null;
  }
  if (msg.id === 1 && msg.error !== undefined) return "refused";
  const hex = msg.method === "eth_subscription" ? msg.params?.result?.number : undefined;
  return typeof hex === "string" && /^0x[0-9a-fA-F]{1,13}$/.test(hex) ? Number(hex) : null;
}

function isEip1898Refusal(err: RpcError): boolean {
  return (
    err.code === RpcErrorCode.RPC_ERROR &&
    !err.transient &&
    (err.rpcCode === -32602 || /invalid (argument|params)|cannot unmarshal|hex string|invalid block number/i.test(err.message))
  );
}

function badResponse(method: string, r: unknown): RpcError {
  return new RpcError(RpcErrorCode.BAD_RESPONSE, `unexpected ${method} result: ${JSON.stringify(r)?.slice(0, 100)}`, {
    method,
    transient: true,
  });
}

function toNumber(r: unknown, method: string): number {
  if (typeof r !== "string" || !/^0x[0-9a-fA-F]+$/.test(r)) throw badResponse(method, r);
  const n = Number(BigInt(r));
  if (!Number.isSafeInteger(n)) throw badResponse(method, r);
  return n;
}

function toData(r: unknown, method: string): string {
  if (typeof r !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(r)) throw badResponse(method, r);
  return r.toLowerCase();
}

function parseBlock(r: unknown): BlockHeader {
  const b = r as Record<string, unknown>;
  if (typeof b.hash !== "string" || typeof b.parentHash !== "string") throw badResponse("eth_getBlockByNumber", r);
  return {
    number: toNumber(b.number, "eth_getBlockByNumber"),
    hash: b.hash.toLowerCase(),
    parentHash: b.parentHash.toLowerCase(),
    timestamp: toNumber(b.timestamp, "eth_getBlockByNumber"),
  };
}

function parseLog(r: unknown): ChainLog {
  const l = r as Record<string, unknown>;
  if (!Array.isArray(l.topics) || typeof l.data !== "string" || typeof l.address !== "string") throw badResponse("eth_getLogs", r);
  return {
    address: l.address,
    blockNumber: toNumber(l.blockNumber, "eth_getLogs"),
    blockHash: String(l.blockHash).toLowerCase(),
    transactionHash: String(l.transactionHash).toLowerCase(),
    transactionIndex: toNumber(l.transactionIndex, "eth_getLogs"),
    logIndex: toNumber(l.logIndex, "eth_getLogs"),
    topics: (l.topics as unknown[]).map((t) => String(t).toLowerCase()),
    data: l.data.toLowerCase(),
    removed: l.removed === true,
  };
}

function describe(err: unknown): string {
  if (err instanceof RpcError || err instanceof CallRevertedError) return `${err.name}: ${err.message}`;
  return errorMessage(err);
}
