// Typed, pinned reads of the Bridge views (contracts.md §2.4), decoded by name. Every read names its
// block; a read that finds no contract code throws EmptyCallResultError.
import { getAddress } from "ethers";
import type { AbortOptions } from "../util/lifecycle.js";
import { toHex } from "../util/hex.js";
import { bridgeViews, type BridgeViews } from "./abi.js";
import { callView, toPinnedCaller, type BlockRef, type CallSource, type PinnedCaller } from "./pinned-call.js";
import type {
  DepositParameters,
  DepositRequest,
  MovedFundsSweepRequest,
  MovingFundsParameters,
  RedemptionParameters,
  RedemptionRequest,
  WalletParameters,
  WalletRecord,
  WalletSchemeView,
} from "./types.js";
import { WalletSchemeId, type WalletSigningScheme } from "./types.js";

export interface BridgeClientComponents {
  /** The node's EthereumChain, or any JSON-RPC sender (a provider). */
  caller: CallSource;
}

export interface BridgeClientInit {
  /** The Bridge's address (any case). */
  address: string;
  /** Per-call time limit when `caller` is a JSON-RPC sender. Default DEFAULT_CALL_TIMEOUT_MS (10 s). */
  timeoutMs?: number;
}

/**
 * The wallet's signing scheme pinned at `at` (threshold.md §2): FROST's walletX is the X half of the
 * Bridge's wallet public key. ECDSA also for a wallet the Bridge does not know.
 */
export async function signingSchemeAt(bridge: BridgeClient, walletPkh: Uint8Array, at: BlockRef, o: AbortOptions = {}): Promise<WalletSigningScheme> {
  const view = await bridge.walletScheme(walletPkh, at, o);
  if (view.scheme !== WalletSchemeId.FROST) return { scheme: "ecdsa" };
  const publicKey = await bridge.walletPublicKey(walletPkh, at, o);
  if (publicKey.length !== 64) throw new Error(`FROST wallet ${toHex(walletPkh)} has no public key at ${at.blockNumber}`);
  return { scheme: "frost", threshold: Number(view.threshold), walletX: publicKey.slice(0, 32) };
}

/** Per target wallet: its walletX when it is a FROST wallet (paid by P2TR), else null (P2WPKH), at `at`. */
export function targetWalletKeys(bridge: BridgeClient, targets: readonly Uint8Array[], at: BlockRef, o: AbortOptions = {}): Promise<(Uint8Array | null)[]> {
  return Promise.all(
    targets.map(async (t) => {
      const scheme = await signingSchemeAt(bridge, t, at, o);
      return scheme.scheme === "frost" ? scheme.walletX : null;
    }),
  );
}

export class BridgeClient {
  readonly address: string;
  private readonly caller: PinnedCaller;

  constructor(components: BridgeClientComponents, init: BridgeClientInit) {
    this.address = getAddress(init.address);
    this.caller = toPinnedCaller(components.caller, { timeoutMs: init.timeoutMs });
  }

  wallets(walletPubKeyHash: Uint8Array, at: BlockRef, o?: AbortOptions): Promise<WalletRecord> {
    return this.read("wallets", [walletPubKeyHash], at, o);
  }

  /** Seat list (seat k is index k−1), EIP-55 checksummed; empty for an unknown wallet. */
  walletOperators(walletPubKeyHash: Uint8Array, at: BlockRef, o?: AbortOptions): Promise<string[]> {
    return this.read("walletOperators", [walletPubKeyHash], at, o);
  }

  /** 64 bytes X ‖ Y (a FROST wallet's: walletX ‖ even y); empty for an unknown wallet. */
  walletPublicKey(walletPubKeyHash: Uint8Array, at: BlockRef, o?: AbortOptions): Promise<Uint8Array> {
    return this.read("walletPublicKey", [walletPubKeyHash], at, o);
  }

  /** The wallet's scheme (0 ECDSA, 1 FROST) and FROST signing threshold; ECDSA and 0 for an ECDSA or unknown wallet. */
  walletScheme(walletPubKeyHash: Uint8Array, at: BlockRef, o?: AbortOptions): Promise<WalletSchemeView> {
    return this.read("walletScheme", [walletPubKeyHash], at, o);
  }

  /** The FrostWalletRegistry; the zero address until governance sets it. */
  frostWalletRegistry(at: BlockRef, o?: AbortOptions): Promise<string> {
    return this.read("frostWalletRegistry", [], at, o);
  }

  deposits(depositKey: bigint, at: BlockRef): Promise<DepositRequest> {
    return this.read("deposits", [depositKey], at);
  }

  depositWalletPubKeyHash(depositKey: bigint, at: BlockRef): Promise<Uint8Array> {
    return this.read("depositWalletPubKeyHash", [depositKey], at);
  }

  pendingRedemptions(redemptionKey: bigint, at: BlockRef): Promise<RedemptionRequest> {
    return this.read("pendingRedemptions", [redemptionKey], at);
  }

  movedFundsSweepRequests(requestKey: bigint, at: BlockRef): Promise<MovedFundsSweepRequest> {
    return this.read("movedFundsSweepRequests", [requestKey], at);
  }

  depositParameters(at: BlockRef): Promise<DepositParameters> {
    return this.read("depositParameters", [], at);
  }

  redemptionParameters(at: BlockRef): Promise<RedemptionParameters> {
    return this.read("redemptionParameters", [], at);
  }

  movingFundsParameters(at: BlockRef): Promise<MovingFundsParameters> {
    return this.read("movingFundsParameters", [], at);
  }

  walletParameters(at: BlockRef): Promise<WalletParameters> {
    return this.read("walletParameters", [], at);
  }

  /** The zero address means no watchtower. */
  getRedemptionWatchtower(at: BlockRef): Promise<string> {
    return this.read("getRedemptionWatchtower", [], at);
  }

  liveWalletsCount(at: BlockRef): Promise<number> {
    return this.read("liveWalletsCount", [], at);
  }

  activeWalletPubKeyHash(at: BlockRef): Promise<Uint8Array> {
    return this.read("activeWalletPubKeyHash", [], at);
  }

  isVaultTrusted(vault: string, at: BlockRef): Promise<boolean> {
    return this.read("isVaultTrusted", [vault], at);
  }

  isMaintainer(account: string, at: BlockRef): Promise<boolean> {
    return this.read("isMaintainer", [account], at);
  }

  isRedemptionRequester(account: string, at: BlockRef): Promise<boolean> {
    return this.read("isRedemptionRequester", [account], at);
  }

  governance(at: BlockRef): Promise<string> {
    return this.read("governance", [], at);
  }

  private read<K extends keyof BridgeViews & string>(fn: K, args: readonly unknown[], at: BlockRef, o?: AbortOptions): Promise<BridgeViews[K]> {
    return callView(this.caller, this.address, bridgeViews, fn, args, at, o);
  }
}
