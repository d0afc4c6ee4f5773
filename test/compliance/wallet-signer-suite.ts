// The WalletSigner compliance suite (style.md §1.14, reliability.md §3.5): the node's only view of
// threshold signing, checked against one implementation. `describeWalletSignerCompliance(name, factory)`
// is called once per implementation; the factory says which wallet the signer can sign for. A FROST
// wallet (the harness gives its walletX) is asked for BIP-340 signatures under walletX, and under a
// deposit leaf's tweaked key; an ECDSA wallet for low-s ECDSA signatures, as before FROST wallets.
import { schnorr } from "@noble/curves/secp256k1.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  signingRoundId,
  tapLeafOutputKey,
  verifyBip340Signature,
  verifyWalletSignature,
  type DigestKey,
  type SignRequest,
  type WalletSigner,
} from "../../src/actions/signer.js";
import { to0x } from "../../src/util/hex.js";

/** secp256k1 group order: a low-s signature has s ≤ N/2. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface WalletSignerHarness {
  readonly signer: WalletSigner;
  /**
   * A wallet the signer signs for: its PKH and its 64-byte X ‖ Y public key (as the Bridge returns it);
   * for a FROST wallet also its 32-byte `walletX`, and the suite asks for BIP-340 signatures.
   */
  readonly wallet: { readonly pkh: Uint8Array; readonly publicKey: Uint8Array; readonly walletX?: Uint8Array };
  /** A wallet the signer holds no key for. */
  readonly foreignWalletPkh: Uint8Array;
  close(): Promise<void>;
}

export type WalletSignerFactory = () => Promise<WalletSignerHarness>;

const digestsOf = (...fills: number[]): Uint8Array[] => fills.map((f) => new Uint8Array(32).fill(f));

const WALLET_KEY: DigestKey = { scheme: "bip340", key: "wallet" };

function request(walletPkh: Uint8Array, digests: Uint8Array[], signal?: AbortSignal, key?: DigestKey): SignRequest {
  const W = 900;
  const keys = key === undefined ? undefined : digests.map(() => key);
  return { walletPkh, roundId: signingRoundId(walletPkh, W, digests), digests, keys, startBlock: W + 100, deadlineBlock: W + 400, signal };
}

/** What the suite asks a harness's signer for and how it checks the answer: ECDSA, or BIP-340 under walletX. */
function schemeOf(h: WalletSignerHarness): { key?: DigestKey; verify(digest: Uint8Array, sig: Uint8Array): boolean } {
  const { walletX, publicKey } = h.wallet;
  if (walletX === undefined) return { verify: (d, sig) => verifyWalletSignature(d, sig, publicKey) };
  return { key: WALLET_KEY, verify: (d, sig) => verifyBip340Signature(d, sig, walletX) };
}

const rejection = (p: Promise<unknown>): Promise<unknown> => p.then(
  (v) => { throw new Error(`expected a rejection, got ${String(v)}`); },
  (e: unknown) => e,
);

export function describeWalletSignerCompliance(name: string, factory: WalletSignerFactory): void {
  describe(`WalletSigner compliance: ${name}`, () => {
    let h: WalletSignerHarness | undefined;
    const make = async (): Promise<WalletSignerHarness> => (h = await factory());
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it("gives one 64-byte signature per digest, in order, each verifying against the wallet key (ECDSA: low-s)", async () => {
      const harness = await make();
      const { key, verify } = schemeOf(harness);
      const digests = digestsOf(1, 2, 3);
      const sigs = await harness.signer.sign(request(harness.wallet.pkh, digests, undefined, key));
      expect(sigs).toHaveLength(digests.length);
      sigs.forEach((sig, i) => {
        expect(sig).toBeInstanceOf(Uint8Array);
        expect(sig).toHaveLength(64);
        if (key === undefined) expect(BigInt(to0x(sig.subarray(32)))).toBeLessThanOrEqual(N >> 1n);
        expect(verify(digests[i], sig)).toBe(true);
        // Each signature belongs to its own digest: the order is the request's.
        expect(verify(digests[(i + 1) % digests.length], sig)).toBe(false);
      });
    });

    it("signs the same round again when asked again (a node that rejoins after a restart)", async () => {
      const harness = await make();
      const { key, verify } = schemeOf(harness);
      const digests = digestsOf(7);
      const req = request(harness.wallet.pkh, digests, undefined, key);
      for (const sigs of [await harness.signer.sign(req), await harness.signer.sign(req)]) {
        expect(sigs).toHaveLength(1);
        expect(verify(digests[0], sigs[0])).toBe(true);
      }
    });

    it("FROST wallets: signs a deposit input under its leaf-tweaked key, beside a wallet-key input", async (ctx) => {
      const harness = await make();
      const walletX = harness.wallet.walletX;
      if (walletX === undefined) return ctx.skip();
      const leafHash = schnorr.utils.taggedHash("TapLeaf", Uint8Array.of(0xc0, 1, 0x51));
      const digests = digestsOf(4, 5);
      const keys: DigestKey[] = [{ scheme: "bip340", key: "tapLeaf", leafHash }, WALLET_KEY];
      const sigs = await harness.signer.sign({ ...request(harness.wallet.pkh, digests), keys });
      expect(verifyBip340Signature(digests[0], sigs[0], tapLeafOutputKey(walletX, leafHash))).toBe(true);
      expect(verifyBip340Signature(digests[0], sigs[0], walletX)).toBe(false);
      expect(verifyBip340Signature(digests[1], sigs[1], walletX)).toBe(true);
    });

    it("rejects with the reason of an already aborted signal", async () => {
      const harness = await make();
      const reason = new Error("deadline block");
      const err = await rejection(harness.signer.sign(request(harness.wallet.pkh, digestsOf(1), AbortSignal.abort(reason), schemeOf(harness).key)));
      expect(err).toBe(reason);
    });

    it("rejects a wallet it holds no key for, never signing with another wallet's key", async () => {
      const harness = await make();
      expect(await rejection(harness.signer.sign(request(harness.foreignWalletPkh, digestsOf(1), undefined, schemeOf(harness).key)))).toBeInstanceOf(Error);
    });

    it("rejects a digest that is not 32 bytes", async () => {
      const harness = await make();
      for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)]) {
        const req = request(harness.wallet.pkh, [digestsOf(1)[0], bad], undefined, schemeOf(harness).key);
        expect(await rejection(harness.signer.sign(req))).toBeInstanceOf(Error);
      }
    });
  });
}
