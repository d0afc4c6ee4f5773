// What a devnet transaction spends and pays, by script kind ("p2tr, p2wsh → p2tr"), read from the
// Bitcoin test chain: the timeline and the summary show that a FROST wallet moves its coins by P2TR.
import { outputScriptKind } from "../bitcoin/scripts.js";
import { txInputs, txOutputs, txidFromHash } from "../bitcoin/tx.js";
import type { FakeBitcoinChain } from "./fake-bitcoin-chain.js";

export interface TxShape {
  txid: string;
  /** Kind of each spent output, in input order. */
  inputs: string[];
  /** Kind of each output. */
  outputs: string[];
}

/** p2pkh, p2wpkh, p2sh, p2wsh, p2tr (witness v1, 32-byte key) or "other". */
export function scriptKind(s: Uint8Array): string {
  if (s.length === 34 && s[0] === 0x51 && s[1] === 0x20) return "p2tr";
  return outputScriptKind(s) ?? "other";
}

/** The shape of `txid` as the chain knows it (mempool or blocks), or undefined. */
export function txShapeOf(chain: FakeBitcoinChain, txid: string): TxShape | undefined {
  let tx: ReturnType<FakeBitcoinChain["transactionInfo"]>;
  try {
    tx = chain.transactionInfo(txid);
  } catch {
    return undefined; // the chain plays unreachable: the shape is shown at the next state
  }
  if (tx === null) return undefined;
  const inputs = txInputs(tx.raw).map(({ txHash, index }) => {
    const prev = chain.transactionInfo(txidFromHash(txHash));
    const spent = prev === null ? undefined : txOutputs(prev.raw)[index];
    return spent === undefined ? "unknown" : scriptKind(spent.script);
  });
  return { txid, inputs, outputs: txOutputs(tx.raw).map((o) => scriptKind(o.script)) };
}

/** "p2tr, p2wsh → p2tr, p2wpkh" */
export function formatTxShape(shape: TxShape): string {
  return `${shape.inputs.join(", ")} → ${shape.outputs.join(", ")}`;
}
