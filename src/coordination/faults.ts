// Fault records with evidence (coordination.md §11): persisted, logged once, counted, reported.
import { FaultType, type FaultName } from "../protocol/constants.js";
import type { CoordinationObserver } from "../protocol/events.js";
import type { Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Store } from "../store/store.js";
import { toHex } from "../util/hex.js";

/** Inputs anyone needs to recompute the leader and checklist (§11.2). */
export interface WindowEvidence {
  W: number;
  safeBlockHash: string;
  seats: string[];
  profileHash: string;
}

export interface FaultInput {
  walletPkh: Uint8Array;
  W: number;
  type: FaultType;
  culprit: string;
  reason: string;
  detectedBlock: number;
  evidence: WindowEvidence & Record<string, unknown>;
}

export class FaultRecorder {
  constructor(
    private readonly deps: { store: Store; logger: Logger; metrics: Metrics | null; observer?: CoordinationObserver },
  ) {}

  /** Records once per (wallet, W, type, culprit); repeats are ignored. Returns true if it was new. */
  record(f: FaultInput): boolean {
    const wallet = toHex(f.walletPkh);
    const { inserted } = this.deps.store.faults.record({
      walletPkh: wallet,
      W: f.W,
      type: f.type,
      culprit: f.culprit,
      reason: f.reason,
      detectedBlock: f.detectedBlock,
      evidence: f.evidence,
    });
    if (!inserted) return false;
    const name = FaultType[f.type] as FaultName;
    this.deps.logger.warn({ wallet, W: f.W, type: name, culprit: f.culprit, reason: f.reason }, "fault recorded");
    this.deps.metrics?.faults.inc({ type: name, culprit: f.culprit });
    this.deps.observer?.({ type: "fault", W: f.W, wallet, fault: name, culprit: f.culprit, reason: f.reason });
    return true;
  }
}
