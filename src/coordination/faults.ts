// Fault records with evidence (coordination.md §11): persisted, logged once, counted, reported.
import { FaultType, type FaultName } from "../protocol/constants.js";
import type { Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Store } from "../store/store.js";
import { toHex } from "../util/hex.js";
import { report, type CoordinationEventTarget } from "./coordination-events.js";

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
  /** Coordination faults carry the window's facts (WindowEvidence); signing faults their own public facts. */
  evidence: Record<string, unknown>;
}

/** Recorded and counted but not logged at warn: a missing signature share accuses nobody (threshold.md §5.3). */
const QUIET: ReadonlySet<FaultType> = new Set([FaultType.SigningNoShare]);

export interface FaultRecorderComponents {
  store: Store;
  logger: Logger;
  metrics: Metrics | null;
  events: CoordinationEventTarget;
}

export class FaultRecorder {
  private readonly log: Logger;

  constructor(private readonly components: FaultRecorderComponents) {
    this.log = components.logger.child({ module: "faults" });
  }

  /** Records once per (wallet, W, type, culprit); repeats are ignored. Returns true if it was new. */
  record(f: FaultInput): boolean {
    const wallet = toHex(f.walletPkh);
    const { inserted } = this.components.store.faults.record({
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
    const line = { wallet, W: f.W, type: name, culprit: f.culprit, reason: f.reason };
    if (QUIET.has(f.type)) this.log.info(line, "fault recorded");
    else this.log.warn(line, "fault recorded");
    this.components.metrics?.faults.inc({ type: name, culprit: f.culprit });
    report(this.components.events, { type: "fault", W: f.W, wallet, fault: name, culprit: f.culprit, reason: f.reason });
    return true;
  }
}
