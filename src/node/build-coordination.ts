// The coordination side of a node, in dependency order: fault records and window results, the
// follower's content validation, proposal generation, libp2p with its connection gate, the gossip
// network and the coordinator. Nothing here starts; the node starts it in boot step 4 and step 7.
import { bitcoinContentValidator } from "../coordination/bitcoin-content-validation.js";
import { onChainContentValidator, type ContentValidator } from "../coordination/content-validation.js";
import { Coordinator, type ProposalSource } from "../coordination/coordinator.js";
import { FaultRecorder } from "../coordination/faults.js";
import { lowestSeat } from "../coordination/leader.js";
import { ResultProcessor } from "../coordination/result-processor.js";
import type { BitcoinChain } from "../bitcoin/bitcoin-chain.js";
import { createConnectionGate, unionOperators, type OperatorSource } from "../network/connection-gate.js";
import { CoordinationNetwork } from "../network/coordination-network.js";
import { StoreTranscript } from "../network/inbound-transcript.js";
import { createLibp2pNode, type CoordinationLibp2p } from "../network/libp2p.js";
import { DepositSweepTask } from "../proposals/deposit-sweep-task.js";
import { ProposalGenerator, type ProposalTask } from "../proposals/generator.js";
import { HeartbeatTask } from "../proposals/heartbeat-task.js";
import { MovedFundsSweepTask } from "../proposals/moved-funds-sweep-task.js";
import { MovingFundsTask } from "../proposals/moving-funds-task.js";
import { RedemptionTask } from "../proposals/redemption-task.js";
import { fromHex } from "../util/hex.js";
import type { EthereumSide } from "./build-ethereum.js";
import type { NodeBase } from "./node-base.js";

export interface CoordinationSide {
  validateContent: ContentValidator;
  libp2p: CoordinationLibp2p;
  network: CoordinationNetwork;
  coordinator: Coordinator;
  faults: FaultRecorder;
}

/** The other members of every pending DKG request that names this node's operator, read at each use. */
function dkgPeers({ store, operator }: NodeBase): OperatorSource {
  return {
    get current(): ReadonlySet<string> {
      return new Set(store.evDkgRequests.requests({ status: "requested", member: operator }).flatMap((r) => r.members));
    },
  };
}

export async function buildCoordinationSide(base: NodeBase, eth: EthereumSide, bitcoin: BitcoinChain | null): Promise<CoordinationSide> {
  const { config, overrides, logger, metrics, events, store } = base;
  const { ethereum, identity, registry, validator, bridge, seats, clock } = eth;
  const faults = new FaultRecorder({ store, logger, metrics, events });
  const results = new ResultProcessor({ store, logger, metrics, events });
  // Without Bitcoin the node validates what needs no Bitcoin look-up; Bitcoin proposals stay unverified.
  const validateContent =
    overrides.validateContent ??
    (bitcoin
      ? bitcoinContentValidator(
          { validator, bridge, btc: bitcoin, chain: ethereum, store },
          { bridgeAddress: bridge.address, profile: { fundingTxMinConfirmations: config.profile.fundingTxMinConfirmations } },
        )
      : onChainContentValidator(validator));
  const generator: ProposalSource = overrides.generate
    ? { generate: overrides.generate }
    : new ProposalGenerator({ tasks: overrides.tasks ?? proposalTasks(base, eth, bitcoin), logger, metrics });
  const libp2p = await createLibp2pNode({
    operatorPrivateKey: fromHex(base.operatorKey.privateKey),
    listen: config.network.listen,
    mdns: config.network.mdns,
    gossipHeartbeatMs: overrides.gossipHeartbeatMs,
    // Inbound peers: the wallets' seats, and the members of pending DKG requests this node is one of
    // (they share no wallet with it yet, threshold.md §3.2).
    connectionGater: createConnectionGate({ seated: unionOperators(eth.seated, dkgPeers(base)), events, logger }, { configuredPeers: config.network.bootstrapPeers }),
    start: false,
  });
  const network = new CoordinationNetwork(
    { libp2p, logger, events, transcript: new StoreTranscript({ store, clock }), seats, clock, identity },
    { bootstrapPeers: config.network.bootstrapPeers },
  );
  const coordinator = new Coordinator({
    store,
    chain: ethereum,
    clock,
    registry,
    network,
    seats,
    generator,
    validateContent,
    faults,
    results,
    operatorKey: base.operatorKey,
    logger,
    metrics,
    events,
    identity,
  });
  return { validateContent, libp2p, network, coordinator, faults };
}

/** The proposal tasks (coordination.md §13): the Bitcoin ones need Electrum; the heartbeat does not. */
function proposalTasks({ config, logger, store, operator }: NodeBase, eth: EthereumSide, bitcoin: BitcoinChain | null): ProposalTask[] {
  const { ethereum, validator, bridge, intents, seats } = eth;
  const heartbeat = new HeartbeatTask({ validator, logger });
  if (bitcoin === null) return [heartbeat];
  const components = {
    bridge,
    validator,
    btc: bitcoin,
    store,
    chain: ethereum,
    logger,
    intents,
    ownLowestSeat: (pkh: Uint8Array) => lowestSeat(seats.seatsOf(pkh) ?? [], operator) ?? 0,
  };
  const init = {
    fee: config.fee,
    extraSafetyMarginSec: config.coordination.extraSafetyMarginSec,
    fundingTxMinConfirmations: config.profile.fundingTxMinConfirmations,
    operator,
  };
  return [
    new RedemptionTask(components, init),
    new DepositSweepTask(components, init),
    new MovedFundsSweepTask(components, init),
    new MovingFundsTask(components, init),
    heartbeat,
  ];
}
