// Leader routine (coordination.md §9): generate (two bounded attempts, then a signed Noop), sign,
// persist before publishing, publish once peers are there, republish the identical bytes on the
// block schedule until W+80. On restart it republishes the stored bytes and never generates again.
import { PROTOCOL_VERSION, RETRANSMIT_OFFSETS, actionName } from "../protocol/constants.js";
import type { ChainClock } from "./clock.js";
import { report, type CoordinationEventTarget } from "./coordination-events.js";
import type { CoordinationProposal } from "../protocol/message.js";
import type { ResultProcessor } from "./result-processor.js";
import type { WindowContext } from "./window-context.js";
import { activePhaseEnd } from "../protocol/window.js";
import type { EthereumChain } from "../chain/ethereum-chain.js";
import { decodeCoordinationMessage, encodeCoordinationMessage } from "../protocol/codec.js";
import { messageDigest, signCoordinationMessage, type CoordinationDomain } from "../network/eip712.js";
import type { PublishOutcome } from "../network/coordination-network.js";
import type { Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { NOOP_PROPOSAL, type GenerationRequest } from "../proposals/generator.js";
import type { Store } from "../store/store.js";
import { crashPoint } from "../util/crash-point.js";
import { fromHex, toHex } from "../util/hex.js";
import type { BaseWallet } from "ethers";

export interface LeaderDeps {
  store: Store;
  chain: Pick<EthereumChain, "block">;
  clock: ChainClock;
  generate: (req: GenerationRequest, signal: AbortSignal) => Promise<CoordinationProposal>;
  publish: (wire: Uint8Array) => Promise<PublishOutcome>;
  waitForPeers: (signal: AbortSignal) => Promise<void>;
  results: ResultProcessor;
  operatorKey: BaseWallet;
  domain: CoordinationDomain;
  chainId: bigint;
  logger: Logger;
  metrics: Metrics | null;
  events: CoordinationEventTarget;
}

/** Attempt bounds (§9.1): attempt 1 until W+40, a 5-block pause, attempt 2 until W+65. */
const ATTEMPT_1_END = 40;
const RETRY_PAUSE_BLOCKS = 5;
const ATTEMPT_2_END = 65;
/** The first publish waits for peers until head ≥ W+2 at most (§9.3). */
const PEER_WAIT_END = 2;

export async function runLeader(ctx: WindowContext, deps: LeaderDeps, signal: AbortSignal): Promise<void> {
  const log = deps.logger.child({ wallet: ctx.wallet, W: ctx.W, leader: ctx.leader, role: "leader" });
  const activeEnd = activePhaseEnd(ctx.W);
  const row = deps.store.windows.get(ctx.wallet, ctx.W);

  let wire: Uint8Array;
  let proposal: CoordinationProposal;
  let digest: Uint8Array;
  const stored = row?.status === "leader_signed" || row?.status === "done" ? deps.store.leaderStatements.list(ctx.wallet, ctx.W).find((s) => s.own) : undefined;
  if (stored) {
    // §9.6: never generate again once a statement was signed and stored.
    wire = stored.wire;
    digest = stored.digest;
    const decoded = decodeCoordinationMessage(wire);
    if (!decoded.ok) throw new Error(`stored leader statement for ${ctx.wallet}/${ctx.W} does not decode: ${decoded.reason}`);
    proposal = decoded.message.proposal;
    log.info({ digest: toHex(digest) }, "resuming stored leader statement");
  } else {
    proposal = await generateWithFallback(ctx, deps, log, signal);
    const ownSeat = Math.min(...ctx.ownSeats);
    const unsigned = {
      protocolVersion: PROTOCOL_VERSION,
      chainId: deps.chainId,
      profileHash: fromHex(ctx.profileHash),
      coordinationBlock: ctx.W,
      walletPubKeyHash: ctx.walletPkh,
      sender: fromHex(deps.operatorKey.address),
      senderSeat: ownSeat,
      proposal,
    };
    const signed = await signCoordinationMessage(deps.operatorKey, unsigned, deps.domain);
    wire = encodeCoordinationMessage(signed);
    digest = messageDigest(unsigned, deps.domain);
    crashPoint("leader.signed");
    // Persist before publishing (R1): after a crash the same bytes are republished, never new ones.
    deps.store.transaction(() => {
      deps.store.leaderStatements.add({ walletPkh: ctx.wallet, W: ctx.W, digest, wire, receivedAtBlock: deps.clock.head, own: true });
      deps.store.windows.update(ctx.wallet, ctx.W, { status: "leader_signed" });
    });
    crashPoint("leader.persisted");
  }

  if (deps.clock.head >= activeEnd) return;
  const action = actionName(proposal.actionType);
  const publish = async (republish: number): Promise<void> => {
    const outcome = await deps.publish(wire);
    deps.metrics?.leaderPublish.inc({ result: outcome.ok ? (republish === 0 ? "first" : "republish") : "error" });
    if (!outcome.ok) log.warn({ error: outcome.error }, "publish failed; the next tick retries");
    report(deps.events, { type: "proposal_sent", W: ctx.W, wallet: ctx.wallet, action, digest: toHex(digest), republish });
  };

  let P = deps.store.windows.get(ctx.wallet, ctx.W)?.firstPublishBlock ?? null;
  if (P === null) {
    await deps.waitForPeers(AbortSignal.any([signal, deps.clock.signalAtBlock(ctx.W + PEER_WAIT_END)])).catch(() => undefined);
    signal.throwIfAborted();
    await publish(0);
    P = deps.clock.head;
    crashPoint("leader.published");
    deps.store.windows.update(ctx.wallet, ctx.W, { firstPublishBlock: P });
    log.info({ action, digest: toHex(digest), P }, "proposal published");
    deps.results.accept(ctx, "accepted_own", proposal, digest);
  } else {
    await publish(-1); // restart: republish the stored bytes at once
  }

  // Republish schedule (§9.4): P+1, 3, 6, 11, 20, 37, 70; skip ticks at or after W+80; a tick missed
  // by a head jump is caught up once.
  let sent = 0;
  let i = 0;
  while (i < RETRANSMIT_OFFSETS.length) {
    const target = P + RETRANSMIT_OFFSETS[i];
    if (target >= activeEnd) break;
    let head: number;
    try {
      head = await deps.clock.waitForBlock(target, { signal });
    } catch {
      return;
    }
    if (head >= activeEnd) break;
    await publish(++sent);
    while (i < RETRANSMIT_OFFSETS.length && P + RETRANSMIT_OFFSETS[i] <= head) i++; // one publish covers every passed tick
  }
}

async function generateWithFallback(ctx: WindowContext, deps: LeaderDeps, log: Logger, signal: AbortSignal): Promise<CoordinationProposal> {
  const attempt = async (endOffset: number): Promise<CoordinationProposal> => {
    const bound = AbortSignal.any([signal, deps.clock.signalAtBlock(ctx.W + endOffset)]);
    const head = deps.clock.head;
    const block = await deps.chain.block(head);
    return deps.generate(
      {
        W: ctx.W,
        walletPkh: ctx.walletPkh,
        wallet: ctx.wallet,
        checklist: ctx.checklist,
        L: { blockNumber: block.number, blockHash: block.hash, timestamp: block.timestamp },
      },
      bound,
    );
  };
  try {
    const p = await attempt(ATTEMPT_1_END);
    deps.metrics?.proposalGeneration.inc({ outcome: "ok" });
    return p;
  } catch (err) {
    signal.throwIfAborted();
    log.warn({ err }, "proposal generation attempt 1 failed");
  }
  try {
    await deps.clock.waitForBlock(deps.clock.head + RETRY_PAUSE_BLOCKS, { signal });
    const p = await attempt(ATTEMPT_2_END);
    deps.metrics?.proposalGeneration.inc({ outcome: "ok" });
    return p;
  } catch (err) {
    signal.throwIfAborted();
    log.error({ err }, "proposal generation failed twice; proposing a signed Noop");
    deps.metrics?.proposalGeneration.inc({ outcome: "fallback_noop" });
    return NOOP_PROPOSAL;
  }
}
