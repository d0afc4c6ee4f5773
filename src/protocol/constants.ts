// Fixed protocol constants (coordination.md §1). Not configurable.
export const COORDINATION_FREQUENCY_BLOCKS = 900;
export const ACTIVE_PHASE_BLOCKS = 80;
export const PASSIVE_PHASE_BLOCKS = 20;
export const WINDOW_DURATION_BLOCKS = 100;
export const SAFE_BLOCK_SHIFT = 32;
export const RETRANSMIT_OFFSETS = [1, 3, 6, 11, 20, 37, 70] as const;
export const PROTOCOL_VERSION = 1;
export const MAX_MESSAGE_BYTES = 16384;
export const ASSUMED_BLOCK_TIME_SEC = 12;
export const PER_SENDER_WINDOW_CAP = 16;
export const FOLLOWER_QUEUE_CAPACITY = 512;

export enum ActionType {
  Noop = 0,
  Heartbeat = 1,
  DepositSweep = 2,
  Redemption = 3,
  MovingFunds = 4,
  MovedFundsSweep = 5,
}
export const MAX_ACTION_TYPE = 5;

/** Checklist items are the non-Noop action types; names as in the spec. */
export type ActionName = "Noop" | "Heartbeat" | "DepositSweep" | "Redemption" | "MovingFunds" | "MovedFundsSweep";

export function actionName(t: ActionType): ActionName {
  return ActionType[t] as ActionName;
}

/** Validity blocks per action (coordination.md §1.2). */
export const ACTION_VALIDITY_BLOCKS: Record<Exclude<ActionType, ActionType.Noop>, number> = {
  [ActionType.Heartbeat]: 600,
  [ActionType.DepositSweep]: 1200,
  [ActionType.Redemption]: 600,
  [ActionType.MovingFunds]: 650,
  [ActionType.MovedFundsSweep]: 600,
};
export const SIGNING_DEADLINE_BEFORE_EXPIRY = 300;
export const MOVING_FUNDS_SIGNING_START_OFFSET = 132;

export enum FaultType {
  Unknown = 0,
  LeaderIdleness = 1,
  LeaderMistake = 2,
  LeaderImpersonation = 3,
  LeaderEquivocation = 4,
  InvalidProposal = 5,
  /** threshold.md §5.3: a signature share that fails against its sender's verifying share. */
  SigningInvalidShare = 6,
  /** threshold.md §5.3: two different packages from one coordinator for one (session, attempt). */
  SigningCoordinatorEquivocation = 7,
  /** threshold.md §5.3: a subset member sent no share (recorded, not an accusation). */
  SigningNoShare = 8,
  /** threshold.md §5.3: a DKG round-1 message whose proof of knowledge fails (keyed by request and attempt). */
  DkgInvalidProof = 9,
  /** threshold.md §5.3: a DKG complaint judged against the sender of the share, or against its complainer. */
  DkgInvalidShare = 10,
  /** threshold.md §5.3: a member silent past a DKG attempt's cut-off block (recorded, not an accusation). */
  DkgNoParticipation = 11,
}
/** The fault types of a DKG attempt: keyed by (request, attempt), not by (wallet, window). */
export const DKG_FAULT_TYPES: ReadonlySet<FaultType> = new Set([FaultType.DkgInvalidProof, FaultType.DkgInvalidShare, FaultType.DkgNoParticipation]);
export type FaultName = keyof typeof FaultType;

export enum WalletState {
  Unknown = 0,
  Live = 1,
  MovingFunds = 2,
  Closing = 3,
  Closed = 4,
  Terminated = 5,
}
