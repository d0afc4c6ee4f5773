// The BitcoinChain compliance suite (style.md §1.14, reliability.md §7.4): `describeBitcoinChainCompliance(name,
// factory)` checks the contract of src/bitcoin/bitcoin-chain.ts against one implementation, driven through a
// FakeBitcoinChain behind it. The spending helpers are shared with the Electrum-only tests.
import { script as bscript, Transaction } from "bitcoinjs-lib";
import { getBytes, SigningKey } from "ethers";
import { afterEach, describe, expect, it } from "vitest";
import {
  BitcoinServerError,
  BitcoinUnavailableError,
  FeeEstimateUnavailableError,
  type BitcoinChain,
  type BtcHeader,
} from "../../src/bitcoin/bitcoin-chain.js";
import { depositLockingScripts, depositScript, electrumScriptHash, hash160, p2pkhScript, p2wpkhScript } from "../../src/bitcoin/scripts.js";
import type { FakeBitcoinChain } from "../fakes/fake-bitcoin-chain.js";

const WALLET = new SigningKey("0x" + "00".repeat(31) + "2a");
export const OTHER = new SigningKey("0x" + "00".repeat(31) + "07");
const pubOf = (k: SigningKey): Uint8Array => getBytes(SigningKey.computePublicKey(k.publicKey, true));
const WALLET_PUB = pubOf(WALLET);
const WALLET_PKH = hash160(WALLET_PUB);
export const WALLET_P2WPKH = p2wpkhScript(WALLET_PKH);
const SINK = p2wpkhScript(hash160(pubOf(OTHER)));
const DEPOSIT = depositScript({
  depositor: new Uint8Array(20).fill(1),
  blindingFactor: new Uint8Array(8).fill(2),
  walletPubKeyHash: WALLET_PKH,
  refundPubKeyHash: hash160(pubOf(OTHER)),
  refundLocktime: Uint8Array.of(0x00, 0x30, 0x2c, 0x66),
});

type InputKind = "p2wpkh" | "p2pkh" | "p2wsh" | "p2sh";
export interface Prev {
  raw: Uint8Array;
  vout: number;
  kind: InputKind;
}

/** A one-input spend of `prev` to SINK, signed by `key` the way each input type requires. */
export function spend(prev: Prev, outValue: bigint, key: SigningKey = WALLET): Uint8Array {
  const prevTx = Transaction.fromBuffer(prev.raw);
  const { value, script: prevScript } = prevTx.outs[prev.vout];
  const tx = new Transaction();
  tx.version = 1;
  tx.addInput(prevTx.getHash(), prev.vout, 0xffffffff);
  tx.addOutput(SINK, outValue);
  const pub = pubOf(key);
  const sign = (digest: Uint8Array): Uint8Array => {
    const s = key.sign(digest);
    return bscript.signature.encode(Uint8Array.from([...getBytes(s.r), ...getBytes(s.s)]), Transaction.SIGHASH_ALL);
  };
  const all = Transaction.SIGHASH_ALL;
  if (prev.kind === "p2wpkh") tx.setWitness(0, [sign(tx.hashForWitnessV0(0, p2pkhScript(hash160(pub)), value, all)), pub]);
  if (prev.kind === "p2pkh") tx.setInputScript(0, bscript.compile([sign(tx.hashForSignature(0, prevScript, all)), pub]));
  if (prev.kind === "p2wsh") tx.setWitness(0, [sign(tx.hashForWitnessV0(0, DEPOSIT, value, all)), pub, DEPOSIT]);
  if (prev.kind === "p2sh") tx.setInputScript(0, bscript.compile([sign(tx.hashForSignature(0, DEPOSIT, all)), pub, DEPOSIT]));
  return tx.toBuffer();
}

export const txidOf = (raw: Uint8Array): string => Transaction.fromBuffer(raw).getId();

export async function waitFor(check: () => boolean, ms = 8_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface BitcoinChainHarness {
  /** The chain the test drives. */
  control: FakeBitcoinChain;
  /** The implementation under test, not started. */
  btc: BitcoinChain;
  close(): Promise<void>;
}

export type BitcoinChainFactory = () => Promise<BitcoinChainHarness>;

export function describeBitcoinChainCompliance(name: string, factory: BitcoinChainFactory): void {
  describe(`BitcoinChain compliance: ${name}`, () => {
    let h: BitcoinChainHarness;
    /** The implementation, started (a no-op for the fake). */
    const make = async (): Promise<BitcoinChainHarness> => {
      h = await factory();
      await h.btc.start();
      return h;
    };
    afterEach(async () => h?.close());

    it("stop without start is legal", async () => {
      h = await factory();
      await h.btc.stop();
      await h.btc.stop();
      await h.btc.start();
      expect(h.btc.tip()).toEqual(h.control.tip());
    });

    it("start and stop are idempotent and the tip is known after start", async () => {
      h = await make();
      await h.btc.start();
      expect(h.btc.tip()).toEqual(h.control.tip());
      expect(h.btc.tip()!.height).toBe(100);
      await h.btc.stop();
      await h.btc.stop();
      await h.btc.start();
      await h.btc.start();
      expect((await h.btc.header(100)).hash).toBe(h.control.tip().hash);
    });

    it("serves linked headers and rejects a height beyond the tip as a server error", async () => {
      h = await make();
      const [a, b] = [await h.btc.header(99), await h.btc.header(100)];
      expect(b.prevHash).toBe(a.hash);
      expect(b.hash).toMatch(/^[0-9a-f]{64}$/);
      await expect(h.btc.header(101)).rejects.toBeInstanceOf(BitcoinServerError);
    });

    it("notifies every new tip and stops after unsubscribe", async () => {
      h = await make();
      const seen: BtcHeader[] = [];
      const off = h.btc.onTip((t) => seen.push(t));
      const mined = h.control.mine(2);
      await waitFor(() => seen.length >= 1 && seen[seen.length - 1].hash === mined[1].hash);
      expect(seen[seen.length - 1]).toEqual(mined[1]);
      expect(mined[1].prevHash).toBe(mined[0].hash);
      expect(h.btc.tip()).toEqual({ height: 102, hash: mined[1].hash });
      off();
      const count = seen.length;
      h.control.mine();
      await waitFor(() => h.btc.tip()!.height === 103);
      expect(seen.length).toBe(count);
    });

    it("tracks a transaction from the mempool to depth 3, through history and unspent", async () => {
      h = await make();
      const sh = electrumScriptHash(WALLET_P2WPKH);
      const f = h.control.fund(WALLET_P2WPKH, 100_000n);
      expect(await h.btc.getTransaction(f.txid)).toEqual(f.raw);
      expect(await h.btc.confirmations(f.txid)).toBe(0);
      expect(await h.btc.history(sh)).toEqual([{ txid: f.txid, height: 0 }]);
      expect(await h.btc.unspent(sh)).toEqual([{ txid: f.txid, vout: 0, value: 100_000n, height: 0 }]);
      h.control.mine(3);
      expect(await h.btc.confirmations(f.txid)).toBe(3);
      expect(await h.btc.history(sh)).toEqual([{ txid: f.txid, height: 101 }]);

      // A mempool spend of our own output to SINK and a mempool child: heights 0 and −1 as Electrum says.
      const s1 = spend({ raw: f.raw, vout: 0, kind: "p2wpkh" }, 99_000n);
      expect(await h.btc.broadcast(s1)).toEqual({ kind: "accepted", txid: txidOf(s1) });
      expect(await h.btc.unspent(sh)).toEqual([]);
      expect(await h.btc.history(sh)).toEqual([{ txid: f.txid, height: 101 }, { txid: txidOf(s1), height: 0 }]);
      const sinkSpend = spend({ raw: s1, vout: 0, kind: "p2wpkh" }, 98_000n, OTHER);
      expect((await h.btc.broadcast(sinkSpend)).kind).toBe("accepted");
      expect(await h.btc.history(electrumScriptHash(SINK))).toEqual([
        { txid: txidOf(s1), height: 0 },
        { txid: txidOf(sinkSpend), height: -1 },
      ]);

      expect(await h.btc.getTransaction("ab".repeat(32))).toBeNull();
      expect(await h.btc.confirmations("ab".repeat(32))).toBe(-1);
    });

    it("follows a reorg made with forkAt: new hashes, transactions back in the mempool", async () => {
      h = await make();
      const seen: BtcHeader[] = [];
      h.btc.onTip((t) => seen.push(t));
      const f = h.control.fund(WALLET_P2WPKH, 50_000n);
      const old = h.control.mine(3);
      await waitFor(() => h.btc.tip()!.hash === old[2].hash);
      expect(await h.btc.confirmations(f.txid)).toBe(3);

      h.control.forkAt(100);
      expect(h.control.inMempool(f.txid)).toBe(true);
      const fresh = h.control.mine(4);
      await waitFor(() => h.btc.tip()!.hash === fresh[3].hash);
      expect(fresh[0].prevHash).toBe(old[0].prevHash);
      expect(fresh[0].hash).not.toBe(old[0].hash);
      expect((await h.btc.header(101)).hash).toBe(fresh[0].hash);
      expect(await h.btc.confirmations(f.txid)).toBe(4);
      expect(seen.map((t) => t.hash)).toContain(fresh[3].hash);

      h.control.disconnectTip();
      await waitFor(() => h.btc.tip()!.height === 103);
      expect(h.btc.tip()!.hash).toBe(fresh[2].hash);
    });

    it("classifies broadcast answers: known, conflict, missing inputs, bad signature, value", async () => {
      h = await make();
      const f = h.control.fund(WALLET_P2WPKH, 100_000n);
      const prev: Prev = { raw: f.raw, vout: 0, kind: "p2wpkh" };
      const good = spend(prev, 90_000n);
      expect(await h.btc.broadcast(spend(prev, 90_000n, OTHER))).toEqual({
        kind: "invalid",
        message: "mandatory-script-verify-flag-failed (Signature must be zero for failed CHECK(MULTI)SIG operation)",
      });
      expect((await h.btc.broadcast(spend(prev, 100_001n))).kind).toBe("invalid"); // bad-txns-in-belowout
      expect(await h.btc.broadcast(good)).toEqual({ kind: "accepted", txid: txidOf(good) });
      expect(await h.btc.broadcast(good)).toEqual({ kind: "known", message: "txn-already-in-mempool" });
      // A double spend in the mempool is not in the §3.6 table: nothing can be concluded.
      expect(await h.btc.broadcast(spend(prev, 80_000n))).toEqual({ kind: "unknown", message: "txn-mempool-conflict" });
      h.control.mine();
      expect((await h.btc.broadcast(good)).kind).toBe("known");
      expect(await h.btc.broadcast(spend(prev, 80_000n))).toEqual({ kind: "missing_inputs", message: "bad-txns-inputs-missingorspent" });
    });

    it.each<"p2pkh" | "p2wsh" | "p2sh">(["p2pkh", "p2wsh", "p2sh"])("verifies %s signatures (deposits through the wallet branch)", async (kind) => {
      h = await make();
      const locking = kind === "p2pkh" ? p2pkhScript(WALLET_PKH) : depositLockingScripts(DEPOSIT)[kind];
      const f = h.control.fund(locking, 70_000n);
      const prev: Prev = { raw: f.raw, vout: 0, kind };
      expect((await h.btc.broadcast(spend(prev, 60_000n, OTHER))).kind).toBe("invalid");
      const good = spend(prev, 60_000n);
      // Tamper with the value after signing: the same signature no longer verifies.
      const tampered = Transaction.fromBuffer(good);
      tampered.outs[0].value = 60_001n;
      expect((await h.btc.broadcast(tampered.toBuffer())).kind).toBe("invalid");
      expect(await h.btc.broadcast(good)).toEqual({ kind: "accepted", txid: txidOf(good) });
    });

    it("passes injected error texts through exactly", async () => {
      h = await make();
      const f = h.control.fund(WALLET_P2WPKH, 100_000n);
      const good = spend({ raw: f.raw, vout: 0, kind: "p2wpkh" }, 90_000n);
      h.control.injectBroadcastError("min relay fee not met, 100 < 141", 2);
      h.control.injectBroadcastError("missing inputs");
      expect(await h.btc.broadcast(good)).toEqual({ kind: "fee_too_low", message: "min relay fee not met, 100 < 141" });
      expect(await h.btc.broadcast(good)).toEqual({ kind: "fee_too_low", message: "min relay fee not met, 100 < 141" });
      expect(await h.btc.broadcast(good)).toEqual({ kind: "missing_inputs", message: "missing inputs" });
      expect((await h.btc.broadcast(good)).kind).toBe("accepted");
    });

    it("converts estimatefee as §13.8 and reports −1 as unavailable", async () => {
      h = await make();
      expect(await h.btc.estimateSatPerVByte()).toBe(10);
      h.control.setFeeRate(0.00002345);
      expect(await h.btc.estimateSatPerVByte()).toBe(2);
      h.control.setFeeRate(0.000001);
      expect(await h.btc.estimateSatPerVByte()).toBe(1);
      h.control.setFeeRate(-1);
      await expect(h.btc.estimateSatPerVByte()).rejects.toBeInstanceOf(FeeEstimateUnavailableError);
    });

    it("rejects with the caller's abort reason", async () => {
      h = await make();
      const signal = AbortSignal.abort(new Error("shutdown"));
      for (const call of [
        () => h.btc.header(100, { signal }),
        () => h.btc.getTransaction("ab".repeat(32), { signal }),
        () => h.btc.confirmations("ab".repeat(32), { signal }),
        () => h.btc.history("ab".repeat(32), { signal }),
        () => h.btc.unspent("ab".repeat(32), { signal }),
        () => h.btc.estimateSatPerVByte({ signal }),
        () => h.btc.broadcast(new Uint8Array(10), { signal }),
      ]) {
        await expect(call()).rejects.toThrow("shutdown");
      }
    });

    it("reports an unreachable backend as transient, and recovers", async () => {
      h = await make();
      h.control.setUnreachable(true);
      const err = await h.btc.history("ab".repeat(32)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BitcoinUnavailableError);
      expect((err as BitcoinUnavailableError).transient).toBe(true);
      await expect(h.btc.header(100)).rejects.toBeInstanceOf(BitcoinUnavailableError);
      expect((await h.btc.broadcast(new Uint8Array(10))).kind).toBe("unknown");
      await expect(h.btc.estimateSatPerVByte()).rejects.toBeInstanceOf(FeeEstimateUnavailableError);
      h.control.mine();
      h.control.setUnreachable(false);
      await waitFor(() => h.btc.tip()?.height === 101);
      let answer: unknown = null;
      await waitFor(() => {
        void h.btc.history(electrumScriptHash(SINK)).then((r) => (answer = r), () => {});
        return answer !== null;
      });
      expect(answer).toEqual([]);
    });
  });
}
