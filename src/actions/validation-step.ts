// §3.4 validation at start (reliability.md): re-validate pinned at the head, then commit `built` with
// the transaction of a Bitcoin action, or go straight to signing (Heartbeat). Transient failures
// wait for the next block; an invalid proposal is aborted (not a fault).
import { fromHex, toHex } from "../util/hex.js";
import { crashPoint } from "../util/crash-point.js";
import type { ActionRow } from "../store/repos/actions-repo.js";
import type { HandlerCallContext } from "./handlers/handler.js";
import { signingRoundId } from "./signer.js";
import type { SigningStep } from "./signing-step.js";
import { afterValidation, EXPIRED_SIGNING_DEADLINE, isTerminal, type ActionState, type Heights, type StartValidation } from "./state-machine.js";
import { actionIds, errorInfo, type StepHost } from "./step-host.js";

export interface ValidationStepComponents {
  host: StepHost;
  signing: SigningStep;
}

export class ValidationStep {
  private readonly host: StepHost;
  private readonly signing: SigningStep;
  /** Expiry reason of an action's last unverified validation at start (§3.4 step 2: `not_synced`). */
  private readonly expiryReasons = new Map<number, string>();

  constructor(components: ValidationStepComponents) {
    this.host = components.host;
    this.signing = components.signing;
  }

  /**
   * The reason to advance with: an action expiring at its signing deadline while validating
   * expires with the reason of its last unverified validation, if it gave one.
   */
  reasonFor(row: ActionRow, to: ActionState, reason: string | undefined): string | undefined {
    if (to === "expired" && reason === EXPIRED_SIGNING_DEADLINE && row.state === "validating") reason = this.expiryReasons.get(row.id) ?? reason;
    if (isTerminal(to)) this.expiryReasons.delete(row.id);
    return reason;
  }

  /** §3.4: re-validate pinned at the head; transient failures wait for the next block. */
  async validate(row: ActionRow, heights: Heights): Promise<boolean> {
    const { host } = this;
    const handler = host.handlerOf(row);
    if (handler === undefined) return host.missing(row, "handler");
    let ctx: HandlerCallContext;
    try {
      ctx = await host.callContext(row, heights, row.signingDeadline);
    } catch (err) {
      if (host.lifeSignal().aborted) return false;
      host.log.warn({ ...actionIds(row), ...errorInfo(err) }, "validation at start: head block unavailable; retry next block");
      return false;
    }
    let outcome: StartValidation;
    try {
      outcome = await handler.validateAtStart(row, ctx);
    } catch (err) {
      // A check that throws could not decide: never abort on it (R10).
      outcome = { class: "unverified", error: errorInfo(err).error };
    }
    if (host.lifeSignal().aborted) return false;
    if (!host.stillCalls(row, "validate")) return true; // the deadline passed meanwhile: decide again
    const step = afterValidation(outcome, handler.build !== undefined);
    if (outcome.class === "unverified" && outcome.expiryReason !== undefined) this.expiryReasons.set(row.id, outcome.expiryReason);
    else this.expiryReasons.delete(row.id);
    if (step.kind !== "advance") {
      host.log.info(
        { ...actionIds(row), ethHead: ctx.at.blockNumber, error: outcome.class === "unverified" ? outcome.error : undefined },
        "validation at start unverified; retry next block",
      );
      return false;
    }
    const validationBlock = ctx.at.blockNumber;
    if (step.to === "aborted") {
      host.transition(row, "aborted", { reason: step.reason, validationBlock }, { reason: step.reason, validationBlock });
      crashPoint("action.aborted");
      return true;
    }
    crashPoint("action.validated");
    if (step.to === "built") {
      const built = await handler.build!(row, ctx);
      if (!host.stillCalls(row, "validate")) return true;
      const roundId = signingRoundId(fromHex(row.walletPkh), row.W, built.sighashes);
      host.transition(row, "built", { ...built, roundId, validationBlock }, { validationBlock, roundId: toHex(roundId), fee: built.fee.toString() });
      crashPoint("action.built");
      return true;
    }
    this.signing.enterSigning(row, handler.digests(row), null, { validationBlock });
    return true;
  }
}
