// Content validation of a leader's proposal (coordination.md §10.3): pinned at the follower's head V,
// classified valid / invalid (a defect attributable to the leader) / unverified (we could not check).
import { ActionType } from "../protocol/constants.js";
import type { WindowContext } from "./window-context.js";
import type { BlockRef } from "../chain/pinned-call.js";
import type { ValidationOutcome, ValidatorClient } from "../chain/validator-client.js";
import type { PayloadOf, ProposalPayload } from "../protocol/payloads.js";
import { prefixScript } from "../protocol/bridge-keys.js";
import { concatBytes } from "../util/hex.js";

export type ContentOutcome =
  | { class: "valid" }
  | { class: "invalid"; reason: string; facts?: Record<string, unknown> }
  | { class: "unverified"; error: string };

export interface ContentValidationInput {
  ctx: WindowContext;
  actionType: ActionType;
  payload: ProposalPayload | null; // null for Noop
  at: BlockRef;
}

export type ContentValidator = (input: ContentValidationInput, signal: AbortSignal) => Promise<ContentOutcome>;

function fromValidator(o: ValidationOutcome): ContentOutcome {
  if (o.outcome === "valid") return { class: "valid" };
  if (o.outcome === "invalid") return { class: "invalid", reason: o.reason };
  return { class: "unverified", error: o.error };
}

/**
 * The on-chain part of §10.3. Deposit sweeps and moving funds also need Bitcoin look-ups
 * (funding transactions, main UTXO); without a Bitcoin backend they stay unverified, which
 * means no action and no fault, never a false accusation.
 */
export function onChainContentValidator(validator: ValidatorClient): ContentValidator {
  return async ({ ctx, actionType, payload, at }) => {
    const walletPubKeyHash = ctx.walletPkh;
    switch (actionType) {
      case ActionType.Noop:
        return { class: "valid" };
      case ActionType.Heartbeat: {
        const p = payload as PayloadOf<ActionType.Heartbeat>;
        return fromValidator(await validator.validateHeartbeat({ walletPubKeyHash, message: p.message }, at));
      }
      case ActionType.Redemption: {
        const p = payload as PayloadOf<ActionType.Redemption>;
        const redeemersOutputScripts = p.redeemersOutputScripts.map(prefixScript);
        return fromValidator(
          await validator.validateRedemption({ walletPubKeyHash, redeemersOutputScripts, redemptionTxFee: p.redemptionTxFee }, at),
        );
      }
      case ActionType.MovedFundsSweep: {
        const p = payload as PayloadOf<ActionType.MovedFundsSweep>;
        return fromValidator(
          await validator.validateMovedFundsSweep(
            {
              walletPubKeyHash,
              movingFundsTxHash: p.movingFundsTxHash,
              movingFundsTxOutputIndex: p.movingFundsTxOutputIndex,
              movedFundsSweepTxFee: p.sweepTxFee,
            },
            at,
          ),
        );
      }
      default:
        return { class: "unverified", error: "bitcoin backend not configured" };
    }
  };
}
