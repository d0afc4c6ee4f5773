// The chain a node coordinates on (boot step 3, reliability.md §5): the chain id its RPC serves, the
// protocol profile and its hash (coordination.md §2), checked against the identity the database was
// created with, and the head at which the database was created. The network and the coordinator read
// it from their start() on; reading it before establish() is a wiring error and throws.
import type { EthereumChain } from "../chain/ethereum-chain.js";
import type { CoordinatorIdentity } from "../coordination/coordinator.js";
import { coordinationDomain, type CoordinationDomain } from "../network/eip712.js";
import type { NetworkIdentity } from "../network/network-identity.js";
import { profileHash, type ProtocolProfile } from "../protocol/profile.js";
import { META_KEYS, profileMetaKey } from "../store/repos/meta-repo.js";
import { assertLocalChain } from "../threshold/wallet-signer.js";
import type { Store } from "../store/store.js";
import type { AbortOptions } from "../util/lifecycle.js";
import type { Logger } from "../util/logger.js";
import { errorMessage } from "../util/errors.js";
import { abortable, backoffMs, sleep } from "../util/sleep.js";
import { profileFromConfig, type NodeConfig } from "./options.js";

export interface ChainIdentityComponents {
  ethereum: EthereumChain;
  store: Store;
  logger: Logger;
}

export interface ChainIdentityInit {
  config: NodeConfig;
  /** Start although the database was created under another profile. Default false. */
  acceptProfileChange?: boolean;
}

interface Established {
  chainId: bigint;
  profile: ProtocolProfile;
  profileHash: string;
  domain: CoordinationDomain;
  freshSinceHead: number;
}

export class ChainIdentity implements NetworkIdentity, CoordinatorIdentity {
  private value: Established | undefined;
  private readonly log: Logger;

  constructor(
    private readonly components: ChainIdentityComponents,
    private readonly init: ChainIdentityInit,
  ) {
    this.log = components.logger.child({ module: "node" });
  }

  /** Asks the chain (until it answers or the signal aborts), derives the profile and checks the database. */
  async establish(o: Required<AbortOptions>): Promise<void> {
    const { ethereum, store } = this.components;
    const { config } = this.init;
    const chainId = await this.servedChainId(o.signal);
    if (config.eth.chainId !== undefined && BigInt(config.eth.chainId) !== chainId) {
      throw new Error(`eth.rpcUrl serves chain ${chainId}, but the configuration expects chain ${config.eth.chainId}`);
    }
    // A signer that holds whole wallet keys is a development tool: never on a chain with real funds.
    if (config.signer.localKeysFile) assertLocalChain("signer.localKeysFile (LocalKeySigner, whole wallet keys)", chainId);
    const profile = profileFromConfig(config, chainId);
    const hash = profileHash(profile);
    this.log.info({ profile: { ...profile, chainId: profile.chainId.toString() }, profileHash: hash }, "protocol profile");
    store.checkIdentity({ chainId, bridge: profile.bridge, profileHash: hash }, { acceptProfileChange: this.init.acceptProfileChange });
    // Every profile the node ran under, so its faults' evidence can be checked later (`wcoord faults verify`).
    store.meta.setJson(profileMetaKey(hash), { ...profile, chainId: profile.chainId.toString() });
    const head = await ethereum.block("latest", { signal: o.signal });
    if (store.meta.get(META_KEYS.freshSince) === undefined) store.meta.set(META_KEYS.freshSince, String(head.number));
    const freshSinceHead = Number(store.meta.get(META_KEYS.freshSince));
    this.value = { chainId, profile, profileHash: hash, domain: coordinationDomain(chainId, profile.bridge), freshSinceHead };
  }

  /** The chain id the RPC serves, asked with backoff until it answers (reliability.md §5 step 3, §6). */
  private async servedChainId(signal: AbortSignal): Promise<bigint> {
    for (let attempt = 0; ; attempt++) {
      try {
        // ethers takes no signal here: the call is abandoned on abort, and the node destroys the provider.
        return (await abortable(this.components.ethereum.provider.getNetwork(), signal)).chainId;
      } catch (err) {
        signal.throwIfAborted();
        this.log.warn({ err: errorMessage(err), attempt }, "Ethereum RPC unreachable; retrying");
      }
      await sleep(backoffMs(attempt), signal);
    }
  }

  get established(): boolean {
    return this.value !== undefined;
  }

  get chainId(): bigint {
    return this.known().chainId;
  }

  get profile(): ProtocolProfile {
    return this.known().profile;
  }

  /** 0x-hex. */
  get profileHash(): string {
    return this.known().profileHash;
  }

  get domain(): CoordinationDomain {
    return this.known().domain;
  }

  get freshSinceHead(): number {
    return this.known().freshSinceHead;
  }

  private known(): Established {
    if (this.value === undefined) throw new Error("the chain identity is read before the chain has answered (boot step 3)");
    return this.value;
  }
}
