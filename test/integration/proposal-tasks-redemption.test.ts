// RedemptionTask (coordination.md §13.3, §13.1) against the real Bridge and validator on a hardhat
// node, a FakeBitcoinChain holding the wallets' main UTXOs and a Store filled by the EventIndexer.
// Tests share the chain in file order; the timeout-margin test moves time by days, so it is last.
import { keccak256, toUtf8Bytes } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { vsize } from "../../src/bitcoin/vsize.js";
import type { BitcoinUtxo } from "../../src/chain/types.js";
import { ActionType } from "../../src/protocol/constants.js";
import { prefixScript } from "../../src/protocol/bridge-keys.js";
import { decodePayload } from "../../src/protocol/payloads.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { ProposalGenerator, type ReferenceBlock } from "../../src/proposals/generator.js";
import { HeartbeatTask } from "../../src/proposals/heartbeat-task.js";
import { RedemptionTask } from "../../src/proposals/redemption-task.js";
import type { BitcoinTaskComponents, BitcoinTaskInit } from "../../src/proposals/wallet-preconditions.js";
import { concatBytes, fromHex, toHex } from "../../src/util/hex.js";
import type { DevWallet } from "../../deploy/dev-bootstrap.js";
import { redemptionKey } from "../../deploy/dev-fixtures.js";
import {
  captureLogger,
  giveMainUtxo,
  indexAll,
  latestRef,
  mineAt,
  send,
  startProposalChain,
  taskContext,
  taskDeps,
  type ProposalChain,
} from "../fixtures/proposal-chain.js";

let pc: ProposalChain;
const mains = new Map<DevWallet, BitcoinUtxo>();
const log = captureLogger();

type Kind = "p2wpkh" | "p2pkh" | "p2sh" | "p2wsh";
let scriptNonce = 0;

/** A fresh redeemer output script of the kind (raw, no length prefix). */
function script(kind: Kind): Uint8Array {
  const h = fromHex(keccak256(toUtf8Bytes(`redeemer-${scriptNonce++}`)));
  switch (kind) {
    case "p2wpkh":
      return concatBytes(fromHex("0014"), h.subarray(0, 20));
    case "p2pkh":
      return concatBytes(fromHex("76a914"), h.subarray(0, 20), fromHex("88ac"));
    case "p2sh":
      return concatBytes(fromHex("a914"), h.subarray(0, 20), fromHex("87"));
    case "p2wsh":
      return concatBytes(fromHex("0020"), h);
  }
}

const deps = (): BitcoinTaskComponents => taskDeps(pc, log.logger);

/** Requests a redemption of 1 000 000 sat to `raw`; returns its requestedAt. */
async function request(w: DevWallet, raw: Uint8Array): Promise<number> {
  const block = await send(pc.bridge, pc.requester, "requestRedemption", w.walletPubKeyHash, mains.get(w)!, prefixScript(raw), 1_000_000n);
  return (await pc.chain.block(block)).timestamp;
}

/** Decodes the payload and checks it with the validator at L: every produced proposal must pass. */
async function expectValid(payload: Uint8Array | null, w: DevWallet, L: ReferenceBlock) {
  expect(payload).not.toBeNull();
  const decoded = decodePayload(ActionType.Redemption, payload!);
  if (!decoded.ok) throw new Error(`undecodable payload: ${decoded.reason}`);
  const p = decoded.payload;
  const outcome = await pc.validatorClient.validateRedemption(
    { walletPubKeyHash: w.walletPubKeyHash, redeemersOutputScripts: p.redeemersOutputScripts.map(prefixScript), redemptionTxFee: p.redemptionTxFee },
    L,
  );
  expect(outcome).toEqual({ outcome: "valid" });
  return p;
}

async function propose(w: DevWallet, L: ReferenceBlock, W = L.blockNumber, init: BitcoinTaskInit = {}) {
  log.lines.length = 0;
  return new RedemptionTask(deps(), init).propose(taskContext(w, L, W));
}

beforeAll(async () => {
  pc = await startProposalChain(8);
  // Wallet 4's main UTXO is left unconfirmed: created last, so no later fake-chain mine confirms it.
  for (const i of [0, 1, 2, 3, 5, 6, 7, 4]) mains.set(pc.wallets[i]!, await giveMainUtxo(pc, pc.wallets[i]!, 50_000_000n, i !== 4));
}, 60_000);

afterAll(async () => {
  await pc?.close();
});

describe("RedemptionTask", () => {
  it("takes the 20 oldest of 21 pending requests, by requestedAt then redemption key, with the §13.8 fee", async () => {
    const w = pc.wallets[0]!;
    const kinds: Kind[] = ["p2wpkh", "p2pkh", "p2sh", "p2wsh"];
    const made: { raw: Uint8Array; key: bigint; at: number }[] = [];
    // Three blocks of 7 requests: equal requestedAt inside a block, so the key breaks the tie.
    const provider = pc.chain.provider;
    let t = (await latestRef(pc)).timestamp;
    await provider.send("evm_setAutomine", [false]);
    try {
      for (let blk = 0; blk < 3; blk++) {
        const raws = Array.from({ length: 7 }, (_, i) => script(kinds[(blk * 7 + i) % 4]!));
        for (const raw of raws) {
          await pc.bridge.connect(pc.requester).getFunction("requestRedemption")(w.walletPubKeyHash, mains.get(w)!, prefixScript(raw), 1_000_000n);
        }
        t += 10;
        await mineAt(pc, t);
        for (const raw of raws) made.push({ raw, key: redemptionKey(prefixScript(raw), w.walletPubKeyHash), at: t });
      }
    } finally {
      await provider.send("evm_setAutomine", [true]);
    }
    await indexAll(pc);
    expect(pc.store.evRedemptions.latestPerKey(toHex(w.walletPubKeyHash), 0)).toHaveLength(21);
    for (const m of made) expect((await pc.bridgeClient.pendingRedemptions(m.key, await latestRef(pc))).requestedAt).toBe(m.at);

    const L = await mineAt(pc, t + 601);
    const p = await expectValid(await propose(w, L), w, L);
    const expected = [...made].sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, 20);
    expect(p.redeemersOutputScripts.map(toHex)).toEqual(expected.map((m) => toHex(m.raw)));
    // The one left out is the last block's highest key.
    const left = made.filter((m) => !expected.includes(m));
    expect(left).toHaveLength(1);
    expect(left[0]!.at).toBe(t);
    expect(made.filter((m) => m.at === t).every((m) => m.key <= left[0]!.key)).toBe(true);
    // 10 sat/vB from the fake estimate → max(5, ceil(10 × 1.25)) = 13 sat/vB.
    const size = vsize([{ kind: "p2wpkh" }], [22, ...expected.map((m) => m.raw.length)]);
    expect(p.redemptionTxFee).toBe(13n * BigInt(size));
  });

  it("honours the minimum age one second either side, measured at W (tLow), not at L", async () => {
    const w = pc.wallets[1]!;
    const raw = script("p2wpkh");
    const r = await request(w, raw);
    await indexAll(pc);
    const atMinAge = await mineAt(pc, r + 600);
    expect(await propose(w, atMinAge)).toBeNull();
    expect(log.reasons("Redemption")).toEqual(["NO_ELIGIBLE_REQUESTS"]);
    // The contract draws the same line at that block.
    const outcome = await pc.validatorClient.validateRedemption(
      { walletPubKeyHash: w.walletPubKeyHash, redeemersOutputScripts: [prefixScript(raw)], redemptionTxFee: 1833n },
      atMinAge,
    );
    expect(outcome).toEqual({ outcome: "invalid", reason: "Redemption request min age not achieved yet" });
    const oneLater = await mineAt(pc, r + 601);
    // W still at r + 600: a follower validating at W could refuse, so nothing.
    expect(await propose(w, oneLater, atMinAge.blockNumber)).toBeNull();
    const p = await expectValid(await propose(w, oneLater), w, oneLater);
    expect(p.redeemersOutputScripts).toHaveLength(1);
    // §13.8 table: 1 P2WPKH input, change + 1 P2WPKH redeemer = 141 vB, at 13 sat/vB.
    expect(p.redemptionTxFee).toBe(141n * 13n);
  });

  it("extends the minimum age to the watchtower's redemption delay", async () => {
    const w = pc.wallets[2]!;
    const raw = script("p2pkh");
    const r = await request(w, raw);
    await send(pc.watchtower, pc.gov, "setRedemptionDelay", redemptionKey(prefixScript(raw), w.walletPubKeyHash), 1000);
    await indexAll(pc);
    expect(await propose(w, await mineAt(pc, r + 1000))).toBeNull();
    expect(log.reasons("Redemption")).toEqual(["NO_ELIGIBLE_REQUESTS"]);
    const L = await mineAt(pc, r + 1001);
    const p = await expectValid(await propose(w, L), w, L);
    expect(p.redeemersOutputScripts.map(toHex)).toEqual([toHex(raw)]);
    expect(p.redemptionTxFee).toBe(144n * 13n); // §13.8: change + 1 P2PKH redeemer = 144 vB
  });

  it("yields nothing with FEE_ABOVE_MAX when a request's fee share exceeds its txMaxFee, without clamping", async () => {
    const w = pc.wallets[3]!;
    const r = await request(w, script("p2wpkh"));
    await indexAll(pc);
    const L = await mineAt(pc, r + 601);
    pc.btc.setFeeRate(0.006); // 600 sat/vB → 750 applied → 141 × 750 = 105 750 > txMaxFee 100 000
    try {
      expect(await propose(w, L)).toBeNull();
      expect(log.reasons("Redemption")).toEqual(["FEE_ABOVE_MAX"]);
      expect(log.lines.find((l) => l.reason === "FEE_ABOVE_MAX")).toMatchObject({ fee: "105750", share: "105750", txMaxFee: "100000" });
      // Just under the per-request cap it passes: the cap, not the rate, decided.
      pc.btc.setFeeRate(0.0056); // 560 → 700 applied → 98 700
      const p = await expectValid(await propose(w, L), w, L);
      expect(p.redemptionTxFee).toBe(98_700n);
    } finally {
      pc.btc.setFeeRate(0.0001);
    }
  });

  it("yields nothing with WALLET_NOT_SYNCED while the main UTXO is unconfirmed on Bitcoin", async () => {
    const w = pc.wallets[4]!;
    const r = await request(w, script("p2wsh"));
    await indexAll(pc);
    const L = await mineAt(pc, r + 601);
    expect(await propose(w, L)).toBeNull();
    expect(log.reasons("Redemption")).toEqual(["WALLET_NOT_SYNCED"]);
    pc.btc.mine(1);
    await expectValid(await propose(w, L), w, L);
  });

  it("yields nothing with WALLET_BUSY while a local action holds the wallet lock", async () => {
    const w = pc.wallets[5]!;
    const r = await request(w, script("p2sh"));
    await indexAll(pc);
    const L = await mineAt(pc, r + 601);
    const action = pc.store.actions.create({
      walletPkh: toHex(w.walletPubKeyHash),
      W: L.blockNumber - 1,
      type: ActionType.Heartbeat,
      payload: new Uint8Array([1]),
      start: L.blockNumber + 99,
      expiry: L.blockNumber + 699,
      signingStart: L.blockNumber + 99,
      signingDeadline: L.blockNumber + 399,
    });
    expect(await propose(w, L)).toBeNull();
    expect(log.reasons("Redemption")).toEqual(["WALLET_BUSY"]);
    pc.store.actions.advance(action.id, "scheduled", "aborted");
    await expectValid(await propose(w, L), w, L);
  });

  it("a throwing task is skipped and counted; the generator runs the next task", async () => {
    const w = pc.wallets[6]!;
    const r = await request(w, script("p2wpkh"));
    await indexAll(pc);
    const L = await mineAt(pc, r + 601);
    const metrics = createMetrics({ processMetrics: false });
    const generator = new ProposalGenerator({
      tasks: [new RedemptionTask(deps()), new HeartbeatTask({ validator: pc.validatorClient, logger: log.logger })],
      logger: log.logger,
      metrics,
    });
    log.lines.length = 0;
    const req = { W: L.blockNumber, walletPkh: w.walletPubKeyHash, wallet: toHex(w.walletPubKeyHash), checklist: [ActionType.Redemption, ActionType.Heartbeat], L };
    pc.btc.setUnreachable(true);
    try {
      const first = await generator.generate(req, new AbortController().signal);
      expect(first.actionType).toBe(ActionType.Heartbeat);
      expect(await metrics.registry.metrics()).toContain('wcoord_proposal_task_errors_total{task="Redemption",code="BTC_UNAVAILABLE"} 1');
      expect(log.lines.some((l) => l.task === "Redemption" && l.msg === "proposal task failed; skipped")).toBe(true);
    } finally {
      pc.btc.setUnreachable(false);
    }
    const second = await generator.generate(req, new AbortController().signal);
    expect(second.actionType).toBe(ActionType.Redemption);
    await expectValid(second.payload, w, L);
  });

  it("keeps the contract's timeout safety margin against tHigh, one second either side", async () => {
    const w = pc.wallets[7]!;
    const r = await request(w, script("p2wpkh"));
    await indexAll(pc);
    // W = L: tHigh = ts(W) + (100 + 600) × 12 + 3600 = ts(W) + 12 000; the request stays eligible
    // while r + 5 days − 7200 > tHigh, i.e. ts(W) < r + 412 800.
    const before = await mineAt(pc, r + 412_799);
    await expectValid(await propose(w, before), w, before);
    const at = await mineAt(pc, r + 412_800);
    expect(await propose(w, at)).toBeNull();
    expect(log.reasons("Redemption")).toEqual(["NO_ELIGIBLE_REQUESTS"]);
    // The same bound moves with extraSafetyMarginSec: one second less slack makes it eligible again.
    await expectValid(await propose(w, at, at.blockNumber, { extraSafetyMarginSec: 3599 }), w, at);
  });
});
