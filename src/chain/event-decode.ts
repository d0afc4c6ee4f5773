// Bridge and FrostWalletRegistry logs into event-index rows (coordination.md §13.2, threshold.md §3.1,
// §4.2), decoded by event name: each indexed event has its table and the row fields come from the
// event's named arguments. TaprootDepositRevealed adds its refundX to the DepositRevealed row that
// the same transaction emitted just before it.
import { getAddress, toBeHex } from "ethers";
import { outpointKey, redemptionKey } from "../protocol/bridge-keys.js";
import type { EventPosition } from "../store/repos/event-repo-base.js";
import type { EvDepositRow } from "../store/repos/ev-deposits-repo.js";
import type { EvDkgRow } from "../store/repos/ev-dkg-requests-repo.js";
import type { EvMovingFundsRow } from "../store/repos/ev-moving-funds-repo.js";
import type { EvRedemptionRow } from "../store/repos/ev-redemptions-repo.js";
import type { EvWalletRow, WalletEventName } from "../store/repos/ev-wallets-repo.js";
import { errorMessage } from "../util/errors.js";
import { fromHex } from "../util/hex.js";
import type { Logger } from "../util/logger.js";
import { decodeBridgeLog, decodeFrostWalletRegistryLog, type BridgeEvents, type FrostWalletRegistryEvents } from "./abi.js";
import type { ChainLog } from "./ethereum-chain.js";

/** Wallet lifecycle events (what the wallet registry follows). */
export const WALLET_EVENTS: readonly WalletEventName[] = [
  "NewWalletRegistered",
  "WalletMovingFunds",
  "WalletClosing",
  "WalletClosed",
  "WalletTerminated",
  "WalletOperatorsSet",
];

/** The events of §13.2, in the spec's order: the five lifecycle events first. */
export const INDEXED_EVENTS: readonly (keyof BridgeEvents)[] = [
  ...WALLET_EVENTS.filter((e) => e !== "WalletOperatorsSet"),
  "DepositRevealed",
  "DepositsSwept",
  "RedemptionRequested",
  "RedemptionsCompleted",
  "MovingFundsCommitmentSubmitted",
  "MovingFundsCompleted",
  "MovedFundsSwept",
  "WalletOperatorsSet",
  "TaprootDepositRevealed",
];

/** The FrostWalletRegistry's events (threshold.md §3.1), indexed when the deployment has one. */
export const REGISTRY_EVENTS: readonly (keyof FrostWalletRegistryEvents)[] = ["DkgRequested", "DkgResultAccepted", "DkgTimedOut"];

/** The contracts whose logs are indexed (EIP-55). */
export interface IndexedContracts {
  readonly bridge: string;
  readonly frostWalletRegistry?: string;
}

/** The event-index tables of the Store, by repository name, with their row types. */
export interface EventTables {
  evWallets: EvWalletRow;
  evDeposits: EvDepositRow;
  evRedemptions: EvRedemptionRow;
  evMovingFunds: EvMovingFundsRow;
  evDkgRequests: EvDkgRow;
}

/** One row for one of the event tables. */
export type IndexedRow = { [T in keyof EventTables]: { readonly table: T; readonly row: EventTables[T] } }[keyof EventTables];

/** What a TaprootDepositRevealed log adds to its transaction's DepositRevealed row. */
export interface TaprootRefund {
  readonly table: "taprootRefund";
  readonly txHash: string;
  readonly fundingTxHash: string;
  readonly fundingOutputIndex: number;
  readonly refundX: string;
}

/**
 * The rows of a chunk's logs, in chain order (block, then log index). Logs of other addresses and of
 * events that are not indexed give no row; an undecodable log is logged and skipped, and so is a
 * TaprootDepositRevealed whose DepositRevealed is not before it in the same transaction.
 */
export function decodeChunk(logs: readonly ChainLog[], contracts: IndexedContracts, log: Logger): IndexedRow[] {
  const rows: IndexedRow[] = [];
  for (const l of [...logs].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex)) {
    const address = getAddress(l.address);
    const source = address === contracts.bridge ? "Bridge" : address === contracts.frostWalletRegistry ? "FrostWalletRegistry" : undefined;
    if (source === undefined) continue;
    try {
      const row = source === "Bridge" ? indexedRow(l) : registryRow(l);
      if (row === null) continue;
      if (row.table !== "taprootRefund") rows.push(row);
      else if (!addRefundX(rows, row)) log.error({ tx: l.transactionHash, logIndex: l.logIndex }, "TaprootDepositRevealed without its DepositRevealed; skipped");
    } catch (err) {
      log.error({ tx: l.transactionHash, logIndex: l.logIndex, err: errorMessage(err) }, `undecodable ${source} log; skipped`);
    }
  }
  return rows;
}

/** Sets refundX on the transaction's DepositRevealed row of the same funding outpoint; false when there is none. */
function addRefundX(rows: IndexedRow[], t: TaprootRefund): boolean {
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i]!;
    if (r.row.txHash !== t.txHash) return false;
    if (r.table !== "evDeposits" || r.row.fundingTxHash.toLowerCase() !== t.fundingTxHash.toLowerCase() || r.row.fundingOutputIndex !== t.fundingOutputIndex) continue;
    rows[i] = { table: "evDeposits", row: { ...r.row, refundX: t.refundX } };
    return true;
  }
  return false;
}

function positionOf(l: ChainLog): EventPosition {
  return { txHash: l.transactionHash, logIndex: l.logIndex, blockNumber: l.blockNumber, blockHash: l.blockHash };
}

/** The row of one FrostWalletRegistry log, or null when its event is not indexed. Throws when the log does not decode. */
export function registryRow(l: ChainLog): IndexedRow | null {
  const ev = decodeFrostWalletRegistryLog(l);
  if (ev === null) return null;
  const none = { walletPkh: null, walletX: null, seed: null, members: null, threshold: null, dkgQuorum: null, deadline: null };
  const base = { ...positionOf(l), ...none, event: ev.name, requestId: ev.args.requestId };
  switch (ev.name) {
    case "DkgRequested": {
      const { seed, members, threshold, dkgQuorum, deadline } = ev.args;
      const request = { seed, members: members.map((a) => getAddress(a)), threshold: Number(threshold), dkgQuorum: Number(dkgQuorum), deadline: Number(deadline) };
      return { table: "evDkgRequests", row: { ...base, ...request } };
    }
    case "DkgResultAccepted":
      return { table: "evDkgRequests", row: { ...base, walletX: ev.args.walletX, walletPkh: ev.args.walletPubKeyHash } };
    case "DkgTimedOut":
      return { table: "evDkgRequests", row: base };
    default:
      return null;
  }
}

/** The row of one Bridge log, or null when its event is not indexed. Throws when the log does not decode. */
export function indexedRow(l: ChainLog): IndexedRow | TaprootRefund | null {
  const ev = decodeBridgeLog(l);
  if (ev === null) return null;
  const pos = positionOf(l);
  switch (ev.name) {
    case "NewWalletRegistered":
    case "WalletMovingFunds":
    case "WalletClosing":
    case "WalletClosed":
    case "WalletTerminated": {
      const { walletPubKeyHash, ecdsaWalletID } = ev.args;
      return { table: "evWallets", row: { ...pos, event: ev.name, walletPkh: walletPubKeyHash, ecdsaWalletId: ecdsaWalletID, operators: null } };
    }
    case "WalletOperatorsSet": {
      const { walletPubKeyHash, operators } = ev.args;
      return { table: "evWallets", row: { ...pos, event: ev.name, walletPkh: walletPubKeyHash, ecdsaWalletId: null, operators: operators.map((a) => getAddress(a)) } };
    }
    case "DepositRevealed": {
      const a = ev.args;
      const fundingOutputIndex = Number(a.fundingOutputIndex);
      const depositKey = toBeHex(outpointKey(fromHex(a.fundingTxHash), fundingOutputIndex), 32);
      const { fundingTxHash, depositor, amount, blindingFactor, vault } = a;
      return {
        table: "evDeposits",
        row: { ...pos, depositKey, fundingTxHash, fundingOutputIndex, depositor, amount, blindingFactor, walletPkh: a.walletPubKeyHash, refundPkh: a.refundPubKeyHash, refundLocktime: a.refundLocktime, vault },
      };
    }
    case "TaprootDepositRevealed": {
      const { fundingTxHash, fundingOutputIndex, refundX } = ev.args;
      return { table: "taprootRefund", txHash: l.transactionHash, fundingTxHash, fundingOutputIndex: Number(fundingOutputIndex), refundX };
    }
    case "RedemptionRequested": {
      const { walletPubKeyHash, redeemerOutputScript, redeemer, requestedAmount, treasuryFee, txMaxFee } = ev.args;
      const key = toBeHex(redemptionKey(fromHex(redeemerOutputScript), fromHex(walletPubKeyHash)), 32);
      return {
        table: "evRedemptions",
        row: { ...pos, redemptionKey: key, walletPkh: walletPubKeyHash, redeemerOutputScript, redeemer, requestedAmount, treasuryFee, txMaxFee },
      };
    }
    case "MovingFundsCommitmentSubmitted":
      return movingFunds(pos, ev.name, ev.args.walletPubKeyHash, null, ev.args.targetWallets, ev.args.submitter);
    case "MovingFundsCompleted":
      return movingFunds(pos, ev.name, ev.args.walletPubKeyHash, ev.args.movingFundsTxHash);
    case "MovedFundsSwept":
    case "DepositsSwept":
      return movingFunds(pos, ev.name, ev.args.walletPubKeyHash, ev.args.sweepTxHash);
    case "RedemptionsCompleted":
      return movingFunds(pos, ev.name, ev.args.walletPubKeyHash, ev.args.redemptionTxHash);
    default:
      return null;
  }
}

function movingFunds(
  pos: EventPosition,
  event: EvMovingFundsRow["event"],
  walletPkh: string,
  btcTxHash: string | null,
  targetWallets: readonly string[] | null = null,
  submitter: string | null = null,
): IndexedRow {
  return { table: "evMovingFunds", row: { ...pos, event, walletPkh, targetWallets, submitter, btcTxHash } };
}
