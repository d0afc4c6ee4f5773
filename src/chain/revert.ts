// Turns an eth_call failure into either a revert reason (deterministic: the contract said no) or a
// transport error (transient: retry), contracts.md §5 and reliability.md §6.
import { AbiCoder, isHexString } from "ethers";

const ERROR_SELECTOR = "0x08c379a0"; // Error(string)
const PANIC_SELECTOR = "0x4e487b71"; // Panic(uint256)
/** How much of unknown revert data goes into the reason: enough for a selector and one word. */
const REVERT_PREFIX_BYTES = 36;

export type CallFailure = { kind: "revert"; reason: string } | { kind: "transport"; error: string };

/**
 * Reason string for raw revert data: the `Error(string)` text, `panic:0x<code>` (two hex digits at
 * least, as Solidity documents them), or `revert:0x<first 36 bytes>` for anything else.
 */
export function decodeRevertData(data: string): string {
  const hex = data.toLowerCase();
  if (!isHexString(hex)) return `revert:${hex.slice(0, 2 + 2 * REVERT_PREFIX_BYTES)}`;
  const selector = hex.slice(0, 10);
  const body = "0x" + hex.slice(10);
  try {
    if (selector === ERROR_SELECTOR) return AbiCoder.defaultAbiCoder().decode(["string"], body)[0] as string;
    if (selector === PANIC_SELECTOR) {
      const code = AbiCoder.defaultAbiCoder().decode(["uint256"], body)[0] as bigint;
      return `panic:0x${code.toString(16).padStart(2, "0")}`;
    }
  } catch {
    // Malformed Error/Panic payload: fall through to the raw prefix.
  }
  return `revert:${hex.slice(0, 2 + 2 * REVERT_PREFIX_BYTES)}`;
}

// Phrases RPC servers use for a revert without data (geth: "execution reverted"; Hardhat:
// "Transaction reverted without a reason string"). ethers' own "missing revert data" must not match.
const REVERT_MESSAGE = /execution reverted|transaction reverted|reverted with|VM Exception while processing transaction/i;

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  data?: unknown;
  error?: unknown;
  info?: unknown;
  cause?: unknown;
}

function asObject(v: unknown): ErrorLike | null {
  return typeof v === "object" && v !== null ? (v as ErrorLike) : null;
}

/** ethers wraps the JSON-RPC error object in `info.error`; other stacks use `error` or `cause`. */
function children(e: ErrorLike): unknown[] {
  const info = asObject(e.info);
  return [info?.error, e.error, e.cause, typeof e.data === "object" ? e.data : undefined];
}

function isEthersCallException(e: ErrorLike): boolean {
  return e.code === "CALL_EXCEPTION" && "shortMessage" in e;
}

function findRevertData(v: unknown, depth: number): string | null {
  const e = asObject(v);
  if (!e || depth > 5) return null;
  if (typeof e.data === "string" && isHexString(e.data)) {
    // ethers CALL_EXCEPTION: `data` is the revert data, or null when there was none.
    if (isEthersCallException(e)) return e.data;
    // JSON-RPC error objects: code 3 is "execution reverted" with data.
    if (e.code === 3 || (typeof e.message === "string" && /revert/i.test(e.message))) return e.data;
  }
  for (const c of children(e)) {
    const found = findRevertData(c, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

function hasRevertMessage(v: unknown, depth: number): boolean {
  const e = asObject(v);
  if (!e || depth > 5) return false;
  // ethers' own message for a CALL_EXCEPTION without data is not evidence of a revert.
  if (!isEthersCallException(e) && typeof e.message === "string" && REVERT_MESSAGE.test(e.message)) return true;
  return children(e).some((c) => hasRevertMessage(c, depth + 1));
}

function describe(err: unknown): string {
  const e = asObject(err);
  if (!e) return String(err);
  const inner = asObject(asObject(e.info)?.error);
  const msg = typeof inner?.message === "string" ? inner.message : typeof e.message === "string" ? e.message : String(err);
  const code = inner?.code ?? e.code;
  return code !== undefined ? `${String(code)}: ${msg}` : msg;
}

/** A revert if the error carries revert data or a revert message; everything else is transport. */
export function classifyCallError(err: unknown): CallFailure {
  const data = findRevertData(err, 0);
  if (data !== null) return { kind: "revert", reason: decodeRevertData(data) };
  if (hasRevertMessage(err, 0)) return { kind: "revert", reason: "revert:0x" };
  return { kind: "transport", error: describe(err).slice(0, 500) };
}
