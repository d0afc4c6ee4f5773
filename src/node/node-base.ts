// What every builder of a node reads (style.md §1.1): the node's options, the test overrides, and the
// components built first: logger, metrics, event bus, root signal and the database.
import type { BaseWallet } from "ethers";
import type { WalletSigner } from "../actions/signer.js";
import type { BitcoinChain } from "../bitcoin/bitcoin-chain.js";
import type { EthereumChain } from "../chain/ethereum-chain.js";
import type { ContentValidator } from "../coordination/content-validation.js";
import type { Metrics } from "../metrics/metrics.js";
import type { ProposalTask, GenerationRequest } from "../proposals/generator.js";
import type { CoordinationProposal } from "../protocol/message.js";
import type { Store } from "../store/store.js";
import type { Logger } from "../util/logger.js";
import type { NodeEventTarget } from "./node-events.js";
import type { NodeConfig } from "./options.js";

export interface NodeOptions {
  config: NodeConfig;
  /** The operator key: signs coordination messages and Ethereum intents, and is the libp2p identity. */
  operatorKey: BaseWallet;
  /** The operator keystore's password: it opens the FROST key shares sealed in the database. */
  keySharePassword?: string;
}

/** The Bitcoin client: Electrum's tells how long it has been unreachable (health). */
export type BitcoinClient = BitcoinChain & { readonly unreachableSince?: number | null };

/** What tests and the devnet swap in; every field is optional and defaults to what `config` says. */
export interface NodeOverrides {
  /** Default: silent. */
  logger?: Logger;
  /** Default: a new registry; null turns metrics off. */
  metrics?: Metrics | null;
  /** Replaces the JSON-RPC client (tests: FakeEthereumChain). */
  ethereum?: EthereumChain;
  /** Replaces the Electrum client (tests: a fake Bitcoin chain); null runs without Bitcoin. */
  bitcoin?: BitcoinClient | null;
  /** Replaces the signer of `signer.localKeysFile` (the devnet holds the dev wallets' keys). */
  signer?: WalletSigner;
  /** Replaces proposal generation (tests: a misbehaving leader). */
  generate?: (req: GenerationRequest, signal: AbortSignal) => Promise<CoordinationProposal>;
  tasks?: ProposalTask[];
  validateContent?: ContentValidator;
  pollIntervalMs?: number;
  gossipHeartbeatMs?: number;
  acceptProfileChange?: boolean;
}

export interface NodeBase extends NodeOptions {
  overrides: NodeOverrides;
  /** EIP-55 address of the operator key. */
  operator: string;
  logger: Logger;
  metrics: Metrics | null;
  events: NodeEventTarget;
  /** The root signal: aborted when the node stops (boot included). */
  signal: AbortSignal;
  store: Store;
}
