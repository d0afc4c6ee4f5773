// The action side of a node, in dependency order: the Bitcoin tip tracker, responder and outcome
// recorder (with Electrum), one handler per action type, the signer and the action executor, which
// takes up every action a window result schedules.
import { ActionExecutor } from "../actions/executor.js";
import { DepositSweepHandler } from "../actions/handlers/deposit-sweep.js";
import type { ActionHandler } from "../actions/handlers/handler.js";
import { HeartbeatHandler } from "../actions/handlers/heartbeat.js";
import { MovedFundsSweepHandler } from "../actions/handlers/moved-funds-sweep.js";
import { MovingFundsHandler } from "../actions/handlers/moving-funds.js";
import { RedemptionHandler } from "../actions/handlers/redemption.js";
import { OutcomeRecorder } from "../actions/recording.js";
import { LocalKeySigner, type WalletSigner } from "../actions/signer.js";
import { WalletSignerSet } from "../threshold/signer-set.js";
import type { BitcoinChain } from "../bitcoin/bitcoin-chain.js";
import { BitcoinTipTracker } from "../bitcoin/bitcoin-tip.js";
import { BitcoinResponder } from "../bitcoin/responder.js";
import type { ContentValidator } from "../coordination/content-validation.js";
import { report } from "../coordination/coordination-events.js";
import { ActionType } from "../protocol/constants.js";
import type { EthereumSide } from "./build-ethereum.js";
import type { NodeBase } from "./node-base.js";

export interface ActionSide {
  /** Null without Electrum. */
  bitcoinTip: BitcoinTipTracker | null;
  executor: ActionExecutor;
  /** The executor's signer: the NetworkSigner (when the node can hold FROST shares) before the local one. */
  walletSigner: WalletSigner;
}

export function buildActionSide(
  base: NodeBase,
  eth: EthereumSide,
  bitcoin: BitcoinChain | null,
  validateContent: ContentValidator,
  /** Signs the FROST wallets whose shares this node holds, with the other members (a DKG adds its wallet while running). */
  thresholdSigner: WalletSigner | null,
): ActionSide {
  const { logger, metrics, events, store } = base;
  const bitcoinTip = bitcoin === null ? null : new BitcoinTipTracker({ store, bitcoin, logger, metrics });
  const handlers = new Map<ActionType, ActionHandler>([[ActionType.Heartbeat, new HeartbeatHandler({ contentValidator: validateContent })]]);
  if (bitcoin !== null && bitcoinTip !== null) {
    for (const h of bitcoinHandlers(base, eth, bitcoin, bitcoinTip, validateContent)) handlers.set(h.type, h);
  }
  const fallback = base.overrides.signer ?? signerOf(base);
  const walletSigner = thresholdSigner === null ? fallback : new WalletSignerSet([thresholdSigner, fallback]);
  const executor = new ActionExecutor({
    store,
    clock: eth.clock,
    blocks: eth.ethereum,
    bridge: eth.bridge,
    signer: walletSigner,
    handlers,
    bitcoinTip,
    observer: (event) => report(events, event),
    logger,
    metrics,
  });
  events.addEventListener("action:scheduled", (e) => executor.scheduled(e.detail));
  return { bitcoinTip, executor, walletSigner };
}

/** The handlers of the Bitcoin actions: they broadcast through the responder and record outcomes on chain. */
function bitcoinHandlers(base: NodeBase, eth: EthereumSide, btc: BitcoinChain, tip: BitcoinTipTracker, contentValidator: ContentValidator): ActionHandler[] {
  const { config, logger, metrics, store, operator } = base;
  const responder = new BitcoinResponder({
    store,
    bitcoin: btc,
    tip,
    logger,
    metrics: metrics && { broadcast: (result) => metrics.btcBroadcast.inc({ result }), rebroadcast: () => metrics.btcRebroadcast.inc() },
  });
  const recorder = new OutcomeRecorder(
    { bridge: eth.bridge, intents: eth.intents, logger },
    { operator, enabled: config.maintainer.enabled, minConfirmations: config.record.minConfirmations },
  );
  const deps = { contentValidator, bridge: eth.bridge, btc, store, responder, recorder, logger };
  const init = { minConfirmations: config.record.minConfirmations };
  return [new DepositSweepHandler(deps, init), new RedemptionHandler(deps, init), new MovingFundsHandler(deps, init), new MovedFundsSweepHandler(deps, init)];
}

/** The threshold-signing stand-in of `signer.localKeysFile` (no keys: the node signs nothing). */
function signerOf({ config }: NodeBase): WalletSigner {
  return config.signer.localKeysFile ? LocalKeySigner.fromFile(config.signer.localKeysFile) : new LocalKeySigner([]);
}
