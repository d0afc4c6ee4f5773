// Proposal generation (coordination.md §13.1): tasks run in checklist order, the first that yields a
// proposal wins, a task that throws is logged, counted and skipped, and no proposal means Noop.
import { ActionType, actionName } from "../protocol/constants.js";
import type { CoordinationProposal } from "../protocol/message.js";
import type { BlockRef } from "../chain/pinned-call.js";
import type { Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";

export interface ReferenceBlock extends BlockRef {
  timestamp: number;
}

export interface ProposalTaskContext {
  W: number;
  walletPkh: Uint8Array;
  wallet: string;
  /** Reference block L: the leader's head when generation starts; every read is pinned here. */
  L: ReferenceBlock;
  signal: AbortSignal;
}

export interface ProposalTask {
  readonly action: Exclude<ActionType, ActionType.Noop>;
  /** The encoded payload, or null when there is nothing to propose. Throws on failure. */
  propose(ctx: ProposalTaskContext): Promise<Uint8Array | null>;
}

export interface GenerationRequest {
  W: number;
  walletPkh: Uint8Array;
  wallet: string;
  checklist: ActionType[];
  L: ReferenceBlock;
}

export const NOOP_PROPOSAL: CoordinationProposal = { actionType: ActionType.Noop, payload: new Uint8Array() };

export interface ProposalGeneratorComponents {
  /** One task per action type; an action without a task yields nothing. */
  tasks: ProposalTask[];
  logger: Logger;
  metrics: Metrics | null;
}

export class ProposalGenerator {
  private readonly tasks = new Map<ActionType, ProposalTask>();
  private readonly log: Logger;

  constructor(private readonly components: ProposalGeneratorComponents) {
    for (const t of components.tasks) this.tasks.set(t.action, t);
    this.log = components.logger.child({ module: "proposals" });
  }

  async generate(req: GenerationRequest, signal: AbortSignal): Promise<CoordinationProposal> {
    for (const action of req.checklist) {
      signal.throwIfAborted();
      const task = this.tasks.get(action);
      if (!task) continue; // no task for this action in this build: it yields nothing
      try {
        const payload = await task.propose({ W: req.W, walletPkh: req.walletPkh, wallet: req.wallet, L: req.L, signal });
        if (payload) {
          this.components.metrics?.proposals.inc({ action: actionName(action) });
          return { actionType: action, payload };
        }
      } catch (err) {
        if (signal.aborted) throw err;
        const code = (err as { code?: unknown }).code;
        this.log.warn({ task: actionName(action), wallet: req.wallet, W: req.W, err }, "proposal task failed; skipped");
        this.components.metrics?.proposalTaskErrors.inc({ task: actionName(action), code: typeof code === "string" ? code : "ERROR" });
      }
    }
    return NOOP_PROPOSAL;
  }
}
