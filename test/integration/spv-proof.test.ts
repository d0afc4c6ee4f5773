// SPV proofs (issue #14, Bitcoin side): the fake chain's blocks are real (coinbase with BIP-34
// height, merkle root, regtest proof of work), the fake Electrum server answers the proof methods
// over TCP, buildSpvProof assembles tbtc-v2's Info + Proof, and checkSpvProof refuses each broken
// proof with BitcoinTx.validateProof's revert string. Public vectors: tbtc-v2's and summa's.
import { createServer, type Socket } from "node:net";
import { Block, script as bscript, Transaction } from "bitcoinjs-lib";
import { afterEach, describe, expect, it } from "vitest";
import { BitcoinUnavailableError } from "../../src/bitcoin/bitcoin-chain.js";
import { ElectrumBitcoinChain } from "../../src/bitcoin/electrum-client.js";
import { checkSpvProof, type ProofDifficulty } from "../../src/bitcoin/spv-check.js";
import { validateHeaderChain } from "../../src/bitcoin/spv-headers.js";
import { buildSpvProof, SpvProofUnavailableError, type ProvenTx, type SpvProof } from "../../src/bitcoin/spv-proof.js";
import type { SpvSource } from "../../src/bitcoin/spv-source.js";
import { txInfoOf } from "../../src/bitcoin/tx.js";
import { fromHex, toHex } from "../../src/util/hex.js";
import { spend, txidOf, waitFor, WALLET_P2WPKH } from "../compliance/bitcoin-chain-suite.js";
import { FakeBitcoinChain } from "../fakes/fake-bitcoin-chain.js";
import { startElectrumServer } from "../fakes/electrum-server.js";
import { SUMMA_MAINNET_592920, TBTC_TESTNET_SINGLE_INPUT as TBTC } from "../fixtures/spv-vectors.js";

/** Regtest headers have difficulty 0 (their target is above difficulty 1's): the relay reports 0. */
const REGTEST: ProofDifficulty = { currentEpochDifficulty: 0n, previousEpochDifficulty: 0n, factor: 6n };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A chain whose block at `height` holds 4 transactions after the coinbase, the 3rd a signed P2WPKH spend. */
function chainWithProvenTx(): { chain: FakeBitcoinChain; txid: string; height: number } {
  const chain = new FakeBitcoinChain();
  const funded = chain.fund(WALLET_P2WPKH, 100_000n);
  chain.mine();
  chain.fund(WALLET_P2WPKH, 1_000n);
  chain.fund(WALLET_P2WPKH, 2_000n);
  const raw = spend({ raw: funded.raw, vout: 0, kind: "p2wpkh" }, 90_000n);
  expect(chain.submit(raw).kind).toBe("accepted");
  chain.fund(WALLET_P2WPKH, 3_000n);
  const [block] = chain.mine(6);
  return { chain, txid: txidOf(raw), height: block!.height };
}

async function electrumOver(chain: FakeBitcoinChain): Promise<ElectrumBitcoinChain> {
  const server = await startElectrumServer(chain);
  const btc = new ElectrumBitcoinChain({}, { urls: [server.url], callTimeoutMs: 3_000 });
  cleanups.push(async () => (await btc.stop(), await server.close()));
  await btc.start();
  await waitFor(() => btc.tip()?.height === chain.tip().height);
  return btc;
}

const withProof = (p: ProvenTx, change: Partial<SpvProof>): SpvProof => ({ ...p.proof, ...change });
const flipByte = (b: Uint8Array, at: number): Uint8Array => {
  const c = Uint8Array.from(b);
  c[at]! ^= 0x01;
  return c;
};

describe("FakeBitcoinChain blocks", () => {
  it("have a coinbase first with its BIP-34 height, the merkle root of their txids and regtest proof of work", async () => {
    const { chain, height } = chainWithProvenTx();
    const headers = await chain.blockHeaders(0, chain.tip().height + 1);
    expect(validateHeaderChain(headers)).toEqual({ totalDifficulty: 0n });
    for (const h of [0, 5, 17, height]) {
      const header = Block.fromBuffer(headers.subarray(h * 80, h * 80 + 80));
      expect(header.checkProofOfWork()).toBe(true);
      expect(header.bits).toBe(0x207fffff);
      const { txid: coinbaseId } = await chain.txIdFromPos(h, 0);
      const coinbase = Transaction.fromBuffer((await chain.getTransaction(coinbaseId))!);
      expect(coinbase.isCoinbase()).toBe(true);
      const push = bscript.decompile(coinbase.ins[0]!.script)![0]!;
      expect(typeof push === "number" ? (push === 0 ? 0 : push - 0x50) : bscript.number.decode(push as Buffer)).toBe(h);
    }
    // The block's txs as a real block: bitcoinjs computes the same merkle root and witness commitment.
    const txs: Transaction[] = [];
    for (let pos = 0; ; pos++) {
      const r = await chain.txIdFromPos(height, pos).catch(() => null);
      if (!r) break;
      txs.push(Transaction.fromBuffer((await chain.getTransaction(r.txid))!));
    }
    expect(txs).toHaveLength(5);
    const block = Block.fromBuffer(headers.subarray(height * 80, height * 80 + 80));
    block.transactions = txs;
    block.witnessCommit = block.getWitnessCommit()!;
    expect(block.witnessCommit).toHaveLength(32);
    expect(block.checkTxRoots()).toBe(true);
  });

  it("keep reorgs working: a fork's blocks are new, the dropped tx is proven again in its new block", async () => {
    const { chain, txid, height } = chainWithProvenTx();
    const oldHash = chain.tip().hash;
    chain.forkAt(height - 1);
    expect(chain.inMempool(txid)).toBe(true);
    chain.mine(7);
    expect(chain.tip().hash).not.toBe(oldHash);
    const proven = await buildSpvProof(chain, txid, 6);
    expect(proven.blockHeight).toBe(height);
    expect(checkSpvProof(proven.info, proven.proof, REGTEST).ok).toBe(true);
  });
});

describe("buildSpvProof over Electrum + checkSpvProof", () => {
  it("proves a confirmed transaction as tbtc-v2's BitcoinTx.validateProof accepts it", async () => {
    const { chain, txid, height } = chainWithProvenTx();
    const btc = await electrumOver(chain);
    const proven = await buildSpvProof(btc, txid, 6);
    expect(proven.blockHeight).toBe(height);
    expect(proven.proof.txIndexInBlock).toBe(3);
    expect(proven.proof.merkleProof).toHaveLength(3 * 32);
    expect(proven.proof.bitcoinHeaders).toEqual(await chain.blockHeaders(height, 6));
    // Info is the witness-stripped serialization; Electrum's display-order merkle became internal order.
    expect(proven.info).toEqual(txInfoOf((await chain.getTransaction(txid))!));
    expect(await buildSpvProof(chain, txid, 6)).toEqual(proven);
    const check = checkSpvProof(proven.info, proven.proof, REGTEST);
    expect(check.ok && toHex(check.txHash.slice().reverse())).toBe(txid);
  });

  it("refuses each broken proof with the contract's reason", async () => {
    const { chain, txid } = chainWithProvenTx();
    const p = await buildSpvProof(chain, txid, 6);
    const reason = (proof: SpvProof, info = p.info, d = REGTEST) => {
      const r = checkSpvProof(info, proof, d);
      return r.ok ? "accepted" : r.reason;
    };
    expect(reason(withProof(p, { merkleProof: flipByte(p.proof.merkleProof, 40) }))).toBe("Tx merkle proof is not valid for provided header and tx hash");
    expect(reason(withProof(p, { txIndexInBlock: p.proof.txIndexInBlock ^ 1 }))).toBe("Tx merkle proof is not valid for provided header and tx hash");
    expect(reason(withProof(p, { coinbaseProof: p.proof.coinbaseProof.slice(32) }))).toBe("Tx not on same level of merkle tree as coinbase");
    expect(reason(withProof(p, { coinbasePreimage: flipByte(p.proof.coinbasePreimage, 0) }))).toBe("Coinbase merkle proof is not valid for provided header and hash");
    // The second header no longer points at the first.
    expect(reason(withProof(p, { bitcoinHeaders: flipByte(p.proof.bitcoinHeaders, 80 + 4) }))).toBe("Invalid headers chain");
    expect(reason(withProof(p, { bitcoinHeaders: p.proof.bitcoinHeaders.slice(0, 6 * 80 - 1) }))).toBe("Invalid length of the headers chain");
    expect(reason(withProof(p, { bitcoinHeaders: lastHeaderAboveTarget(p.proof.bitcoinHeaders) }))).toBe("Insufficient work in a header");
    expect(reason(p.proof, p.info, { ...REGTEST, currentEpochDifficulty: 5n, previousEpochDifficulty: 4n })).toBe("Not at current or previous difficulty");
    expect(reason(p.proof, { ...p.info, inputVector: Uint8Array.of(0) })).toBe("Invalid input vector provided");
    expect(reason(p.proof, { ...p.info, outputVector: p.info.outputVector.slice(0, -1) })).toBe("Invalid output vector provided");
    expect(reason(p.proof, { ...p.info, locktime: Uint8Array.of(1, 0, 0, 0) })).toBe("Tx merkle proof is not valid for provided header and tx hash");
    expect(reason(p.proof)).toBe("accepted");
  });

  it("is not built before the transaction has the requested headers on top", async () => {
    const chain = new FakeBitcoinChain();
    const { txid } = chain.fund(WALLET_P2WPKH, 5_000n);
    await expect(buildSpvProof(chain, txid, 6)).rejects.toThrow(SpvProofUnavailableError);
    chain.mine(3);
    await expect(buildSpvProof(chain, txid, 6)).rejects.toThrow(/only 3 of 6 headers/);
    chain.mine(3);
    const p = await buildSpvProof(chain, txid, 6);
    expect(checkSpvProof(p.info, p.proof, REGTEST).ok).toBe(true);
  });
});

describe("ElectrumBitcoinChain proof methods against a server of its own", () => {
  /** A line server: `server.version`, `blockchain.block.headers` at most 2 per answer from `chain`, `get_merkle` malformed. */
  async function stingyServer(chain: FakeBitcoinChain): Promise<{ url: string; asked: number[][] }> {
    const asked: number[][] = [];
    const sockets = new Set<Socket>();
    const server = createServer((s) => {
      sockets.add(s);
      s.on("error", () => {});
      let buf = "";
      s.on("data", async (d) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const req = JSON.parse(buf.slice(0, nl)) as { id: number; method: string; params: number[] };
          buf = buf.slice(nl + 1);
          let result: unknown = ["x", "1.4"];
          if (req.method === "blockchain.block.headers") {
            asked.push(req.params);
            const raw = await chain.blockHeaders(req.params[0]!, Math.min(2, req.params[1]!));
            result = { count: raw.length / 80, hex: toHex(raw), max: 2 };
          }
          if (req.method === "blockchain.transaction.get_merkle") result = { block_height: 1, merkle: ["zz"], pos: 0 };
          s.write(JSON.stringify({ jsonrpc: "2.0", id: req.id, result }) + "\n");
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))));
    return { url: `tcp://127.0.0.1:${(server.address() as { port: number }).port}`, asked };
  }

  it("asks again while the server stops at its max, stops at the tip, and treats a malformed merkle as a failing server", async () => {
    const chain = new FakeBitcoinChain({ startHeight: 10 });
    const { url, asked } = await stingyServer(chain);
    const btc = new ElectrumBitcoinChain({}, { urls: [url], callTimeoutMs: 2_000 });
    cleanups.push(() => btc.stop());
    expect(await btc.blockHeaders(3, 5)).toEqual(await chain.blockHeaders(3, 5));
    expect(asked).toEqual([[3, 5], [5, 3], [7, 1]]);
    expect(await btc.blockHeaders(9, 6)).toHaveLength(2 * 80);
    await expect(btc.transactionMerkle("00".repeat(32), 1)).rejects.toThrow(BitcoinUnavailableError);
  });
});

/** The last header with a nonce whose hash is above the regtest target (its link stays intact). */
function lastHeaderAboveTarget(headers: Uint8Array): Uint8Array {
  const out = Uint8Array.from(headers);
  const at = out.length - 80;
  for (let nonce = 0; ; nonce++) {
    new DataView(out.buffer).setUint32(at + 76, nonce, true);
    if (!Block.fromBuffer(out.subarray(at)).checkProofOfWork()) return out;
  }
}

describe("public vectors", () => {
  // threshold-network/tbtc-v2 typescript/test/data/proof.ts (singleInputProofTestData), Bitcoin testnet3.
  const tbtcSource: SpvSource = {
    tip: () => null,
    getTransaction: async (id) =>
      id === TBTC.txid ? fromHex(TBTC.rawTransaction) : id === Transaction.fromHex(TBTC.coinbaseRawTransaction).getId() ? fromHex(TBTC.coinbaseRawTransaction) : null,
    confirmations: async () => 50,
    transactionMerkle: async (_id, height) => ({ blockHeight: height, pos: TBTC.merkle.pos, merkle: TBTC.merkle.hashes.map((h) => fromHex(h).reverse()) }),
    txIdFromPos: async () => ({ txid: Transaction.fromHex(TBTC.coinbaseRawTransaction).getId(), merkle: TBTC.coinbaseMerkle.map((h) => fromHex(h).reverse()) }),
    blockHeaders: async (_start, count) => fromHex(TBTC.headersChain).slice(0, count * 80),
  };
  /** The first header is a testnet difficulty-1 block (nBits 0x1d00ffff); the others are at the epoch's 0x1a03eded. */
  const TESTNET: ProofDifficulty = { currentEpochDifficulty: 1n, previousEpochDifficulty: 0xffffn * 2n ** 208n / (0x03ededn * 2n ** 184n), factor: 6n };

  it("builds tbtc-v2's expected proof from its Electrum answers, and the check accepts it", async () => {
    // The vector's headers chain (and so its expected proof) holds 7 headers.
    const p = await buildSpvProof(tbtcSource, TBTC.txid, 7, { blockHeight: TBTC.blockHeight });
    expect(toHex(p.proof.merkleProof)).toBe(TBTC.expected.merkleProof);
    expect(p.proof.txIndexInBlock).toBe(TBTC.expected.txIndexInBlock);
    expect(toHex(p.proof.bitcoinHeaders)).toBe(TBTC.headersChain);
    expect(toHex(p.proof.coinbasePreimage)).toBe(TBTC.expected.coinbasePreimage);
    expect(toHex(p.proof.coinbaseProof)).toBe(TBTC.expected.coinbaseProof);
    expect(checkSpvProof(p.info, p.proof, TESTNET)).toMatchObject({ ok: true });
    // Real work: one difficulty-1 header is not 6 × difficulty 1; a flipped header byte breaks the work.
    const short = withProof(p, { bitcoinHeaders: p.proof.bitcoinHeaders.slice(0, 80) });
    expect(checkSpvProof(p.info, short, TESTNET)).toEqual({ ok: false, reason: "Insufficient accumulated difficulty in header chain" });
    const forged = withProof(p, { bitcoinHeaders: flipByte(p.proof.bitcoinHeaders, 6 * 80 + 70) });
    expect(checkSpvProof(p.info, forged, TESTNET)).toEqual({ ok: false, reason: "Insufficient work in a header" });
  });

  it("checks a mainnet merkle path against its real header (summa-tx/bitcoin-spv testProofs.json valid[0])", () => {
    const v = SUMMA_MAINNET_592920;
    const info = { version: fromHex(v.version), inputVector: fromHex(v.vin), outputVector: fromHex(v.vout), locktime: fromHex(v.locktime) };
    const nodes = fromHex(v.intermediateNodes);
    const proof: SpvProof = { merkleProof: nodes, txIndexInBlock: v.index, bitcoinHeaders: fromHex(v.header), coinbasePreimage: new Uint8Array(32), coinbaseProof: nodes };
    const header = fromHex(v.header);
    expect(validateHeaderChain(header)).not.toHaveProperty("error");
    // The tx path holds; the vector has no coinbase, so the check stops at the coinbase step.
    expect(checkSpvProof(info, proof, REGTEST)).toEqual({ ok: false, reason: "Coinbase merkle proof is not valid for provided header and hash" });
    expect(checkSpvProof(info, { ...proof, txIndexInBlock: v.index + 1 }, REGTEST)).toEqual({ ok: false, reason: "Tx merkle proof is not valid for provided header and tx hash" });
  });
});
