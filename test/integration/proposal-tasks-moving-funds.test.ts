// MovingFundsTask (coordination.md §13.6, §13.9.3) against the real Bridge and validator on a
// hardhat node: safety margin, what blocks the move, target choice, the commitment sent through the
// real EthIntentSender by a wallet member, the commitment-exists path and a commitment not included.
import { ZeroAddress, getBytes, keccak256 } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { depositLockingScripts, depositScript, p2wpkhScript } from "../../src/bitcoin/scripts.js";
import { hashFromTxid, txInfoOf } from "../../src/bitcoin/tx.js";
import { EthIntentSender } from "../../src/chain/eth-intents.js";
import type { BitcoinUtxo, DepositKey } from "../../src/chain/types.js";
import { ActionType } from "../../src/protocol/constants.js";
import { prefixScript, targetsCommitmentHash } from "../../src/protocol/bridge-keys.js";
import { decodePayload } from "../../src/protocol/payloads.js";
import type { ReferenceBlock } from "../../src/proposals/generator.js";
import { MovingFundsTask } from "../../src/proposals/moving-funds-task.js";
import type { BitcoinTaskComponents } from "../../src/proposals/wallet-preconditions.js";
import { concatBytes, fromHex, toHex } from "../../src/util/hex.js";
import type { DevWallet } from "../../deploy/dev-bootstrap.js";
import { DAY, captureLogger, giveMainUtxo, indexAll, latestRef, mineAt, send, startProposalChain, taskContext, taskDeps, type ProposalChain } from "../fixtures/proposal-chain.js";

let pc: ProposalChain;
let sender: EthIntentSender;
const log = captureLogger();
let S: DevWallet, S2: DevWallet;
let redemptionScript: Uint8Array;
let deposit: DepositKey;
let sMain: BitcoinUtxo;
let s2Main: BitcoinUtxo;

const seatOf = (w: DevWallet): number => w.operators.indexOf(pc.operator.address) + 1;

function deps(over: Partial<BitcoinTaskComponents> = {}): BitcoinTaskComponents {
  return taskDeps(pc, log.logger, {
    intents: sender,
    ownLowestSeat: (pkh) => seatOf(pc.wallets.find((w) => toHex(w.walletPubKeyHash) === toHex(pkh))!),
    ...over,
  });
}

async function propose(w: DevWallet, L: ReferenceBlock, over: Partial<BitcoinTaskComponents> = {}) {
  log.lines.length = 0;
  return new MovingFundsTask(deps(over), { operator: pc.operator.address }).propose(taskContext(w, L));
}

/** Decodes the payload and checks it with the validator at `at` and the wallet's main UTXO. */
async function expectValid(payload: Uint8Array | null, w: DevWallet, main: BitcoinUtxo, at: ReferenceBlock) {
  expect(payload).not.toBeNull();
  const d = decodePayload(ActionType.MovingFunds, payload!);
  if (!d.ok) throw new Error(`undecodable payload: ${d.reason}`);
  const p = d.payload;
  const outcome = await pc.validatorClient.validateMovingFunds(
    { walletPubKeyHash: w.walletPubKeyHash, targetWallets: p.targetWallets, movingFundsTxFee: p.movingFundsTxFee },
    main,
    at,
  );
  expect(outcome).toEqual({ outcome: "valid" });
  return p;
}

/** A confirmed Bitcoin transaction paying the wallet; returns its output as a main UTXO. */
function walletTx(w: DevWallet, value: bigint): BitcoinUtxo {
  const { txid } = pc.btc.fund(p2wpkhScript(w.walletPubKeyHash), value);
  pc.btc.mine(1);
  return { txHash: hashFromTxid(txid), txOutputIndex: 0, txOutputValue: value };
}

/** A deposit whose P2WSH funding transaction really is on the fake chain, 6 confirmations deep. */
async function revealConfirmedDeposit(w: DevWallet): Promise<DepositKey> {
  const locktime = new Uint8Array(4);
  new DataView(locktime.buffer).setUint32(0, (await latestRef(pc)).timestamp + 30 * DAY, true);
  const parts = {
    depositor: getBytes(await pc.depositor.getAddress()),
    blindingFactor: fromHex("0102030405060708"),
    walletPubKeyHash: w.walletPubKeyHash,
    refundPubKeyHash: new Uint8Array(20).fill(7),
    refundLocktime: locktime,
  };
  const { txid, raw } = pc.btc.fund(depositLockingScripts(depositScript(parts)).p2wsh, 3_000_000n);
  pc.btc.mine(6);
  const { depositor: _, ...reveal } = parts;
  await send(pc.bridge, pc.depositor, "revealDeposit", txInfoOf(raw), { fundingOutputIndex: 0, ...reveal, vault: ZeroAddress });
  return { fundingTxHash: hashFromTxid(txid), fundingOutputIndex: 0 };
}

beforeAll(async () => {
  pc = await startProposalChain(6);
  [S, S2] = [pc.wallets[0]!, pc.wallets[1]!];
  sender = new EthIntentSender({ store: pc.store, chain: pc.chain, wallet: pc.operator, logger: log.logger });
  sMain = await giveMainUtxo(pc, S, 1_500_000_000n);
  redemptionScript = concatBytes(fromHex("0014"), new Uint8Array(20).fill(9));
  await send(pc.bridge, pc.requester, "requestRedemption", S.walletPubKeyHash, sMain, prefixScript(redemptionScript), 1_000_000n);
  deposit = await revealConfirmedDeposit(S);
  s2Main = await giveMainUtxo(pc, S2, 50_000_000n);
  await send(pc.bridge, pc.gov, "terminateWallet", pc.wallets[5]!.walletPubKeyHash); // newest, but not Live
  await send(pc.bridge, pc.gov, "beginMovingFunds", S.walletPubKeyHash);
  await send(pc.bridge, pc.gov, "beginMovingFunds", S2.walletPubKeyHash);
  await indexAll(pc);
}, 60_000);

afterAll(async () => {
  await pc?.close();
});

describe("MovingFundsTask", () => {
  it("waits out the 24 h safety margin, one second either side, at tLow", async () => {
    const requestedAt = (await pc.bridgeClient.wallets(S.walletPubKeyHash, await latestRef(pc))).movingFundsRequestedAt;
    expect(await propose(S, await mineAt(pc, requestedAt + DAY - 1))).toBeNull();
    expect(log.reasons("MovingFunds")).toEqual(["SAFETY_MARGIN"]);
    expect(await propose(S, await mineAt(pc, requestedAt + DAY))).toBeNull();
    expect(log.reasons("MovingFunds")).toEqual(["PENDING_REDEMPTIONS"]);
  });

  it("yields nothing while a redemption is pending or a confirmed deposit past its min age is unswept", async () => {
    const change = walletTx(S, 1_499_000_000n);
    await send(pc.bridge, pc.maintainer, "recordRedemption", S.walletPubKeyHash, change.txHash, [prefixScript(redemptionScript)], change);
    expect(await propose(S, await latestRef(pc))).toBeNull();
    expect(log.reasons("MovingFunds")).toEqual(["SWEEPABLE_DEPOSIT"]);
    sMain = walletTx(S, 1_500_000_000n);
    await send(pc.bridge, pc.maintainer, "recordDepositSweep", S.walletPubKeyHash, sMain.txHash, [deposit], sMain);
  });

  it("picks the newest Live wallets, submits the commitment as the member's intent, then proposes", async () => {
    const L = await latestRef(pc);
    const payload = await propose(S, L);
    // 15 BTC / walletMaxBtcTransfer 10 BTC → 2 targets: wallets 4 and 3 (5 is terminated), ascending.
    const expected = [pc.wallets[4]!, pc.wallets[3]!].map((w) => toHex(w.walletPubKeyHash)).sort();
    const head = await latestRef(pc);
    expect(head.blockNumber).toBeGreaterThan(L.blockNumber);
    const p = await expectValid(payload, S, sMain, head);
    expect(p.targetWallets.map(toHex)).toEqual(expected);
    expect(p.movingFundsTxFee).toBe(141n * 13n); // §13.8: 1 input, 2 targets = 141 vB at 13 sat/vB
    const onChain = await pc.bridgeClient.wallets(S.walletPubKeyHash, head);
    expect(toHex(onChain.movingFundsTargetWalletsCommitmentHash)).toBe(keccak256(concatBytes(...p.targetWallets.map((t) => concatBytes(t, new Uint8Array(12))))).slice(2));
    expect(toHex(targetsCommitmentHash(p.targetWallets))).toBe(toHex(onChain.movingFundsTargetWalletsCommitmentHash));
    const intents = pc.store.ethIntents.list({ purpose: "moving_funds_commitment" });
    expect(intents).toHaveLength(1);
    expect(intents[0]!.from).toBe(pc.operator.address);
    await indexAll(pc);
    const row = pc.store.evMovingFunds.latestCommitment(toHex(S.walletPubKeyHash));
    expect(row?.submitter).toBe(pc.operator.address);
    expect(row?.targetWallets).toEqual(expected);
  });

  it("with a commitment, takes the targets from the index (no new intent) and checks the fee limit", async () => {
    const L = await latestRef(pc);
    const p = await expectValid(await propose(S, L), S, sMain, L);
    expect(p.targetWallets.map(toHex)).toEqual(pc.store.evMovingFunds.latestCommitment(toHex(S.walletPubKeyHash))!.targetWallets);
    expect(pc.store.ethIntents.list({ purpose: "moving_funds_commitment" })).toHaveLength(1);
    pc.btc.setFeeRate(0.0058); // 580 → 725 sat/vB × 141 = 102 225 > movingFundsTxMaxTotalFee 100 000
    try {
      expect(await propose(S, L)).toBeNull();
      expect(log.reasons("MovingFunds")).toEqual(["FEE_ABOVE_MAX"]);
    } finally {
      pc.btc.setFeeRate(0.0001);
    }
  });

  it("refuses a seat the operator does not hold, and throws COMMITMENT_NOT_INCLUDED when the intent is not mined in 6 blocks", async () => {
    const L = await latestRef(pc);
    expect(seatOf(S2)).toBe(2);
    await expect(propose(S2, L, { ownLowestSeat: () => 1 })).rejects.toMatchObject({ code: "NOT_A_MEMBER" });

    const provider = pc.chain.provider;
    await provider.send("evm_setAutomine", [false]);
    let pending: Promise<unknown>;
    try {
      pending = propose(S2, L).catch((e: unknown) => e);
      // Once the intent is sent, drop it from the node's mempool and mine past the 6-block wait.
      let sent;
      for (let i = 0; i < 200 && sent === undefined; i++) {
        sent = pc.store.ethIntents.list({ purpose: "moving_funds_commitment", status: "sent" }).find((r) => r.dedupeKey.includes(toHex(S2.walletPubKeyHash)));
        if (sent === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      expect(sent).toBeDefined();
      await provider.send("hardhat_dropTransaction", [sent!.txHash]);
      await provider.send("hardhat_mine", ["0x7"]);
      expect(await pending).toMatchObject({ code: "COMMITMENT_NOT_INCLUDED" });
    } finally {
      await provider.send("evm_setAutomine", [true]);
    }
    // The intent stays tracked: the sender's look-up re-sends the same raw, and the next window
    // proposes with the targets of its own intent (the lagging index does not have the commitment yet).
    await sender.poll();
    const payload = await propose(S2, await latestRef(pc));
    expect(pc.store.ethIntents.list({ purpose: "moving_funds_commitment" }).filter((r) => r.dedupeKey.includes(toHex(S2.walletPubKeyHash)))).toHaveLength(1);
    const p = await expectValid(payload, S2, s2Main, await latestRef(pc));
    expect(p.targetWallets).toHaveLength(1); // 0.5 BTC → one target
  });
});
