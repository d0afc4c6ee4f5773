// Taproot deposits (threshold.md §4.2, §4.3): the Taproot library against bitcoinjs-lib's P2TR payment and
// a plain elliptic-curve computation (1,000 random keys and tweaks), and Bridge.revealTaprootDeposit with
// every refusal, the scheme rules for both reveal kinds and the gas target.
import fc from "fast-check";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { AbiCoder, getAddress, toBeHex, zeroPadValue, type Contract, type Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concatBytes, fromHex, to0x } from "../../src/util/hex.js";
import { DAY, ZERO_BYTES32, p2wshOutputScript, randomHex, txOutput } from "./helpers/bitcoin-fixtures.js";
import { ZERO_ADDRESS, eventsOf, registerWallet, send, testFunding, testWallet, tuple } from "./helpers/bridge-fixture.js";
import { closeNet, expectRevert, snapshotScope } from "./helpers/evm.js";
import { deployFrostFixture, registerFrostWallet, type FrostFixture } from "./helpers/frost-fixture.js";
import {
  SECP256K1_N,
  createTaprootDeposit,
  p2trPayment,
  prefixed,
  randomXOnlyKey,
  refundLeaf,
  tweakedPointAddress,
  xOnlyPubKeyHash,
  type TestTaprootDeposit,
} from "./helpers/taproot-fixtures.js";

const context = describe;

let f: FrostFixture;
let harness: Contract;
let walletX: string;
let walletPubKeyHash: string;
let revealer: Signer;
let revealerAddress: string;

beforeAll(async () => {
  f = await deployFrostFixture();
  harness = (await f.net.ethers.deployContract("TaprootHarness")) as unknown as Contract;
  ({ walletX } = await registerFrostWallet(f));
  walletPubKeyHash = xOnlyPubKeyHash(walletX);
  revealer = f.others[3];
  revealerAddress = await revealer.getAddress();
});

afterAll(async () => {
  await closeNet(f?.net);
});

const scope = (): void => snapshotScope(() => f.net);
const latest = (): Promise<number> => f.net.networkHelpers.time.latest();

async function deposit(o: Partial<Parameters<typeof createTaprootDeposit>[0]> = {}): Promise<TestTaprootDeposit> {
  return createTaprootDeposit({ walletX, depositor: revealerAddress, revealedAt: await latest(), ...o });
}

function reveal(d: TestTaprootDeposit, overrides: Partial<TestTaprootDeposit["reveal"]> = {}): Promise<unknown> {
  const r = { ...d.reveal, ...overrides };
  return BigInt(d.request.extraData) === 0n
    ? f.bridge.connect(revealer).getFunction("revealTaprootDeposit")(d.extraInfo.fundingTx, r)
    : f.bridge.connect(revealer).getFunction("revealTaprootDepositWithExtraData")(d.extraInfo.fundingTx, r, d.request.extraData);
}

describe("Taproot library against bitcoinjs-lib and @noble/curves", () => {
  const EXTRA = "0xa9b38ea6435c8941d6eda6a46b68e3e2117196995bd154ab55196396b03d9bda";

  for (const extraData of [ZERO_BYTES32, EXTRA]) {
    it(`refund leaf, leaf hash, tweak and output key ${extraData === ZERO_BYTES32 ? "(73-byte leaf)" : "(107-byte leaf, extra data)"}`, async () => {
      const p = { depositor: randomHex(20), extraData, blindingFactor: randomHex(8), refundLocktime: "0x60bcea61", refundX: randomXOnlyKey().x };
      const leaf = refundLeaf(p);
      const parts = AbiCoder.defaultAbiCoder().encode(["address", "bytes32", "bytes8", "bytes4", "bytes32"], [p.depositor, extraData, p.blindingFactor, p.refundLocktime, p.refundX]);
      expect(await harness.refundLeaf(parts)).toBe(to0x(leaf));
      const payment = p2trPayment(walletX, leaf);
      // For a single leaf the merkle root is the leaf hash.
      expect(await harness.leafHash(leaf)).toBe(payment.leafHash);
      const t = (await harness.tweak(walletX, payment.leafHash)) as bigint;
      expect(await harness.isTweakedKey(walletX, t, payment.outputKey)).toBe(true);
      expect(to0x(payment.output)).toBe("0x5120" + payment.outputKey.slice(2));
    });
  }

  it("ecrecover gives the address of P + t·G for 1,000 random keys and tweaks, and the output check accepts x(P + t·G) only", async () => {
    const { Point } = secp256k1;
    const scalar = fc.bigInt({ min: 1n, max: SECP256K1_N - 1n });
    await fc.assert(
      fc.asyncProperty(scalar, scalar, async (k, t) => {
        const x = zeroPadValue(toBeHex(Point.BASE.multiply(k).toAffine().x), 32);
        const sum = Point.fromBytes(concatBytes(Uint8Array.of(2), fromHex(x))).add(Point.BASE.multiply(t));
        if (sum.equals(Point.ZERO)) {
          // P = -t·G: no key, and no address either.
          await expectRevert(harness.tweakedKeyAddress(x, t), "Taproot key tweak failed");
          return;
        }
        expect(getAddress(await harness.tweakedKeyAddress(x, t))).toBe(tweakedPointAddress(x, t));
        const q = sum.toAffine();
        expect(await harness.isTweakedKey(x, t, zeroPadValue(toBeHex(q.x), 32))).toBe(true);
        // The key of another point (Q + G) is refused.
        const other = zeroPadValue(toBeHex(sum.add(Point.BASE).toAffine().x), 32);
        expect(await harness.isTweakedKey(x, t, other)).toBe(false);
      }),
      // Small scalars and k = t come up often, so P = -t·G (odd y of k·G) is among the runs.
      { numRuns: 1000, examples: [[17n, 17n]] },
    );
  });

  it("reverts where the ecrecover trick does not apply, and refuses output keys off the curve", async () => {
    await expectRevert(harness.tweakedKeyAddress(walletX, 0), "Taproot tweak out of range");
    await expectRevert(harness.tweakedKeyAddress(walletX, SECP256K1_N), "Taproot tweak out of range");
    await expectRevert(harness.tweakedKeyAddress(ZERO_BYTES32, 5), "Taproot internal key out of range");
    await expectRevert(harness.tweakedKeyAddress(zeroPadValue(toBeHex(SECP256K1_N), 32), 5), "Taproot internal key out of range");
    // x = 5: 5^3 + 7 = 132 is not a square mod p, so there is no point to recover.
    expect((await harness.liftX(5))[1]).toBe(false);
    await expectRevert(harness.tweakedKeyAddress(zeroPadValue("0x05", 32), 5), "Taproot key tweak failed");
    expect(await harness.isTweakedKey(walletX, 5, zeroPadValue("0x05", 32))).toBe(false);
    expect(await harness.isTweakedKey(walletX, 5, "0x" + "ff".repeat(32))).toBe(false);
  });
});

describe("revealTaprootDeposit", () => {
  scope();

  it("accepts the exact P2TR output (bitcoinjs-lib's) and records the deposit like a legacy reveal", async () => {
    const d = await deposit({ value: 12_345_678n, outputsBefore: [txOutput(5000n, p2wshOutputScript(fromHex(randomHex(40))))] });
    const receipt = await send(reveal(d));
    const now = await latest();
    const events = eventsOf(f.bridge, receipt).map((e) => [e.name, ...e.args]);
    expect(events).toEqual([
      [
        "DepositRevealed",
        d.key.fundingTxHash,
        1n,
        revealerAddress,
        12_345_678n,
        d.reveal.blindingFactor,
        walletPubKeyHash,
        xOnlyPubKeyHash(d.reveal.refundX),
        d.reveal.refundLocktime,
        ZERO_ADDRESS,
      ],
      ["TaprootDepositRevealed", d.key.fundingTxHash, 1n, walletPubKeyHash, d.reveal.refundX],
    ]);
    // Treasury fee = amount / 2000 (default divisor).
    expect(tuple(await f.bridge.deposits(d.storageKey))).toEqual([revealerAddress, 12_345_678n, BigInt(now), ZERO_ADDRESS, 6172n, 0n, ZERO_BYTES32]);
    expect(await f.bridge.depositWalletPubKeyHash(d.storageKey)).toBe(walletPubKeyHash);
    await expectRevert(reveal(d), "Deposit already revealed");
  });

  it("with extra data: the 107-byte leaf; a zero extra data is refused first", async () => {
    const extraData = randomHex(32);
    const d = await deposit({ extraData });
    await expectRevert(f.bridge.connect(revealer).getFunction("revealTaprootDepositWithExtraData")(d.extraInfo.fundingTx, d.reveal, ZERO_BYTES32), "Extra data must not be empty");
    await send(reveal(d));
    expect((await f.bridge.deposits(d.storageKey)).extraData).toBe(extraData);
    // The same funding output revealed without the extra data is another leaf.
    const plain = { ...d, request: { ...d.request, extraData: ZERO_BYTES32 } };
    await expectRevert(reveal(plain), "Wrong Taproot output key");
  });

  it("whole reveal under 150,000 gas", async () => {
    const d = await deposit();
    const gas = await f.bridge.connect(revealer).getFunction("revealTaprootDeposit").estimateGas(d.extraInfo.fundingTx, d.reveal);
    expect(gas).toBeLessThan(150_000n);
  });

  context("refusals", () => {
    const WRONG_KEY = "Wrong Taproot output key";
    const NOT_P2TR = "Funding output must be P2TR";

    it("a wrong leaf: another blinding factor, another refund key, another depositor", async () => {
      const d = await deposit();
      await expectRevert(reveal(d, { blindingFactor: randomHex(8) }), WRONG_KEY);
      await expectRevert(reveal(d, { refundX: randomXOnlyKey().x }), WRONG_KEY);
      const other = await deposit({ depositor: randomHex(20) });
      await expectRevert(reveal(other), WRONG_KEY);
    });

    it("a wrong wallet key: the output pays another internal key with the same leaf", async () => {
      const otherKey = randomXOnlyKey().x;
      const d = await deposit({ output: (leaf) => prefixed(p2trPayment(otherKey, leaf).output) });
      await expectRevert(reveal(d), WRONG_KEY);
    });

    it("a wrong locktime: the reveal names another locktime than the leaf's", async () => {
      const d = await deposit();
      const other = (await latest()) + 40 * DAY;
      await expectRevert(reveal(d, { refundLocktime: zeroPadValue(toBeHex(other), 4).replace(/^0x(..)(..)(..)(..)$/, "0x$4$3$2$1") }), WRONG_KEY);
    });

    it("outputs of 42 and 44 bytes, a P2WSH output, a P2WPKH output", async () => {
      for (const output of [
        (leaf: Uint8Array) => concatBytes(fromHex("215120"), p2trPayment(walletX, leaf).output.slice(2, 33)),
        (leaf: Uint8Array) => concatBytes(fromHex("235120"), p2trPayment(walletX, leaf).output.slice(2), fromHex("00")),
        (leaf: Uint8Array) => p2wshOutputScript(leaf),
        () => fromHex("160014" + walletPubKeyHash.slice(2)),
      ]) {
        await expectRevert(reveal(await deposit({ output })), NOT_P2TR);
      }
    });

    it("an output index past the outputs", async () => {
      const d = await deposit();
      await expectRevert(reveal(d, { fundingOutputIndex: 1 }), "Vout read overrun");
    });

    it("the Bridge's usual checks, in order: Live, scheme, vault, locktime, dust", async () => {
      const d = await deposit();
      await expectRevert(reveal({ ...d, reveal: { ...d.reveal, walletPubKeyHash: "0x" + "ab".repeat(20) } }), "Wallet must be in Live state");
      await expectRevert(reveal(d, { vault: getAddress(randomHex(20)) }), "Vault is not trusted");
      await expectRevert(reveal(await deposit({ refundLocktime: 400_000_000 })), "Refund locktime must be a value >= 500M");
      await expectRevert(reveal(await deposit({ refundLocktime: (await latest()) + 14 * DAY })), "Deposit refund locktime is too close");
      await expectRevert(reveal(await deposit({ value: 999_999n })), "Deposit amount too small");
    });

    it("a Taproot reveal to an ECDSA wallet; a P2SH/P2WSH reveal to a FROST wallet", async () => {
      const ecdsa = testWallet(4242);
      await registerWallet(f, ecdsa);
      // An ECDSA wallet whose key has even y: the same PKH a FROST wallet of x would have.
      const d = await createTaprootDeposit({ walletX: ecdsa.x, depositor: revealerAddress, revealedAt: await latest() });
      if (BigInt(ecdsa.y) % 2n === 0n) expect(d.reveal.walletPubKeyHash).toBe(ecdsa.pubKeyHash);
      await expectRevert(reveal({ ...d, reveal: { ...d.reveal, walletPubKeyHash: ecdsa.pubKeyHash } }), "Taproot deposits need a FROST wallet");
      const legacy = testFunding(await latest(), { depositor: revealerAddress, walletPubKeyHash });
      await expectRevert(f.bridge.connect(revealer).getFunction("revealDeposit")(legacy.fundingTx, legacy.reveal), "FROST wallets take Taproot deposits only");
      await expectRevert(
        f.bridge.connect(revealer).getFunction("revealDepositWithExtraData")(legacy.fundingTx, legacy.reveal, randomHex(32)),
        "FROST wallets take Taproot deposits only",
      );
    });
  });
});
