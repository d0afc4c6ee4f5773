// BitcoinChain compliance (reliability.md §7.4): the suite of bitcoin-chain-suite.ts runs against
// FakeBitcoinChain and against ElectrumBitcoinChain talking to the fake Electrum server over real TCP.
// Then the Electrum-only behaviour: failover, unhealthy marking, timeouts, malformed lines,
// resubscription; and the fake's own test controls.
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BitcoinServerError, BitcoinUnavailableError, type BtcHeader } from "../../src/bitcoin/bitcoin-chain.js";
import { ElectrumBitcoinChain } from "../../src/bitcoin/electrum-client.js";
import { electrumScriptHash } from "../../src/bitcoin/scripts.js";
import { taprootSigningKeys } from "../../src/bitcoin/taproot-tx.js";
import { p2trScript, taprootDepositOutput, taprootRefundLeaf } from "../../src/bitcoin/taproot.js";
import { buildUnsigned, depositSweepTx, finalizeSigned } from "../../src/bitcoin/tx-builder.js";
import { hashFromTxid } from "../../src/bitcoin/tx.js";
import { signTaproot, testFrostWallet } from "../unit/helpers/frost-test-key.js";
import { FakeBitcoinChain } from "../fakes/fake-bitcoin-chain.js";
import { startElectrumServer, type ElectrumServerHandle } from "../fakes/electrum-server.js";
import { describeBitcoinChainCompliance, OTHER, spend, txidOf, waitFor, WALLET_P2WPKH } from "./bitcoin-chain-suite.js";

describeBitcoinChainCompliance("FakeBitcoinChain", async () => {
  const c = new FakeBitcoinChain();
  return { control: c, btc: c, close: async () => {} };
});

describeBitcoinChainCompliance("ElectrumBitcoinChain ↔ fake Electrum server", async () => {
  const c = new FakeBitcoinChain();
  const server = await startElectrumServer(c);
  const btc = new ElectrumBitcoinChain({}, { urls: [server.url], callTimeoutMs: 3_000, unhealthyForMs: 200 });
  return { control: c, btc, close: async () => (await btc.stop(), await server.close()) };
});

// ---- Electrum only ----

/** A TCP server with a chosen behaviour per connection, counting connections. */
async function rogueServer(onConnection: (s: Socket) => void): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    count++;
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
    onConnection(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `tcp://127.0.0.1:${port}`,
    connections: () => count,
    close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
}

/** Answers every request line with `answer(line)`. */
const answering = (answer: (req: { id: number; method: string }) => string) => (s: Socket) => {
  let buf = "";
  s.on("data", (d) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      s.write(answer(JSON.parse(line)));
    }
  });
};

describe("ElectrumBitcoinChain failover and robustness", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function good(): Promise<{ chain: FakeBitcoinChain; server: ElectrumServerHandle }> {
    const chain = new FakeBitcoinChain();
    const server = await startElectrumServer(chain);
    cleanups.push(() => server.close());
    return { chain, server };
  }
  async function rogue(onConnection: (s: Socket) => void) {
    const r = await rogueServer(onConnection);
    cleanups.push(() => r.close());
    return r;
  }
  function client(urls: string[], extra: { callTimeoutMs?: number; unhealthyForMs?: number } = {}): ElectrumBitcoinChain {
    const btc = new ElectrumBitcoinChain({}, { urls, callTimeoutMs: 2_000, ...extra });
    cleanups.push(() => btc.stop());
    return btc;
  }

  it("rejects URLs that are not tcp:// or ssl://host:port", () => {
    expect(() => new ElectrumBitcoinChain({}, { urls: ["http://x:1"] })).toThrow(/invalid Electrum URL/);
    expect(() => new ElectrumBitcoinChain({}, { urls: ["tcp://x"] })).toThrow(/invalid Electrum URL/);
    expect(() => new ElectrumBitcoinChain({}, { urls: [] })).toThrow();
  });

  it("fails over to the second URL when the first refuses connections, then marks the first unhealthy", async () => {
    const { chain, server } = await good();
    const refusing = await rogue((s) => s.destroy());
    const btc = client([refusing.url, server.url]);
    await btc.start();
    expect(btc.tip()).toEqual(chain.tip());
    for (let i = 0; i < 5; i++) expect((await btc.header(100)).hash).toBe(chain.tip().hash);
    // Three consecutive failures (the subscription and two calls), then 60 s of rest.
    expect(refusing.connections()).toBe(3);
  });

  it("tries an unhealthy server again once its rest is over, and has no server when all rest", async () => {
    const refusing = await rogue((s) => s.destroy());
    const btc = client([refusing.url], { unhealthyForMs: 300 });
    for (let i = 0; i < 3; i++) await expect(btc.header(1)).rejects.toBeInstanceOf(BitcoinUnavailableError);
    await expect(btc.header(1)).rejects.toThrow(/no healthy Electrum server/);
    expect(refusing.connections()).toBe(3);
    await new Promise((r) => setTimeout(r, 350));
    await expect(btc.header(1)).rejects.toBeInstanceOf(BitcoinUnavailableError);
    expect(refusing.connections()).toBe(4);
  });

  it("reports since when it has been unreachable, and forgets it at the next answer (health)", async () => {
    const { chain, server } = await good();
    const btc = client([server.url], { unhealthyForMs: 100 });
    expect(btc.unreachableSince).toBeNull();
    await btc.header(0);
    chain.setUnreachable(true);
    const before = Date.now();
    await expect(btc.header(0)).rejects.toBeInstanceOf(BitcoinUnavailableError);
    const since = btc.unreachableSince!;
    expect(since).toBeGreaterThanOrEqual(before);
    await new Promise((r) => setTimeout(r, 20));
    await expect(btc.header(0)).rejects.toBeInstanceOf(BitcoinUnavailableError);
    expect(btc.unreachableSince).toBe(since);
    chain.setUnreachable(false);
    await new Promise((r) => setTimeout(r, 150));
    await btc.header(0);
    expect(btc.unreachableSince).toBeNull();
  });

  it("survives malformed lines and malformed answers by failing over", async () => {
    const { chain, server } = await good();
    const garbage = await rogue(answering(() => "this is not json\n"));
    const wrongShape = await rogue(
      answering((r) => JSON.stringify({ id: r.id, result: r.method === "server.version" ? ["x", "1.4"] : "not-a-history" }) + "\n"),
    );
    const btc = client([garbage.url, wrongShape.url, server.url]);
    const sh = electrumScriptHash(WALLET_P2WPKH);
    chain.fund(WALLET_P2WPKH, 1_000n);
    expect(await btc.history(sh)).toHaveLength(1);
    expect(garbage.connections()).toBe(1);
    expect(wrongShape.connections()).toBe(1);

    const onlyGarbage = client([garbage.url]);
    await expect(onlyGarbage.history(sh)).rejects.toBeInstanceOf(BitcoinUnavailableError);
    expect((await onlyGarbage.broadcast(new Uint8Array(10))).kind).toBe("unknown");
  });

  it("limits each attempt with the call timeout and honours the caller's abort", async () => {
    const { chain, server } = await good();
    const silent = await rogue(() => {});
    const btc = client([silent.url, server.url], { callTimeoutMs: 300 });
    const t0 = Date.now();
    expect((await btc.header(100)).hash).toBe(chain.tip().hash);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(Date.now() - t0).toBeLessThan(2_000);

    const onlySilent = client([silent.url], { callTimeoutMs: 10_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("deadline")), 100);
    const t1 = Date.now();
    await expect(onlySilent.history("ab".repeat(32), { signal: ac.signal })).rejects.toThrow("deadline");
    expect(Date.now() - t1).toBeLessThan(1_000);
  });

  it("reconnects and resubscribes after the server goes away", async () => {
    const { chain, server } = await good();
    const btc = client([server.url], { unhealthyForMs: 100 });
    const seen: BtcHeader[] = [];
    btc.onTip((t) => seen.push(t));
    await btc.start();
    await server.close();
    chain.mine(2);
    const again = await startElectrumServer(chain, { port: server.port });
    cleanups.push(() => again.close());
    await waitFor(() => btc.tip()?.height === 102, 15_000);
    const next = chain.mine();
    await waitFor(() => btc.tip()?.hash === next[0].hash);
    expect(seen.map((t) => t.height)).toEqual([100, 102, 103]);
  });

  it("a JSON-RPC error is definitive: no failover", async () => {
    const { server } = await good();
    const counting = await good();
    const btc = client([server.url, counting.server.url]);
    await expect(btc.header(5_000)).rejects.toBeInstanceOf(BitcoinServerError);
    await expect(btc.header(5_000)).rejects.toThrow(/out of range/);
    expect((await btc.header(100)).height).toBe(100);
  });
});

describe("FakeBitcoinChain test controls", () => {
  it("dropFromMempool evicts descendants; txHeight and inMempool follow mining and forks", async () => {
    const c = new FakeBitcoinChain({ startHeight: 10 });
    expect(c.tip().height).toBe(10);
    const f = c.fund(WALLET_P2WPKH, 10_000n);
    const f2 = c.fund(WALLET_P2WPKH, 10_000n);
    expect(f2.txid).not.toBe(f.txid);
    const s1 = spend({ raw: f.raw, vout: 0, kind: "p2wpkh" }, 9_000n);
    const s2 = spend({ raw: s1, vout: 0, kind: "p2wpkh" }, 8_000n, OTHER);
    expect(c.submit(s1).kind).toBe("accepted");
    expect(c.submit(s2).kind).toBe("accepted");
    c.dropFromMempool(txidOf(s1));
    expect([c.inMempool(f.txid), c.inMempool(txidOf(s1)), c.inMempool(txidOf(s2))]).toEqual([true, false, false]);
    expect(await c.confirmations(txidOf(s2))).toBe(-1);
    expect(c.submit(s2).kind).toBe("missing_inputs"); // its parent is gone
    expect(c.submit(s1).kind).toBe("accepted");
    c.mine(2);
    expect([c.txHeight(f.txid), c.txHeight(txidOf(s1)), c.inMempool(f.txid)]).toEqual([11, 11, false]);
    c.disconnectTip();
    c.disconnectTip();
    expect([c.txHeight(f.txid), c.inMempool(f.txid), c.inMempool(txidOf(s1))]).toEqual([null, true, true]);
    expect(c.tip().height).toBe(10);
  });
});

describe("P2TR over the fake Electrum server (threshold.md §4.1–4.2)", () => {
  it("serves a Taproot funding output's history and unspent list, and relays the key-path sweep and its refusal", async () => {
    const chain = new FakeBitcoinChain();
    const server = await startElectrumServer(chain);
    const btc = new ElectrumBitcoinChain({}, { urls: [server.url], callTimeoutMs: 3_000 });
    try {
      const w = testFrostWallet(5);
      const leaf = taprootRefundLeaf({ depositor: new Uint8Array(20).fill(1), blindingFactor: new Uint8Array(8).fill(2), refundLocktime: new Uint8Array(4).fill(3), refundX: w.walletX });
      const funding = taprootDepositOutput(w.walletX, leaf).script;
      const f = chain.fund(funding, 75_000n);
      chain.mine(1);
      const fundingHash = electrumScriptHash(funding);
      expect(await btc.history(fundingHash)).toEqual([{ txid: f.txid, height: 101 }]);
      expect(await btc.unspent(fundingHash)).toEqual([{ txid: f.txid, vout: 0, value: 75_000n, height: 101 }]);

      const plan = depositSweepTx({ walletPkh: w.pkh, walletX: w.walletX, mainUtxo: null, deposits: [{ txHash: hashFromTxid(f.txid), index: 0, value: 75_000n, taprootLeaf: leaf }], fee: 1_000n });
      const { unsignedTx, sighashes } = buildUnsigned(plan.inputs, plan.outputs);
      const sig = signTaproot(w, taprootSigningKeys(plan.inputs, w.walletX)[0]!, sighashes[0]!);
      const signed = finalizeSigned(unsignedTx, plan.inputs, [sig], { scheme: "frost", walletX: w.walletX });
      const tampered = Uint8Array.from(signed.raw);
      tampered[tampered.length - 10]! ^= 1; // inside the witness signature
      expect(await btc.broadcast(tampered)).toEqual({ kind: "invalid", message: "mandatory-script-verify-flag-failed (Invalid Schnorr signature)" });
      expect(await btc.broadcast(signed.raw)).toEqual({ kind: "accepted", txid: signed.txid });
      expect(await btc.history(fundingHash)).toEqual([{ txid: f.txid, height: 101 }, { txid: signed.txid, height: 0 }]);
      expect(await btc.unspent(fundingHash)).toEqual([]);
      const walletHash = electrumScriptHash(p2trScript(w.walletX));
      expect(await btc.unspent(walletHash)).toEqual([{ txid: signed.txid, vout: 0, value: 74_000n, height: 0 }]);
    } finally {
      await btc.stop();
      await server.close();
    }
  });
});
