// Main UTXO determination (coordination.md §13.9.1) and "wallet synced between chains" (§13.9.2)
// against a real Bridge on a hardhat node and FakeBitcoinChain, with transactions signed by the
// wallets' keys and accepted by the fake chain's signature checks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcProvider, SigningKey, toBeHex, zeroPadValue, type Contract, type JsonRpcSigner } from "ethers";
import { script as bscript, Transaction } from "bitcoinjs-lib";
import { BridgeClient } from "../../src/chain/bridge-client.js";
import type { BlockRef } from "../../src/chain/pinned-call.js";
import type { BitcoinUtxo } from "../../src/chain/types.js";
import { BitcoinUnavailableError } from "../../src/bitcoin/bitcoin-chain.js";
import { findMainUtxo, MainUtxoNotFoundError, toBitcoinUtxo, walletSynced } from "../../src/bitcoin/main-utxo.js";
import { depositLockingScripts, depositScript, p2pkhScript, p2wpkhScript } from "../../src/bitcoin/scripts.js";
import { hashFromTxid, txHashOf, txInfoOf } from "../../src/bitcoin/tx.js";
import { utxoHash } from "../../src/protocol/bridge-keys.js";
import { fromHex, to0x, toHex } from "../../src/util/hex.js";
import { FakeBitcoinChain } from "../fakes/fake-bitcoin-chain.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { deployBridge, sendBridge, walletKey } from "../fixtures/indexer-bridge.js";

const A = 11;
const B = 12;
const [wA, wB] = [A, B].map(walletKey) as [ReturnType<typeof walletKey>, ReturnType<typeof walletKey>];
const pkhA = fromHex(wA.pkh);
const pkhB = fromHex(wB.pkh);
const keyOf = (n: number): SigningKey => new SigningKey(zeroPadValue(toBeHex(n), 32));

let node: HardhatNode;
let provider: JsonRpcProvider;
let bridge: Contract;
let client: BridgeClient;
let gov: JsonRpcSigner;
let maintainer: JsonRpcSigner;
let depositor: JsonRpcSigner;
let btc: FakeBitcoinChain;
let deployBlock: number;

async function latest(): Promise<BlockRef> {
  const b = (await provider.getBlock("latest"))!;
  return { blockNumber: b.number, blockHash: b.hash! };
}

/** DER signature + SIGHASH_ALL for a BIP-143 digest. */
function derSign(n: number, digest: Uint8Array): Uint8Array {
  const s = keyOf(n).sign(digest);
  return bscript.signature.encode(fromHex(s.r + s.s.slice(2)), Transaction.SIGHASH_ALL);
}

interface Spend {
  txid: string;
  vout: number;
  value: bigint;
  /** Signing key number; the prevout is P2WPKH of that key, or the deposit script when given. */
  key: number;
  depositScript?: Uint8Array;
}

/** A version-1 transaction spending `ins` (P2WPKH or P2WSH deposit, wallet branch) to `outs`. */
function signedTx(ins: Spend[], outs: { script: Uint8Array; value: bigint }[]): Uint8Array {
  const tx = new Transaction();
  tx.version = 1;
  for (const i of ins) tx.addInput(hashFromTxid(i.txid), i.vout, 0xffffffff);
  for (const o of outs) tx.addOutput(o.script, o.value);
  ins.forEach((i, k) => {
    const pub = fromHex(keyOf(i.key).compressedPublicKey);
    const scriptCode = i.depositScript ?? p2pkhScript(fromHex(walletKey(i.key).pkh));
    const sig = derSign(i.key, tx.hashForWitnessV0(k, scriptCode, i.value, Transaction.SIGHASH_ALL));
    tx.setWitness(k, i.depositScript ? [sig, pub, i.depositScript] : [sig, pub]);
  });
  return tx.toBuffer();
}

function submit(raw: Uint8Array): string {
  const outcome = btc.submit(raw);
  if (outcome.kind !== "accepted") throw new Error(`fake chain refused the transaction: ${JSON.stringify(outcome)}`);
  return outcome.txid;
}

beforeAll(async () => {
  node = await startHardhatNode();
  provider = new JsonRpcProvider(node.url, 31337n, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  const d = await deployBridge(provider);
  deployBlock = d.deployBlock;
  bridge = d.bridge;
  gov = d.governance;
  [maintainer, depositor] = await Promise.all([1, 2].map((i) => provider.getSigner(i)));
  client = new BridgeClient({ caller: provider }, { address: d.address });
  await sendBridge(bridge, gov, "setMaintainerStatus", await maintainer.getAddress(), true);
  for (const w of [wA, wB]) await sendBridge(bridge, gov, "registerWallet", w.x, w.y, [await gov.getAddress()]);
  btc = new FakeBitcoinChain();
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await node?.stop();
});

describe("findMainUtxo (§13.9.1) on the fake chain", () => {
  it("no main UTXO when the hash is zero", async () => {
    expect(await findMainUtxo(btc, pkhA, new Uint8Array(32))).toBeNull();
  });

  it("finds outputs paying P2WPKH and P2PKH of the wallet, in mempool or confirmed", async () => {
    const chain = new FakeBitcoinChain();
    const pkh = fromHex(walletKey(99).pkh);
    const legacy = chain.fund(p2pkhScript(pkh), 7_000n);
    chain.mine();
    const segwit = chain.fund(p2wpkhScript(pkh), 8_000n);
    const other = chain.fund(p2wpkhScript(pkhA), 9_000n); // another wallet: never considered

    const m1 = await findMainUtxo(chain, pkh, utxoHash(hashFromTxid(legacy.txid), 0, 7_000n));
    expect(m1).toEqual({ txHash: hashFromTxid(legacy.txid), index: 0, value: 7_000n, script: p2pkhScript(pkh) });
    const m2 = await findMainUtxo(chain, pkh, utxoHash(hashFromTxid(segwit.txid), 0, 8_000n));
    expect(m2!.script).toEqual(p2wpkhScript(pkh));
    expect(toBitcoinUtxo(m2!)).toEqual({ txHash: hashFromTxid(segwit.txid), txOutputIndex: 0, txOutputValue: 8_000n });

    // Value, index or owner wrong: the error, with its code.
    for (const h of [
      utxoHash(hashFromTxid(segwit.txid), 0, 8_001n),
      utxoHash(hashFromTxid(segwit.txid), 1, 8_000n),
      utxoHash(hashFromTxid(other.txid), 0, 9_000n),
    ]) {
      const err = await findMainUtxo(chain, pkh, h).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MainUtxoNotFoundError);
      expect((err as MainUtxoNotFoundError).code).toBe("MAIN_UTXO_NOT_FOUND");
    }
  });

  it("Bitcoin errors propagate", async () => {
    const chain = new FakeBitcoinChain();
    chain.setUnreachable(true);
    await expect(findMainUtxo(chain, pkhA, new Uint8Array(32).fill(1))).rejects.toBeInstanceOf(BitcoinUnavailableError);
  });
});

describe("walletSynced (§13.9.2) with the real Bridge", () => {
  let deposit: { script: Uint8Array; txid: string; value: bigint };
  let sweep: { txid: string; value: bigint };
  let mainUtxo: BitcoinUtxo;

  it("without a main UTXO: synced when nothing unrecorded pays the wallet", async () => {
    expect(await walletSynced({ btc, bridge: client }, pkhA, await latest())).toEqual({ synced: true });
    // A plain payment to the wallet (its first input is no deposit) does not count.
    btc.fund(p2wpkhScript(pkhA), 1_000n);
    btc.mine();
    expect(await walletSynced({ btc, bridge: client }, pkhA, await latest())).toEqual({ synced: true });
  });

  it("without a main UTXO: an unrecorded sweep of a revealed deposit is not synced", async () => {
    const now = (await provider.getBlock("latest"))!.timestamp;
    const locktime = new Uint8Array(4);
    new DataView(locktime.buffer).setUint32(0, now + 30 * 86400, true);
    const parts = {
      depositor: fromHex(await depositor.getAddress()),
      blindingFactor: fromHex("f9f0c90d00039523"),
      walletPubKeyHash: pkhA,
      refundPubKeyHash: new Uint8Array(20).fill(0x28),
      refundLocktime: locktime,
    };
    const script = depositScript(parts);
    const funding = btc.fund(depositLockingScripts(script).p2wsh, 1_000_000n);
    btc.mine();
    deposit = { script, txid: funding.txid, value: 1_000_000n };
    const info = txInfoOf(funding.raw);
    await sendBridge(bridge, depositor, "revealDeposit", info, {
      fundingOutputIndex: 0,
      blindingFactor: parts.blindingFactor,
      walletPubKeyHash: pkhA,
      refundPubKeyHash: parts.refundPubKeyHash,
      refundLocktime: locktime,
      vault: "0x0000000000000000000000000000000000000000",
    });
    // Revealed but not yet swept on Bitcoin: still synced.
    expect(await walletSynced({ btc, bridge: client }, pkhA, await latest())).toEqual({ synced: true });

    const raw = signedTx([{ txid: funding.txid, vout: 0, value: 1_000_000n, key: A, depositScript: script }], [{ script: p2wpkhScript(pkhA), value: 990_000n }]);
    sweep = { txid: submit(raw), value: 990_000n };
    // Mempool UTXOs count too.
    const inMempool = await walletSynced({ btc, bridge: client }, pkhA, await latest());
    expect(inMempool.synced).toBe(false);
    expect(inMempool.synced === false && inMempool.reason).toMatch(/revealed deposit/);
    btc.mine();
    expect((await walletSynced({ btc, bridge: client }, pkhA, await latest())).synced).toBe(false);

    // Pinned: at a block before the reveal (the Bridge's deploy block) the deposit is unknown, so the wallet looked synced.
    const before = (await provider.getBlock(deployBlock))!;
    expect(await walletSynced({ btc, bridge: client }, pkhA, { blockNumber: deployBlock, blockHash: before.hash! })).toEqual({ synced: true });
  });

  it("with a main UTXO: synced only while it is confirmed and unspent", async () => {
    const sweepHash = hashFromTxid(sweep.txid);
    mainUtxo = { txHash: sweepHash, txOutputIndex: 0, txOutputValue: sweep.value };
    await sendBridge(bridge, maintainer, "recordDepositSweep", wA.pkh, to0x(sweepHash), [{ fundingTxHash: to0x(hashFromTxid(deposit.txid)), fundingOutputIndex: 0 }], mainUtxo);
    const at = await latest();
    expect(await walletSynced({ btc, bridge: client }, pkhA, at)).toEqual({ synced: true });

    const wallet = await client.wallets(pkhA, at);
    const found = await findMainUtxo(btc, pkhA, wallet.mainUtxoHash);
    expect(found).toEqual({ txHash: sweepHash, index: 0, value: sweep.value, script: p2wpkhScript(pkhA) });
    expect(toBitcoinUtxo(found!)).toEqual(mainUtxo);

    // An unrecorded spend of the main UTXO (in the mempool): the Bridge lags Bitcoin.
    const spend = signedTx([{ txid: sweep.txid, vout: 0, value: sweep.value, key: A }], [{ script: p2wpkhScript(pkhA), value: 980_000n }]);
    const spendTxid = submit(spend);
    const r = await walletSynced({ btc, bridge: client }, pkhA, at);
    expect(r.synced).toBe(false);
    expect(r.synced === false && r.reason).toMatch(/main UTXO/);
    // Undo the spend for the next test.
    btc.dropFromMempool(spendTxid);
    expect(await walletSynced({ btc, bridge: client }, pkhA, at)).toEqual({ synced: true });
  });

  it("without a main UTXO: an unrecorded sweep of a moved-funds request is not synced", async () => {
    await sendBridge(bridge, gov, "beginMovingFunds", wA.pkh);
    await sendBridge(bridge, gov, "submitMovingFundsCommitment", wA.pkh, mainUtxo, 1, [wB.pkh]);
    const mf = signedTx([{ txid: sweep.txid, vout: 0, value: sweep.value, key: A }], [{ script: p2wpkhScript(pkhB), value: 980_000n }]);
    const mfTxid = submit(mf);
    btc.mine();
    expect(toHex(txHashOf(mf))).toBe(toHex(hashFromTxid(mfTxid)));
    await sendBridge(bridge, maintainer, "recordMovingFunds", wA.pkh, to0x(hashFromTxid(mfTxid)), [wB.pkh], [980_000n]);

    // The moving-funds output itself (first input = A's old main UTXO) is no request: synced.
    expect(await walletSynced({ btc, bridge: client }, pkhB, await latest())).toEqual({ synced: true });
    // The source is Closing without a main UTXO and has no UTXO left: synced.
    expect(await walletSynced({ btc, bridge: client }, pkhA, await latest())).toEqual({ synced: true });

    const moved = signedTx([{ txid: mfTxid, vout: 0, value: 980_000n, key: B }], [{ script: p2wpkhScript(pkhB), value: 970_000n }]);
    const movedTxid = submit(moved);
    const r = await walletSynced({ btc, bridge: client }, pkhB, await latest());
    expect(r.synced).toBe(false);
    expect(r.synced === false && r.reason).toMatch(/moved-funds sweep request/);

    // Recorded while the sweep is still in the mempool: the new main UTXO is not confirmed yet.
    const movedHash = to0x(hashFromTxid(movedTxid));
    const newMain = { txHash: movedHash, txOutputIndex: 0, txOutputValue: 970_000n };
    await sendBridge(bridge, maintainer, "recordMovedFundsSweep", wB.pkh, movedHash, to0x(hashFromTxid(mfTxid)), 0, newMain);
    const pending = await walletSynced({ btc, bridge: client }, pkhB, await latest());
    expect(pending.synced === false && pending.reason).toMatch(/main UTXO/);
    btc.mine();
    expect(await walletSynced({ btc, bridge: client }, pkhB, await latest())).toEqual({ synced: true });
  });

  it("Bitcoin errors propagate", async () => {
    btc.setUnreachable(true);
    try {
      await expect(walletSynced({ btc, bridge: client }, pkhB, await latest())).rejects.toBeInstanceOf(BitcoinUnavailableError);
    } finally {
      btc.setUnreachable(false);
    }
  });
});
