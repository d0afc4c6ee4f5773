// The coordination side's typed events (style.md §1.4), dispatched on the node's event bus: what the
// coordinator reports as it goes, and the actions its window results schedule.
import type { TypedEventTarget } from "@libp2p/interface";
import type { CoordinationEvent } from "../protocol/events.js";

export interface CoordinationEvents {
  /** Every CoordinationEvent as it happens (the devnet timeline and the tests read them). */
  coordination: CustomEvent<CoordinationEvent>;
  /** A window result created this action row (coordination.md §12); the action executor takes it up. */
  "action:scheduled": CustomEvent<number>;
}

export type CoordinationEventTarget = TypedEventTarget<CoordinationEvents>;

/** Dispatches a CoordinationEvent; listeners run synchronously. */
export function report(events: CoordinationEventTarget, event: CoordinationEvent): void {
  events.safeDispatchEvent<CoordinationEvent>("coordination", { detail: event });
}
