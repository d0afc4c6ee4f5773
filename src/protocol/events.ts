import type { ActionName, FaultName } from "./constants.js";

/** Window results of coordination.md §10.6. */
export type WindowResult =
  | "accepted_own"
  | "accepted"
  | "idle"
  | "equivocated"
  | "rejected"
  | "unverified"
  | "observation_incomplete"
  | "skipped_fresh_db"
  | "missed"
  | "wallet_busy";

export type Role = "leader" | "follower";

/** What the coordinator reports as it goes; the devnet timeline and `wcoord logs` read the same facts. */
export type CoordinationEvent =
  | { type: "window"; W: number; wallet: string; leader: string; role: Role; checklist: ActionName[]; seed: string; lateJoin: boolean }
  | { type: "proposal_sent"; W: number; wallet: string; action: ActionName; digest: string; republish: number }
  | { type: "accepted"; W: number; wallet: string; leader: string; action: ActionName; digest: string }
  | { type: "validated"; W: number; wallet: string; action: ActionName; outcome: "valid" | "invalid" | "unverified"; reason?: string; block: number }
  | { type: "fault"; W: number; wallet: string; fault: FaultName; culprit: string; reason: string }
  | { type: "result"; W: number; wallet: string; result: WindowResult; action?: ActionName; actionId?: number }
  /** An action state change (reliability.md §8 log line); `from` is null for the row's creation. */
  | { type: "action"; W: number; wallet: string; action: ActionName; actionId: number; from: string | null; to: string; ethHead: number; btcTip: number | null; txid?: string; reason?: string }
  /** A quorum signing session of an action ended (threshold.md §5): its attempts, the signers (operator addresses) and its wall time. */
  | { type: "signing"; W: number; wallet: string; action: ActionName; actionId: number; outcome: "signed" | "infeasible" | "aborted"; attempts: number; signers: string[]; ms: number };

export type CoordinationObserver = (event: CoordinationEvent) => void;
