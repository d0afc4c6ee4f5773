// The WalletSigner compliance suite (style.md §1.14, reliability.md §3.5): the node's only view of
// threshold signing, checked against one implementation. `describeWalletSignerCompliance(name, factory)`
// is called once per implementation; the factory says which wallet the signer can sign for.
import { afterEach, describe, expect, it } from "vitest";
import { signingRoundId, verifyWalletSignature, type SignRequest, type WalletSigner } from "../../src/actions/signer.js";
import { to0x } from "../../src/util/hex.js";

/** secp256k1 group order: a low-s signature has s ≤ N/2. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface WalletSignerHarness {
  readonly signer: WalletSigner;
  /** A wallet the signer signs for: its PKH and its 64-byte X ‖ Y public key (as the Bridge returns it). */
  readonly wallet: { readonly pkh: Uint8Array; readonly publicKey: Uint8Array };
  /** A wallet the signer holds no key for. */
  readonly foreignWalletPkh: Uint8Array;
  close(): Promise<void>;
}

export type WalletSignerFactory = () => Promise<WalletSignerHarness>;

const digestsOf = (...fills: number[]): Uint8Array[] => fills.map((f) => new Uint8Array(32).fill(f));

function request(walletPkh: Uint8Array, digests: Uint8Array[], signal?: AbortSignal): SignRequest {
  const W = 900;
  return { walletPkh, roundId: signingRoundId(walletPkh, W, digests), digests, startBlock: W + 100, deadlineBlock: W + 400, signal };
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

    it("gives one 64-byte low-s r ‖ s per digest, in order, each verifying against the wallet key", async () => {
      const { signer, wallet } = await make();
      const digests = digestsOf(1, 2, 3);
      const sigs = await signer.sign(request(wallet.pkh, digests));
      expect(sigs).toHaveLength(digests.length);
      sigs.forEach((sig, i) => {
        expect(sig).toBeInstanceOf(Uint8Array);
        expect(sig).toHaveLength(64);
        expect(BigInt(to0x(sig.subarray(32)))).toBeLessThanOrEqual(N >> 1n);
        expect(verifyWalletSignature(digests[i], sig, wallet.publicKey)).toBe(true);
        // Each signature belongs to its own digest: the order is the request's.
        expect(verifyWalletSignature(digests[(i + 1) % digests.length], sig, wallet.publicKey)).toBe(false);
      });
    });

    it("signs the same round again when asked again (a node that rejoins after a restart)", async () => {
      const { signer, wallet } = await make();
      const digests = digestsOf(7);
      const req = request(wallet.pkh, digests);
      for (const sigs of [await signer.sign(req), await signer.sign(req)]) {
        expect(sigs).toHaveLength(1);
        expect(verifyWalletSignature(digests[0], sigs[0], wallet.publicKey)).toBe(true);
      }
    });

    it("rejects with the reason of an already aborted signal", async () => {
      const { signer, wallet } = await make();
      const reason = new Error("deadline block");
      const err = await rejection(signer.sign(request(wallet.pkh, digestsOf(1), AbortSignal.abort(reason))));
      expect(err).toBe(reason);
    });

    it("rejects a wallet it holds no key for, never signing with another wallet's key", async () => {
      const { signer, foreignWalletPkh } = await make();
      expect(await rejection(signer.sign(request(foreignWalletPkh, digestsOf(1))))).toBeInstanceOf(Error);
    });

    it("rejects a digest that is not 32 bytes", async () => {
      const { signer, wallet } = await make();
      for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)]) {
        expect(await rejection(signer.sign(request(wallet.pkh, [digestsOf(1)[0], bad])))).toBeInstanceOf(Error);
      }
    });
  });
}
