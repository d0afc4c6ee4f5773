// Bridge deposits (contracts.md §2.7, §2.10): revealDeposit and
// revealDepositWithExtraData with the worked vector of §1.4, every revert in
// check order (the funding output exactly P2SH or P2WSH, GHSA-8986), and
// maintainer recording of deposit sweeps.
import { Wallet, sha256 as ethersSha256, type Contract, type Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WalletState } from "../../src/protocol/constants.js";
import { concatBytes, fromHex, to0x } from "../../src/util/hex.js";
import {
  ZERO_BYTES32,
  buildDepositScript,
  depositKey,
  fundingTxHash,
  hash160,
  mainUtxoHash,
  p2shOutputScript,
  p2wshOutputScript,
  randomHex,
  txOutput,
  vector,
  type BitcoinUtxo,
} from "./helpers/bitcoin-fixtures.js";
import { closeNet, expectRevert, outcome, snapshotScope } from "./helpers/evm.js";
import { fundingOutputForms } from "./helpers/funding-output-forms.js";
import {
  ZERO_ADDRESS,
  deployBridgeFixture,
  eventsOf,
  registerWallet,
  revealTestDeposit,
  send,
  testFunding,
  testWallet,
  tuple,
  type BridgeFixture,
  type TestFunding,
} from "./helpers/bridge-fixture.js";

const context = describe;

const DAY = 86_400;
const REVEAL_AHEAD = 15 * DAY;

// §1.4 worked vector.
const V = {
  depositorKey: "0x" + "00".repeat(31) + "01",
  depositor: "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf",
  blindingFactor: "0xf9f0c90d00039523",
  walletPubKeyHash: "0x8db50eb52063ea9d98b3eac91489a90f738986f6",
  // Decompressed 03989d25…81d9, whose hash160 is the wallet PKH above.
  walletX: "0x989d253b17a6a0f41838b84ff0d20e8898f9d7b1a98f2564da4cc29dcf8581d9",
  walletY: "0xd218b65e7d91c752f7b22eaceb771a9af3a6f3d3f010a5d471a1aeef7d7713af",
  refundPubKeyHash: "0x28e081f285138ccbe389c1eb8985716230129f89",
  refundLocktime: "0x60bcea61",
  extraData: "0xa9b38ea6435c8941d6eda6a46b68e3e2117196995bd154ab55196396b03d9bda",
  script:
    "0x147e5f4552091a69125d5dfcb7b8c2659029395bdf7508f9f0c90d000395237576a9148db50eb52063ea9d98b3eac91489a90f738986f68763ac6776a91428e081f285138ccbe389c1eb8985716230129f89880460bcea61b175ac68",
  scriptSha256: "0xbce2f423119c8449c10fe95f71cda919150bca7589bb216312e3132eb064cee0",
  scriptHash160: "0xa92ddffbda29bea9c8509f963a1f513c7ee40ee0",
  extraSha256: "0x13526947683269f340839ec50987297c38cdf8339d109e1aeaf4abe29061760c",
  extraHash160: "0xcb19e401b5e44ce5d8e3d5baf58dfbba33341265",
  amount: 10_000_000n,
  fundingTxHash: "0x1d3d642a9ae96dce6cfc3fad5cf396e1640146b66f4ff847ae4f4b4dcc346ae0",
  txid: "0xe06a34cc4d4b4fae47f84f6fb6460164e196f35cad3ffc6cce6de99a2a643d1d",
  depositKey: "0x442cdda8b05267b743451dddd3876bcf76ed6f568efac8df4f3d92d35bce6256",
};
const VECTOR_INPUTS = "0x01" + "11".repeat(32) + "00000000" + "00" + "ffffffff";

let f: BridgeFixture;
let bridge: Contract;
let revealer: Signer;
let revealerAddress: string;
let stranger: Signer;

beforeAll(async () => {
  f = await deployBridgeFixture();
  bridge = f.bridge;
  revealer = f.others[3];
  revealerAddress = await revealer.getAddress();
  stranger = f.others[4];
});

afterAll(async () => {
  await closeNet(f?.net);
});

const scope = (): void => snapshotScope(() => f.net);
const latest = (): Promise<number> => f.net.networkHelpers.time.latest();

function vectorScript(extraData?: string): Uint8Array {
  return buildDepositScript({
    depositor: V.depositor,
    blindingFactor: V.blindingFactor,
    walletPubKeyHash: V.walletPubKeyHash,
    refundPubKeyHash: V.refundPubKeyHash,
    refundLocktime: V.refundLocktime,
    extraData,
  });
}

function vectorFundingTx(prefixedOutputScript: Uint8Array) {
  return {
    version: "0x01000000",
    inputVector: VECTOR_INPUTS,
    outputVector: to0x(vector([txOutput(V.amount, prefixedOutputScript)])),
    locktime: "0x00000000",
  };
}

const vectorReveal = {
  fundingOutputIndex: 0,
  blindingFactor: V.blindingFactor,
  walletPubKeyHash: V.walletPubKeyHash,
  refundPubKeyHash: V.refundPubKeyHash,
  refundLocktime: V.refundLocktime,
  vault: ZERO_ADDRESS,
};

function reveal(d: TestFunding, from: Signer = revealer): Promise<unknown> {
  return bridge.connect(from).getFunction("revealDeposit")(d.fundingTx, d.reveal);
}

function revealExtra(d: TestFunding, from: Signer = revealer): Promise<unknown> {
  return bridge.connect(from).getFunction("revealDepositWithExtraData")(d.fundingTx, d.reveal, d.extraData);
}

/** A funding transaction for the revealer, paying `wallet`, with the locktime now + 30 days by default. */
async function funding(walletPubKeyHash: string, o: Partial<Parameters<typeof testFunding>[1]> = {}): Promise<TestFunding> {
  return testFunding(await latest(), { depositor: revealerAddress, walletPubKeyHash, ...o });
}

const NOT_SCRIPT_HASH = "Funding output must be P2SH or P2WSH";

/** Same reveal data, the single funding output locked by `prefixedScript` (hash and key recomputed). */
function withFundingOutput(d: TestFunding, prefixedScript: Uint8Array): TestFunding {
  const fundingTx = { ...d.fundingTx, outputVector: to0x(vector([txOutput(d.amount, prefixedScript)])) };
  const txHash = fundingTxHash(fundingTx);
  return { ...d, fundingTx, reveal: { ...d.reveal, fundingOutputIndex: 0 }, fundingTxHash: txHash, key: depositKey(txHash, 0) };
}

/** Same reveal data with a hand-made output vector (for the bitcoin-spv paths). */
function withOutputVector(d: TestFunding, outputVector: string, fundingOutputIndex = 0): TestFunding {
  const fundingTx = { ...d.fundingTx, outputVector };
  return { ...d, fundingTx, reveal: { ...d.reveal, fundingOutputIndex } };
}

describe("Bridge deposits", () => {
  const live = testWallet(101);
  const closing = testWallet(102);
  scope();
  beforeAll(async () => {
    await registerWallet(f, closing);
    await send(bridge.beginMovingFunds(closing.pubKeyHash));
    await registerWallet(f, live);
    await send(bridge.registerWallet(V.walletX, V.walletY, [await f.governance.getAddress()]));
  });

  describe("the §1.4 worked vector", () => {
    scope();
    let depositor: Signer;
    beforeAll(async () => {
      depositor = new Wallet(V.depositorKey, f.net.ethers.provider);
      await f.net.networkHelpers.setBalance(V.depositor, 10n ** 20n);
      // The vector's locktime (2022-01-21) is in the past: disable the reveal-ahead checks.
      await send(bridge.updateDepositParameters(1_000_000n, 2000n, 100_000n, 0n));
    });

    it("builds the 92-byte script and its hashes", () => {
      const script = vectorScript();
      expect(script.length).toBe(92);
      expect(to0x(script)).toBe(V.script);
      expect(ethersSha256(script)).toBe(V.scriptSha256);
      expect(to0x(hash160(script))).toBe(V.scriptHash160);
    });

    it("builds the 126-byte extra-data script and its hashes", () => {
      const script = vectorScript(V.extraData);
      expect(script.length).toBe(126);
      expect(ethersSha256(script)).toBe(V.extraSha256);
      expect(to0x(hash160(script))).toBe(V.extraHash160);
    });

    it("hashes the funding transaction to the vector's hash, txid and key", () => {
      const tx = vectorFundingTx(p2wshOutputScript(vectorScript()));
      expect(fundingTxHash(tx)).toBe(V.fundingTxHash);
      expect(to0x(fromHex(V.fundingTxHash).reverse())).toBe(V.txid);
      expect(depositKey(V.fundingTxHash, 0)).toBe(V.depositKey);
    });

    context("when revealed as P2WSH by the depositor", () => {
      scope();
      let events: { name: string; args: unknown[] }[];
      let at: number;
      beforeAll(async () => {
        const tx = vectorFundingTx(p2wshOutputScript(vectorScript()));
        const receipt = await send(bridge.connect(depositor).getFunction("revealDeposit")(tx, vectorReveal));
        events = eventsOf(bridge, receipt);
        at = (await receipt.getBlock()).timestamp;
      });

      it("should store the deposit request under the vector's key", async () => {
        expect(tuple(await bridge.deposits(V.depositKey))).toEqual([
          f.net.ethers.getAddress(V.depositor),
          V.amount,
          BigInt(at),
          ZERO_ADDRESS,
          5000n, // 10 000 000 / 2000
          0n,
          ZERO_BYTES32,
        ]);
      });

      it("should record the wallet of the deposit", async () => {
        expect((await bridge.depositWalletPubKeyHash(V.depositKey)).toLowerCase()).toBe(V.walletPubKeyHash);
      });

      it("should emit DepositRevealed with the raw locktime bytes", () => {
        expect(events.length).toBe(1);
        expect(events[0].name).toBe("DepositRevealed");
        const [txHash, index, who, amount, bf, wallet, refund, locktime, vault] = events[0].args as string[];
        expect([txHash, index, who.toLowerCase(), amount, bf, wallet.toLowerCase(), refund.toLowerCase(), locktime, vault]).toEqual([
          V.fundingTxHash,
          0n,
          V.depositor,
          V.amount,
          V.blindingFactor,
          V.walletPubKeyHash,
          V.refundPubKeyHash,
          V.refundLocktime,
          ZERO_ADDRESS,
        ]);
      });
    });

    context("when the same funding is revealed by another account", () => {
      it("should revert: the depositor is part of the script", async () => {
        const tx = vectorFundingTx(p2wshOutputScript(vectorScript()));
        await expectRevert(bridge.connect(revealer).getFunction("revealDeposit")(tx, vectorReveal), "Wrong 32-byte script hash");
      });
    });

    context("when revealed as P2SH", () => {
      scope();
      it("should accept the 20-byte script hash", async () => {
        const tx = vectorFundingTx(p2shOutputScript(vectorScript()));
        expect(to0x(p2shOutputScript(vectorScript()))).toBe("0x17a914" + V.scriptHash160.slice(2) + "87");
        await send(bridge.connect(depositor).getFunction("revealDeposit")(tx, vectorReveal));
        const key = depositKey(fundingTxHash(tx), 0);
        expect((await bridge.deposits(key)).amount).toBe(V.amount);
        expect((await bridge.deposits(key)).extraData).toBe(ZERO_BYTES32);
      });
    });

    for (const [name, witness, hash] of [
      ["P2WSH", true, V.extraSha256],
      ["P2SH", false, V.extraHash160],
    ] as const) {
      context(`when revealed with extra data as ${name}`, () => {
        scope();
        it("should accept the 126-byte script and store the extra data", async () => {
          const script = vectorScript(V.extraData);
          const out = witness ? p2wshOutputScript(script) : p2shOutputScript(script);
          expect(to0x(out)).toContain(hash.slice(2));
          const tx = vectorFundingTx(out);
          const receipt = await send(
            bridge.connect(depositor).getFunction("revealDepositWithExtraData")(tx, vectorReveal, V.extraData),
          );
          expect(eventsOf(bridge, receipt).map((e) => e.name)).toEqual(["DepositRevealed"]);
          const key = depositKey(fundingTxHash(tx), 0);
          expect((await bridge.deposits(key)).extraData).toBe(V.extraData);
          expect((await bridge.depositWalletPubKeyHash(key)).toLowerCase()).toBe(V.walletPubKeyHash);
        });

        it("should refuse the regular reveal of the same funding", async () => {
          const script = vectorScript(V.extraData);
          const tx = vectorFundingTx(witness ? p2wshOutputScript(script) : p2shOutputScript(script));
          await expectRevert(
            bridge.connect(depositor).getFunction("revealDeposit")(tx, vectorReveal),
            witness ? "Wrong 32-byte script hash" : "Wrong 20-byte script hash",
          );
        });
      });
    }
  });

  describe("revealDepositWithExtraData", () => {
    context("when the extra data is zero", () => {
      it("should revert before the wallet check", async () => {
        const d = await funding("0x" + "55".repeat(20));
        await expectRevert(revealExtra({ ...d, extraData: ZERO_BYTES32 }), "Extra data must not be empty");
      });
    });
  });

  describe("revealDeposit checks, in order", () => {
    context("when the wallet is unknown", () => {
      it("should revert, before the vault check", async () => {
        const d = await funding("0x" + "55".repeat(20), { vault: randomHex(20) });
        await expectRevert(reveal(d), "Wallet must be in Live state");
      });
    });

    context("when the wallet is Closing", () => {
      it("should revert", async () => {
        await expectRevert(reveal(await funding(closing.pubKeyHash)), "Wallet must be in Live state");
      });
    });

    context("when the vault is not trusted", () => {
      it("should revert, before the locktime checks", async () => {
        const d = await funding(live.pubKeyHash, { vault: randomHex(20), refundLocktime: 1 });
        await expectRevert(reveal(d), "Vault is not trusted");
      });
    });

    context("when the vault is trusted", () => {
      scope();
      it("should store the vault and emit it", async () => {
        const vault = f.net.ethers.getAddress(randomHex(20));
        await send(bridge.setVaultStatus(vault, true));
        const d = await funding(live.pubKeyHash, { vault });
        const receipt = await send(reveal(d));
        expect((await bridge.deposits(d.key)).vault).toBe(vault);
        expect(eventsOf(bridge, receipt)[0].args[8]).toBe(vault);
      });
    });

    context("when the refund locktime is below 500M", () => {
      it("should revert (timestamp just below)", async () => {
        await expectRevert(
          reveal(await funding(live.pubKeyHash, { refundLocktime: 499_999_999 })),
          "Refund locktime must be a value >= 500M",
        );
      });
      it("should revert (a block height)", async () => {
        await expectRevert(
          reveal(await funding(live.pubKeyHash, { refundLocktime: 850_000 })),
          "Refund locktime must be a value >= 500M",
        );
      });
    });

    context("when the refund locktime is too close", () => {
      scope();
      it("should revert one second short of the reveal-ahead period", async () => {
        const t = (await latest()) + 100;
        const d = await funding(live.pubKeyHash, { refundLocktime: t + REVEAL_AHEAD - 1 });
        await f.net.networkHelpers.time.setNextBlockTimestamp(t);
        await expectRevert(reveal(d), "Deposit refund locktime is too close");
      });
    });

    context("when the refund locktime is exactly the reveal-ahead period away", () => {
      scope();
      it("should accept the deposit", async () => {
        const t = (await latest()) + 100;
        const d = await funding(live.pubKeyHash, { refundLocktime: t + REVEAL_AHEAD });
        await f.net.networkHelpers.time.setNextBlockTimestamp(t);
        await send(reveal(d));
        expect(Number((await bridge.deposits(d.key)).revealedAt)).toBe(t);
      });
    });

    context("when depositRevealAheadPeriod is 0", () => {
      scope();
      beforeAll(async () => {
        await send(bridge.updateDepositParameters(1_000_000n, 2000n, 100_000n, 0n));
      });
      it("should skip the 500M check", async () => {
        await send(reveal(await funding(live.pubKeyHash, { refundLocktime: 850_000 })));
      });
      it("should skip the too-close check", async () => {
        await send(reveal(await funding(live.pubKeyHash, { refundLocktime: (await latest()) - DAY })));
      });
    });

    context("when the funding output cannot be read", () => {
      it("should revert with Vout read overrun for an index past the outputs", async () => {
        const d = await funding(live.pubKeyHash);
        await expectRevert(reveal({ ...d, reveal: { ...d.reveal, fundingOutputIndex: 1 } }), "Vout read overrun");
      });
      it("should revert with Read overrun during VarInt parsing for a truncated count", async () => {
        const d = await funding(live.pubKeyHash);
        await expectRevert(reveal(withOutputVector(d, "0xfd01")), "Read overrun during VarInt parsing");
      });
      it("should revert with Bad VarInt in scriptPubkey for an output without script length", async () => {
        const d = await funding(live.pubKeyHash);
        await expectRevert(reveal(withOutputVector(d, "0x01" + "00".repeat(8))), "Bad VarInt in scriptPubkey");
      });
      it("should revert with Slice out of bounds for a truncated script", async () => {
        const d = await funding(live.pubKeyHash);
        await expectRevert(reveal(withOutputVector(d, "0x01" + "00".repeat(8) + "220020" + "ab".repeat(10))), "Slice out of bounds");
      });
      it("should Panic 0x32 for an empty output vector", async () => {
        const d = await funding(live.pubKeyHash);
        expect(await outcome(reveal(withOutputVector(d, "0x")))).toEqual({ kind: "panic", code: 0x32 });
      });
    });

    context("when the funding output does not lock the expected script", () => {
      const out = (prefixedScript: string): string =>
        to0x(vector([txOutput(10_000_000n, fromHex(prefixedScript))]));

      it("should revert for a P2SH output of another script", async () => {
        const d = await funding(live.pubKeyHash, { witness: false });
        await expectRevert(reveal(d, stranger), "Wrong 20-byte script hash");
      });
      it("should revert for a P2WPKH output", async () => {
        const d = await funding(live.pubKeyHash);
        await expectRevert(reveal(withOutputVector(d, out("160014" + "ab".repeat(20)))), NOT_SCRIPT_HASH);
      });
      it("should revert for a P2PKH output", async () => {
        const d = await funding(live.pubKeyHash);
        await expectRevert(
          reveal(withOutputVector(d, out("1976a914" + "ab".repeat(20) + "88ac"))),
          NOT_SCRIPT_HASH,
        );
      });
      it("should revert for a P2WSH output of another script", async () => {
        const d = await funding(live.pubKeyHash);
        await expectRevert(reveal(d, stranger), "Wrong 32-byte script hash");
      });
      it("should revert for a P2WSH output of the script with extra data", async () => {
        const d = await funding(live.pubKeyHash, { extraData: randomHex(32) });
        await expectRevert(reveal(d), "Wrong 32-byte script hash");
      });
      it("should revert for a P2TR-like output", async () => {
        const d = await funding(live.pubKeyHash);
        await expectRevert(reveal(withOutputVector(d, out("225120" + "ab".repeat(32)))), NOT_SCRIPT_HASH);
      });
      it("should revert for an OP_RETURN output", async () => {
        const d = await funding(live.pubKeyHash);
        await expectRevert(reveal(withOutputVector(d, out("066a04deadbeef"))), NOT_SCRIPT_HASH);
      });
    });

    // Check 7 (tBTC advisory GHSA-8986): only the exact P2SH and P2WSH forms
    // lock a deposit; a P2PKH or P2WPKH output carrying hash160(script)
    // would be a deposit nobody can sweep.
    for (const extra of [false, true]) {
      context(`when the funding output carries the right hash in another form${extra ? " (extra data)" : ""}`, () => {
        scope();
        for (const [i, { name, accepted }] of fundingOutputForms(new Uint8Array(92)).entries()) {
          it(accepted ? `should accept ${name}` : `should refuse ${name}`, async () => {
            const base = await funding(live.pubKeyHash, extra ? { extraData: randomHex(32) } : {});
            const form = fundingOutputForms(base.script)[i]!;
            const d = withFundingOutput(base, form.prefixedScript);
            const tx = extra ? revealExtra(d) : reveal(d);
            if (!accepted) {
              await expectRevert(tx, NOT_SCRIPT_HASH);
              return;
            }
            await send(tx);
            expect((await bridge.deposits(d.key)).amount).toBe(d.amount);
          });
        }
      });
    }

    context("when a P2PKH funding output carrying hash160(script) is also dust", () => {
      it("should refuse its form before the dust check", async () => {
        const base = await funding(live.pubKeyHash, { amount: 1n });
        const d = withFundingOutput(base, fundingOutputForms(base.script)[0]!.prefixedScript);
        await expectRevert(reveal(d), NOT_SCRIPT_HASH);
      });
    });

    context("when the deposit is already revealed", () => {
      scope();
      let d: TestFunding;
      beforeAll(async () => {
        // Reveal below the current dust threshold, then restore it: the
        // duplicate check must come before the dust check.
        await send(bridge.updateDepositParameters(1000n, 2000n, 100n, REVEAL_AHEAD));
        d = await funding(live.pubKeyHash, { amount: 5000n });
        await send(reveal(d));
        await send(bridge.updateDepositParameters(1_000_000n, 2000n, 100_000n, REVEAL_AHEAD));
      });
      it("should revert, before the dust check", async () => {
        await expectRevert(reveal(d), "Deposit already revealed");
      });
    });

    context("when the amount is below the dust threshold", () => {
      it("should revert", async () => {
        await expectRevert(reveal(await funding(live.pubKeyHash, { amount: 999_999n })), "Deposit amount too small");
      });
    });

    context("when the amount equals the dust threshold", () => {
      scope();
      it("should accept the deposit with a rounded-down treasury fee", async () => {
        const d = await funding(live.pubKeyHash, { amount: 1_000_000n });
        await send(reveal(d));
        const req = await bridge.deposits(d.key);
        expect(req.amount).toBe(1_000_000n);
        expect(req.treasuryFee).toBe(500n);
        expect(req.depositor).toBe(revealerAddress);
      });
    });

    context("when the treasury fee divisor is 0", () => {
      scope();
      it("should store a zero treasury fee", async () => {
        await send(bridge.updateDepositParameters(1_000_000n, 0n, 100_000n, REVEAL_AHEAD));
        const d = await funding(live.pubKeyHash, { amount: 3_999_999n });
        await send(reveal(d));
        expect((await bridge.deposits(d.key)).treasuryFee).toBe(0n);
      });
    });

    context("when the deposit is the second of three outputs", () => {
      scope();
      it("should key it by its output index", async () => {
        const d = await funding(live.pubKeyHash, {
          outputsBefore: [txOutput(1234n, fromHex("160014" + "cd".repeat(20)))],
        });
        // Append a third output after the deposit.
        const outs = fromHex(d.fundingTx.outputVector);
        const third = txOutput(99n, fromHex("220020" + "ef".repeat(32)));
        const outputVector = to0x(concatBytes(Uint8Array.of(3), outs.slice(1), third));
        const tx = { ...d.fundingTx, outputVector };
        const receipt = await send(bridge.connect(revealer).getFunction("revealDeposit")(tx, d.reveal));
        const key = depositKey(fundingTxHash(tx), 1);
        expect((await bridge.deposits(key)).amount).toBe(10_000_000n);
        expect(eventsOf(bridge, receipt)[0].args[1]).toBe(1n);
      });
    });
  });

  describe("recordDepositSweep", () => {
    const other = testWallet(103);
    scope();
    let d1: TestFunding;
    let d2: TestFunding;
    let dOther: TestFunding;
    const sweepTxHash = randomHex(32);
    const newMainUtxo: BitcoinUtxo = { txHash: sweepTxHash, txOutputIndex: 0, txOutputValue: 19_990_000n };
    const keyOf = (d: TestFunding) => ({ fundingTxHash: d.fundingTxHash, fundingOutputIndex: d.reveal.fundingOutputIndex });
    const record = (pkh: string, keys: ReturnType<typeof keyOf>[], utxo: BitcoinUtxo = newMainUtxo, tx = sweepTxHash) =>
      bridge.connect(f.maintainer).getFunction("recordDepositSweep")(pkh, tx, keys, utxo);

    beforeAll(async () => {
      await registerWallet(f, other);
      d1 = await revealTestDeposit(f, revealer, live.pubKeyHash);
      d2 = await revealTestDeposit(f, stranger, live.pubKeyHash);
      dOther = await revealTestDeposit(f, revealer, other.pubKeyHash);
    });

    context("when the wallet is unknown", () => {
      it("should revert", async () => {
        await expectRevert(record("0x" + "55".repeat(20), [keyOf(d1)]), "Wallet must be in Live or MovingFunds state");
      });
    });

    context("when the wallet is Closing", () => {
      it("should revert", async () => {
        await expectRevert(record(closing.pubKeyHash, [keyOf(d1)]), "Wallet must be in Live or MovingFunds state");
      });
    });

    context("when no deposit is given", () => {
      it("should revert", async () => {
        await expectRevert(record(live.pubKeyHash, []), "No deposits to record");
      });
    });

    context("when a deposit is not revealed", () => {
      it("should revert, before the main UTXO check", async () => {
        const bogus = { ...newMainUtxo, txHash: randomHex(32) };
        await expectRevert(
          record(live.pubKeyHash, [keyOf(d1), { fundingTxHash: randomHex(32), fundingOutputIndex: 0 }], bogus),
          "Deposit not revealed",
        );
      });
    });

    context("when a deposit belongs to another wallet", () => {
      it("should revert", async () => {
        await expectRevert(record(live.pubKeyHash, [keyOf(d1), keyOf(dOther)]), "Deposit controlled by different wallet");
      });
    });

    context("when a deposit appears twice", () => {
      it("should revert", async () => {
        await expectRevert(record(live.pubKeyHash, [keyOf(d1), keyOf(d1)]), "Deposit already swept");
      });
    });

    context("when the main UTXO does not come from the sweep", () => {
      it("should revert", async () => {
        await expectRevert(
          record(live.pubKeyHash, [keyOf(d1)], { ...newMainUtxo, txHash: randomHex(32) }),
          "Main UTXO must come from the recorded transaction",
        );
      });
    });

    context("when everything is valid", () => {
      scope();
      let events: { name: string; args: unknown[] }[];
      let at: number;
      beforeAll(async () => {
        const receipt = await send(record(live.pubKeyHash, [keyOf(d1), keyOf(d2)]));
        events = eventsOf(bridge, receipt);
        at = (await receipt.getBlock()).timestamp;
      });

      it("should mark every deposit swept", async () => {
        expect(Number((await bridge.deposits(d1.key)).sweptAt)).toBe(at);
        expect(Number((await bridge.deposits(d2.key)).sweptAt)).toBe(at);
        expect(Number((await bridge.deposits(dOther.key)).sweptAt)).toBe(0);
      });

      it("should set the main UTXO hash", async () => {
        expect((await bridge.wallets(live.pubKeyHash)).mainUtxoHash).toBe(mainUtxoHash(newMainUtxo));
      });

      it("should emit DepositsSwept", () => {
        expect(events.length).toBe(1);
        expect(events[0].name).toBe("DepositsSwept");
        expect((events[0].args[0] as string).toLowerCase()).toBe(live.pubKeyHash);
        expect(events[0].args[1]).toBe(sweepTxHash);
      });

      context("when recorded again", () => {
        it("should revert", async () => {
          await expectRevert(record(live.pubKeyHash, [keyOf(d1), keyOf(d2)]), "Deposit already swept");
        });
      });
    });

    context("when the wallet is in MovingFunds", () => {
      scope();
      it("should record the sweep", async () => {
        await send(record(other.pubKeyHash, [keyOf(dOther)], { ...newMainUtxo, txOutputValue: 1n }));
        // A second sweep while MovingFunds: the wallet has a main UTXO now.
        const d = await revealTestDeposit(f, revealer, other.pubKeyHash);
        await send(bridge.beginMovingFunds(other.pubKeyHash));
        expect(Number((await bridge.wallets(other.pubKeyHash)).state)).toBe(WalletState.MovingFunds);
        const tx = randomHex(32);
        const utxo = { txHash: tx, txOutputIndex: 1, txOutputValue: 7n };
        await send(record(other.pubKeyHash, [keyOf(d)], utxo, tx));
        expect((await bridge.wallets(other.pubKeyHash)).mainUtxoHash).toBe(mainUtxoHash(utxo));
      });
    });
  });
});
