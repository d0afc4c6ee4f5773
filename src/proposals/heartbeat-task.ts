// Heartbeat task (coordination.md §13.7): a 16-byte message bound to the wallet and L, validated at L.
import { ActionType } from "../protocol/constants.js";
import { heartbeatMessage } from "../protocol/heartbeat.js";
import type { ValidatorClient } from "../chain/validator-client.js";
import { encodePayload } from "../protocol/payloads.js";
import type { Logger } from "../util/logger.js";
import type { ProposalTask, ProposalTaskContext } from "./generator.js";
import { ProposalTaskError } from "./task-error.js";

export interface HeartbeatTaskComponents {
  validator: ValidatorClient;
  logger: Logger;
}

export class HeartbeatTask implements ProposalTask {
  readonly action = ActionType.Heartbeat;

  private readonly log: Logger;

  constructor(private readonly components: HeartbeatTaskComponents) {
    this.log = components.logger.child({ module: "proposals" });
  }

  async propose({ walletPkh, L, W, wallet }: ProposalTaskContext): Promise<Uint8Array | null> {
    const message = heartbeatMessage(walletPkh, L.blockNumber);
    const outcome = await this.components.validator.validateHeartbeat({ walletPubKeyHash: walletPkh, message }, L);
    if (outcome.outcome === "unverified") throw new ProposalTaskError("VALIDATION_UNVERIFIED", outcome.error);
    if (outcome.outcome === "invalid") {
      this.log.warn({ wallet, W, reason: outcome.reason }, "heartbeat proposal rejected by the validator");
      return null;
    }
    return encodePayload(ActionType.Heartbeat, { message });
  }
}
