// Recording a Bitcoin outcome on the Bridge (reliability.md §3.8 maintainer role): who records
// (config flag + isMaintainer), when (depth ≥ minConfirmations + 2·rank, so several maintainers of
// one wallet do not race), and with which call. The call arguments come from the persisted signed
// transaction only, and the call goes out through the Ethereum intent protocol (§3.7).
import { getAddress } from "ethers";
import type { EthIntentSender } from "../chain/eth-intents.js";
import { bridgeInterface } from "../chain/abi.js";
import type { BridgeClient } from "../chain/bridge-client.js";
import type { BlockRef } from "../chain/pinned-call.js";
import type { BitcoinUtxo } from "../chain/types.js";
import { ActionType } from "../protocol/constants.js";
import { prefixScript } from "../protocol/bridge-keys.js";
import { silentLogger, type Logger } from "../util/logger.js";
import type { EthIntentRow } from "../store/repos/eth-intents-repo.js";
import { outputUtxo, redemptionChange, type BitcoinActionType, type Outcome } from "./settlement.js";
import { to0x } from "../util/hex.js";
import { txidFromHash } from "../bitcoin/tx.js";

/** reliability.md §3.2: `record.minConfirmations`. */
export const DEFAULT_RECORD_MIN_CONFIRMATIONS = 6;
/** Extra depth per rank among the wallet's maintainer seats (§3.8 race damping). */
export const RECORD_DEPTH_PER_RANK = 2;

const TYPE_KEYS: Record<BitcoinActionType, string> = {
  [ActionType.DepositSweep]: "deposit_sweep",
  [ActionType.Redemption]: "redemption",
  [ActionType.MovingFunds]: "moving_funds",
  [ActionType.MovedFundsSweep]: "moved_funds_sweep",
};

export interface RecordCall {
  readonly fn: string;
  readonly args: readonly unknown[];
  /** 0x calldata for the Bridge. */
  readonly data: string;
  /** `record:<type>`. */
  readonly purpose: string;
  /** `record:<type>:<txid>`: one intent per transaction, whoever retries (§3.7). */
  readonly dedupeKey: string;
}

const ZERO_UTXO: BitcoinUtxo = { txHash: new Uint8Array(32), txOutputIndex: 0, txOutputValue: 0n };

function utxoArg(u: BitcoinUtxo): unknown {
  return { txHash: to0x(u.txHash), txOutputIndex: u.txOutputIndex, txOutputValue: u.txOutputValue };
}

function callArgs(o: Outcome): { fn: string; args: unknown[] } {
  const pkh = to0x(o.walletPkh);
  const txHash = to0x(o.txHash);
  switch (o.type) {
    case ActionType.DepositSweep: {
      const p = (o as Outcome<ActionType.DepositSweep>).payload;
      const keys = p.depositsKeys.map((k) => ({ fundingTxHash: to0x(k.fundingTxHash), fundingOutputIndex: k.fundingOutputIndex }));
      return { fn: "recordDepositSweep", args: [pkh, txHash, keys, utxoArg(outputUtxo(o, 0))] };
    }
    case ActionType.Redemption: {
      const r = o as Outcome<ActionType.Redemption>;
      const scripts = r.payload.redeemersOutputScripts.map((s) => to0x(prefixScript(s)));
      return { fn: "recordRedemption", args: [pkh, txHash, scripts, utxoArg(redemptionChange(r) ?? ZERO_UTXO)] };
    }
    case ActionType.MovingFunds: {
      const p = (o as Outcome<ActionType.MovingFunds>).payload;
      return { fn: "recordMovingFunds", args: [pkh, txHash, p.targetWallets.map(to0x), o.outputs.map((out) => out.value)] };
    }
    case ActionType.MovedFundsSweep: {
      const p = (o as Outcome<ActionType.MovedFundsSweep>).payload;
      return {
        fn: "recordMovedFundsSweep",
        args: [pkh, txHash, to0x(p.movingFundsTxHash), p.movingFundsTxOutputIndex, utxoArg(outputUtxo(o, 0))],
      };
    }
  }
}

/** §3.8 call arguments from the persisted transaction. */
export function recordCall(o: Outcome): RecordCall {
  const { fn, args } = callArgs(o);
  const purpose = `record:${TYPE_KEYS[o.type]}`;
  return { fn, args, data: bridgeInterface.encodeFunctionData(fn, args), purpose, dedupeKey: `${purpose}:${txidFromHash(o.txHash)}` };
}

/**
 * Rank r of §3.8: the position of `operator`'s lowest seat among the seats held by maintainers
 * (seat order). An operator without a seat ranks after every maintainer seat.
 */
export function maintainerRank(seats: readonly string[], isMaintainer: ReadonlyMap<string, boolean>, operator: string): number {
  const own = getAddress(operator);
  let rank = 0;
  for (const seat of seats) {
    const a = getAddress(seat);
    if (a === own) return rank;
    if (isMaintainer.get(a) === true) rank++;
  }
  return rank;
}

export interface OutcomeRecorderComponents {
  bridge: BridgeClient;
  intents: EthIntentSender;
  logger?: Logger;
}

export interface OutcomeRecorderInit {
  /** This node's operator address (the intent sender's account). */
  operator: string;
  /** `maintainer.enabled`. */
  enabled: boolean;
  /** `record.minConfirmations`. Default 6. */
  minConfirmations?: number;
}

export class OutcomeRecorder {
  readonly minConfirmations: number;
  private readonly bridge: BridgeClient;
  private readonly intents: EthIntentSender;
  private readonly log: Logger;
  private readonly operator: string;
  private readonly enabled: boolean;

  constructor(components: OutcomeRecorderComponents, init: OutcomeRecorderInit) {
    this.bridge = components.bridge;
    this.intents = components.intents;
    this.log = (components.logger ?? silentLogger).child({ module: "recording" });
    this.operator = getAddress(init.operator);
    this.enabled = init.enabled;
    this.minConfirmations = init.minConfirmations ?? DEFAULT_RECORD_MIN_CONFIRMATIONS;
  }

  /**
   * The Bitcoin depth at which this node records the wallet's outcomes, pinned at `at`; null when
   * it does not record at all (maintainer role off in config, or not a maintainer on the Bridge).
   */
  async recordDepth(walletPkh: Uint8Array, at: BlockRef): Promise<{ depth: number; rank: number } | null> {
    if (!this.enabled) return null;
    const bridge = this.bridge;
    if (!(await bridge.isMaintainer(this.operator, at))) return null;
    const seats = await bridge.walletOperators(walletPkh, at);
    const status = new Map<string, boolean>();
    for (const s of new Set(seats)) status.set(s, s === this.operator ? true : await bridge.isMaintainer(s, at));
    const rank = maintainerRank(seats, status, this.operator);
    return { depth: this.minConfirmations + RECORD_DEPTH_PER_RANK * rank, rank };
  }

  /**
   * Submits the record call as an Ethereum intent (idempotent by its dedupe key, so a retry after a
   * crash finds the same intent). `goalReached` is the settlement predicate: when the Bridge already
   * shows the outcome at the latest block the intent ends `not_needed` without a transaction.
   */
  async submit(o: Outcome, actionId: number, goalReached: (at: BlockRef) => Promise<boolean>, signal?: AbortSignal): Promise<EthIntentRow> {
    const call = recordCall(o);
    const intent = await this.intents.submit(
      { purpose: call.purpose, dedupeKey: call.dedupeKey, to: this.bridge.address, data: call.data, goalReached, actionId },
      { signal },
    );
    this.log.info({ actionId, fn: call.fn, dedupeKey: call.dedupeKey, intentId: intent.id, status: intent.status }, "record intent submitted");
    return intent;
  }

  /** The stored intent of an outcome's record call, if any. */
  intentOf(o: Outcome): EthIntentRow | undefined {
    return this.intents.get(recordCall(o).dedupeKey);
  }
}
