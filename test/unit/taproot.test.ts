// Taproot forms of FROST wallets (threshold.md §2, §4.1–4.2) against bitcoinjs-lib's P2TR payment,
// BIP-341's own wallet test vector and the contract tests' independent refund-leaf builder.
import * as ecc from "@bitcoinerlab/secp256k1";
import { schnorr } from "@noble/curves/secp256k1.js";
import { initEccLib, payments } from "bitcoinjs-lib";
import { describe, expect, it } from "vitest";
import { hash160 } from "../../src/bitcoin/scripts.js";
import {
  isTaprootDepositOutput,
  isValidXOnlyKey,
  p2trKeyOf,
  p2trScript,
  tapLeafHash,
  taprootDepositOutput,
  taprootRefundLeaf,
  tapTweak,
  tweakedOutputKey,
  xOnlyPubKeyHash,
} from "../../src/bitcoin/taproot.js";
import { concatBytes, fromHex, toHex } from "../../src/util/hex.js";
import { refundLeaf as contractTestsRefundLeaf } from "../contracts/helpers/taproot-fixtures.js";
import { Wallet } from "ethers";
import { taprootDepositRevealArgs, taprootRefundLeaf as devFixturesRefundLeaf } from "../../deploy/dev-fixtures.js";

initEccLib(ecc as never);

const fill = (b: number, n: number): Uint8Array => new Uint8Array(n).fill(b);
const keyOf = (seed: number): Uint8Array => schnorr.getPublicKey(fill(seed, 32));

const PARTS = {
  depositor: fromHex("934b98637ca318a4d6e7ca6ffd1690b8e77df637"),
  blindingFactor: fromHex("f9f0c90d00039523"),
  refundLocktime: fromHex("60bcea61"),
  refundX: keyOf(7),
};
const EXTRA = fromHex("a9b38ea6435c8941d6eda6a46b68e3e2117196995bd154ab55196396b03d9bda");

describe("FROST wallet output and PKH (§2, §4.1)", () => {
  it("the wallet output is 0x5120 ‖ walletX, as bitcoinjs-lib's P2TR of the untweaked key", () => {
    const x = keyOf(1);
    const script = p2trScript(x);
    expect(toHex(script)).toBe("5120" + toHex(x));
    expect(toHex(script)).toBe(toHex(payments.p2tr({ pubkey: x }).output!));
    expect(toHex(p2trKeyOf(script)!)).toBe(toHex(x));
    expect(p2trKeyOf(fromHex("0014" + "11".repeat(20)))).toBeNull();
    expect(p2trKeyOf(fromHex("0020" + "11".repeat(32)))).toBeNull();
    expect(() => p2trScript(fill(1, 33))).toThrow(/32 bytes/);
  });

  it("the wallet PKH is HASH160(0x02 ‖ walletX)", () => {
    const x = keyOf(2);
    expect(toHex(xOnlyPubKeyHash(x))).toBe(toHex(hash160(concatBytes(Uint8Array.of(2), x))));
    expect(toHex(xOnlyPubKeyHash(x))).toBe(toHex(payments.p2wpkh({ pubkey: concatBytes(Uint8Array.of(2), x) }).hash!));
  });

  it("tells curve x coordinates from others", () => {
    expect(isValidXOnlyKey(keyOf(3))).toBe(true);
    expect(isValidXOnlyKey(fromHex("00".repeat(31) + "05"))).toBe(false); // 5³ + 7 is not a square
    expect(isValidXOnlyKey(fill(0xff, 32))).toBe(false); // ≥ p
    expect(isValidXOnlyKey(fill(1, 31))).toBe(false);
  });
});

describe("Taproot deposit (§4.2)", () => {
  it("BIP-341 wallet test vector: one leaf, leaf hash, tweak and output script", () => {
    const internal = fromHex("187791b6f712a8ea41c8ecdd0ee77fab3e85263b37e1ec18a3651926b3a6cf27");
    const leaf = fromHex("20d85a959b0290bf19bb89ed43c916be835475d013da4b362117393e25a48229b8ac");
    const out = taprootDepositOutput(internal, leaf);
    expect(toHex(out.leafHash)).toBe("5b75adecf53548f3ec6ad7d78383bf84cc57b55a3127c72b9a2481752dd88b21");
    expect(out.tweak.toString(16)).toBe("cbd8679ba636c1110ea247542cfbd964131a6be84f873f7f3b62a777528ed001");
    expect(toHex(out.script)).toBe("5120147c9c57132f6e7ecddba9800bb0c4449251c92a1e60371ee77557b6620f3ea3");
  });

  it("the refund leaf is exactly the §4.2 bytes: 73, and 107 with extra data", () => {
    const leaf = taprootRefundLeaf(PARTS);
    expect(toHex(leaf)).toBe(
      "14" + toHex(PARTS.depositor) + "75" + "08" + toHex(PARTS.blindingFactor) + "75" + "04" + "60bcea61" + "b175" + "20" + toHex(PARTS.refundX) + "ac",
    );
    expect(leaf).toHaveLength(73);
    const withExtra = taprootRefundLeaf({ ...PARTS, extraData: EXTRA });
    expect(withExtra).toHaveLength(107);
    expect(toHex(withExtra.subarray(0, 22 + 34))).toBe("14" + toHex(PARTS.depositor) + "75" + "20" + toHex(EXTRA) + "75");
    // Zero extra data is a regular deposit.
    expect(toHex(taprootRefundLeaf({ ...PARTS, extraData: fill(0, 32) }))).toBe(toHex(leaf));
    expect(() => taprootRefundLeaf({ ...PARTS, refundX: fill(1, 33) })).toThrow(/refund x/);
    expect(() => taprootRefundLeaf({ ...PARTS, extraData: fill(1, 20) })).toThrow(/extra data/);
  });

  it("matches the contract tests' builder and the dev fixtures' re-export", () => {
    for (const extraData of [undefined, EXTRA]) {
      const mine = taprootRefundLeaf({ ...PARTS, extraData });
      const theirs = contractTestsRefundLeaf({
        depositor: "0x" + toHex(PARTS.depositor),
        blindingFactor: "0x" + toHex(PARTS.blindingFactor),
        refundLocktime: "0x" + toHex(PARTS.refundLocktime),
        refundX: "0x" + toHex(PARTS.refundX),
        ...(extraData ? { extraData: "0x" + toHex(extraData) } : {}),
      });
      expect(toHex(mine)).toBe(toHex(theirs));
      expect(toHex(devFixturesRefundLeaf({ ...PARTS, extraData }))).toBe(toHex(mine));
    }
  });

  it("the dev fixtures' Taproot reveal pays bitcoinjs-lib's P2TR of its leaf, with the x-only PKHs", async () => {
    const walletX = keyOf(4);
    const depositor = new Wallet("0x" + "42".repeat(32));
    const { fundingTx, reveal, deposit } = await taprootDepositRevealArgs(depositor, walletX, 70_000n, 1_700_000_000, 3);
    const leaf = taprootRefundLeaf({
      depositor: fromHex(depositor.address),
      blindingFactor: reveal.blindingFactor as Uint8Array,
      refundLocktime: reveal.refundLocktime as Uint8Array,
      refundX: reveal.refundX as Uint8Array,
    });
    const output = payments.p2tr({ internalPubkey: walletX, scriptTree: { output: leaf } }).output!;
    expect(toHex(fundingTx.outputVector.subarray(9))).toBe("22" + toHex(output));
    expect(toHex(deposit.extraInfo.walletPubKeyHash)).toBe(toHex(xOnlyPubKeyHash(walletX)));
    expect(toHex(deposit.extraInfo.refundPubKeyHash)).toBe(toHex(xOnlyPubKeyHash(reveal.refundX as Uint8Array)));
  });

  it("leaf hash, output key, parity and output script equal bitcoinjs-lib's P2TR for 50 wallet keys (both leaf sizes)", () => {
    for (let k = 1; k <= 50; k++) {
      const walletX = keyOf(k);
      const leaf = taprootRefundLeaf({ ...PARTS, refundX: keyOf(k + 100), extraData: k % 2 === 0 ? EXTRA : undefined });
      const bjs = payments.p2tr({ internalPubkey: walletX, scriptTree: { output: leaf }, redeem: { output: leaf } });
      const out = taprootDepositOutput(walletX, leaf);
      expect(toHex(out.leafHash)).toBe(toHex(bjs.hash!));
      expect(toHex(out.outputX)).toBe(toHex(bjs.pubkey!));
      expect(toHex(out.script)).toBe(toHex(bjs.output!));
      // The control block's first byte is the leaf version with the output key's y parity.
      expect(out.oddY).toBe((bjs.witness![1]![0]! & 1) === 1);
      expect(isTaprootDepositOutput(bjs.output!, walletX, leaf)).toBe(true);
      expect(isTaprootDepositOutput(bjs.output!, keyOf(k + 1), leaf)).toBe(false);
      expect(isTaprootDepositOutput(p2trScript(walletX), walletX, leaf)).toBe(false);
    }
  });

  it("tapLeafHash, tapTweak and tweakedOutputKey compose to the output key; bad lengths throw", () => {
    const walletX = keyOf(9);
    const leaf = taprootRefundLeaf(PARTS);
    const h = tapLeafHash(leaf);
    const t = tapTweak(walletX, h);
    expect(toHex(tweakedOutputKey(walletX, t).outputX)).toBe(toHex(taprootDepositOutput(walletX, leaf).outputX));
    // t = 0 leaves the key as it is (lift_x: even y).
    expect(tweakedOutputKey(walletX, 0n)).toEqual({ outputX: walletX, oddY: false });
    expect(() => tapTweak(fill(1, 31), h)).toThrow(/internal key/);
    expect(() => tapTweak(walletX, fill(1, 31))).toThrow(/merkle root/);
  });
});
