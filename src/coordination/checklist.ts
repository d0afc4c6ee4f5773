// Actions checklist, checklistVersion 1 (coordination.md §6). Consensus-critical.
import { ActionType, COORDINATION_FREQUENCY_BLOCKS } from "../protocol/constants.js";
import type { ProtocolProfile } from "../protocol/profile.js";
import { heartbeatPasses } from "./rng/index.js";
import { isWindowBlock } from "../protocol/window.js";

type ChecklistProfile = Pick<ProtocolProfile, "frequencyWindows" | "heartbeatProbabilityPpm" | "rngScheme">;

/** Non-Noop action types allowed in window W, in priority order. */
export function checklist(W: number, seed: Uint8Array, profile: ChecklistProfile): ActionType[] {
  if (!isWindowBlock(W)) throw new Error(`not a window block: ${W}`);
  if (!Number.isInteger(profile.frequencyWindows) || profile.frequencyWindows < 1) {
    throw new Error(`frequencyWindows must be >= 1, got ${profile.frequencyWindows}`);
  }
  const index = W / COORDINATION_FREQUENCY_BLOCKS;
  const list: ActionType[] = [ActionType.Redemption];
  if (index % profile.frequencyWindows === 0) {
    list.push(ActionType.DepositSweep, ActionType.MovedFundsSweep, ActionType.MovingFunds);
  }
  if (heartbeatPasses(seed, profile.rngScheme, profile.heartbeatProbabilityPpm)) {
    list.push(ActionType.Heartbeat);
  }
  return list;
}
