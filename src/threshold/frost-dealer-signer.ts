// FrostDealerSigner: a development WalletSigner for FROST wallets (threshold.md §1, §5.1). It holds the
// trusted dealer's shares of each wallet (createDevFrostWallet) and makes every signature through the
// library's real FROST rounds among `t` of them (frost-rounds.ts), never with a whole secret.
//
// A dealer signer is a development tool and nothing more: the dealer saw the whole key when it dealt
// the shares, and this one process holds every share it signs with. It refuses every chain but a
// local development chain. Real wallets come from the DKG, and each member signs with its own share.
import { schnorr_FROST } from "@noble/curves/secp256k1.js";
import type { FrostPublic } from "@noble/curves/abstract/frost.js";
import { walletPkhFromPublicKey } from "../coordination/seed.js";
import { bytesEqual, concatBytes, toHex } from "../util/hex.js";
import type { DevFrostWallet } from "./dev-wallet.js";
import { frostSignDigest, type FrostMemberShare, type FrostRounds } from "./frost-rounds.js";
import { bip340KeyOf, verifyBip340Signature } from "./taproot.js";
import { UnknownWalletError, assertLocalChain, digestKeysOf, type DigestKey, type SignRequest, type WalletSigner } from "./wallet-signer.js";

export interface FrostDealerSignerOptions {
  /** The chain the node runs on; anything but a local development chain is refused. */
  readonly chainId: bigint;
  /** The FROST round functions; the library's `schnorr_FROST` unless a test wraps them. */
  readonly rounds?: FrostRounds;
}

interface HeldWallet {
  readonly walletX: Uint8Array;
  readonly public: FrostPublic;
  /** The `t` members that sign every session, ascending. */
  readonly signers: readonly FrostMemberShare[];
}

type Bip340Key = Extract<DigestKey, { scheme: "bip340" }>;

export class FrostDealerSigner implements WalletSigner {
  private readonly held = new Map<string, HeldWallet>();
  private readonly rounds: FrostRounds;

  constructor(wallets: Iterable<DevFrostWallet>, opts: FrostDealerSignerOptions) {
    assertLocalChain("FrostDealerSigner", opts.chainId);
    this.rounds = opts.rounds ?? schnorr_FROST;
    for (const w of wallets) this.hold(w);
  }

  /** Wallet PKHs (lowercase hex) this signer holds shares for. */
  wallets(): string[] {
    return [...this.held.keys()];
  }

  async sign(req: SignRequest): Promise<Uint8Array[]> {
    req.signal?.throwIfAborted();
    const wallet = this.held.get(toHex(req.walletPkh));
    if (wallet === undefined) throw new UnknownWalletError(toHex(req.walletPkh));
    const keys = digestKeysOf(req).map((k, i) => checkedKey(k, req.digests[i]));
    const sigs: Uint8Array[] = [];
    for (const [i, digest] of req.digests.entries()) {
      req.signal?.throwIfAborted();
      const key = keys[i];
      const sig = frostSignDigest(this.rounds, wallet.public, wallet.signers, digest, key.key === "tapLeaf" ? key.leafHash : undefined);
      // The library's aggregate checked the signature under its own tweak; check it under ours too.
      if (!verifyBip340Signature(digest, sig, bip340KeyOf(wallet.walletX, key))) {
        throw new Error(`FROST signature ${i} does not verify under its ${key.key} key`);
      }
      sigs.push(sig);
    }
    return sigs;
  }

  private hold(w: DevFrostWallet): void {
    const groupKey = w.public.commitments[0];
    if (groupKey.length !== 33 || !bytesEqual(groupKey.subarray(1), w.walletX)) throw new Error("walletX is not the x coordinate of the group key");
    const pkh = walletPkhFromPublicKey(concatBytes(Uint8Array.of(2), w.walletX));
    if (!bytesEqual(pkh, w.walletPkh)) throw new Error(`wallet PKH ${toHex(w.walletPkh)} is not HASH160(0x02 ‖ walletX) = ${toHex(pkh)}`);
    const signers = [...w.shares.entries()]
      .sort(([a], [b]) => a - b)
      .slice(0, w.threshold)
      .map(([member, secret]): FrostMemberShare => ({ member, secret }));
    if (signers.length < w.threshold) throw new Error(`wallet ${toHex(pkh)}: ${signers.length} shares held, ${w.threshold} needed`);
    for (const s of signers) schnorr_FROST.validateSecret(s.secret, w.public);
    this.held.set(toHex(pkh), { walletX: w.walletX, public: w.public, signers });
  }
}

/** A FROST wallet signs BIP-340 digests only, each 32 bytes, a leaf hash 32 bytes. */
function checkedKey(key: DigestKey, digest: Uint8Array): Bip340Key {
  if (digest.length !== 32) throw new Error(`digest must be 32 bytes, got ${digest.length}`);
  if (key.scheme !== "bip340") throw new Error(`a FROST wallet signs BIP-340 digests only, not ${key.scheme}`);
  if (key.key === "tapLeaf" && key.leafHash.length !== 32) throw new Error(`leaf hash must be 32 bytes, got ${key.leafHash.length}`);
  return key;
}
