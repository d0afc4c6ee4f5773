// Follower routine (coordination.md §10): consume the wallet's queue in arrival order, apply B1–B11,
// record faults with evidence, validate the leader's proposal on chain in the background, decide
// idleness at W+80 and keep collecting statements for equivocation until W+100.
import { ActionType, FaultType, actionName } from "../protocol/constants.js";
import type { ChainClock } from "./clock.js";
import { report, type CoordinationEventTarget } from "./coordination-events.js";
import type { ContentValidator } from "./content-validation.js";
import type { WindowResult } from "../protocol/events.js";
import type { FaultRecorder } from "./faults.js";
import { checkEnvelope, isActionAllowed, type FollowerView } from "./follower-rules.js";
import type { ResultProcessor } from "./result-processor.js";
import { windowEvidence, type WindowContext } from "./window-context.js";
import { activePhaseEnd, windowEnd } from "../protocol/window.js";
import type { EthereumChain } from "../chain/ethereum-chain.js";
import type { InboundItem } from "../network/coordination-network.js";
import { decodePayload } from "../protocol/payloads.js";
import type { WalletQueue } from "../network/wallet-queue.js";
import type { Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Store } from "../store/store.js";
import { isAbortError, sleep } from "../util/sleep.js";
import { toHex, to0x } from "../util/hex.js";
import { errorMessage } from "../util/errors.js";

export interface FollowerDeps {
  store: Store;
  chain: Pick<EthereumChain, "block">;
  clock: ChainClock;
  queue: WalletQueue<InboundItem>;
  subscriberCount: () => number;
  validateContent: ContentValidator;
  faults: FaultRecorder;
  results: ResultProcessor;
  ownOperator: string;
  logger: Logger;
  metrics: Metrics | null;
  events: CoordinationEventTarget;
}

interface Statement {
  digest: string;
  wire: Uint8Array;
}

const UNVERIFIED_RETRY_START_MS = 1_000;
const UNVERIFIED_RETRY_CAP_MS = 15_000;
/** Time allowed for the last check pinned at W+100 (one Electrum call limit). */
const FINAL_ATTEMPT_MS = 15_000;

export async function runFollower(ctx: WindowContext, deps: FollowerDeps, signal: AbortSignal): Promise<WindowResult> {
  return new FollowerRoutine(ctx, deps).run(signal);
}

class FollowerRoutine {
  private readonly view: FollowerView;
  private readonly statements: Statement[] = [];
  private readonly activeEnd: number;
  private readonly windowEnd: number;
  private result: WindowResult | undefined;
  private faulty = false;
  private unverified = false;
  /** The routine's own signal (shutdown), as opposed to the end of the window. */
  private shutdown: AbortSignal = new AbortController().signal;
  private validation: Promise<void> | undefined;
  private minPeers = Number.POSITIVE_INFINITY;
  private maxPeers = 0;
  private blocksObserved = 0;
  private readonly log: Logger;

  constructor(
    private readonly ctx: WindowContext,
    private readonly deps: FollowerDeps,
  ) {
    this.view = {
      W: ctx.W,
      walletPkh: ctx.walletPkh,
      ownOperator: deps.ownOperator,
      leader: ctx.leader,
      seats: ctx.seats,
      checklist: ctx.checklist,
    };
    this.activeEnd = activePhaseEnd(ctx.W);
    this.windowEnd = windowEnd(ctx.W);
    this.log = deps.logger.child({ wallet: ctx.wallet, W: ctx.W, leader: ctx.leader, role: "follower" });
  }

  async run(signal: AbortSignal): Promise<WindowResult> {
    // Restart (§10.7): statements and the result persisted before the crash still count.
    const row = this.deps.store.windows.get(this.ctx.wallet, this.ctx.W);
    if (row?.result) this.result = row.result as WindowResult;
    for (const s of this.deps.store.leaderStatements.list(this.ctx.wallet, this.ctx.W)) {
      this.statements.push({ digest: toHex(s.digest), wire: s.wire });
    }

    this.shutdown = signal;
    const untilEnd = AbortSignal.any([signal, this.deps.clock.signalAtBlock(this.windowEnd)]);
    const observing = this.observe(AbortSignal.any([signal, this.deps.clock.signalAtBlock(this.activeEnd)]));
    const idleness = this.deps.clock
      .waitForBlock(this.activeEnd, { signal: untilEnd })
      .then(() => this.decideIdleness(), () => undefined);

    try {
      while (!untilEnd.aborted && this.result !== "equivocated") {
        let item: InboundItem;
        try {
          item = await this.deps.queue.shift(untilEnd);
        } catch (err) {
          if (untilEnd.aborted || isAbortError(err)) break;
          throw err;
        }
        this.process(item, untilEnd);
      }
    } finally {
      await observing;
      await idleness;
      await this.validation;
    }
    // Shutdown (not the end of the window): leave the row `running`, a restart resumes it (§10.7).
    if (signal.aborted && this.deps.clock.head < this.windowEnd) return this.result ?? "observation_incomplete";
    return this.finish();
  }

  /** Samples topic peers once per observed block in [max(W, joined), W+80) for the idleness rule. */
  private async observe(signal: AbortSignal): Promise<void> {
    let next = Math.max(this.ctx.W, this.ctx.joinedAtBlock);
    while (!signal.aborted) {
      try {
        const head = await this.deps.clock.waitForBlock(next, { signal });
        if (head >= this.activeEnd) return;
        const peers = this.deps.subscriberCount();
        this.minPeers = Math.min(this.minPeers, peers);
        this.maxPeers = Math.max(this.maxPeers, peers);
        this.blocksObserved++;
        next = head + 1;
      } catch {
        return;
      }
    }
  }

  private process(item: InboundItem, untilEnd: AbortSignal): void {
    const { message, wire } = item;
    const check = checkEnvelope(message, this.view); // B1–B6
    if (check.kind === "drop") {
      this.log.debug({ reason: check.reason, sender: to0x(message.sender) }, "message dropped");
      return;
    }
    const head = this.deps.clock.head;
    const accepting = head < this.activeEnd && this.result === undefined;
    if (check.kind === "impersonation") {
      if (accepting) this.fault(FaultType.LeaderImpersonation, check.culprit, "sender is not the leader", { message: toHex(wire) });
      return;
    }

    // A leader statement. B7: a second, different statement is equivocation.
    const digest = toHex(item.digest);
    if (!this.statements.some((s) => s.digest === digest)) {
      this.deps.store.leaderStatements.add({
        walletPkh: this.ctx.wallet,
        W: this.ctx.W,
        digest: item.digest,
        wire,
        receivedAtBlock: head,
        own: false,
      });
      const earlier = this.statements[0];
      this.statements.push({ digest, wire });
      if (earlier) {
        this.fault(FaultType.LeaderEquivocation, this.ctx.leader, "two different signed proposals", {
          messages: [toHex(earlier.wire), toHex(wire)],
        });
        this.result = "equivocated";
        this.deps.results.equivocated(this.ctx);
        return;
      }
    }
    if (!accepting) return; // after W+80 or after acceptance: only equivocation is still detected

    const type = message.proposal.actionType;
    if (!isActionAllowed(type, this.ctx.checklist)) {
      // B8
      this.fault(FaultType.LeaderMistake, this.ctx.leader, `action ${actionName(type)} not on the checklist`, {
        message: toHex(wire),
        checklist: this.ctx.checklist.map(actionName),
        seed: this.ctx.seedHex,
      });
      this.faulty = true;
      return;
    }
    let payload = null;
    if (type !== ActionType.Noop) {
      const decoded = decodePayload(type, message.proposal.payload); // B9
      if (!decoded.ok) {
        this.fault(FaultType.InvalidProposal, this.ctx.leader, "PAYLOAD_INVALID", { message: toHex(wire), detail: decoded.reason });
        this.faulty = true;
        return;
      }
      payload = decoded.payload;
    }
    if (this.validation === undefined) {
      this.validation = this.validate(item, payload, untilEnd).catch((err: unknown) => {
        this.log.error({ err }, "content validation crashed");
      });
    }
  }

  /**
   * B10 in the background, retrying `unverified` with backoff until W+100; B11 on success. A check
   * still unverified at W+100 gets one last attempt pinned there, so a rule that turns into a defect
   * at the window's end (FUNDING_TX_UNCONFIRMED, §10.3) is decided rather than left unverified.
   */
  private async validate(item: InboundItem, payload: unknown, signal: AbortSignal): Promise<void> {
    let delay = UNVERIFIED_RETRY_START_MS;
    while (!signal.aborted) {
      if (await this.attempt(item, payload, signal)) return;
      try {
        await sleep(delay, signal);
      } catch {
        break;
      }
      delay = Math.min(delay * 2, UNVERIFIED_RETRY_CAP_MS);
    }
    if (this.shutdown.aborted || this.deps.clock.head < this.windowEnd || this.result === "equivocated") return;
    await this.attempt(item, payload, AbortSignal.any([this.shutdown, AbortSignal.timeout(FINAL_ATTEMPT_MS)]));
  }

  /** One content validation pinned at the current head; true when it decided (valid or invalid). */
  private async attempt(item: InboundItem, payload: unknown, signal: AbortSignal): Promise<boolean> {
    const type = item.message.proposal.actionType;
    const V = this.deps.clock.head;
    let outcome;
    let block;
    try {
      block = await this.deps.chain.block(V);
      outcome = await this.deps.validateContent(
        { ctx: this.ctx, actionType: type, payload: payload as never, at: { blockNumber: block.number, blockHash: block.hash } },
        signal,
      );
    } catch (err) {
      outcome = { class: "unverified" as const, error: errorMessage(err) };
    }
    if (this.result === "equivocated") return true;
    this.deps.metrics?.validations.inc({ result: outcome.class });
    if (outcome.class === "valid") {
      report(this.deps.events, { type: "validated", W: this.ctx.W, wallet: this.ctx.wallet, action: actionName(type), outcome: "valid", block: V });
      report(this.deps.events, { type: "accepted", W: this.ctx.W, wallet: this.ctx.wallet, leader: this.ctx.leader, action: actionName(type), digest: toHex(item.digest) });
      this.result = this.deps.results.accept(this.ctx, "accepted", item.message.proposal, item.digest);
      return true;
    }
    if (outcome.class === "invalid") {
      report(this.deps.events, { type: "validated", W: this.ctx.W, wallet: this.ctx.wallet, action: actionName(type), outcome: "invalid", reason: outcome.reason, block: V });
      this.fault(FaultType.InvalidProposal, this.ctx.leader, outcome.reason, {
        message: toHex(item.wire),
        validationBlock: { number: block!.number, hash: block!.hash },
        ...(outcome.facts ? { facts: outcome.facts } : {}),
      });
      this.faulty = true;
      return true;
    }
    this.log.warn({ error: outcome.error, V }, "proposal could not be verified; retrying");
    this.unverified = true;
    return false;
  }

  /** §10.5, at head ≥ W+80. */
  private decideIdleness(): void {
    if (this.statements.length > 0 || this.result !== undefined) return;
    const observedPeers = this.maxPeers >= 1;
    if (this.ctx.joinedAtBlock <= this.ctx.W + 10 && observedPeers) {
      this.fault(FaultType.LeaderIdleness, this.ctx.leader, "no leader statement by the end of the active phase", {
        joinedAtBlock: this.ctx.joinedAtBlock,
        blocksObserved: this.blocksObserved,
        minTopicPeers: Number.isFinite(this.minPeers) ? this.minPeers : 0,
        maxTopicPeers: this.maxPeers,
        seed: this.ctx.seedHex,
      });
      this.result = this.deps.results.finish(this.ctx, "idle");
    } else {
      this.result = this.deps.results.finish(this.ctx, "observation_incomplete");
    }
  }

  private finish(): WindowResult {
    if (this.result !== undefined) return this.result;
    const result: WindowResult = this.statements.length === 0 ? "observation_incomplete" : this.unverified && !this.faulty ? "unverified" : "rejected";
    this.result = this.deps.results.finish(this.ctx, result);
    return this.result;
  }

  private fault(type: FaultType, culprit: string, reason: string, extra: Record<string, unknown>): void {
    this.deps.faults.record({
      walletPkh: this.ctx.walletPkh,
      W: this.ctx.W,
      type,
      culprit,
      reason,
      detectedBlock: this.deps.clock.head,
      evidence: { ...windowEvidence(this.ctx), ...extra },
    });
  }
}
