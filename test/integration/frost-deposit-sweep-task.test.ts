// DepositSweepTask for a FROST wallet (issue #11, threshold.md §4.2) on a hardhat node with the real
// Bridge, FrostWalletRegistry and validator: a wallet registered through the registry (dev dealer
// walletX, members' EIP-191 signatures of the DKG digest), a Taproot deposit funded on the
// FakeBitcoinChain and revealed; the task proposes it with the P2TR fee shapes and the Taproot validator.
import { getAddress, keccak256, toUtf8Bytes, toBeHex, Wallet, type Contract } from "ethers";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployArtifact, readArtifact } from "../../deploy/link-libraries.js";
import { appliedFeeRate, feeFor } from "../../src/bitcoin/fees.js";
import { taprootDepositOutput, taprootRefundLeaf } from "../../src/bitcoin/taproot.js";
import { txHashOf, txInfoOf } from "../../src/bitcoin/tx.js";
import { OUTPUT_SCRIPT_LENGTH, vsize } from "../../src/bitcoin/vsize.js";
import { frostWalletRegistryInterface } from "../../src/chain/abi.js";
import { ActionType } from "../../src/protocol/constants.js";
import { decodePayload, type DepositSweepPayload } from "../../src/protocol/payloads.js";
import { DepositSweepTask } from "../../src/proposals/deposit-sweep-task.js";
import { bitcoinContentValidator } from "../../src/coordination/bitcoin-content-validation.js";
import { actionWindowContext } from "../../src/actions/handlers/handler.js";
import { createDevFrostWallet } from "../../src/threshold/dev-wallet.js";
import { to0x, toHex } from "../../src/util/hex.js";
import { schnorr } from "@noble/curves/secp256k1.js";
import { DAY } from "../contracts/helpers/bitcoin-fixtures.js";
import { dkgDigest, signDigest } from "../contracts/helpers/frost-fixture.js";
import { indexAll, latest, locktimeBytes, mineAt, startDepositChain, type DepositChain } from "../fixtures/deposit-chain.js";
import { sendBridge } from "../fixtures/indexer-bridge.js";

const MIN_AGE = 7200;
const FEE = { minSatPerVByte: 5, bufferPercent: 25 };
const FROST = createDevFrostWallet(new TextEncoder().encode("frost-deposit-sweep-task"), 3, 2);

let dc: DepositChain;
let registry: Contract;
let registryAddress: string;

beforeAll(async () => {
  dc = await startDepositChain();
  const reg = await deployArtifact(readArtifact("contracts/bridge/FrostWalletRegistry.sol", "FrostWalletRegistry"), dc.gov, [dc.bridgeAddress, 40]);
  registry = reg.contract;
  registryAddress = getAddress(reg.address);
  await sendBridge(dc.bridge, dc.gov, "setFrostWalletRegistry", registryAddress);
  const members = [0, 1, 2].map((i) => new Wallet(keccak256(toUtf8Bytes(`frost-sweep-member-${i}`)), dc.provider));
  members.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  for (const m of members) await dc.provider.send("hardhat_setBalance", [m.address, toBeHex(10n ** 20n)]);
  const receipt = await sendBridge(registry, dc.gov, "requestNewWallet", members.map((m) => m.address), 2, 3);
  const ev = receipt.logs.map((l) => frostWalletRegistryInterface.parseLog({ topics: [...l.topics], data: l.data })).find((e) => e?.name === "DkgRequested")!;
  const requestId = ev.args.requestId as bigint;
  const walletX = to0x(FROST.walletX);
  const digest = dkgDigest({ chainId: 31337n, registry: registryAddress, bridge: dc.bridgeAddress, requestId, seed: ev.args.seed as string, walletX, members: members.map((m) => m.address), excluded: [] });
  const result = { requestId, walletX, excluded: [], signerIndices: members.map((_, i) => i + 1), signatures: signDigest(members, digest) };
  await ((await (registry.connect(members[0]) as Contract).getFunction("submitDkgResult")(result)).wait());
}, 60_000);

afterAll(async () => {
  await dc?.close();
});

describe("DepositSweepTask, FROST wallet", () => {
  it("proposes the revealed Taproot deposit, priced with the P2TR shapes and accepted by validateTaprootDepositSweepProposal", async () => {
    const T = (await latest(dc)).timestamp + 100;
    const depositor = await dc.depositor.getAddress();
    const refundX = schnorr.getPublicKey(new Uint8Array(32).fill(5));
    const blindingFactor = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const refundLocktime = locktimeBytes(T + 30 * DAY);
    const leaf = taprootRefundLeaf({ depositor: Buffer.from(depositor.slice(2), "hex"), blindingFactor, refundLocktime: Buffer.from(refundLocktime.slice(2), "hex"), refundX });
    const funded = dc.btc.fund(taprootDepositOutput(FROST.walletX, leaf).script, 10_000_000n);
    dc.btc.mine(6);
    const info = txInfoOf(funded.raw);
    const reveal = { fundingOutputIndex: 0, blindingFactor, walletPubKeyHash: FROST.walletPkh, refundX, refundLocktime, vault: "0x" + "00".repeat(20) };
    await dc.provider.send("evm_setNextBlockTimestamp", [T]);
    const r = await sendBridge(dc.bridge, dc.depositor, "revealTaprootDeposit", info, reveal);
    await indexAll(dc);
    const row = dc.store.evDeposits.byFundingOutpoint(to0x(txHashOf(funded.raw)), 0);
    expect(row?.refundX).toBe(to0x(refundX));

    const W = await mineAt(dc, T + MIN_AGE + 1);
    const t = new DepositSweepTask(
      { bridge: dc.bridgeClient, validator: dc.validatorClient, btc: dc.btc, store: dc.store, logger: pino({ level: "silent" }), chain: dc.chain },
      { fee: FEE },
    );
    const bytes = await t.propose({ W: W.blockNumber, walletPkh: FROST.walletPkh, wallet: toHex(FROST.walletPkh), L: W, signal: new AbortController().signal });
    expect(bytes).not.toBeNull();
    const p = decodePayload(ActionType.DepositSweep, bytes!);
    if (!p.ok) throw new Error(p.reason);
    const payload = p.payload as DepositSweepPayload;
    expect(payload.depositsKeys.map((k) => to0x(k.fundingTxHash))).toEqual([to0x(txHashOf(funded.raw))]);
    expect(payload.depositsRevealBlocks).toEqual([r.blockNumber]);
    const rate = appliedFeeRate(await dc.btc.estimateSatPerVByte(), FEE);
    expect(payload.sweepTxFee).toBe(feeFor(rate, vsize([{ kind: "p2tr" }], [OUTPUT_SCRIPT_LENGTH.p2tr])));

    // The follower's content validation: the Taproot validator with the reveal's refundX.
    const follower = bitcoinContentValidator(
      { validator: dc.validatorClient, bridge: dc.bridgeClient, btc: dc.btc, chain: dc.chain, store: dc.store },
      { bridgeAddress: dc.bridgeAddress, profile: { fundingTxMinConfirmations: 6 } },
    );
    const ctx = actionWindowContext({ walletPkh: toHex(FROST.walletPkh), W: W.blockNumber });
    const signal = new AbortController().signal;
    expect(await follower({ ctx, actionType: ActionType.DepositSweep, payload, at: W }, signal)).toEqual({ class: "valid" });
    const tooHigh = { ...payload, sweepTxFee: 10_000_000n };
    expect((await follower({ ctx, actionType: ActionType.DepositSweep, payload: tooHigh, at: W }, signal)).class).toBe("invalid");
  });
});
