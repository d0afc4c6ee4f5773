// The wallet's main UTXO on Bitcoin (coordination.md §13.9.1) and the "synced between chains"
// precondition (§13.9.2). Bridge reads are pinned at the caller's block; Bitcoin errors propagate
// (they are transient for the caller, never a conclusion).
import type { AbortOptions } from "../util/lifecycle.js";
import type { BridgeClient } from "../chain/bridge-client.js";
import type { BlockRef } from "../chain/pinned-call.js";
import { MovedFundsSweepRequestState, type BitcoinUtxo, type WalletSigningScheme } from "../chain/types.js";
import { bytesEqual, toHex } from "../util/hex.js";
import { BitcoinUnavailableError, type BitcoinChain, type HistoryItem, type Utxo } from "./bitcoin-chain.js";
import { electrumScriptHash, p2pkhScript, p2wpkhScript } from "./scripts.js";
import { p2trScript } from "./taproot.js";
import { hashFromTxid, txInputs, txOutputs } from "./tx.js";
import { outpointKey, utxoHash } from "../protocol/bridge-keys.js";

export interface MainUtxo {
  txHash: Uint8Array; // internal order
  index: number;
  value: bigint;
  /** The locking script of the output (P2WPKH or P2PKH of an ECDSA wallet, P2TR of a FROST wallet). */
  script: Uint8Array;
}

/** The Bridge records a main UTXO hash that no transaction of the wallet's history produces. */
export class MainUtxoNotFoundError extends Error {
  override readonly name = "MainUtxoNotFoundError";
  readonly code = "MAIN_UTXO_NOT_FOUND";
}

export function toBitcoinUtxo(m: MainUtxo): BitcoinUtxo {
  return { txHash: m.txHash, txOutputIndex: m.index, txOutputValue: m.value };
}

const ECDSA: WalletSigningScheme = { scheme: "ecdsa" };

/**
 * The wallet's own output scripts: an ECDSA wallet may receive on both of its key's scripts; a FROST
 * wallet's outputs are P2TR of walletX (threshold.md §4).
 */
function walletScripts(walletPkh: Uint8Array, scheme: WalletSigningScheme): Uint8Array[] {
  if (scheme.scheme === "frost") return [p2trScript(scheme.walletX)];
  return [p2wpkhScript(walletPkh), p2pkhScript(walletPkh)];
}

async function rawTx(btc: BitcoinChain, txid: string, o: AbortOptions): Promise<Uint8Array> {
  const raw = await btc.getTransaction(txid, o);
  // The server listed the txid itself, so "unknown" is a lagging server, not a fact.
  if (raw === null) throw new BitcoinUnavailableError(`transaction ${txid} listed for the wallet but not returned`);
  return raw;
}

/** Merged history, newest first: mempool (height ≤ 0) first, then by height descending, later positions first. */
function newestFirst(lists: HistoryItem[][]): string[] {
  const seen = new Set<string>();
  const items: { txid: string; height: number; pos: number }[] = [];
  lists.forEach((list, l) =>
    list.forEach((h, i) => {
      if (seen.has(h.txid)) return;
      seen.add(h.txid);
      items.push({ txid: h.txid, height: h.height <= 0 ? Number.MAX_SAFE_INTEGER : h.height, pos: l * 1_000_000 + i });
    }),
  );
  items.sort((a, b) => b.height - a.height || b.pos - a.pos);
  return items.map((x) => x.txid);
}

export async function findMainUtxo(
  btc: BitcoinChain,
  walletPkh: Uint8Array,
  mainUtxoHash: Uint8Array,
  o: AbortOptions = {},
  scheme: WalletSigningScheme = ECDSA,
): Promise<MainUtxo | null> {
  if (mainUtxoHash.every((b) => b === 0)) return null;
  const scripts = walletScripts(walletPkh, scheme);
  const histories = await Promise.all(scripts.map((s) => btc.history(electrumScriptHash(s), o)));
  for (const txid of newestFirst(histories)) {
    const raw = await rawTx(btc, txid, o);
    const txHash = hashFromTxid(txid);
    const outputs = txOutputs(raw);
    for (let index = 0; index < outputs.length; index++) {
      const out = outputs[index]!;
      if (!scripts.some((s) => bytesEqual(s, out.script))) continue;
      if (bytesEqual(utxoHash(txHash, index, out.value), mainUtxoHash)) {
        return { txHash, index, value: out.value, script: out.script };
      }
    }
  }
  throw new MainUtxoNotFoundError(`main UTXO ${toHex(mainUtxoHash)} of wallet ${toHex(walletPkh)} not in its Bitcoin history`);
}

export type WalletSyncState = { synced: true } | { synced: false; reason: string };

export async function walletSynced(
  deps: { btc: BitcoinChain; bridge: BridgeClient },
  walletPkh: Uint8Array,
  at: BlockRef,
  o: AbortOptions = {},
  scheme: WalletSigningScheme = ECDSA,
): Promise<WalletSyncState> {
  const { btc, bridge } = deps;
  const wallet = await bridge.wallets(walletPkh, at);
  const unspentLists = await Promise.all(walletScripts(walletPkh, scheme).map((s) => btc.unspent(electrumScriptHash(s), o)));
  const unspent: Utxo[] = unspentLists.flat();

  if (!wallet.mainUtxoHash.every((b) => b === 0)) {
    // The recorded main UTXO must be confirmed and unspent; otherwise the Bridge lags Bitcoin.
    const found = unspent.some((u) => u.height > 0 && bytesEqual(utxoHash(hashFromTxid(u.txid), u.vout, u.value), wallet.mainUtxoHash));
    return found ? { synced: true } : { synced: false, reason: "main UTXO is not among the wallet's confirmed unspent outputs" };
  }

  // No main UTXO: a wallet transaction (output 0 to the wallet) spending a revealed deposit or a
  // moved-funds sweep request as its first input is a first transaction the Bridge has not recorded.
  const txids = [...new Set(unspent.filter((u) => u.vout === 0).map((u) => u.txid))].sort();
  for (const txid of txids) {
    const first = txInputs(await rawTx(btc, txid, o))[0];
    if (first === undefined) continue;
    const key = outpointKey(first.txHash, first.index);
    if ((await bridge.deposits(key, at)).revealedAt !== 0) {
      return { synced: false, reason: `unrecorded transaction ${txid} spends a revealed deposit` };
    }
    if ((await bridge.movedFundsSweepRequests(key, at)).state !== MovedFundsSweepRequestState.Unknown) {
      return { synced: false, reason: `unrecorded transaction ${txid} spends a moved-funds sweep request` };
    }
  }
  return { synced: true };
}
