// A FROST wallet through every action on the real Bridge and validator (threshold.md §4.1, §4.4): its own
// outputs are P2TR (0x5120 ‖ walletX) in Bitcoin transactions built with bitcoinjs-lib, as main UTXO after
// a sweep, as redemption change, as moving-funds target output and as moved-funds sweep output. The
// Bridge's record* functions and the validator take them like any other wallet output.
import { Transaction } from "bitcoinjs-lib";
import type { Contract, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WalletState } from "../../src/protocol/constants.js";
import { fromHex, to0x } from "../../src/util/hex.js";
import { mainUtxoHash, type BitcoinUtxo } from "./helpers/bitcoin-fixtures.js";
import { deployArtifact, readArtifact } from "../../deploy/link-libraries.js";
import { p2wpkhScript, send } from "./helpers/bridge-fixture.js";
import { closeNet, expectRevert, expectTrue } from "./helpers/evm.js";
import { deployFrostFixture, registerFrostWallet, type FrostFixture } from "./helpers/frost-fixture.js";
import { createTaprootDeposit, xOnlyPubKeyHash, type TestTaprootDeposit } from "./helpers/taproot-fixtures.js";

let f: FrostFixture;
let validator: Contract;

interface Frost {
  walletX: string;
  pkh: string;
  members: Wallet[];
}
const wallets: Frost[] = [];

beforeAll(async () => {
  f = await deployFrostFixture();
  ({ contract: validator } = await deployArtifact(
    readArtifact("contracts/bridge/WalletProposalValidator.sol", "WalletProposalValidator"),
    f.governance,
    [await f.bridge.getAddress()],
  ));
  for (let i = 0; i < 2; i++) {
    const { walletX, members } = await registerFrostWallet(f, 3, 2, `lifecycle-${i}`);
    wallets.push({ walletX, pkh: xOnlyPubKeyHash(walletX), members });
  }
});

afterAll(async () => {
  await closeNet(f?.net);
});

/** A P2TR key-path output script of a FROST wallet: OP_1 PUSH32 walletX. */
const p2tr = (w: Frost): Uint8Array => fromHex("5120" + w.walletX.slice(2));

/** A transaction spending `inputs` (internal-order hashes) into `outputs`; its hash in internal order. */
function bitcoinTx(inputs: { hash: string; index: number }[], outputs: { script: Uint8Array; value: bigint }[]): string {
  const tx = new Transaction();
  tx.version = 2;
  for (const i of inputs) tx.addInput(fromHex(i.hash), i.index);
  for (const o of outputs) tx.addOutput(o.script, o.value);
  return to0x(tx.getHash());
}

const latest = (): Promise<number> => f.net.networkHelpers.time.latest();

describe("a FROST wallet with P2TR outputs through sweep, redemption, moving funds and moved-funds sweep", () => {
  let a: Frost;
  let b: Frost;
  let deposits: TestTaprootDeposit[];
  let mainUtxo: BitcoinUtxo;

  beforeAll(() => {
    [a, b] = wallets;
  });

  it("Taproot deposits revealed to A, proposed by the validator, swept into a P2TR main UTXO", async () => {
    deposits = [];
    for (let i = 0; i < 2; i++) {
      const depositor = f.others[i];
      const d = createTaprootDeposit({ walletX: a.walletX, depositor: await depositor.getAddress(), revealedAt: await latest(), value: 30_000_000n });
      await send(f.bridge.connect(depositor).getFunction("revealTaprootDeposit")(d.extraInfo.fundingTx, d.reveal));
      deposits.push(d);
    }
    await f.net.networkHelpers.time.increase(7201);
    const proposal = { walletPubKeyHash: a.pkh, depositsKeys: deposits.map((d) => d.key), sweepTxFee: 4000n, depositsRevealBlocks: [] };
    await expectTrue(validator.validateTaprootDepositSweepProposal(proposal, deposits.map((d) => d.extraInfo)));

    const value = 60_000_000n - 4000n;
    const sweepTxHash = bitcoinTx(deposits.map((d) => ({ hash: d.key.fundingTxHash, index: d.key.fundingOutputIndex })), [{ script: p2tr(a), value }]);
    mainUtxo = { txHash: sweepTxHash, txOutputIndex: 0, txOutputValue: value };
    await send(f.bridge.connect(f.maintainer).getFunction("recordDepositSweep")(a.pkh, sweepTxHash, deposits.map((d) => d.key), mainUtxo));
    expect((await f.bridge.wallets(a.pkh)).mainUtxoHash).toBe(mainUtxoHash(mainUtxo));
    await expectRevertSwept();
  });

  async function expectRevertSwept(): Promise<void> {
    const proposal = { walletPubKeyHash: a.pkh, depositsKeys: deposits.map((d) => d.key), sweepTxFee: 4000n, depositsRevealBlocks: [] };
    await expectRevert(validator.validateTaprootDepositSweepProposal(proposal, deposits.map((d) => d.extraInfo)), "Deposit already swept");
  }

  it("a redemption from the P2TR main UTXO, with P2TR change as the new main UTXO", async () => {
    const script = p2wpkhScript("0x" + "42".repeat(20));
    await send(f.bridge.connect(f.requester).getFunction("requestRedemption")(a.pkh, mainUtxo, script, 10_000_000n));
    await f.net.networkHelpers.time.increase(601);
    await expectTrue(validator.validateRedemptionProposal({ walletPubKeyHash: a.pkh, redeemersOutputScripts: [script], redemptionTxFee: 3000n }));
    const paid = 10_000_000n - 5000n - 3000n; // requested − treasury fee − fee
    const change = mainUtxo.txOutputValue - paid - 3000n;
    const redemptionTxHash = bitcoinTx(
      [{ hash: mainUtxo.txHash, index: 0 }],
      [
        { script: fromHex(script).slice(1), value: paid },
        { script: p2tr(a), value: change },
      ],
    );
    mainUtxo = { txHash: redemptionTxHash, txOutputIndex: 1, txOutputValue: change };
    await send(f.bridge.connect(f.maintainer).getFunction("recordRedemption")(a.pkh, redemptionTxHash, [script], mainUtxo));
    expect((await f.bridge.wallets(a.pkh)).mainUtxoHash).toBe(mainUtxoHash(mainUtxo));
  });

  it("moving funds from A to B: a P2TR output to B, then B's moved-funds sweep into its own P2TR main UTXO", async () => {
    await send(f.bridge.connect(f.governance).getFunction("beginMovingFunds")(a.pkh));
    const member = a.members[0];
    await send(f.bridge.connect(member).getFunction("submitMovingFundsCommitment")(a.pkh, mainUtxo, 1, [b.pkh]));
    await expectTrue(validator.validateMovingFundsProposal({ walletPubKeyHash: a.pkh, targetWallets: [b.pkh], movingFundsTxFee: 2000n }, mainUtxo));

    const moved = mainUtxo.txOutputValue - 2000n;
    const movingFundsTxHash = bitcoinTx([{ hash: mainUtxo.txHash, index: 1 }], [{ script: p2tr(b), value: moved }]);
    await send(f.bridge.connect(f.maintainer).getFunction("recordMovingFunds")(a.pkh, movingFundsTxHash, [b.pkh], [moved]));
    expect(Number((await f.bridge.wallets(a.pkh)).state)).toBe(WalletState.Closing);

    await expectTrue(
      validator.validateMovedFundsSweepProposal({ walletPubKeyHash: b.pkh, movingFundsTxHash, movingFundsTxOutputIndex: 0, movedFundsSweepTxFee: 1500n }),
    );
    const swept = moved - 1500n;
    const sweepTxHash = bitcoinTx([{ hash: movingFundsTxHash, index: 0 }], [{ script: p2tr(b), value: swept }]);
    const bMain = { txHash: sweepTxHash, txOutputIndex: 0, txOutputValue: swept };
    await send(f.bridge.connect(f.maintainer).getFunction("recordMovedFundsSweep")(b.pkh, sweepTxHash, movingFundsTxHash, 0, bMain));
    expect((await f.bridge.wallets(b.pkh)).mainUtxoHash).toBe(mainUtxoHash(bMain));
    expect(Number((await f.bridge.wallets(b.pkh)).pendingMovedFundsSweepRequestsCount)).toBe(0);
    // The wallet's PKH is its alias everywhere: the moving-funds request names B by HASH160(0x02 ‖ walletX).
    expect(b.pkh).toBe(xOnlyPubKeyHash(b.walletX));
  });
});
