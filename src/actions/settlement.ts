// Settlement of a Bitcoin action (reliability.md §3.8): the Bridge shows the outcome, whoever
// recorded it. Every predicate is a pinned read computed from the persisted built/signed data only
// (§5: it works the same after a restart), and the Bitcoin depth is read from the tracker row.
import type { BitcoinUtxo } from "../chain/types.js";
import { MovedFundsSweepRequestState } from "../chain/types.js";
import type { BridgeClient } from "../chain/bridge-client.js";
import type { BlockRef } from "../chain/pinned-call.js";
import { ActionType, WalletState } from "../protocol/constants.js";
import { prefixScript } from "../protocol/bridge-keys.js";
import { hashFromTxid, txOutputs } from "../bitcoin/tx.js";
import { outpointKey, redemptionKey, utxoHash } from "../protocol/bridge-keys.js";
import { decodePayload, type PayloadOf } from "../protocol/payloads.js";
import type { ActionRow } from "../store/repos/actions-repo.js";
import type { Store } from "../store/store.js";
import { bytesEqual, fromHex } from "../util/hex.js";

export type BitcoinActionType = ActionType.DepositSweep | ActionType.Redemption | ActionType.MovingFunds | ActionType.MovedFundsSweep;

/** What the Bridge is told (or shows) about a signed transaction, derived from the row alone. */
export interface Outcome<T extends BitcoinActionType = BitcoinActionType> {
  readonly type: T;
  readonly walletPkh: Uint8Array;
  readonly payload: PayloadOf<T>;
  /** Internal byte order. */
  readonly txHash: Uint8Array;
  readonly outputs: readonly { value: bigint; script: Uint8Array }[];
}

const ZERO32 = new Uint8Array(32);

/** The outcome of a signed (or adopted) transaction; throws for a row without one. */
export function outcomeOf<T extends BitcoinActionType>(row: ActionRow, type: T): Outcome<T> {
  if (row.txid === null || row.signedTx === null) throw new Error(`action ${row.id}: no signed transaction`);
  const decoded = decodePayload(type, row.payload);
  if (!decoded.ok) throw new Error(`action ${row.id}: payload does not decode (${decoded.reason})`);
  return {
    type,
    walletPkh: fromHex(row.walletPkh),
    payload: decoded.payload as PayloadOf<T>,
    txHash: hashFromTxid(row.txid),
    outputs: txOutputs(row.signedTx),
  };
}

/** The new main UTXO a transaction creates at output 0 (sweeps), as the contract struct. */
export function outputUtxo(o: Outcome, index: number): BitcoinUtxo {
  const out = o.outputs[index];
  if (out === undefined) throw new Error(`transaction has no output ${index}`);
  return { txHash: o.txHash, txOutputIndex: index, txOutputValue: out.value };
}

/** Redemption: the change output exists iff there is one output more than requests (it comes first). */
export function redemptionChange(o: Outcome<ActionType.Redemption>): BitcoinUtxo | null {
  return o.outputs.length === o.payload.redeemersOutputScripts.length + 1 ? outputUtxo(o, 0) : null;
}

function hashOf(u: BitcoinUtxo): Uint8Array {
  return utxoHash(u.txHash, u.txOutputIndex, u.txOutputValue);
}

async function depositSweepSettled(bridge: BridgeClient, o: Outcome<ActionType.DepositSweep>, at: BlockRef): Promise<boolean> {
  const wallet = await bridge.wallets(o.walletPkh, at);
  if (!bytesEqual(wallet.mainUtxoHash, hashOf(outputUtxo(o, 0)))) return false;
  for (const k of o.payload.depositsKeys) {
    if ((await bridge.deposits(outpointKey(k.fundingTxHash, k.fundingOutputIndex), at)).sweptAt === 0) return false;
  }
  return true;
}

async function redemptionSettled(bridge: BridgeClient, o: Outcome<ActionType.Redemption>, at: BlockRef): Promise<boolean> {
  const change = redemptionChange(o);
  const wallet = await bridge.wallets(o.walletPkh, at);
  if (!bytesEqual(wallet.mainUtxoHash, change === null ? ZERO32 : hashOf(change))) return false;
  for (const script of o.payload.redeemersOutputScripts) {
    if ((await bridge.pendingRedemptions(redemptionKey(prefixScript(script), o.walletPkh), at)).requestedAt !== 0) return false;
  }
  return true;
}

async function movingFundsSettled(bridge: BridgeClient, o: Outcome<ActionType.MovingFunds>, at: BlockRef): Promise<boolean> {
  const wallet = await bridge.wallets(o.walletPkh, at);
  if (wallet.state !== WalletState.Closing) return false;
  for (let i = 0; i < o.payload.targetWallets.length; i++) {
    const req = await bridge.movedFundsSweepRequests(outpointKey(o.txHash, i), at);
    if (req.state === MovedFundsSweepRequestState.Unknown) return false;
  }
  return true;
}

async function movedFundsSweepSettled(bridge: BridgeClient, o: Outcome<ActionType.MovedFundsSweep>, at: BlockRef): Promise<boolean> {
  const key = outpointKey(o.payload.movingFundsTxHash, o.payload.movingFundsTxOutputIndex);
  return (await bridge.movedFundsSweepRequests(key, at)).state === MovedFundsSweepRequestState.Processed;
}

/** §3.8 settlement table: true when the Bridge at `at` shows this transaction's outcome. */
export function isSettled(bridge: BridgeClient, o: Outcome, at: BlockRef): Promise<boolean> {
  switch (o.type) {
    case ActionType.DepositSweep:
      return depositSweepSettled(bridge, o as Outcome<ActionType.DepositSweep>, at);
    case ActionType.Redemption:
      return redemptionSettled(bridge, o as Outcome<ActionType.Redemption>, at);
    case ActionType.MovingFunds:
      return movingFundsSettled(bridge, o as Outcome<ActionType.MovingFunds>, at);
    case ActionType.MovedFundsSweep:
      return movedFundsSweepSettled(bridge, o as Outcome<ActionType.MovedFundsSweep>, at);
  }
}

/**
 * Bitcoin depth of the action's transaction (R4: tip − h + 1), from its tracker, which the tip
 * tracker flips back to the mempool on a reorg (R11); 0 while unconfirmed.
 */
export function confirmationDepth(store: Store, row: ActionRow, btcTip: number | null | undefined): number {
  if (btcTip == null || row.txid === null) return 0;
  const tracker = store.btcTrackers.get(row.txid);
  let height: number | null;
  if (tracker !== undefined) height = tracker.status === "confirmed" || tracker.status === "final" ? tracker.confHeight : null;
  else height = row.state === "confirmed" ? row.stateHeight : null;
  return height === null ? 0 : Math.max(0, btcTip - height + 1);
}
