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

/** A DKG fault (threshold.md §5.3): keyed by the request and attempt, as it has no wallet yet. */
export interface DkgFaultInput {
  /** DkgRequested.requestId. */
  requestId: bigint;
  attempt: number;
  type: FaultType.DkgInvalidProof | FaultType.DkgInvalidShare | FaultType.DkgNoParticipation;
  culprit: string;
  reason: string;
  detectedBlock: number;
  /** Self-contained (threshold/dkg/evidence-json.ts). */
  evidence: Record<string, unknown>;
}

/** Recorded and counted but not logged at warn: a missing signature share or a silent DKG member accuses nobody (threshold.md §5.3). */
const QUIET: ReadonlySet<FaultType> = new Set([FaultType.SigningNoShare, FaultType.DkgNoParticipation]);

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
    const name = this.logAndCount(f.type, f.culprit, { wallet, W: f.W, reason: f.reason });
    report(this.components.events, { type: "fault", W: f.W, wallet, fault: name, culprit: f.culprit, reason: f.reason });
    return true;
  }

  /**
   * Records a DKG fault once per (request, attempt, type, culprit). Not reported on the coordination
   * event bus: its events are a wallet's windows, and a DKG fault has neither.
   */
  recordDkg(f: DkgFaultInput): boolean {
    const requestId = f.requestId.toString();
    const { inserted } = this.components.store.faults.record({
      requestId,
      attempt: f.attempt,
      type: f.type,
      culprit: f.culprit,
      reason: f.reason,
      detectedBlock: f.detectedBlock,
      evidence: f.evidence,
    });
    if (inserted) this.logAndCount(f.type, f.culprit, { requestId, attempt: f.attempt, reason: f.reason });
    return inserted;
  }

  /** Logs a new fault once (warn, or info for those that accuse nobody) and counts it. */
  private logAndCount(type: FaultType, culprit: string, where: Record<string, unknown>): FaultName {
    const name = FaultType[type] as FaultName;
    const line = { ...where, type: name, culprit };
    if (QUIET.has(type)) this.log.info(line, "fault recorded");
    else this.log.warn(line, "fault recorded");
    this.components.metrics?.faults.inc({ type: name, culprit });
    return name;
  }
}
