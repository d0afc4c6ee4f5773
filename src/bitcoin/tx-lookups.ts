// What the responder reads from the Bitcoin backend about a tracked transaction: where the server
// sees it, which other transactions spend its outpoints, whether its parents are confirmed; and its
// broadcast, where a transport failure is an unknown outcome, never a conclusive one.
import { isAbortError } from "../util/sleep.js";
import { errorCode, errorMessage } from "../util/errors.js";
import { fromHex, toHex } from "../util/hex.js";
import type { BitcoinChain, BroadcastOutcome } from "./bitcoin-chain.js";
import { electrumScriptHash } from "./scripts.js";
import type { BlockPlace, Spender, TrackedOutpoint } from "./tracker-status.js";
import { txidFromHash, txInputs, txOutputs } from "./tx.js";

/** Where the server sees a transaction now. */
export type Location = ({ readonly kind: "block" } & BlockPlace) | { readonly kind: "mempool" } | { readonly kind: "unknown" };

export interface TxLookupsComponents {
  bitcoin: BitcoinChain;
}

const OP_RETURN = 0x6a;

export class TxLookups {
  private readonly bitcoin: BitcoinChain;

  constructor(components: TxLookupsComponents) {
    this.bitcoin = components.bitcoin;
  }

  /**
   * Where the server sees a transaction. The block height comes from the history of one of the
   * transaction's output scripts (§3.6: "or with `blockchain.scripthash.get_history`"): a history
   * height is absolute, whereas `confirmations` counts from whatever tip the server has when it
   * answers, so a block arriving during the look-up (every 250 ms on the devnet) made the old
   * height computation ambiguous and the look-up fail. The hash is that height's header. A reorg
   * between the two reads can only give another block at the same height, which the next tip
   * corrects (the server's view wins).
   */
  async locate(txid: string, raw: Uint8Array, signal: AbortSignal): Promise<Location> {
    const items = await this.bitcoin.history(electrumScriptHash(indexedScript(raw)), { signal });
    const item = items.find((i) => i.txid === txid);
    if (item === undefined) return { kind: "unknown" };
    // Electrum: 0 = mempool, −1 = mempool with an unconfirmed parent.
    if (item.height <= 0) return { kind: "mempool" };
    const header = await this.bitcoin.header(item.height, { signal });
    return { kind: "block", height: item.height, hash: header.hash };
  }

  /** The deepest other transaction spending one of `outpoints`, or null. */
  async conflict(outpoints: readonly TrackedOutpoint[], ownTxid: string, signal: AbortSignal): Promise<Spender | null> {
    const spenders = await this.spenders(outpoints, ownTxid, signal);
    if (spenders.length === 0) return null;
    return spenders.reduce((a, b) => (b.confirmations > a.confirmations ? b : a));
  }

  /**
   * Other transactions spending any of `outpoints`, found in the history of each input's locking
   * script (only entries not older than the parent can spend it).
   */
  async spenders(outpoints: readonly TrackedOutpoint[], ownTxid: string | null, signal: AbortSignal): Promise<Spender[]> {
    const found = new Map<string, Spender>();
    const checked = new Set<string>();
    for (const o of outpoints) {
      const parentTxid = txidFromHash(fromHex(o.txHash));
      const items = await this.bitcoin.history(electrumScriptHash(o.script), { signal });
      const parentHeight = items.find((i) => i.txid === parentTxid)?.height ?? 0;
      for (const item of items) {
        if (item.txid === ownTxid || item.txid === parentTxid || checked.has(item.txid)) continue;
        if (parentHeight > 0 && item.height > 0 && item.height < parentHeight) continue;
        checked.add(item.txid);
        const raw = await this.bitcoin.getTransaction(item.txid, { signal });
        if (raw === null) continue;
        const spends = txInputs(raw).some((i) => i.index === o.index && "0x" + toHex(i.txHash) === o.txHash.toLowerCase());
        if (!spends) continue;
        const confirmations = await this.bitcoin.confirmations(item.txid, { signal });
        if (confirmations < 0) continue;
        found.set(item.txid, { txid: item.txid, raw, confirmations });
      }
    }
    return [...found.values()];
  }

  /** §3.6 "re-check dependencies": true when a parent of an input is no longer confirmed. */
  async dependenciesMissing(outpoints: readonly TrackedOutpoint[], signal: AbortSignal): Promise<boolean> {
    const parents = new Set(outpoints.map((o) => txidFromHash(fromHex(o.txHash))));
    for (const p of parents) {
      if ((await this.bitcoin.confirmations(p, { signal })) < 1) return true;
    }
    return false;
  }

  /** Broadcast; a thrown transport error is an unknown outcome (never conclusive). */
  async send(raw: Uint8Array, signal: AbortSignal): Promise<BroadcastOutcome> {
    try {
      return await this.bitcoin.broadcast(raw, { signal });
    } catch (err) {
      if (isAbortError(err)) throw err;
      return { kind: "unknown", message: `${errorCode(err)}: ${errorMessage(err)}` };
    }
  }
}

/**
 * The output script whose Electrum history lists the transaction: the first spendable output
 * (Electrum servers do not index OP_RETURN outputs). Every wallet transaction pays at least one.
 */
function indexedScript(raw: Uint8Array): Uint8Array {
  const outs = txOutputs(raw);
  const spendable = outs.find((o) => o.script.length > 0 && o.script[0] !== OP_RETURN);
  if (spendable === undefined) throw new Error("transaction has no spendable output to look it up by");
  return spendable.script;
}
