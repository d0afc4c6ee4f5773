// The Ethereum side of a node, in dependency order: the RPC client, the chain's identity, the contract
// clients, the Bridge event index and the wallet index read from it, the intent sender, the block clock with its
// window cursor, and the seated operators the connection gate admits.
import { Wallet } from "ethers";
import { BlockClock } from "../chain/block-clock.js";
import { BridgeClient } from "../chain/bridge-client.js";
import { EthIntentSender } from "../chain/eth-intents.js";
import type { EthereumChain } from "../chain/ethereum-chain.js";
import { EthersChain } from "../chain/ethers-chain.js";
import { EventIndexer } from "../chain/event-indexer.js";
import { SeatedOperators } from "../chain/seated-operators.js";
import { ValidatorClient } from "../chain/validator-client.js";
import { WalletRegistry } from "../chain/wallet-registry.js";
import { WalletSeats } from "../coordination/wallet-seats.js";
import { WindowCursor } from "../coordination/window-cursor.js";
import { normalizeAddress } from "../protocol/address.js";
import { ChainIdentity } from "./chain-identity.js";
import type { NodeHealth } from "./health.js";
import type { NodeBase } from "./node-base.js";

export interface EthereumSide {
  ethereum: EthereumChain;
  identity: ChainIdentity;
  registry: WalletRegistry;
  validator: ValidatorClient;
  bridge: BridgeClient;
  indexer: EventIndexer;
  intents: EthIntentSender;
  seats: WalletSeats;
  clock: BlockClock;
  seated: SeatedOperators;
}

export function buildEthereumSide(base: NodeBase, health: NodeHealth): EthereumSide {
  const { config, overrides, logger, metrics, store, operator } = base;
  const bridgeAddress = normalizeAddress(config.bridge.address);
  const ethereum = overrides.ethereum ?? ethersChain(base, health);
  const identity = new ChainIdentity({ ethereum, store, logger }, { config, acceptProfileChange: overrides.acceptProfileChange });
  const validator = new ValidatorClient({ caller: ethereum }, { address: normalizeAddress(config.bridge.validator) });
  const bridge = new BridgeClient({ caller: ethereum }, { address: bridgeAddress });
  // The Bridge event index (coordination.md §13.2): caught up to head − lag before any proposal.
  const indexer = new EventIndexer(
    { chain: ethereum, store, logger },
    {
      bridgeAddress,
      frostWalletRegistryAddress: config.bridge.frostWalletRegistry,
      deployBlock: config.bridge.deployBlock,
      lagBlocks: config.indexer.lagBlocks,
      chunkBlocks: config.indexer.chunkBlocks,
      rewindBlocks: config.indexer.rewindBlocks,
    },
  );
  const registry = new WalletRegistry({ chain: ethereum, indexer, store, bridge, logger }, {});
  const intents = new EthIntentSender(
    { store, chain: ethereum, wallet: new Wallet(base.operatorKey.privateKey), logger, metrics },
    { replaceAfterBlocks: config.eth.replaceAfterBlocks },
  );
  const seats = new WalletSeats();
  const clock = new BlockClock({ chain: ethereum, logger, cursorStore: new WindowCursor({ store, seats, metrics, logger }, { operator }) });
  // Connection policy (coordination.md §8.1): inbound only from configured peers and co-members of our wallets.
  const seated = new SeatedOperators({ registry, chain: ethereum, logger }, { bridgeAddress, operator });
  clock.on("block", () => seated.maybeRefresh({ signal: base.signal }));
  clock.on("block", (h) => metrics?.chainHead.set({ chain: "eth" }, h));
  return { ethereum, identity, registry, validator, bridge, indexer, intents, seats, clock, seated };
}

/** The JSON-RPC client of `eth.*`; every call it makes feeds the health and the RPC metrics. */
function ethersChain({ config, overrides, logger, metrics }: NodeBase, health: NodeHealth): EthersChain {
  return new EthersChain(
    { logger },
    {
      rpcUrl: config.eth.rpcUrl!,
      wsUrl: config.eth.wsUrl,
      pollIntervalMs: overrides.pollIntervalMs,
      chainId: config.eth.chainId === undefined ? undefined : BigInt(config.eth.chainId),
      onRpc: (method, ms, ok) => {
        if (ok) health.ethereumAnswered();
        metrics?.rpcCalls.inc({ method, ok: ok ? "true" : "false" });
        metrics?.rpcLatency.observe({ method }, ms / 1000);
      },
    },
  );
}
