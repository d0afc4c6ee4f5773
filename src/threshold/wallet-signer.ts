// The WalletSigner contract (reliability.md §3.5, threshold.md §5.1): the node's only view of threshold
// signing. It lives here, below actions/, so the signers of this folder implement it; actions/signer.ts
// re-exports it unchanged.

/**
 * Which signature, under which key, one digest asks for (threshold.md §5.1).
 * - `ecdsa`: low-s r ‖ s under the wallet's ECDSA key (the only kind before FROST wallets).
 * - `bip340` with `key: "wallet"`: a BIP-340 signature under `walletX` itself, untweaked (a FROST
 *   wallet's own P2TR output: main UTXO, change, moving-funds and moved-funds outputs).
 * - `bip340` with `key: "tapLeaf"`: a BIP-340 signature under the output key of a Taproot deposit,
 *   `Q = lift_x(walletX) + t·G` with `t = TaggedHash("TapTweak", walletX ‖ leafHash)` (§4.2), where
 *   `leafHash` is the 32-byte TapLeaf hash of the deposit's refund leaf (its only leaf, so also the
 *   merkle root).
 */
export type DigestKey =
  | { readonly scheme: "ecdsa" }
  | { readonly scheme: "bip340"; readonly key: "wallet" }
  | { readonly scheme: "bip340"; readonly key: "tapLeaf"; readonly leafHash: Uint8Array };

export interface SignRequest {
  readonly walletPkh: Uint8Array;
  /** 32 bytes, deterministic (signingRoundId), so a restarted node rejoins the same round. */
  readonly roundId: Uint8Array;
  /** 32-byte digests, signed in order. */
  readonly digests: readonly Uint8Array[];
  /**
   * One entry per digest, in the same order. Absent: every digest is `{ scheme: "ecdsa" }` (the
   * contract before FROST wallets). A signer refuses a request whose kinds it cannot sign, and a
   * `keys` whose length differs from `digests`.
   */
  readonly keys?: readonly DigestKey[];
  readonly startBlock: number;
  readonly deadlineBlock: number;
  /**
   * EIP-55 operator address of the window's leader, the coordinator of a quorum session's attempt 0
   * (threshold.md §5.2). Signers that sign alone ignore it. Absent: a quorum signer uses member index 1
   * as attempt 0's coordinator (every member does the same, so they still agree).
   */
  readonly leader?: string;
  /** Fires at the deadline block or at shutdown. */
  readonly signal?: AbortSignal;
}

export interface WalletSigner {
  /**
   * One 64-byte signature per digest: r ‖ s, low-s, for `ecdsa`; the BIP-340 signature x(R) ‖ s for
   * `bip340`.
   */
  sign(req: SignRequest): Promise<Uint8Array[]>;
}

export const ECDSA_DIGEST: DigestKey = Object.freeze({ scheme: "ecdsa" });

/** The kind of every digest of `req` (ECDSA where `keys` is absent); throws on a length mismatch. */
export function digestKeysOf(req: SignRequest): readonly DigestKey[] {
  if (req.keys === undefined) return req.digests.map(() => ECDSA_DIGEST);
  if (req.keys.length !== req.digests.length) {
    throw new Error(`sign request has ${req.digests.length} digests but ${req.keys.length} digest keys`);
  }
  return req.keys;
}

export class UnknownWalletError extends Error {
  override readonly name = "UnknownWalletError";
  readonly code = "UNKNOWN_WALLET";
  constructor(
    readonly walletPkh: string,
    message = `no local key for wallet ${walletPkh}`,
  ) {
    super(message);
  }
}

/** Chain ids of development chains (hardhat, ganache/geth dev) on which a development signer may run. */
export const LOCAL_CHAIN_IDS: readonly bigint[] = [31337n, 1337n];

export class NonLocalChainError extends Error {
  override readonly name = "NonLocalChainError";
  constructor(readonly signer: string, readonly chainId: bigint) {
    super(`${signer} is a development signer and refuses chain ${chainId} (local chains: ${LOCAL_CHAIN_IDS.join(", ")})`);
  }
}

/** Throws NonLocalChainError unless `chainId` is a local development chain. */
export function assertLocalChain(signer: string, chainId: bigint): void {
  if (!LOCAL_CHAIN_IDS.includes(chainId)) throw new NonLocalChainError(signer, chainId);
}
