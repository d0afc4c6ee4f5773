// Heartbeat (reliability.md §3.1 path `scheduled → validating → signing → done`): re-validated with
// the follower's function, then the wallet signs hash256(message) (coordination.md §13.7). No
// Bitcoin transaction, so no `built` and nothing after `done`.
import { hash256 } from "../../bitcoin/tx.js";
import { ActionType } from "../../protocol/constants.js";
import type { ContentValidator } from "../../coordination/content-validation.js";
import { decodePayload } from "../../protocol/payloads.js";
import type { ActionRow } from "../../store/repos/actions-repo.js";
import { toHex } from "../../util/hex.js";
import type { StartValidation } from "../state-machine.js";
import { actionWindowContext, type ActionHandler, type HandlerCallContext, type HandlerTransition } from "./handler.js";
import { errorMessage } from "../../util/errors.js";

export interface HeartbeatHandlerComponents {
  /** The follower's content validation (coordination.md §10.3). */
  contentValidator: ContentValidator;
}

export class HeartbeatHandler implements ActionHandler {
  readonly type = ActionType.Heartbeat;
  private readonly contentValidator: ContentValidator;

  constructor(components: HeartbeatHandlerComponents) {
    this.contentValidator = components.contentValidator;
  }

  private message(row: ActionRow): Uint8Array | null {
    const decoded = decodePayload(ActionType.Heartbeat, row.payload);
    return decoded.ok ? decoded.payload.message : null;
  }

  async validateAtStart(row: ActionRow, ctx: HandlerCallContext): Promise<StartValidation> {
    const decoded = decodePayload(ActionType.Heartbeat, row.payload);
    // The payload was accepted in the window, so this only trips on a damaged row.
    if (!decoded.ok) return { class: "invalid", reason: `PAYLOAD_INVALID: ${decoded.reason}` };
    try {
      return await this.contentValidator(
        { ctx: actionWindowContext(row), actionType: ActionType.Heartbeat, payload: decoded.payload, at: ctx.at },
        ctx.signal,
      );
    } catch (err) {
      // A validator that throws could not check: retry, never abort on it.
      return { class: "unverified", error: errorMessage(err) };
    }
  }

  digests(row: ActionRow): Uint8Array[] {
    if (row.sighashes !== null) return [...row.sighashes];
    const message = this.message(row);
    if (message === null) throw new Error(`action ${row.id}: heartbeat payload does not decode`);
    return [hash256(message)];
  }

  signed(_row: ActionRow, signatures: readonly Uint8Array[]): HandlerTransition {
    const hex = signatures.map(toHex);
    return { to: "done", data: { extra: { signatures: hex } }, detail: { signatures: hex } };
  }
}
