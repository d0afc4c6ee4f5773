// A FROST wallet's Bitcoin actions end to end (issue #11, threshold.md §2, §4) with the real
// ActionExecutor on a `hardhat node` (real Bridge, FrostWalletRegistry and WalletProposalValidator):
// the wallet registered through the registry (dev dealer walletX, members' EIP-191 signatures of the
// DKG digest), a Taproot deposit funded on the FakeBitcoinChain (which checks BIP-340 signatures) and
// revealed, a DepositSweep proposed by the real task and validated on chain, then executed with the
// FrostDealerSigner to final; then a redemption from the wallet's P2TR main UTXO.
import { Wallet, getBytes, toBeHex, toQuantity, zeroPadValue, type Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FrostDealerSigner } from "../../src/threshold/frost-dealer-signer.js";
import type { DigestKey, WalletSigner } from "../../src/actions/signer.js";
import { createDevFrostWallet } from "../../src/threshold/dev-wallet.js";
import { DepositSweepTask } from "../../src/proposals/deposit-sweep-task.js";
import { RedemptionTask } from "../../src/proposals/redemption-task.js";
import { appliedFeeRate, feeFor } from "../../src/bitcoin/fees.js";
import { OUTPUT_SCRIPT_LENGTH, vsize } from "../../src/bitcoin/vsize.js";
import { decodePayload } from "../../src/protocol/payloads.js";
import { p2trScript, taprootDepositOutput, taprootRefundLeaf } from "../../src/bitcoin/taproot.js";
import { txInfoOf } from "../../src/bitcoin/tx.js";
import { frostWalletRegistryInterface } from "../../src/chain/abi.js";
import { deployArtifact, readArtifact } from "../../deploy/link-libraries.js";
import { dkgDigest, signDigest } from "../contracts/helpers/frost-fixture.js";
import { locktimeBytes } from "../fixtures/deposit-chain.js";
import { schnorr } from "@noble/curves/secp256k1.js";
import { p2wpkhScript } from "../../src/bitcoin/scripts.js";
import { hashFromTxid, txHashOf, txOutputs } from "../../src/bitcoin/tx.js";
import { outpointKey, utxoHash } from "../../src/protocol/bridge-keys.js";
import type { BitcoinUtxo } from "../../src/chain/types.js";
import { ActionType } from "../../src/protocol/constants.js";
import { prefixScript } from "../../src/protocol/bridge-keys.js";
import type { PayloadOf } from "../../src/protocol/payloads.js";
import { to0x, toHex } from "../../src/util/hex.js";
import { randomHex } from "../contracts/helpers/bitcoin-fixtures.js";
import { ActionHarness, type Deposit } from "../fixtures/action-harness.js";
import { sendBridge } from "../fixtures/indexer-bridge.js";

const HOUR = 3600;
const DAY = 24 * HOUR;
const DEPOSIT_SAT = 10_000_000n;

const FROST = createDevFrostWallet(new TextEncoder().encode("frost-wallet-actions"), 3, 2);
const FROST_PKH = toHex(FROST.walletPkh);

/** The dealer signer; with `tamper`, every digest is signed under the untweaked wallet key (wrong for a deposit). */
const dealer = new FrostDealerSigner([FROST], { chainId: 31337n });
let tamper = false;
const signer: WalletSigner = {
  sign: (req) => dealer.sign(tamper && req.keys ? { ...req, keys: req.keys.map((): DigestKey => ({ scheme: "bip340", key: "wallet" })) } : req),
};
const h = new ActionHarness({ dirPrefix: "wcoord-frost-actions-", signer: () => signer });

/** The FrostWalletRegistry on the Bridge, a DKG request and its result signed by every member (EIP-191). */
async function registerFrostWallet(): Promise<void> {
  const { provider, bridge, bridgeAddress, gov } = h;
  const reg = await deployArtifact(readArtifact("contracts/bridge/FrostWalletRegistry.sol", "FrostWalletRegistry"), gov, [bridgeAddress, 40]);
  const registry = reg.contract;
  const registryAddress = await registry.getAddress();
  await sendBridge(bridge, gov, "setFrostWalletRegistry", registryAddress);
  const members = [0, 1, 2].map((i) => new Wallet(zeroPadValue(toBeHex(0x5100 + i), 32), provider));
  members.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  for (const m of members) await provider.send("hardhat_setBalance", [m.address, toQuantity(10n ** 20n)]);
  const receipt = await sendBridge(registry, gov, "requestNewWallet", members.map((m) => m.address), 2, 3);
  const ev = receipt.logs.map((l) => frostWalletRegistryInterface.parseLog({ topics: [...l.topics], data: l.data })).find((e) => e?.name === "DkgRequested")!;
  const requestId = ev.args.requestId as bigint;
  const walletX = to0x(FROST.walletX);
  const digest = dkgDigest({ chainId: 31337n, registry: registryAddress, bridge: bridgeAddress, requestId, seed: ev.args.seed as string, walletX, members: members.map((m) => m.address), excluded: [] });
  const result = { requestId, walletX, excluded: [], signerIndices: members.map((_, i) => i + 1), signatures: signDigest(members, digest) };
  await (await (registry.connect(members[0]) as Contract).getFunction("submitDkgResult")(result)).wait();
}

/** Funds a Taproot deposit (P2TR of walletX with its refund leaf) on the fake chain (mined) and reveals it. */
async function deposit(nonce: number): Promise<Deposit> {
  const now = (await h.provider.getBlock("latest"))!.timestamp;
  const refundX = schnorr.getPublicKey(getBytes(zeroPadValue(toBeHex(0x7700 + nonce), 32)));
  const blindingFactor = getBytes(randomHex(8));
  const refundLocktime = getBytes(locktimeBytes(now + 30 * DAY));
  const leaf = taprootRefundLeaf({ depositor: getBytes(await h.depositor.getAddress()), blindingFactor, refundLocktime, refundX });
  const script = taprootDepositOutput(FROST.walletX, leaf).script;
  const funded = h.btc.fund(script, DEPOSIT_SAT);
  const reveal = { fundingOutputIndex: 0, blindingFactor, walletPubKeyHash: FROST.walletPkh, refundX, refundLocktime, vault: "0x" + "00".repeat(20) };
  const receipt = await sendBridge(h.bridge, h.depositor, "revealTaprootDeposit", txInfoOf(funded.raw), reveal);
  h.btc.mine(1);
  return { fundingTxHash: txHashOf(funded.raw), txid: funded.txid, block: receipt.blockNumber, value: DEPOSIT_SAT, script };
}

beforeAll(async () => {
  await h.deploy();
  await registerFrostWallet();
  await h.open();
}, 60_000);

afterAll(() => h.close());

const BTC_PATH = ["scheduled", "validating", "built", "signing", "signed", "broadcast_pending", "in_mempool", "confirmed", "recording", "settled"];

/** The FROST wallet's main UTXO as the Bridge knows it. */
let mainUtxo: BitcoinUtxo;

describe("FROST wallet actions through the executor", () => {
  it("a Taproot deposit: the real task proposes the sweep, the executor signs it with FROST and it ends final", async () => {
    const d = await deposit(1);
    h.btc.mine(6); // the task's funding-confirmation rule
    await h.passTime(3 * HOUR); // past the validator's 2 h minimum deposit age
    await h.indexAll();
    const L = (await h.provider.getBlock("latest"))!;
    const task = new DepositSweepTask(
      { bridge: h.bridgeClient, validator: h.validatorClient, btc: h.btc, store: h.store, logger: h.logger, chain: h.chain },
      { fee: { minSatPerVByte: 1, bufferPercent: 0 } },
    );
    const ref = { blockNumber: L.number, blockHash: L.hash!, timestamp: L.timestamp };
    const bytes = await task.propose({ W: L.number, walletPkh: FROST.walletPkh, wallet: FROST_PKH, L: ref, signal: new AbortController().signal });
    expect(bytes).not.toBeNull();
    const decoded = decodePayload(ActionType.DepositSweep, bytes!);
    if (!decoded.ok) throw new Error(decoded.reason);
    const payload = decoded.payload as PayloadOf<ActionType.DepositSweep>;
    expect(payload.depositsKeys.map((k) => toHex(k.fundingTxHash))).toEqual([toHex(d.fundingTxHash)]);

    const row = await h.schedule(FROST_PKH, ActionType.DepositSweep, payload);
    const pending = await h.runToMempool(row);
    // The Taproot deposit's refund leaf is persisted with the inputs (a restart signs the same keys).
    expect(pending.outpoints!.map((o) => [o.txHash, o.index])).toEqual([[to0x(d.fundingTxHash), 0]]);
    expect(pending.outpoints![0]!.taprootLeaf?.length).toBe(73);
    const outs = txOutputs(pending.signedTx!);
    expect(outs).toHaveLength(1);
    expect(outs[0]!.value).toBe(DEPOSIT_SAT - payload.sweepTxFee);
    expect(toHex(outs[0]!.script)).toBe(toHex(p2trScript(FROST.walletX)));

    const settled = await h.runToSettled(row);
    expect(h.states(row.id)).toEqual(BTC_PATH);
    const at = await h.pinned();
    const txHash = hashFromTxid(settled.txid!);
    expect((await h.bridgeClient.wallets(FROST.walletPkh, at)).mainUtxoHash).toEqual(utxoHash(txHash, 0, outs[0]!.value));
    expect((await h.bridgeClient.deposits(outpointKey(d.fundingTxHash, 0), at)).sweptAt).not.toBe(0);
    mainUtxo = { txHash, txOutputIndex: 0, txOutputValue: outs[0]!.value };
    await h.runToFinal(row);
    expect(h.states(row.id)).toEqual([...BTC_PATH, "final"]);
  });

  it("Redemption from the P2TR main UTXO: change to P2TR(walletX) first, signed with FROST, to final", async () => {
    const script = p2wpkhScript(getBytes(randomHex(20)));
    await sendBridge(h.bridge, h.requester, "requestRedemption", FROST.walletPkh, mainUtxo, to0x(prefixScript(script)), 2_000_000n);
    await h.passTime(700); // the validator's 10 min minimum request age
    await h.indexAll();
    // The real task proposes it for the FROST wallet (P2TR input and change in the fee estimate).
    const L = (await h.provider.getBlock("latest"))!;
    const task = new RedemptionTask({ bridge: h.bridgeClient, validator: h.validatorClient, btc: h.btc, store: h.store, logger: h.logger, chain: h.chain }, { fee: { minSatPerVByte: 1, bufferPercent: 0 } });
    const ref = { blockNumber: L.number, blockHash: L.hash!, timestamp: L.timestamp };
    const bytes = await task.propose({ W: L.number, walletPkh: FROST.walletPkh, wallet: FROST_PKH, L: ref, signal: new AbortController().signal });
    expect(bytes).not.toBeNull();
    const decoded = decodePayload(ActionType.Redemption, bytes!);
    if (!decoded.ok) throw new Error(decoded.reason);
    const proposed = decoded.payload as PayloadOf<ActionType.Redemption>;
    expect(proposed.redeemersOutputScripts.map(toHex)).toEqual([toHex(script)]);
    const rate = appliedFeeRate(await h.btc.estimateSatPerVByte(), { minSatPerVByte: 1, bufferPercent: 0 });
    expect(proposed.redemptionTxFee).toBe(feeFor(rate, vsize([{ kind: "p2tr" }], [OUTPUT_SCRIPT_LENGTH.p2tr, script.length])));
    const row = await h.schedule(FROST_PKH, ActionType.Redemption, { redeemersOutputScripts: [script], redemptionTxFee: 1500n });
    const pending = await h.runToMempool(row);
    expect(pending.outpoints!.map((o) => [o.txHash, o.index])).toEqual([[to0x(mainUtxo.txHash), 0]]);
    const outs = txOutputs(pending.signedTx!);
    const payment = 2_000_000n - 2_000_000n / 2000n - 1500n;
    expect(outs.map((o) => o.value)).toEqual([mainUtxo.txOutputValue - payment - 1500n, payment]);
    expect(toHex(outs[0]!.script)).toBe(toHex(p2trScript(FROST.walletX)));
    // §5: a restarted node continues from the persisted row alone.
    await h.restartNode();
    const settled = await h.runToSettled(row);
    expect(h.states(row.id)).toEqual(BTC_PATH);
    const w = await h.bridgeClient.wallets(FROST.walletPkh, await h.pinned());
    expect(w.mainUtxoHash).toEqual(utxoHash(hashFromTxid(settled.txid!), 0, outs[0]!.value));
    expect(w.pendingRedemptionsValue).toBe(0n);
    await h.runToFinal(row);
  });

  it("a signature under the wrong BIP-340 key is refused before signed; the next attempt signs the deposit under its leaf key", async () => {
    const d = await deposit(2);
    await h.passTime(3 * HOUR);
    await h.indexAll();
    tamper = true;
    const row = await h.schedule(FROST_PKH, ActionType.DepositSweep, {
      depositsKeys: [{ fundingTxHash: d.fundingTxHash, fundingOutputIndex: 0 }],
      sweepTxFee: 1800n,
      depositsRevealBlocks: [d.block],
    });
    await h.mineEthTo(row.signingStart);
    await h.until("BAD_SIGNATURE", () => h.logLines.some((l) => l.code === "BAD_SIGNATURE" && l.actionId === row.id && l.detail === "signature 1 does not verify"));
    expect(h.store.actions.get(row.id)!.state).toBe("signing");
    expect(h.store.actions.get(row.id)!.signedTx).toBeNull();
    tamper = false;
    await h.mineEthTo((await h.provider.getBlockNumber()) + 1);
    const r = await h.untilState(row.id, "in_mempool");
    expect(r.outpoints!.map((o) => o.taprootLeaf === undefined)).toEqual([true, false]);
    const settled = await h.runToSettled(row);
    mainUtxo = { txHash: hashFromTxid(settled.txid!), txOutputIndex: 0, txOutputValue: txOutputs(r.signedTx!)[0]!.value };
    await h.runToFinal(row);
  });
});
