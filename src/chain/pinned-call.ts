// eth_call pinned at one block (coordination.md §0): EIP-1898 `{ blockHash }` where the endpoint
// accepts it; otherwise by number, re-checking that block's hash after the call.
import { toQuantity } from "ethers";
import type { AbortOptions } from "../util/lifecycle.js";
import type { ContractViews } from "./abi.js";
import { EmptyCallResultError } from "./errors.js";
import { DEFAULT_CALL_TIMEOUT_MS, type BlockRef } from "./ethereum-chain.js";

export type { BlockRef };

export interface CallRequest {
  to: string;
  data: string;
}

/** Anything that can run an eth_call at an explicit block and return the raw hex result. */
export interface PinnedCaller {
  call(tx: CallRequest, at: BlockRef, o?: AbortOptions): Promise<string>;
}

/** A JSON-RPC sender: ethers `JsonRpcProvider`, the hardhat-ethers provider, … */
export interface RpcSender {
  send(method: string, params: unknown[]): Promise<unknown>;
}

export type CallSource = PinnedCaller | RpcSender;

/** The block at that number no longer has the pinned hash (reorg) or is unknown: transient. */
export class PinnedBlockMismatchError extends Error {
  override readonly name = "PinnedBlockMismatchError";
  constructor(readonly at: BlockRef, readonly actualHash: string | null) {
    super(`block ${at.blockNumber} has hash ${actualHash ?? "(none)"}, expected ${at.blockHash}`);
  }
}

export class CallTimeoutError extends Error {
  override readonly name = "CallTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`eth_call timed out after ${timeoutMs} ms`);
  }
}

export interface RpcPinnedCallerComponents {
  rpc: RpcSender;
}

export interface PinnedCallOptions {
  /** Per-call time limit (reliability.md §6: Ethereum 10 s). Default DEFAULT_CALL_TIMEOUT_MS. */
  timeoutMs?: number;
}

function isRpcSender(source: CallSource): source is RpcSender {
  return typeof (source as RpcSender).send === "function";
}

export function toPinnedCaller(source: CallSource, options: PinnedCallOptions = {}): PinnedCaller {
  return isRpcSender(source) ? new RpcPinnedCaller({ rpc: source }, options) : source;
}

/** One view of `to` by name at a pinned block, decoded into values; EmptyCallResultError when no code answers. */
export async function callView<V, K extends keyof V & string>(
  caller: PinnedCaller,
  to: string,
  views: ContractViews<V>,
  fn: K,
  args: readonly unknown[],
  at: BlockRef,
  o?: AbortOptions,
): Promise<V[K]> {
  const result = await caller.call({ to, data: views.encode(fn, args) }, at, o);
  if (result === "0x") throw new EmptyCallResultError(fn, to, at);
  return views.decode(fn, result);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallTimeoutError(ms)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function rpcErrorOf(err: unknown): { code?: unknown; message?: unknown } {
  const e = err as { info?: { error?: { code?: unknown; message?: unknown } }; code?: unknown; message?: unknown };
  return e?.info?.error ?? e ?? {};
}

/** The endpoint refused the EIP-1898 object itself (as opposed to not knowing the block). */
function rejectsBlockHashParam(err: unknown): boolean {
  const { code, message } = rpcErrorOf(err);
  const msg = typeof message === "string" ? message : "";
  if (/not found|unknown block|invalid block tag/i.test(msg)) return false;
  return code === -32602 || /invalid argument|invalid params|cannot unmarshal|blockHash.*not supported|EIP-1898/i.test(msg);
}

export class RpcPinnedCaller implements PinnedCaller {
  /** undefined until the first call tells us whether `{ blockHash }` works. */
  private eip1898: boolean | undefined;
  private readonly rpc: RpcSender;
  private readonly timeoutMs: number;

  constructor(components: RpcPinnedCallerComponents, init: PinnedCallOptions = {}) {
    this.rpc = components.rpc;
    this.timeoutMs = init.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  async call(tx: CallRequest, at: BlockRef, o: AbortOptions = {}): Promise<string> {
    o.signal?.throwIfAborted();
    if (this.eip1898 !== false) {
      try {
        // Fresh objects per request: some providers (hardhat-ethers) add `from` to the params in place.
        const result = await this.send("eth_call", [{ ...tx }, { blockHash: at.blockHash }]);
        this.eip1898 = true;
        return result as string;
      } catch (err) {
        if (this.eip1898 === true || !rejectsBlockHashParam(err)) throw err;
        this.eip1898 = false;
      }
    }
    const result = await this.send("eth_call", [{ ...tx }, toQuantity(at.blockNumber)]);
    const block = (await this.send("eth_getBlockByNumber", [toQuantity(at.blockNumber), false])) as {
      hash?: string;
    } | null;
    const hash = block?.hash ?? null;
    if (hash === null || hash.toLowerCase() !== at.blockHash.toLowerCase()) throw new PinnedBlockMismatchError(at, hash);
    return result as string;
  }

  private send(method: string, params: unknown[]): Promise<unknown> {
    return withTimeout(this.rpc.send(method, params), this.timeoutMs);
  }
}
