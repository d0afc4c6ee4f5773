// The JSON-RPC calls behind the Ethereum intents (reliability.md §3.7): estimates and revert reasons
// at a block, nonces, EIP-1559 fees, signing with the operator key, raw sends and receipt look-ups.
// The intent sender decides; this file only asks the endpoint.
import { JsonRpcApiProvider, Transaction, getBytes, hexlify, toQuantity, type Wallet } from "ethers";
import type { EthIntentRow } from "../store/repos/eth-intents-repo.js";
import type { AbortOptions } from "../util/lifecycle.js";
import { EthIntentError, classifyRpcError } from "./errors.js";
import type { BlockRef, EthereumChain } from "./ethereum-chain.js";
import { classifyCallError } from "./revert.js";

// Node answers to eth_sendRawTransaction that mean "this nonce or this transaction is already
// there": the look-up decides what happened (§3.7 step 3).
const KNOWN_OR_USED = /already known|known transaction|already imported|already exists|nonce too low|nonce has already been used|NONCE_EXPIRED/i;

export interface Receipt {
  status: string;
  blockNumber: string;
  blockHash: string;
}

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface UnsignedTx extends Fees {
  to: string;
  data: string;
  nonce: number;
  gasLimit: bigint;
}

export interface IntentRpcComponents {
  chain: EthereumChain;
  /** The operator key; its address is the intents' `from`. A provider is not needed. */
  wallet: Wallet;
}

export class IntentRpc {
  readonly from: string;
  private readonly chain: EthereumChain;
  private readonly provider: JsonRpcApiProvider;
  private readonly wallet: Wallet;
  private chainId: bigint | undefined;

  constructor(components: IntentRpcComponents) {
    if (!(components.chain.provider instanceof JsonRpcApiProvider)) {
      throw new TypeError("EthIntentSender needs a JSON-RPC provider (eth_sendRawTransaction, eth_estimateGas at latest)");
    }
    this.chain = components.chain;
    this.provider = components.chain.provider;
    this.wallet = components.wallet;
    this.from = components.wallet.address;
  }

  async latest(o?: AbortOptions): Promise<BlockRef> {
    const b = await this.chain.block("latest", o);
    return { blockNumber: b.number, blockHash: b.hash };
  }

  async receipt(txHash: string): Promise<Receipt | null> {
    return (await this.provider.send("eth_getTransactionReceipt", [txHash])) as Receipt | null;
  }

  /** Whether the node knows the transaction (in its pool or mined). */
  async knows(txHash: string | null): Promise<boolean> {
    return (await this.provider.send("eth_getTransactionByHash", [txHash])) !== null;
  }

  /**
   * eth_sendRawTransaction. Resolves with the node's answer when it already has the transaction or
   * its nonce (the look-up decides then), with null when it took it; throws on any other answer.
   */
  async sendRaw(raw: Uint8Array): Promise<string | null> {
    try {
      await this.provider.send("eth_sendRawTransaction", [hexlify(raw)]);
      return null;
    } catch (err) {
      const text = errorText(err);
      if (KNOWN_OR_USED.test(text)) return text;
      // An automining development chain (Hardhat) mines the transaction at once and answers its revert:
      // the nonce is spent and the receipt tells the rest.
      if (classifyCallError(err).kind === "revert") return text;
      throw err;
    }
  }

  /** Revert reason of a mined, reverted transaction: the same call replayed on the state of its block. */
  async revertReason(v: EthIntentRow, minedBlock: number, o?: AbortOptions): Promise<string> {
    o?.signal?.throwIfAborted();
    const gas = Transaction.from(hexlify(v.signedRaw!)).gasLimit;
    const call = { from: v.from, to: v.to, data: hexlify(v.data ?? new Uint8Array()), gas: toQuantity(gas) };
    try {
      await this.provider.send("eth_call", [call, toQuantity(minedBlock)]);
      return `unknown (the replay at block ${minedBlock} succeeded)`;
    } catch (err) {
      const failure = classifyCallError(err);
      if (failure.kind === "revert") return failure.reason;
      const rpc = classifyRpcError(err, "eth_call");
      if (rpc.transient) throw rpc;
      return `unknown (${failure.error})`;
    }
  }

  /** Gas estimate at the latest block, or the revert reason when the call reverts there. */
  async estimateGas(to: string, data: string, o?: AbortOptions): Promise<bigint | string> {
    o?.signal?.throwIfAborted();
    try {
      return BigInt((await this.provider.send("eth_estimateGas", [{ from: this.from, to, data }, "latest"])) as string);
    } catch (err) {
      const failure = classifyCallError(err);
      if (failure.kind === "revert") return failure.reason;
      throw classifyRpcError(err, "eth_estimateGas");
    }
  }

  async txCount(from: string, tag: "latest" | "pending", o?: AbortOptions): Promise<number> {
    o?.signal?.throwIfAborted();
    return Number(BigInt((await this.provider.send("eth_getTransactionCount", [from, tag])) as string));
  }

  async currentFees(o?: AbortOptions): Promise<Fees> {
    o?.signal?.throwIfAborted();
    const fee = await this.provider.getFeeData();
    if (fee.maxFeePerGas === null || fee.maxPriorityFeePerGas === null) {
      throw new EthIntentError("NO_FEE_DATA", "the endpoint gives no EIP-1559 fee data");
    }
    return { maxFeePerGas: fee.maxFeePerGas, maxPriorityFeePerGas: fee.maxPriorityFeePerGas };
  }

  async sign(tx: UnsignedTx): Promise<{ raw: Uint8Array; hash: string }> {
    this.chainId ??= (await this.provider.getNetwork()).chainId;
    const raw = await this.wallet.signTransaction({ type: 2, chainId: this.chainId, value: 0n, ...tx });
    return { raw: getBytes(raw), hash: Transaction.from(raw).hash!.toLowerCase() };
  }
}

/** Every message in an ethers error chain (the node's own text is in info.error or error). */
function errorText(err: unknown, depth = 0): string {
  if (typeof err !== "object" || err === null || depth > 4) return String(err);
  const e = err as { message?: unknown; shortMessage?: unknown; code?: unknown; info?: { error?: unknown }; error?: unknown };
  const parts = [e.code, e.shortMessage, e.message].filter((p) => typeof p === "string") as string[];
  for (const inner of [e.info?.error, e.error]) if (inner !== undefined) parts.push(errorText(inner, depth + 1));
  return parts.join(" | ");
}
