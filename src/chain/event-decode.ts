// Bridge logs into event-index rows (coordination.md §13.2), decoded by event name: each indexed
// event has its table and the row fields come from the event's named arguments.
import { getAddress, toBeHex } from "ethers";
import { outpointKey, redemptionKey } from "../protocol/bridge-keys.js";
import type { EventPosition } from "../store/repos/event-repo-base.js";
import type { EvDepositRow } from "../store/repos/ev-deposits-repo.js";
import type { EvMovingFundsRow } from "../store/repos/ev-moving-funds-repo.js";
import type { EvRedemptionRow } from "../store/repos/ev-redemptions-repo.js";
import type { EvWalletRow, WalletEventName } from "../store/repos/ev-wallets-repo.js";
import { errorMessage } from "../util/errors.js";
import { fromHex } from "../util/hex.js";
import type { Logger } from "../util/logger.js";
import { decodeBridgeLog, type BridgeEvents } from "./abi.js";
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
];

/** The event-index tables of the Store, by repository name, with their row types. */
export interface EventTables {
  evWallets: EvWalletRow;
  evDeposits: EvDepositRow;
  evRedemptions: EvRedemptionRow;
  evMovingFunds: EvMovingFundsRow;
}

/** One row for one of the event tables. */
export type IndexedRow = { [T in keyof EventTables]: { readonly table: T; readonly row: EventTables[T] } }[keyof EventTables];

/**
 * The rows of a chunk's logs, in chain order (block, then log index). Logs of other addresses and of
 * events that are not indexed give no row; an undecodable Bridge log is logged and skipped.
 */
export function decodeChunk(logs: readonly ChainLog[], bridge: string, log: Logger): IndexedRow[] {
  const rows: IndexedRow[] = [];
  for (const l of [...logs].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex)) {
    if (getAddress(l.address) !== bridge) continue;
    try {
      const row = indexedRow(l);
      if (row !== null) rows.push(row);
    } catch (err) {
      log.error({ tx: l.transactionHash, logIndex: l.logIndex, err: errorMessage(err) }, "undecodable Bridge log; skipped");
    }
  }
  return rows;
}

/** The row of one Bridge log, or null when its event is not indexed. Throws when the log does not decode. */
export function indexedRow(l: ChainLog): IndexedRow | null {
  const ev = decodeBridgeLog(l);
  if (ev === null) return null;
  const pos: EventPosition = { txHash: l.transactionHash, logIndex: l.logIndex, blockNumber: l.blockNumber, blockHash: l.blockHash };
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
