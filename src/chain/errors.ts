// Ethereum RPC error classes (reliability.md §6, style.md §1.9). Whether an error is worth retrying
// is a property of the error, decided once here, not by string matching at call sites.
import { isAbortError } from "../util/sleep.js";
import type { BlockRef } from "./ethereum-chain.js";

export enum RpcErrorCode {
  /** Connection refused or reset, socket hang up, DNS failure. */
  NETWORK = "NETWORK",
  /** The per-call time limit elapsed. */
  TIMEOUT = "TIMEOUT",
  /** HTTP status other than 2xx (429 and 5xx are transient). */
  HTTP_STATUS = "HTTP_STATUS",
  /** JSON-RPC rate limiting (-32005, "too many requests"). */
  RATE_LIMITED = "RATE_LIMITED",
  /** The endpoint does not (yet) know the block: "header not found", null block. */
  HEADER_NOT_FOUND = "HEADER_NOT_FOUND",
  /** The endpoint has no state for the block: "missing trie node". */
  MISSING_TRIE_NODE = "MISSING_TRIE_NODE",
  /** eth_getLogs range or result count over the endpoint's limit: halve the range, do not retry as is. */
  RANGE_TOO_LARGE = "RANGE_TOO_LARGE",
  /** Pinned by number (no EIP-1898), and the block at that number no longer has the expected hash. */
  BLOCK_HASH_MISMATCH = "BLOCK_HASH_MISMATCH",
  /** Malformed or unexpected response body. */
  BAD_RESPONSE = "BAD_RESPONSE",
  /** Any other JSON-RPC error object. */
  RPC_ERROR = "RPC_ERROR",
  /** Not recognised; treated as transient (reliability.md §6 "unknown"). */
  UNKNOWN = "UNKNOWN",
}

export interface RpcErrorInit {
  method: string;
  transient: boolean;
  httpStatus?: number;
  rpcCode?: number;
  cause?: unknown;
}

/** A transport or node-side failure of one JSON-RPC call. */
export class RpcError extends Error {
  override readonly name = "RpcError";
  readonly code: RpcErrorCode;
  readonly transient: boolean;
  readonly method: string;
  readonly httpStatus?: number;
  readonly rpcCode?: number;

  constructor(code: RpcErrorCode, message: string, init: RpcErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.transient = init.transient;
    this.method = init.method;
    this.httpStatus = init.httpStatus;
    this.rpcCode = init.rpcCode;
  }

  /** Context for structured logs. */
  get metadata(): Record<string, unknown> {
    return { code: this.code, transient: this.transient, method: this.method, httpStatus: this.httpStatus, rpcCode: this.rpcCode };
  }
}

/** eth_call reverted. `data` is the 0x-hex revert payload ("0x" when the node gave none). Definitive. */
export class CallRevertedError extends Error {
  override readonly name = "CallRevertedError";
  readonly transient = false;
  readonly data: string;

  constructor(data: string, message?: string) {
    super(message ?? `call reverted (data ${data.slice(0, 74)})`);
    this.data = data;
  }

  get metadata(): Record<string, unknown> {
    return { data: this.data };
  }
}

export function isTransientError(err: unknown): boolean {
  return err instanceof RpcError && err.transient;
}

const TRANSIENT_NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

// JSON-RPC error codes that say the request itself is malformed: retrying cannot help.
const MALFORMED_RPC_CODES = new Set([-32700, -32600, -32601, -32602]);

const RANGE_TOO_LARGE_RE =
  /range too (large|wide)|block range|too many (results|logs|blocks)|more than \d+ (results|logs)|query returned more than|response size|limit exceeded|exceeds? (the )?max(imum)? (block )?range|query timeout exceeded/i;
const HEADER_NOT_FOUND_RE = /header not found|header for hash not found|unknown block|block not found|invalid block tag/i;
const MISSING_TRIE_RE = /missing trie node/i;
const RATE_LIMIT_RE = /rate limit|too many requests|capacity exceeded|request limit/i;
const TRANSIENT_MSG_RE = /timeout|timed out|try again|temporarily unavailable|busy|overloaded|socket hang up|network error/i;

interface JsonRpcErrorObject {
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
}

/** Classifies a JSON-RPC `error` member (from any transport). */
export function classifyJsonRpcError(method: string, error: JsonRpcErrorObject, cause?: unknown): RpcError | CallRevertedError {
  const message = typeof error.message === "string" ? error.message : JSON.stringify(error);
  const rpcCode = typeof error.code === "number" ? error.code : undefined;
  const init = (transient: boolean): RpcErrorInit => ({ method, transient, rpcCode, cause });
  if (method === "eth_call") {
    const data = revertData(error);
    if (data !== undefined) return new CallRevertedError(data, `call reverted: ${message}`);
  }
  if (MISSING_TRIE_RE.test(message)) return new RpcError(RpcErrorCode.MISSING_TRIE_NODE, message, init(true));
  if (HEADER_NOT_FOUND_RE.test(message)) return new RpcError(RpcErrorCode.HEADER_NOT_FOUND, message, init(true));
  if (method === "eth_getLogs" && RANGE_TOO_LARGE_RE.test(message)) {
    return new RpcError(RpcErrorCode.RANGE_TOO_LARGE, message, init(false));
  }
  if (rpcCode === -32005 || RATE_LIMIT_RE.test(message)) return new RpcError(RpcErrorCode.RATE_LIMITED, message, init(true));
  if (rpcCode !== undefined && MALFORMED_RPC_CODES.has(rpcCode)) {
    return new RpcError(RpcErrorCode.RPC_ERROR, message, init(false));
  }
  if (TRANSIENT_MSG_RE.test(message)) return new RpcError(RpcErrorCode.RPC_ERROR, message, init(true));
  return new RpcError(RpcErrorCode.RPC_ERROR, message, init(false));
}

// A revert carries hex data, or at least says "revert" (Geth: code 3 + data; Hardhat: "reverted").
function revertData(error: JsonRpcErrorObject): string | undefined {
  const message = typeof error.message === "string" ? error.message : "";
  const nested = asObject(error.data);
  const data = typeof error.data === "string" ? error.data : typeof nested?.data === "string" ? nested.data : undefined;
  const isRevert = error.code === 3 || /revert/i.test(message);
  if (!isRevert) return undefined;
  if (data !== undefined && /^0x([0-9a-fA-F]{2})*$/.test(data)) return data.toLowerCase();
  return "0x";
}

/**
 * Maps anything a call can throw (ethers errors, Node socket errors, JSON-RPC error objects) to an
 * `RpcError` or a `CallRevertedError`. Abort errors must be filtered out by the caller first.
 */
export function classifyRpcError(err: unknown, method: string): RpcError | CallRevertedError {
  if (err instanceof RpcError || err instanceof CallRevertedError) return err;
  const e = asObject(err);
  if (e === undefined) return new RpcError(RpcErrorCode.UNKNOWN, String(err), { method, transient: true, cause: err });
  const code = e.code;
  const message = typeof e.message === "string" ? e.message : String(err);

  if (isAbortError(err)) return new RpcError(RpcErrorCode.TIMEOUT, message, { method, transient: true, cause: err });
  if (typeof code === "string" && TRANSIENT_NODE_CODES.has(code)) {
    return new RpcError(RpcErrorCode.NETWORK, message, { method, transient: true, cause: err });
  }

  // ethers v6 error codes.
  switch (code) {
    case "NETWORK_ERROR":
    case "CANCELLED":
      return new RpcError(RpcErrorCode.NETWORK, message, { method, transient: true, cause: err });
    case "TIMEOUT":
      return new RpcError(RpcErrorCode.TIMEOUT, message, { method, transient: true, cause: err });
    case "SERVER_ERROR": {
      const status = httpStatusOf(e);
      if (status === undefined) return new RpcError(RpcErrorCode.BAD_RESPONSE, message, { method, transient: true, cause: err });
      const transient = status === 429 || status >= 500 || status === 408;
      const c = status === 429 ? RpcErrorCode.RATE_LIMITED : RpcErrorCode.HTTP_STATUS;
      return new RpcError(c, message, { method, transient, httpStatus: status, cause: err });
    }
    case "BAD_DATA":
      return new RpcError(RpcErrorCode.BAD_RESPONSE, message, { method, transient: true, cause: err });
    case "CALL_EXCEPTION": {
      // ethers turns every eth_call error into CALL_EXCEPTION; the JSON-RPC error is in info.error.
      const info = asObject(e.info);
      const rpcErr = asObject(info?.error);
      if (typeof e.data === "string") return new CallRevertedError(e.data.toLowerCase(), message);
      if (rpcErr !== undefined) return classifyJsonRpcError(method, rpcErr, err);
      return new CallRevertedError("0x", message);
    }
    case "UNKNOWN_ERROR":
    case "UNSUPPORTED_OPERATION": {
      const rpcErr = asObject(e.error);
      if (rpcErr !== undefined) return classifyJsonRpcError(method, rpcErr, err);
      if (/destroyed/i.test(message)) return new RpcError(RpcErrorCode.NETWORK, message, { method, transient: false, cause: err });
      break;
    }
  }
  // A bare JSON-RPC error object.
  if (typeof code === "number" && "message" in e) return classifyJsonRpcError(method, e, err);
  if (e.cause !== undefined && e.cause !== err) {
    const inner = classifyRpcError(e.cause, method);
    if (inner instanceof RpcError && inner.code !== RpcErrorCode.UNKNOWN) return inner;
  }
  if (TRANSIENT_MSG_RE.test(message)) return new RpcError(RpcErrorCode.NETWORK, message, { method, transient: true, cause: err });
  return new RpcError(RpcErrorCode.UNKNOWN, message, { method, transient: true, cause: err });
}

function httpStatusOf(e: Record<string, unknown>): number | undefined {
  const response = asObject(e.response);
  if (typeof response?.statusCode === "number") return response.statusCode;
  const info = asObject(e.info);
  if (typeof info?.responseStatus === "string") {
    const n = parseInt(info.responseStatus, 10);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

/**
 * The eth_getLogs span to retry with after `err` (coordination.md §13.2: halve on "range too large",
 * down to `minSpan`), or undefined when the error is not one that a smaller range fixes.
 */
export function halvedLogRange(err: unknown, span: number, minSpan: number): number | undefined {
  if (err instanceof RpcError && err.code === RpcErrorCode.RANGE_TOO_LARGE && span > minSpan) return Math.max(minSpan, Math.floor(span / 2));
  return undefined;
}

/** eth_call returned no bytes: there is no contract at the address at that block. */
export class EmptyCallResultError extends Error {
  override readonly name = "EmptyCallResultError";
  constructor(readonly fn: string, readonly address: string, readonly at: BlockRef) {
    super(`${fn}: empty result from ${address} at block ${at.blockNumber} (no contract code there?)`);
  }
}

/** Why an Ethereum transaction intent was refused before anything was persisted (reliability.md §3.7). */
export type EthIntentErrorCode =
  | "WOULD_REVERT" // the gas estimate reverts for a reason other than "already done"
  | "NO_FEE_DATA"; // the endpoint gives no EIP-1559 fee data

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
