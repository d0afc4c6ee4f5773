// WalletProposalValidator beyond the upstream suite (contracts.md §6.3 items
// 1–8, the validator part of 10, and the edge cases of §3.10), plus the
// fixture builders checked against the worked vectors of §1.3/§1.4.
import { sha256 } from "@noble/hashes/sha2.js";
import { FunctionFragment, Interface, SigningKey, concat, keccak256, type Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WalletState } from "../../src/protocol/constants.js";
import { fromHex, to0x, toHex } from "../../src/util/hex.js";
import {
  DAY,
  ZERO_ADDRESS,
  buildDepositScript,
  createTestDeposit,
  createTestRedemption,
  depositKey,
  fundingTxHash,
  hash160,
  locktimeLE,
  mainUtxoHash,
  movedFundsSweepRequestKey,
  p2wshOutputScript,
  redemptionKey,
  reverseHex,
  singleInputVector,
  targetWalletsCommitment,
  txOutput,
  vector,
  type BitcoinTxInfo,
  type DepositExtraInfo,
  type TestDeposit,
  type TestRedemption,
} from "./helpers/bitcoin-fixtures.js";
import { MovedFundsSweepRequestState, walletStruct } from "./helpers/bridge-state.js";
import {
  closeNet,
  deployValidatorFixture,
  expectPanic,
  expectRevert,
  expectTrue,
  lastBlockTime,
  mineAt,
  snapshotScope,
  type Net,
} from "./helpers/evm.js";
import { fundingOutputForms } from "./helpers/funding-output-forms.js";

const context = describe;

const PANIC_OVERFLOW = 0x11;
const PANIC_OUT_OF_BOUNDS = 0x32;

const walletPubKeyHash = "0x8db50eb52063ea9d98b3eac91489a90f738986f6";
const vault = "0x2553E09f832c9f5C656808bb7A24793818877732";
const depositTxMaxFee = 10000n;
const redemptionTimeout = 5 * DAY;

let net: Net;
let bridge: Contract;
let validator: Contract;

beforeAll(async () => {
  ({ net, bridge, validator } = await deployValidatorFixture());
  // The upstream fixtures, all at once: each function reads only its own group.
  await (await bridge.setDepositParameters(0, 0, depositTxMaxFee, 0)).wait();
  await (await bridge.setRedemptionParameters(0, 0, 0, 10000, redemptionTimeout, 0, 0)).wait();
  await (await bridge.setMovingFundsParameters(20000, 5000, 0, 0, 0, 0, 0, 20000, 0, 0, 0)).wait();
  await (await bridge.setWallet(walletPubKeyHash, walletStruct(WalletState.Live))).wait();
});

afterAll(async () => {
  await closeNet(net);
});

const scope = (): void => snapshotScope(() => net);

async function stubDeposits(...deposits: TestDeposit[]): Promise<void> {
  for (const d of deposits) await (await bridge.setDeposit(d.storageKey, d.request)).wait();
}

function sweep(deposits: TestDeposit[], sweepTxFee: bigint = 5000n): Promise<unknown> {
  return validator.validateDepositSweepProposal(
    { walletPubKeyHash, depositsKeys: deposits.map((d) => d.key), sweepTxFee, depositsRevealBlocks: [] },
    deposits.map((d) => d.extraInfo),
  );
}

async function stubRequests(...requests: TestRedemption[]): Promise<void> {
  for (const r of requests) await (await bridge.setPendingRedemption(r.storageKey, r.request)).wait();
}

function redeem(requests: TestRedemption[], redemptionTxFee: bigint = 9000n): Promise<unknown> {
  return validator.validateRedemptionProposal({
    walletPubKeyHash,
    redeemersOutputScripts: requests.map((r) => r.redeemerOutputScript),
    redemptionTxFee,
  });
}

async function dayOld(): Promise<number> {
  return (await lastBlockTime(net)) - DAY;
}

/** A deposit whose funding tx is given verbatim (hash recomputed), stored under `index`. */
async function depositWithOutputVector(outputVector: Uint8Array, index: number): Promise<TestDeposit> {
  const base = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld() });
  const fundingTx: BitcoinTxInfo = { ...base.extraInfo.fundingTx, outputVector: to0x(outputVector) };
  const txHash = fundingTxHash(fundingTx);
  return {
    ...base,
    key: { fundingTxHash: txHash, fundingOutputIndex: index },
    storageKey: depositKey(txHash, index),
    extraInfo: { ...base.extraInfo, fundingTx },
  };
}

describe("test fixtures against the contracts.md vectors", () => {
  const worked = {
    depositor: "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf",
    blindingFactor: "0xf9f0c90d00039523",
    walletPubKeyHash: "0x8db50eb52063ea9d98b3eac91489a90f738986f6",
    refundPubKeyHash: "0x28e081f285138ccbe389c1eb8985716230129f89",
    refundLocktime: "0x60bcea61",
  };
  const extraData = "0xa9b38ea6435c8941d6eda6a46b68e3e2117196995bd154ab55196396b03d9bda";

  it("builds the 92-byte worked deposit script and its hashes (§1.4)", () => {
    const script = buildDepositScript(worked);
    expect(script.length).toBe(92);
    expect(toHex(script)).toBe(
      "147e5f4552091a69125d5dfcb7b8c2659029395bdf7508f9f0c90d000395237576a9148db50eb52063ea9d98b3eac91489a90f738986f68763ac6776a91428e081f285138ccbe389c1eb8985716230129f89880460bcea61b175ac68",
    );
    expect(toHex(sha256(script))).toBe("bce2f423119c8449c10fe95f71cda919150bca7589bb216312e3132eb064cee0");
    expect(toHex(hash160(script))).toBe("a92ddffbda29bea9c8509f963a1f513c7ee40ee0");
    // A zero extraData is the regular variant.
    expect(toHex(buildDepositScript({ ...worked, extraData: "0x" + "00".repeat(32) }))).toBe(toHex(script));
  });

  it("builds the 126-byte extra-data variant (§1.4)", () => {
    const script = buildDepositScript({ ...worked, extraData });
    expect(script.length).toBe(126);
    expect(toHex(sha256(script))).toBe("13526947683269f340839ec50987297c38cdf8339d109e1aeaf4abe29061760c");
    expect(toHex(hash160(script))).toBe("cb19e401b5e44ce5d8e3d5baf58dfbba33341265");
  });

  it("decodes the refund locktime bytes as little-endian (§1.4)", () => {
    expect(locktimeLE(1642773600)).toBe(worked.refundLocktime);
  });

  it("hashes the worked funding transaction and derives its deposit key (§1.4)", () => {
    const fundingTx = workedFundingTx(worked);
    const hash = fundingTxHash(fundingTx);
    expect(hash).toBe("0x1d3d642a9ae96dce6cfc3fad5cf396e1640146b66f4ff847ae4f4b4dcc346ae0");
    expect(reverseHex(hash)).toBe("0xe06a34cc4d4b4fae47f84f6fb6460164e196f35cad3ffc6cce6de99a2a643d1d");
    expect(depositKey(hash, 0)).toBe("0x442cdda8b05267b743451dddd3876bcf76ed6f568efac8df4f3d92d35bce6256");
  });

  it("derives the §1.3 keys and hashes", () => {
    expect(redemptionKey("0x160014" + "11".repeat(20), "0x8db50eb52063ea9d98b3eac91489a90f738986f6")).toBe(
      "0x72c61b284670a78aa798b7945c9895757424162e1e42a6b6d4275f87f37a34ec",
    );
    expect(movedFundsSweepRequestKey("0x" + "bb".repeat(32), 1)).toBe("0x02ce86eea26818243a41aa8bdd71a5e61ece067579af30930dcaa93f4b7ed16b");
    const utxo = { txHash: "0x" + "aa".repeat(32), txOutputIndex: 0, txOutputValue: 5000n };
    expect(mainUtxoHash(utxo)).toBe("0x4cfb92c890e30ff736656e519167cbfcacb408c730fd21bec415359b45769d20");
    expect(mainUtxoHash({ ...utxo, txOutputValue: 4999n })).toBe("0x757a5ca2a1e5fff2f2a51c073cb88c097603285fcfa52cb58473704647fa7edb");
    const targets = [
      "0x84a70187011e156686788e0a2bc50944a4721e83",
      "0xf64a45c07e3778b8ce58cb0058477c821c543aad",
      "0xcaea95433d9bfa80bb8dc8819a48e2a9aa96147c",
    ];
    expect(targetWalletsCommitment(targets)).toBe("0x16311d424d513a1743fbc9c0e4fea5b70eddefd15f54613503e5cdfab24f8877");
    // The unpadded concatenation is the documented wrong value.
    const unpadded = keccak256(concat(targets));
    expect(unpadded.startsWith("0x95fd45a8")).toBe(true);
    expect(unpadded.endsWith("3a14")).toBe(true);
  });

  it("derives the wallet vector of private key 1 (§1.3)", () => {
    const key = new SigningKey("0x" + "00".repeat(31) + "01");
    expect(key.compressedPublicKey).toBe("0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    expect(to0x(hash160(fromHex(key.compressedPublicKey)))).toBe("0x751e76e8199196d454941c45d1b3a323f1433bd6");
    const xy = fromHex(key.publicKey).subarray(1); // drop the 0x04 prefix
    expect(keccak256(xy)).toBe("0xc0a6c424ac7157ae408398df7e5f4552091a69125d5dfcb7b8c2659029395bdf");
  });

  context("when the validator checks the worked vector", () => {
    scope();

    it("should accept its script and tx hash, then stop at the 2022 refund locktime", async () => {
      const fundingTx = workedFundingTx(worked);
      const hash = fundingTxHash(fundingTx);
      const d: TestDeposit = {
        key: { fundingTxHash: hash, fundingOutputIndex: 0 },
        storageKey: depositKey(hash, 0),
        request: {
          depositor: worked.depositor,
          amount: 10_000_000n,
          revealedAt: await dayOld(),
          vault,
          treasuryFee: 0n,
          sweptAt: 0,
          extraData: "0x" + "00".repeat(32),
        },
        extraInfo: { fundingTx, ...worked },
        script: buildDepositScript(worked),
      };
      await stubDeposits(d);
      // Chain time is past 2022: the script and hash checks passed, the margin fails.
      await expectRevert(sweep([d]), "Deposit refund safety margin is not preserved");
      // A different depositor in the Bridge changes the expected script.
      await (await bridge.setDeposit(d.storageKey, { ...d.request, depositor: ZERO_ADDRESS })).wait();
      await expectRevert(sweep([d]), "Extra info funding output script does not match");
    });
  });
});

function workedFundingTx(p: { blindingFactor: string } & Parameters<typeof buildDepositScript>[0]): BitcoinTxInfo {
  const script = buildDepositScript(p);
  return {
    version: "0x01000000",
    inputVector: singleInputVector("0x" + "11".repeat(32)),
    outputVector: to0x(vector([txOutput(10_000_000n, p2wshOutputScript(script))])),
    locktime: "0x00000000",
  };
}

describe("WalletProposalValidator (gaps)", () => {
  context("bitcoin-spv output parsing (§6.3 item 1, §3.10)", () => {
    scope();

    it("reverts with Vout read overrun when the output index is past the output count", async () => {
      const ok = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld() });
      const d = await depositWithOutputVector(fromHex(ok.extraInfo.fundingTx.outputVector), 1);
      await stubDeposits(d);
      await expectRevert(sweep([d]), "Vout read overrun");
    });

    it("reverts with Slice out of bounds when the output is truncated", async () => {
      const ok = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld() });
      const full = fromHex(ok.extraInfo.fundingTx.outputVector);
      const d = await depositWithOutputVector(full.subarray(0, full.length - 1), 0);
      await stubDeposits(d);
      await expectRevert(sweep([d]), "Slice out of bounds");
    });

    it("reverts with Read overrun during VarInt parsing when the output count is cut", async () => {
      const d = await depositWithOutputVector(fromHex("fd01"), 0);
      await stubDeposits(d);
      await expectRevert(sweep([d]), "Read overrun during VarInt parsing");
    });

    it("reverts with Bad VarInt in scriptPubkey when the output is shorter than 9 bytes", async () => {
      const d = await depositWithOutputVector(fromHex("010000"), 0);
      await stubDeposits(d);
      await expectRevert(sweep([d]), "Bad VarInt in scriptPubkey");
    });

    it("panics 0x32 on an output with an empty script", async () => {
      const d = await depositWithOutputVector(vector([txOutput(1000n, fromHex("00"))]), 0);
      await stubDeposits(d);
      await expectPanic(sweep([d]), PANIC_OUT_OF_BOUNDS);
    });

    it("panics 0x11 on a script-length byte of 0xff", async () => {
      // 0xff is a CompactSize flag: 8 length bytes follow (length 1), then 1 script byte.
      const d = await depositWithOutputVector(vector([txOutput(1000n, fromHex("ff" + "0100000000000000" + "51"))]), 0);
      await stubDeposits(d);
      await expectPanic(sweep([d]), PANIC_OVERFLOW);
    });

    it("reports a non-script-hash output (P2WPKH) as a script mismatch", async () => {
      const d = await depositWithOutputVector(vector([txOutput(1000n, fromHex("160014" + "22".repeat(20)))]), 0);
      await stubDeposits(d);
      await expectRevert(sweep([d]), "Extra info funding output script does not match");
    });
  });

  context("funding output form (§3.5 step 4, tBTC advisory GHSA-8986)", () => {
    scope();

    // Only the exact P2SH and P2WSH forms lock a deposit; a P2PKH or P2WPKH
    // output carrying hash160(script) passed the old 20-byte hash match.
    for (const extraData of [undefined, "0x" + "5e".repeat(32)]) {
      const variant = extraData === undefined ? "" : " (extra data)";
      for (const [i, { name, accepted }] of fundingOutputForms(new Uint8Array(92)).entries()) {
        it(`${accepted ? "accepts" : "rejects"} a funding output that is ${name}${variant}`, async () => {
          const base = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld(), extraData });
          const form = fundingOutputForms(base.script)[i]!;
          const fundingTx: BitcoinTxInfo = { ...base.extraInfo.fundingTx, outputVector: to0x(vector([txOutput(0n, form.prefixedScript)])) };
          const txHash = fundingTxHash(fundingTx);
          const d: TestDeposit = {
            ...base,
            key: { fundingTxHash: txHash, fundingOutputIndex: 0 },
            storageKey: depositKey(txHash, 0),
            extraInfo: { ...base.extraInfo, fundingTx },
          };
          await stubDeposits(d);
          if (accepted) await expectTrue(sweep([d]));
          else await expectRevert(sweep([d]), "Extra info funding output script does not match");
        });
      }
    }
  });

  context("refund locktime arithmetic (§6.3 item 2)", () => {
    scope();

    for (const [name, locktime] of [
      ["a timestamp below 86400", 86_399],
      ["a block height", 50_000],
      ["zero", 0],
    ] as const) {
      it(`panics 0x11 when the refund locktime is ${name}`, async () => {
        const d = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld(), refundLocktime: locktime });
        await stubDeposits(d);
        await expectPanic(sweep([d]), PANIC_OVERFLOW);
      });
    }

    it("reverts with the margin message when the locktime is exactly 86400 or a large block height", async () => {
      for (const locktime of [86_400, 800_000]) {
        const d = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld(), refundLocktime: locktime });
        await stubDeposits(d);
        await expectRevert(sweep([d]), "Deposit refund safety margin is not preserved");
      }
    });

    it("panics 0x11 when revealedAt + DEPOSIT_MIN_AGE overflows uint32", async () => {
      const d = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld() });
      await stubDeposits({ ...d, request: { ...d.request, revealedAt: 2 ** 32 - 7200 } });
      await expectPanic(sweep([d]), PANIC_OVERFLOW);
    });
  });

  context("deposit outputs at a non-zero index (§6.3 item 4)", () => {
    scope();

    it("accepts deposits at index 1 and 2 of a 3-output funding transaction", async () => {
      const p2wpkh = txOutput(5000n, fromHex("160014" + "33".repeat(20)));
      const opReturn = txOutput(0n, fromHex("066a0401020304"));
      const revealedAt = await dayOld();
      const atOne = createTestDeposit(walletPubKeyHash, vault, { witness: false, revealedAt, outputsBefore: [p2wpkh], outputsAfter: [opReturn] });
      const atTwo = createTestDeposit(walletPubKeyHash, vault, { witness: true, revealedAt, outputsBefore: [p2wpkh, opReturn] });
      expect(atOne.key.fundingOutputIndex).toBe(1);
      expect(atTwo.key.fundingOutputIndex).toBe(2);
      await stubDeposits(atOne, atTwo);
      await expectTrue(sweep([atOne, atTwo]));
    });

    it("rejects a key that points at another output of the same transaction", async () => {
      const p2wpkh = txOutput(5000n, fromHex("160014" + "33".repeat(20)));
      const d = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld(), outputsBefore: [p2wpkh] });
      const wrong: TestDeposit = { ...d, key: { ...d.key, fundingOutputIndex: 0 }, storageKey: depositKey(d.key.fundingTxHash, 0) };
      await stubDeposits(wrong);
      await expectRevert(sweep([wrong]), "Extra info funding output script does not match");
    });
  });

  context("deposit sweep fee split (§3.4 step 6)", () => {
    let deposits: TestDeposit[];
    scope();
    beforeAll(async () => {
      const revealedAt = await dayOld();
      deposits = [0, 1, 2].map((i) => createTestDeposit(walletPubKeyHash, vault, { witness: i !== 1, revealedAt }));
      await stubDeposits(...deposits);
    });

    it("lets the last deposit carry the remainder against depositTxMaxFee", async () => {
      await expectTrue(sweep(deposits, depositTxMaxFee * 3n));
      // 30002 = 3 × 10000 + 2: the last share is 10002.
      await expectRevert(sweep(deposits, depositTxMaxFee * 3n + 2n), "Proposed transaction fee is too high");
      // 30001 leaves 10000 + 1 for the last share as well.
      await expectRevert(sweep(deposits, depositTxMaxFee * 3n + 1n), "Proposed transaction fee is too high");
    });
  });

  context("watchtower delay below the minimum age (§6.3 item 3)", () => {
    let request: TestRedemption;
    let requestedAt: number;
    scope();
    beforeAll(async () => {
      requestedAt = (await lastBlockTime(net)) + 100; // room for the setup blocks
      request = createTestRedemption(walletPubKeyHash, requestedAt, 9000n);
      await stubRequests(request);
      const watchtower = (await net.ethers.deployContract("RedemptionWatchtowerStub")) as unknown as Contract;
      await (await bridge.setRedemptionWatchtower(await watchtower.getAddress())).wait();
      await (await watchtower.setRedemptionDelay(request.storageKey, 1)).wait();
    });

    it("keeps the 600 s minimum age", async () => {
      await mineAt(net, requestedAt + 600);
      await expectRevert(redeem([request]), "Redemption request min age not achieved yet");
      await mineAt(net, requestedAt + 601);
      await expectTrue(redeem([request]));
    });
  });

  context("moving funds target wallets (§6.3 item 5)", () => {
    const a = "0x84a70187011e156686788e0a2bc50944a4721e83";
    const b = "0xcaea95433d9bfa80bb8dc8819a48e2a9aa96147c";
    const utxo = { txHash: "0x" + "aa".repeat(32), txOutputIndex: 0, txOutputValue: 5000n };
    scope();

    for (const [name, targets] of [
      ["unsorted", [b, a]],
      ["duplicated", [a, b, a]],
      ["containing the source wallet", [walletPubKeyHash, a]],
    ] as const) {
      it(`accepts ${name} targets that match the commitment`, async () => {
        await (
          await bridge.setWallet(
            walletPubKeyHash,
            walletStruct(WalletState.MovingFunds, {
              mainUtxoHash: mainUtxoHash(utxo),
              movingFundsTargetWalletsCommitmentHash: targetWalletsCommitment([...targets]),
            }),
          )
        ).wait();
        await expectTrue(validator.validateMovingFundsProposal({ walletPubKeyHash, targetWallets: [...targets], movingFundsTxFee: 20000 }, utxo));
        // Order is part of the hash: the sorted list does not match an unsorted commitment.
        const sorted = [...new Set(targets)].sort();
        if (sorted.join() !== targets.join()) {
          await expectRevert(
            validator.validateMovingFundsProposal({ walletPubKeyHash, targetWallets: sorted, movingFundsTxFee: 20000 }, utxo),
            "Target wallets do not match target wallets commitment hash",
          );
        }
      });
    }

    it("accepts a zero balance only when the dust threshold is zero", async () => {
      await (await bridge.setMovingFundsParameters(20000, 0, 0, 0, 0, 0, 0, 20000, 0, 0, 0)).wait();
      await (
        await bridge.setWallet(
          walletPubKeyHash,
          walletStruct(WalletState.MovingFunds, { movingFundsTargetWalletsCommitmentHash: targetWalletsCommitment([a]) }),
        )
      ).wait();
      // No main UTXO: the passed one is ignored, even if it is garbage.
      await expectTrue(validator.validateMovingFundsProposal({ walletPubKeyHash, targetWallets: [a], movingFundsTxFee: 1 }, { ...utxo, txOutputValue: 1n }));
    });
  });

  context("exact time boundaries (§6.3 item 6)", () => {
    context("when block.timestamp == revealedAt + DEPOSIT_MIN_AGE", () => {
      let d: TestDeposit;
      let at: number;
      scope();
      beforeAll(async () => {
        at = (await lastBlockTime(net)) + 100;
        d = createTestDeposit(walletPubKeyHash, vault, { revealedAt: at - 7200 });
        await stubDeposits(d);
      });

      it("should revert, and pass one second later", async () => {
        await mineAt(net, at);
        await expectRevert(sweep([d]), "Deposit min age not achieved yet");
        await mineAt(net, at + 1);
        await expectTrue(sweep([d]));
      });
    });

    context("when block.timestamp == refundableAt − DEPOSIT_REFUND_SAFETY_MARGIN", () => {
      let d: TestDeposit;
      let at: number;
      scope();
      beforeAll(async () => {
        at = (await lastBlockTime(net)) + 100;
        d = createTestDeposit(walletPubKeyHash, vault, { revealedAt: at - DAY, refundLocktime: at + 86_400 });
        await stubDeposits(d);
      });

      it("should pass one second earlier, and revert at the boundary", async () => {
        await mineAt(net, at - 1);
        await expectTrue(sweep([d]));
        await mineAt(net, at);
        await expectRevert(sweep([d]), "Deposit refund safety margin is not preserved");
      });
    });

    context("when block.timestamp == requestedAt + REDEMPTION_REQUEST_MIN_AGE", () => {
      let r: TestRedemption;
      let at: number;
      scope();
      beforeAll(async () => {
        at = (await lastBlockTime(net)) + 100;
        r = createTestRedemption(walletPubKeyHash, at - 600, 9000n);
        await stubRequests(r);
      });

      it("should revert, and pass one second later", async () => {
        await mineAt(net, at);
        await expectRevert(redeem([r]), "Redemption request min age not achieved yet");
        await mineAt(net, at + 1);
        await expectTrue(redeem([r]));
      });
    });

    context("when block.timestamp == requestedAt + redemptionTimeout − margin", () => {
      let r: TestRedemption;
      let at: number;
      scope();
      beforeAll(async () => {
        at = (await lastBlockTime(net)) + 100;
        r = createTestRedemption(walletPubKeyHash, at - redemptionTimeout + 7200, 9000n);
        await stubRequests(r);
      });

      it("should pass one second earlier, and revert at the boundary", async () => {
        await mineAt(net, at - 1);
        await expectTrue(redeem([r]));
        await mineAt(net, at);
        await expectRevert(redeem([r]), "Redemption request timeout safety margin is not preserved");
      });
    });
  });

  context("redemption uint32 arithmetic (§3.10)", () => {
    scope();

    it("panics 0x11 when requestedAt + minAge overflows", async () => {
      const r = createTestRedemption(walletPubKeyHash, 2 ** 32 - 600, 9000n);
      await stubRequests(r);
      await expectPanic(redeem([r]), PANIC_OVERFLOW);
    });

    it("panics 0x11 when requestedAt + timeout − margin underflows", async () => {
      await (await bridge.setRedemptionParameters(0, 0, 0, 10000, 100, 0, 0)).wait();
      const r = createTestRedemption(walletPubKeyHash, 1, 9000n);
      await stubRequests(r);
      await expectPanic(redeem([r]), PANIC_OVERFLOW);
    });

    it("uses the request's txMaxFee snapshot, not the current redemptionTxMaxFee", async () => {
      await (await bridge.setRedemptionParameters(0, 0, 1, 10000, redemptionTimeout, 0, 0)).wait();
      const r = createTestRedemption(walletPubKeyHash, await dayOld(), 9000n);
      await stubRequests(r);
      await expectTrue(redeem([r], 9000n));
    });
  });

  context("check order when several checks fail (§6.3 item 7)", () => {
    scope();

    it("reports the wallet state before the size, fee and extra info checks", async () => {
      await (await bridge.setWallet(walletPubKeyHash, walletStruct(WalletState.Closing))).wait();
      await expectRevert(
        validator.validateDepositSweepProposal({ walletPubKeyHash, depositsKeys: [], sweepTxFee: 0, depositsRevealBlocks: [] }, []),
        "Wallet is not in Live or MovingFunds state",
      );
      await expectRevert(redeem([], 0n), "Wallet is not in Live or MovingFunds state");
      await expectRevert(
        validator.validateMovedFundsSweepProposal({ walletPubKeyHash, movingFundsTxHash: "0x" + "00".repeat(32), movingFundsTxOutputIndex: 0, movedFundsSweepTxFee: 0 }),
        "Source wallet is not in Live or MovingFunds state",
      );
      await expectRevert(
        validator.validateMovingFundsProposal(
          { walletPubKeyHash, targetWallets: [], movingFundsTxFee: 0 },
          { txHash: "0x" + "00".repeat(32), txOutputIndex: 0, txOutputValue: 0 },
        ),
        "Source wallet is not in MovingFunds state",
      );
      await (await bridge.setWallet(walletPubKeyHash, walletStruct(WalletState.Live))).wait();
    });

    it("checks the extra info count before the fee, and the fee before any deposit", async () => {
      const d = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld() }); // not stored: unrevealed
      await expectRevert(
        validator.validateDepositSweepProposal({ walletPubKeyHash, depositsKeys: [d.key], sweepTxFee: 0, depositsRevealBlocks: [] }, []),
        "Each deposit key must have matching extra info",
      );
      await expectRevert(sweep([d], 0n), "Proposed transaction fee cannot be zero");
      await expectRevert(sweep([d], depositTxMaxFee + 1n), "Proposed transaction fee is too high");
      await expectRevert(sweep([d], depositTxMaxFee), "Deposit not revealed");
    });

    it("reports an unrevealed duplicate as not revealed", async () => {
      const one = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld() });
      const ghost = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld() });
      await stubDeposits(one);
      await expectRevert(sweep([one, ghost, ghost]), "Deposit not revealed");
      await expectRevert(sweep([one, one]), "Duplicated deposit");
    });

    it("reports the min age before swept, and the tx hash before the script", async () => {
      const d = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld() });
      await stubDeposits({ ...d, request: { ...d.request, revealedAt: await lastBlockTime(net), sweptAt: 1 } });
      await expectRevert(sweep([d]), "Deposit min age not achieved yet");
      await stubDeposits({ ...d, request: { ...d.request, sweptAt: 1 } });
      const corrupted: DepositExtraInfo = {
        ...d.extraInfo,
        blindingFactor: reverseHex(d.extraInfo.blindingFactor),
        fundingTx: { ...d.extraInfo.fundingTx, version: "0x02000000" },
      };
      await expectRevert(sweep([{ ...d, extraInfo: corrupted }]), "Deposit already swept");
      await stubDeposits(d);
      await expectRevert(sweep([{ ...d, extraInfo: corrupted }]), "Extra info funding tx hash does not match");
    });

    it("reports the refund margin before the wallet, and the vault before duplicates", async () => {
      const foreignLate = createTestDeposit(reverseHex(walletPubKeyHash), vault, {
        revealedAt: await dayOld(),
        refundLocktime: (await lastBlockTime(net)) + 3600,
      });
      await stubDeposits(foreignLate);
      await expectRevert(sweep([foreignLate]), "Deposit refund safety margin is not preserved");
      const one = createTestDeposit(walletPubKeyHash, vault, { revealedAt: await dayOld() });
      const other = createTestDeposit(walletPubKeyHash, reverseHex(vault), { revealedAt: await dayOld() });
      await stubDeposits(one, other);
      await expectRevert(sweep([one, other, one]), "Deposit targets different vault");
      // The first deposit sets the vault, even when it is the zero address.
      const noVault = createTestDeposit(walletPubKeyHash, ZERO_ADDRESS, { revealedAt: await dayOld() });
      await stubDeposits(noVault);
      await expectRevert(sweep([noVault, one]), "Deposit targets different vault");
    });

    it("orders the redemption checks: fee, pending, min age, margin, share, duplicate", async () => {
      const ghost = createTestRedemption(walletPubKeyHash, await dayOld(), 9000n); // not stored
      await expectRevert(redeem([ghost], 10001n), "Proposed transaction fee is too high");
      await expectRevert(redeem([ghost, ghost]), "Not a pending redemption request");
      const fresh = createTestRedemption(walletPubKeyHash, await lastBlockTime(net), 0n);
      const stale = createTestRedemption(walletPubKeyHash, 1000, 0n); // long timed out, fee cap 0
      const cheap = createTestRedemption(walletPubKeyHash, await dayOld(), 0n);
      const good = createTestRedemption(walletPubKeyHash, await dayOld(), 9000n);
      await stubRequests(fresh, stale, cheap, good);
      await expectRevert(redeem([fresh]), "Redemption request min age not achieved yet");
      await expectRevert(redeem([stale]), "Redemption request timeout safety margin is not preserved");
      await expectRevert(redeem([cheap]), "Proposed transaction per-request fee share is too high");
      await expectRevert(redeem([good, good], 2n), "Duplicated request");
    });

    it("orders the moving funds checks: commitment, main UTXO, dust, fee", async () => {
      const utxo = { txHash: "0x" + "aa".repeat(32), txOutputIndex: 0, txOutputValue: 4999n };
      const targets = ["0x84a70187011e156686788e0a2bc50944a4721e83"];
      await (
        await bridge.setWallet(
          walletPubKeyHash,
          walletStruct(WalletState.MovingFunds, { mainUtxoHash: mainUtxoHash(utxo), movingFundsTargetWalletsCommitmentHash: targetWalletsCommitment(targets) }),
        )
      ).wait();
      const move = (targetWallets: string[], u: typeof utxo, fee: bigint): Promise<unknown> =>
        validator.validateMovingFundsProposal({ walletPubKeyHash, targetWallets, movingFundsTxFee: fee }, u);
      await expectRevert(move([], { ...utxo, txOutputValue: 1n }, 0n), "Target wallets do not match target wallets commitment hash");
      await expectRevert(move(targets, { ...utxo, txOutputValue: 5000n }, 0n), "Invalid wallet main UTXO data");
      await expectRevert(move(targets, utxo, 0n), "Source wallet BTC balance is below the moving funds dust threshold");
      await (await bridge.setWallet(walletPubKeyHash, walletStruct(WalletState.Live))).wait();
    });

    it("orders the moved funds sweep checks: pending, owner, fee", async () => {
      const txHash = "0x" + "cc".repeat(32);
      const key = movedFundsSweepRequestKey(txHash, 3);
      const proposal = (fee: bigint) => ({ walletPubKeyHash, movingFundsTxHash: txHash, movingFundsTxOutputIndex: 3, movedFundsSweepTxFee: fee });
      for (const state of [MovedFundsSweepRequestState.Processed, MovedFundsSweepRequestState.TimedOut]) {
        await (await bridge.setMovedFundsSweepRequest(key, { walletPubKeyHash, value: 0, createdAt: 0, state })).wait();
        await expectRevert(validator.validateMovedFundsSweepProposal(proposal(0n)), "Sweep request is not in Pending state");
      }
      await (
        await bridge.setMovedFundsSweepRequest(key, { walletPubKeyHash: ZERO_ADDRESS, value: 0, createdAt: 0, state: MovedFundsSweepRequestState.Pending })
      ).wait();
      await expectRevert(validator.validateMovedFundsSweepProposal(proposal(0n)), "Sweep request does not belong to the wallet");
      await (
        await bridge.setMovedFundsSweepRequest(key, { walletPubKeyHash, value: 0, createdAt: 0, state: MovedFundsSweepRequestState.Pending })
      ).wait();
      // The output index is part of the key: index 0 of the same tx has no request.
      await expectRevert(
        validator.validateMovedFundsSweepProposal({ ...proposal(1n), movingFundsTxOutputIndex: 0 }),
        "Sweep request is not in Pending state",
      );
      await expectTrue(validator.validateMovedFundsSweepProposal(proposal(20000n)));
    });
  });

  context("heartbeat through the validator (§6.3 item 8)", () => {
    for (const [name, message] of [
      ["empty", "0x"],
      ["15 bytes", "0x" + "ff".repeat(8) + "11".repeat(7)],
      ["17 bytes", "0x" + "ff".repeat(8) + "11".repeat(9)],
      ["16 bytes with a wrong prefix", "0x" + "ff".repeat(7) + "00" + "11".repeat(8)],
    ] as const) {
      it(`rejects a ${name} message`, async () => {
        await expectRevert(validator.validateHeartbeatProposal({ walletPubKeyHash, message }), "Not a valid heartbeat message");
      });
    }

    it("accepts a valid message for any wallet, whatever its state", async () => {
      const unknownWallet = "0x" + "99".repeat(20);
      await expectTrue(validator.validateHeartbeatProposal({ walletPubKeyHash: unknownWallet, message: "0x" + "ff".repeat(8) + "00".repeat(8) }));
    });
  });

  context("ABI conformance (§3.1–§3.3, §6.3 item 10)", () => {
    const validatorFunctions: [string, string, string][] = [
      [
        "validateDepositSweepProposal",
        "validateDepositSweepProposal((bytes20,(bytes32,uint32)[],uint256,uint256[]),((bytes4,bytes,bytes,bytes4),bytes8,bytes20,bytes20,bytes4)[])",
        "0x7405d7bf",
      ],
      ["validateRedemptionProposal", "validateRedemptionProposal((bytes20,bytes[],uint256))", "0x0fde6c76"],
      ["validateMovingFundsProposal", "validateMovingFundsProposal((bytes20,bytes20[],uint256),(bytes32,uint32,uint64))", "0x9b337db2"],
      ["validateMovedFundsSweepProposal", "validateMovedFundsSweepProposal((bytes20,bytes32,uint32,uint256))", "0xd6c7fa78"],
      ["validateHeartbeatProposal", "validateHeartbeatProposal((bytes20,bytes))", "0xf03a4bc5"],
    ];
    const constants: [string, string, bigint, string][] = [
      ["DEPOSIT_MIN_AGE", "uint32", 7200n, "0x6b562cec"],
      ["DEPOSIT_REFUND_SAFETY_MARGIN", "uint32", 86400n, "0x765f28f9"],
      ["DEPOSIT_SWEEP_MAX_SIZE", "uint16", 20n, "0x996a756b"],
      ["REDEMPTION_REQUEST_MIN_AGE", "uint32", 600n, "0xd09520f7"],
      ["REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN", "uint32", 7200n, "0x0538ac1b"],
      ["REDEMPTION_MAX_SIZE", "uint16", 20n, "0xe0276b26"],
    ];
    let iface: Interface;
    beforeAll(() => {
      iface = validator.interface as unknown as Interface;
    });

    it("exposes the five validate functions with the §3.3 signatures and selectors, view, returning bool", () => {
      for (const [name, signature, selector] of validatorFunctions) {
        const f = iface.getFunction(name);
        expect(f, name).not.toBeNull();
        expect(f!.format("sighash")).toBe(signature);
        expect(f!.selector).toBe(selector);
        expect(f!.stateMutability).toBe("view");
        expect(f!.outputs.map((o) => o.type)).toEqual(["bool"]);
      }
    });

    it("exposes the §3.2 constants with their types, values and selectors", async () => {
      for (const [name, type, value, selector] of constants) {
        const f = iface.getFunction(name);
        expect(f, name).not.toBeNull();
        expect(f!.selector).toBe(selector);
        expect(f!.outputs.map((o) => o.type)).toEqual([type]);
        expect(await validator.getFunction(name)()).toBe(value);
      }
    });

    it("has bridge() (0xe78cea92) returning the constructor argument, and no write functions or events", async () => {
      const f = iface.getFunction("bridge");
      expect(f!.selector).toBe("0xe78cea92");
      expect(await validator.bridge()).toBe(await bridge.getAddress());
      const writes = iface.fragments.filter((x) => FunctionFragment.isFragment(x) && !["view", "pure"].includes(x.stateMutability));
      expect(writes).toEqual([]);
      expect(iface.fragments.filter((x) => x.type === "event")).toEqual([]);
    });

    it("rejects the zero bridge address at deployment", async () => {
      const factory = await net.ethers.getContractFactory("WalletProposalValidator");
      const data = (await factory.getDeployTransaction(ZERO_ADDRESS)).data;
      const [signer] = await net.ethers.getSigners();
      await expectRevert(signer.call({ data }), "Bridge address cannot be zero");
    });

    it("reads the stub through the tBTC view fragments of §2.4", async () => {
      // The validator decodes these; the stub must return the tBTC tuple shapes.
      const tbtc = new Interface([
        "function wallets(bytes20) view returns ((bytes32,bytes32,uint64,uint32,uint32,uint32,uint32,uint8,bytes32))",
        "function deposits(uint256) view returns ((address,uint64,uint32,address,uint64,uint32,bytes32))",
        "function pendingRedemptions(uint256) view returns ((address,uint64,uint64,uint64,uint32))",
        "function movedFundsSweepRequests(uint256) view returns ((bytes20,uint64,uint32,uint8))",
        "function depositParameters() view returns (uint64,uint64,uint64,uint32)",
        "function redemptionParameters() view returns (uint64,uint64,uint64,uint64,uint32,uint96,uint32)",
        "function movingFundsParameters() view returns (uint64,uint64,uint32,uint32,uint96,uint32,uint16,uint64,uint32,uint96,uint32)",
        "function walletParameters() view returns (uint32,uint64,uint64,uint64,uint32,uint64,uint32)",
        "function getRedemptionWatchtower() view returns (address)",
        "function liveWalletsCount() view returns (uint32)",
        "function activeWalletPubKeyHash() view returns (bytes20)",
        "function isVaultTrusted(address) view returns (bool)",
      ]);
      const expected: Record<string, string> = {
        wallets: "0xe65e19d5",
        deposits: "0xb02c43d0",
        pendingRedemptions: "0x03d952f7",
        movedFundsSweepRequests: "0xf18cf1b1",
        depositParameters: "0xc42b64d0",
        redemptionParameters: "0x6e70ce41",
        movingFundsParameters: "0xbe05abe3",
        walletParameters: "0x61ccf97a",
        getRedemptionWatchtower: "0x5f3281ca",
        liveWalletsCount: "0x24028c11",
        activeWalletPubKeyHash: "0xded1d24a",
        isVaultTrusted: "0xe53c0b55",
      };
      const stubAddress = await bridge.getAddress();
      const args: Record<string, unknown[]> = {
        wallets: [walletPubKeyHash],
        deposits: [1n],
        pendingRedemptions: [1n],
        movedFundsSweepRequests: [1n],
        isVaultTrusted: [vault],
      };
      for (const [name, selector] of Object.entries(expected)) {
        const f = tbtc.getFunction(name)!;
        expect(f.selector, name).toBe(selector);
        const raw = await net.ethers.provider.call({ to: stubAddress, data: tbtc.encodeFunctionData(f, args[name] ?? []) });
        expect(() => tbtc.decodeFunctionResult(f, raw), name).not.toThrow();
        // Fully static tuples: the return size is fixed.
        expect((raw.length - 2) / 2, name).toBe(32 * f.outputs.reduce((n, o) => n + (o.components?.length ?? 1), 0));
      }
      const [, , txMaxFee] = tbtc.decodeFunctionResult(
        "depositParameters",
        await net.ethers.provider.call({ to: stubAddress, data: tbtc.encodeFunctionData("depositParameters") }),
      );
      expect(txMaxFee).toBe(depositTxMaxFee);
    });
  });
});
