// The node's view of Ethereum (style.md §3). Implemented by EthersChain over JSON-RPC and by test fakes.
import type { Provider } from "ethers";

import type { AbortOptions, Startable } from "../util/lifecycle.js";

/** Per-call time limit of an Ethereum JSON-RPC call (reliability.md §6). */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

export interface ChainCallOptions extends AbortOptions {
  /** Retry transient errors with backoff until `signal` (or the chain's stop) aborts. Default true. */
  retry?: boolean;
}

export interface BlockHeader {
  number: number;
  /** 0x-hex, lowercase. */
  hash: string;
  parentHash: string;
  /** Unix seconds. */
  timestamp: number;
}

/** A pinned block for `call` (coordination.md §0). */
export interface BlockRef {
  blockHash: string;
  blockNumber: number;
}

export interface LogFilter {
  address: string | string[];
  /** Positional topic filters; an inner array means "any of". */
  topics?: Array<string | string[] | null>;
  fromBlock: number;
  toBlock: number;
}

export interface ChainLog {
  address: string;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  transactionIndex: number;
  logIndex: number;
  topics: string[];
  data: string;
  removed: boolean;
}

export interface EthereumChain extends Startable {
  /** Highest block number seen so far; -1 before the first head. */
  head(): number;
  /** Throws RpcError (transient HEADER_NOT_FOUND when the endpoint does not have the block). */
  block(n: number | "latest", o?: ChainCallOptions): Promise<BlockHeader>;
  /**
   * eth_call pinned to `at` (EIP-1898 `{blockHash}`). Returns the 0x-hex return data.
   * Throws `RpcError{transient, code}` for transport errors and `CallRevertedError{data}` for reverts.
   */
  call(tx: { to: string; data: string }, at: BlockRef, o?: ChainCallOptions): Promise<string>;
  /** eth_getLogs; throws RpcError{code: RANGE_TOO_LARGE} (not retried) when the endpoint refuses the range. */
  logs(filter: LogFilter, o?: ChainCallOptions): Promise<ChainLog[]>;
  /** Called with every new highest head. Returns an unsubscribe function. */
  onHead(listener: (head: number) => void): () => void;
  /** The underlying ethers provider, for contract clients. */
  readonly provider: Provider;
}
