// BitcoinResponder (reliability.md §3.5 adoption, §3.6, §7.4 responder unit tests) with FakeBitcoinChain,
// a real Store and the BitcoinTipTracker; transitions are applied the way the executor applies them.
import { SigningKey } from "ethers";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BroadcastStep } from "../../src/actions/broadcast-step.js";
import type { HandlerCallContext, HandlerTransition } from "../../src/actions/handlers/handler.js";
import { canTransition } from "../../src/actions/state-machine.js";
import type { AbortOptions } from "../../src/util/lifecycle.js";
import type { BitcoinChain, BtcHeader, HistoryItem } from "../../src/bitcoin/bitcoin-chain.js";
import { BitcoinTipTracker } from "../../src/bitcoin/bitcoin-tip.js";
import { ElectrumBitcoinChain } from "../../src/bitcoin/electrum-client.js";
import {
  BitcoinResponder,
  CONFIRMATIONS_BEFORE_RETRY,
  IRREVOCABLY_RESOLVED,
  type BroadcastMetricResult,
} from "../../src/bitcoin/responder.js";
import { hash160, p2wpkhScript } from "../../src/bitcoin/scripts.js";
import { buildUnsigned, finalizeSigned, type TxInput, type TxOutput } from "../../src/bitcoin/tx-builder.js";
import { hashFromTxid } from "../../src/bitcoin/tx.js";
import { ActionType } from "../../src/protocol/constants.js";
import type { ActionRow } from "../../src/store/repos/actions-repo.js";
import { Store } from "../../src/store/store.js";
import { concatBytes, fromHex, toHex } from "../../src/util/hex.js";
import { startElectrumServer, type ElectrumServerHandle } from "../fakes/electrum-server.js";
import { FakeBitcoinChain } from "../fakes/fake-bitcoin-chain.js";

const KEY = new SigningKey("0x" + "42".repeat(32));
const PUB = fromHex(KEY.compressedPublicKey);
const WALLET = p2wpkhScript(hash160(PUB));
const PAYEE = p2wpkhScript(new Uint8Array(20).fill(7));
const OTHER_PAYEE = p2wpkhScript(new Uint8Array(20).fill(9));

/** Keeps chosen transactions out of mined blocks (an underpriced tx that miners ignore). */
class HoldingChain extends FakeBitcoinChain {
  readonly held = new Map<string, Uint8Array>();
  override mine(n = 1) {
    const back = [...this.held].filter(([txid]) => this.inMempool(txid));
    for (const [txid] of back) this.dropFromMempool(txid);
    const mined = super.mine(n);
    for (const [, raw] of back) this.submit(raw);
    return mined;
  }
}

interface Prevout {
  txid: string;
  vout: number;
  value: bigint;
}

/** A wallet-signed transaction spending P2WPKH(wallet) prevouts. */
function spend(prevouts: Prevout[], outputs: TxOutput[], key = KEY) {
  const inputs: TxInput[] = prevouts.map((p) => ({ txHash: hashFromTxid(p.txid), index: p.vout, value: p.value, script: WALLET }));
  const { unsignedTx, sighashes } = buildUnsigned(inputs, outputs);
  const sigs = sighashes.map((d) => {
    const s = key.sign(d);
    return concatBytes(fromHex(s.r), fromHex(s.s));
  });
  // Always the wallet's public key: a foreign key's signatures do not verify against it.
  const signed = finalizeSigned(unsignedTx, inputs, sigs, PUB);
  return { inputs, unsignedTx, sighashes, ...signed };
}
type Spend = ReturnType<typeof spend>;

/**
 * The responder's view of a chain that moves while it is being read: while `moving` is on, a block is
 * mined at the start of every read, as on the devnet, whose test chain makes a block every 250 ms
 * (the tip tracker reads the chain itself, so it does not mine in turn).
 */
class MovingView implements BitcoinChain {
  moving = false;
  constructor(private readonly chain: FakeBitcoinChain) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  tip() {
    return this.chain.tip();
  }
  onTip(listener: (tip: BtcHeader) => void) {
    return this.chain.onTip(listener);
  }
  header(height: number, o?: AbortOptions) {
    return this.moved(() => this.chain.header(height, o));
  }
  getTransaction(txid: string, o?: AbortOptions) {
    return this.moved(() => this.chain.getTransaction(txid, o));
  }
  confirmations(txid: string, o?: AbortOptions) {
    return this.moved(() => this.chain.confirmations(txid, o));
  }
  history(scriptHash: string, o?: AbortOptions) {
    return this.moved(() => this.chain.history(scriptHash, o));
  }
  unspent(scriptHash: string, o?: AbortOptions) {
    return this.moved(() => this.chain.unspent(scriptHash, o));
  }
  estimateSatPerVByte(o?: AbortOptions) {
    return this.chain.estimateSatPerVByte(o);
  }
  broadcast(raw: Uint8Array, o?: AbortOptions) {
    return this.chain.broadcast(raw, o);
  }
  private moved<T>(read: () => Promise<T>): Promise<T> {
    if (this.moving) this.chain.mine();
    return read();
  }
}

/** The same for the fake Electrum server: a block is mined (and notified) while it answers a look-up. */
class MovingChain extends FakeBitcoinChain {
  moving = false;
  override async history(scriptHash: string, o?: AbortOptions): Promise<HistoryItem[]> {
    if (this.moving) this.mine();
    return super.history(scriptHash, o);
  }
  /** What the server reads for `blockchain.transaction.get`. */
  override transactionInfo(txid: string) {
    if (this.moving) this.mine();
    return super.transactionInfo(txid);
  }
}

const open: { store: Store; tip: BitcoinTipTracker }[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.tip.stop();
    o.store.close();
  }
  for (const c of closers.splice(0)) await c();
});

let walletCounter = 1;

/**
 * `bitcoin`: what the node reads through (default: the fake chain itself, or an Electrum client of
 * it); `responderBitcoin`: what the responder alone reads through (default: the same).
 */
async function setup(chain: FakeBitcoinChain = new FakeBitcoinChain(), o: { bitcoin?: BitcoinChain; responderBitcoin?: BitcoinChain } = {}) {
  const bitcoin = o.bitcoin ?? chain;
  const store = Store.openMemory();
  const tip = new BitcoinTipTracker({ store, bitcoin });
  open.push({ store, tip });
  await tip.start();
  await tip.idle();
  const counts: Partial<Record<BroadcastMetricResult | "rebroadcast", number>> = {};
  const bump = (k: BroadcastMetricResult | "rebroadcast"): void => void (counts[k] = (counts[k] ?? 0) + 1);
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) });
  const responder = new BroadcastStep({
    responder: new BitcoinResponder({
      store,
      bitcoin: o.responderBitcoin ?? bitcoin,
      tip,
      logger,
      metrics: { broadcast: (r) => bump(r), rebroadcast: () => bump("rebroadcast") },
    }),
    store,
    logger,
  });

  const ctx = (): HandlerCallContext => ({
    at: { blockNumber: 1, blockHash: "0x" + "00".repeat(32) },
    heights: { ethHead: 1, btcTip: chain.tip().height },
    signal: new AbortController().signal,
  });

  /** An action driven to `upTo` as the executor would (built with the spend's outpoints, signed with its raw). */
  function action(tx: Spend, upTo: "built" | "signing" | "signed" = "signed"): ActionRow {
    const a = store.actions.create({
      walletPkh: (walletCounter++).toString(16).padStart(40, "0"),
      W: 1000,
      type: ActionType.DepositSweep,
      payload: Uint8Array.of(1),
      start: 1,
      expiry: 10_000,
      signingStart: 1,
      signingDeadline: 9_000,
    });
    let row = store.actions.advance(a.id, "scheduled", "validating");
    row = store.actions.advance(row.id, "validating", "built", {
      unsignedTx: tx.unsignedTx,
      outpoints: tx.inputs.map((i) => ({ txHash: "0x" + toHex(i.txHash), index: i.index, value: i.value, script: i.script })),
      sighashes: tx.sighashes,
      fee: 1_000n,
    });
    if (upTo === "built") return row;
    row = store.actions.advance(row.id, "built", "signing", { roundId: new Uint8Array(32), signingAttempt: 1 });
    if (upTo === "signing") return row;
    return store.actions.advance(row.id, "signing", "signed", { signedTx: tx.raw, txid: tx.txid, wtxid: tx.wtxid });
  }

  /** executor.transition: advance + the handler's writes in one DB transaction. */
  function apply(row: ActionRow, t: HandlerTransition | null): ActionRow {
    if (t === null) return store.actions.get(row.id)!;
    expect(canTransition(row.state, t.to), `${row.state} → ${t.to}`).toBe(true);
    return store.transaction(() => {
      const next = store.actions.advance(row.id, row.state, t.to, t.data ?? {}, { btcTip: chain.tip().height, detail: t.detail ?? {} });
      t.writes?.();
      return next;
    });
  }

  /** One executor pass for the action's current state (after the tip tracker caught up). */
  async function step(id: number): Promise<ActionRow> {
    await tip.idle();
    const row = store.actions.get(id)!;
    if (row.state === "signed") return apply(row, responder.enterBroadcastPending(row));
    if (row.state === "broadcast_pending") return apply(row, await responder.broadcast(row, ctx()));
    return apply(row, await responder.track(row, ctx()));
  }

  /** A confirmed wallet UTXO of `value`. */
  function utxo(value = 100_000n): Prevout {
    const f = chain.fund(WALLET, value);
    chain.mine();
    return { txid: f.txid, vout: 0, value };
  }

  const tracker = (txid: string) => store.btcTrackers.get(txid)!;
  return { chain, store, tip, responder, counts, logs, ctx, action, apply, step, utxo, tracker };
}

/** Blocks of "fee too low" before the alert (reliability.md §3.6). */
const FEE_BLOCKS = 6;

const payTo = (value: bigint, script = PAYEE): TxOutput[] => [{ script, value }];

describe("BitcoinResponder: broadcast and tracking", () => {
  it("signed → broadcast_pending (tracker intent) → in_mempool → confirmed → settled → final at depth ≥ 100", async () => {
    const h = await setup();
    const tx = spend([h.utxo()], payTo(90_000n));
    const a = h.action(tx);

    let row = await h.step(a.id);
    expect(row.state).toBe("broadcast_pending");
    expect(h.tracker(tx.txid)).toMatchObject({ status: "broadcast_pending", actionId: a.id, wtxid: tx.wtxid });
    expect(h.store.btcTrackers.byOutpoints([{ txHash: "0x" + toHex(tx.inputs[0].txHash), index: 0 }])).toHaveLength(1);
    expect(h.chain.inMempool(tx.txid)).toBe(false); // the intent is committed before the side effect

    const since = h.chain.tip().height;
    row = await h.step(a.id);
    expect(row).toMatchObject({ state: "in_mempool", stateHeight: since });
    expect(h.tracker(tx.txid)).toMatchObject({ status: "in_mempool", sinceHeight: since });
    expect(h.chain.inMempool(tx.txid)).toBe(true);
    expect(h.counts.accepted).toBe(1);

    const [block] = h.chain.mine();
    row = await h.step(a.id);
    expect(row).toMatchObject({ state: "confirmed", stateHeight: block.height, confHash: block.hash });
    expect(h.tracker(tx.txid)).toMatchObject({ status: "confirmed", confHeight: block.height, confHash: block.hash });

    // Settlement is H7's: a confirmed action that is still confirmed gives no transition.
    expect(await h.responder.track(row, h.ctx())).toBeNull();
    row = h.store.actions.advance(a.id, "confirmed", "settled", { stateHeight: 1 });

    h.chain.mine(IRREVOCABLY_RESOLVED - 2); // depth 99
    row = await h.step(a.id);
    expect(row.state).toBe("settled");
    h.chain.mine(); // depth 100
    row = await h.step(a.id);
    expect(row.state).toBe("final");
    expect(h.tracker(tx.txid).status).toBe("final");
  });

  it("rebroadcasts a transaction stuck in the mempool exactly when tip − since ≥ 6", async () => {
    const chain = new HoldingChain();
    const h = await setup(chain);
    const tx = spend([h.utxo()], payTo(90_000n));
    const a = h.action(tx);
    await h.step(a.id);
    await h.step(a.id);
    chain.held.set(tx.txid, tx.raw);
    const since = h.tracker(tx.txid).sinceHeight!;

    chain.mine(CONFIRMATIONS_BEFORE_RETRY - 1);
    let row = await h.step(a.id);
    expect(row.state).toBe("in_mempool");
    expect(h.tracker(tx.txid)).toMatchObject({ rebroadcasts: 0, sinceHeight: since });
    expect(h.counts.rebroadcast).toBeUndefined();

    chain.mine();
    row = await h.step(a.id);
    expect(h.tracker(tx.txid)).toMatchObject({ rebroadcasts: 1, sinceHeight: since + CONFIRMATIONS_BEFORE_RETRY });
    expect(h.counts.rebroadcast).toBe(1);

    chain.mine(CONFIRMATIONS_BEFORE_RETRY - 1);
    await h.step(a.id);
    expect(h.tracker(tx.txid).rebroadcasts).toBe(1);
    chain.held.clear();
    const [block] = chain.mine();
    row = await h.step(a.id);
    expect(row).toMatchObject({ state: "confirmed", stateHeight: block.height });
  });

  it("sync guard: a missing transaction is rebroadcast only once the cursor equals the server's tip", async () => {
    const h = await setup();
    const tx = spend([h.utxo()], payTo(90_000n));
    const a = h.action(tx);
    await h.step(a.id);
    await h.step(a.id);
    h.chain.dropFromMempool(tx.txid);

    await h.tip.stop();
    h.chain.mine(); // the node has not processed this block
    expect(h.tip.synced()).toBe(false);
    let row = h.apply(h.store.actions.get(a.id)!, await h.responder.track(h.store.actions.get(a.id)!, h.ctx()));
    expect(row.state).toBe("in_mempool");
    expect(h.chain.inMempool(tx.txid)).toBe(false);
    expect(h.tracker(tx.txid).rebroadcasts).toBe(0);

    await h.tip.start();
    row = await h.step(a.id);
    expect(h.tip.synced()).toBe(true);
    expect(row.state).toBe("in_mempool");
    expect(h.chain.inMempool(tx.txid)).toBe(true); // rebroadcast at once, not after 6 blocks
    expect(h.tracker(tx.txid).rebroadcasts).toBe(1);
  });

  it("a bounce (missing inputs) while the cursor is behind is not interpreted", async () => {
    const h = await setup();
    const tx = spend([h.utxo()], payTo(90_000n));
    const a = h.action(tx);
    await h.step(a.id);
    await h.tip.stop();
    h.chain.mine();
    h.chain.injectBroadcastError("bad-txns-inputs-missingorspent");
    const row = h.apply(h.store.actions.get(a.id)!, await h.responder.broadcast(h.store.actions.get(a.id)!, h.ctx()));
    expect(row.state).toBe("broadcast_pending");
    expect(h.tracker(tx.txid).lastError).toMatch(/not interpreted/);
  });
});

describe("BitcoinResponder: watch before acting (observeOnly, recovery §5 step 5)", () => {
  it("finds a broadcast_pending transaction that got out before a crash, and never broadcasts", async () => {
    const h = await setup();
    const tx = spend([h.utxo()], payTo(90_000n));
    const a = h.action(tx);
    let row = await h.step(a.id);
    expect(await h.responder.track(row, h.ctx(), { observeOnly: true })).toBeNull();
    expect(h.chain.inMempool(tx.txid)).toBe(false);

    h.chain.submit(tx.raw); // the broadcast went out, the in_mempool commit did not (§7.2 row 10)
    row = h.apply(row, await h.responder.track(row, h.ctx(), { observeOnly: true }));
    expect(row.state).toBe("in_mempool");

    h.chain.dropFromMempool(tx.txid);
    h.chain.mine(CONFIRMATIONS_BEFORE_RETRY);
    await h.tip.idle();
    row = h.apply(row, await h.responder.track(row, h.ctx(), { observeOnly: true }));
    expect(row.state).toBe("in_mempool");
    expect(h.chain.inMempool(tx.txid)).toBe(false);
    expect(h.counts.rebroadcast).toBeUndefined();
    expect(h.tracker(tx.txid).rebroadcasts).toBe(0);
  });
});

describe("BitcoinResponder: broadcast outcome mapping (each text of §3.6)", () => {
  it.each(["already in block chain", "txn-already-known", "txn-already-in-mempool", "already have transaction"])(
    "known (%s): looked up → InMempoolSince(tip), or ConfirmedIn(h) once mined",
    async (text) => {
      const h = await setup();
      const tx = spend([h.utxo()], payTo(90_000n));
      const a = h.action(tx);
      await h.step(a.id);
      expect(h.chain.submit(tx.raw).kind).toBe("accepted"); // someone else broadcast it
      h.chain.injectBroadcastError(text);
      let row = await h.step(a.id);
      expect(row).toMatchObject({ state: "in_mempool", stateHeight: h.chain.tip().height });
      expect(h.counts.already_known).toBe(1);

      // The same text when it is already in a block.
      const b = h.action(spend([h.utxo(70_000n)], payTo(60_000n)));
      await h.step(b.id);
      h.chain.submit(h.store.actions.get(b.id)!.signedTx!);
      const [block] = h.chain.mine();
      h.chain.injectBroadcastError(text);
      row = await h.step(b.id);
      expect(row).toMatchObject({ state: "confirmed", stateHeight: block.height, confHash: block.hash });
    },
  );

  it.each(["missing inputs", "bad-txns-inputs-missingorspent", "missingorspent"])(
    "missing inputs (%s): own tx confirmed → ConfirmedIn; parent unknown → stays broadcast_pending",
    async (text) => {
      const h = await setup();
      const tx = spend([h.utxo()], payTo(90_000n));
      const a = h.action(tx);
      await h.step(a.id);
      h.chain.submit(tx.raw);
      const [block] = h.chain.mine();
      h.chain.injectBroadcastError(text);
      expect(await h.step(a.id)).toMatchObject({ state: "confirmed", stateHeight: block.height });
      expect(h.counts.missing_inputs).toBe(1);

      // A parent nobody knows: nothing spends it, nothing is concluded.
      const orphan = spend([{ txid: "cd".repeat(32), vout: 0, value: 50_000n }], payTo(40_000n));
      const b = h.action(orphan);
      await h.step(b.id);
      h.chain.injectBroadcastError(text);
      let row = await h.step(b.id);
      expect(row.state).toBe("broadcast_pending");
      expect(h.tracker(orphan.txid).lastError).toMatch(/parent is unknown/);
      h.chain.mine();
      row = await h.step(b.id); // the real answer of the fake, next block
      expect(row.state).toBe("broadcast_pending");
      expect(h.tracker(orphan.txid).status).toBe("broadcast_pending");
    },
  );

  it("missing inputs with a conflicting spend: watching below 6 confirmations, conflicted at 6", async () => {
    const h = await setup();
    const prev = h.utxo();
    const ours = spend([prev], payTo(90_000n));
    const theirs = spend([prev], payTo(80_000n, OTHER_PAYEE));
    const a = h.action(ours);
    await h.step(a.id);
    expect(h.chain.submit(theirs.raw).kind).toBe("accepted");
    h.chain.mine(5);

    let row = await h.step(a.id); // real "bad-txns-inputs-missingorspent" from the fake
    expect(row.state).toBe("broadcast_pending");
    expect(h.tracker(ours.txid).lastError).toMatch(new RegExp(`conflicting spend ${theirs.txid} with 5 confirmations`));

    h.chain.mine();
    row = await h.step(a.id);
    expect(row).toMatchObject({ state: "conflicted", extra: { conflictingTxid: theirs.txid } });
    expect(h.tracker(ours.txid)).toMatchObject({ status: "conflicted" });
    expect(h.counts.conflict).toBe(1);
  });

  it.each(["min relay fee not met", "mempool min fee not met", "insufficient fee"])(
    "underpriced (%s): stays broadcast_pending, retried each block, alert after 6 blocks",
    async (text) => {
      const h = await setup();
      const tx = spend([h.utxo()], payTo(90_000n));
      const a = h.action(tx);
      await h.step(a.id);
      for (let i = 0; i < FEE_BLOCKS; i++) {
        h.chain.injectBroadcastError(text);
        expect((await h.step(a.id)).state).toBe("broadcast_pending");
        expect(h.logs.some((l) => l.code === "BTC_FEE_TOO_LOW")).toBe(false);
        h.chain.mine();
      }
      h.chain.injectBroadcastError(text);
      expect((await h.step(a.id)).state).toBe("broadcast_pending");
      expect(h.counts.fee_too_low).toBe(FEE_BLOCKS + 1);
      expect(h.logs.some((l) => l.code === "BTC_FEE_TOO_LOW")).toBe(true);
      expect(h.tracker(tx.txid)).toMatchObject({ status: "broadcast_pending", lastError: text });
    },
  );

  it.each(["mandatory-script-verify-flag-failed (Signature must be zero)", "non-mandatory-script-verify-flag (Witness program hash mismatch)", "bad-txns-in-belowout"])(
    "invalid (%s): failed_invalid, the tracker stays in the table",
    async (text) => {
      const h = await setup();
      const tx = spend([h.utxo()], payTo(90_000n));
      const a = h.action(tx);
      await h.step(a.id);
      h.chain.injectBroadcastError(text);
      const row = await h.step(a.id);
      expect(row).toMatchObject({ state: "failed_invalid", holdsLock: true });
      expect(h.tracker(tx.txid)).toMatchObject({ status: "failed_invalid", lastError: text });
      expect(h.counts.invalid).toBe(1);
    },
  );

  it("invalid for real: a transaction signed with another key is rejected by the fake → failed_invalid", async () => {
    const h = await setup();
    const bad = spend([h.utxo()], payTo(90_000n), new SigningKey("0x" + "43".repeat(32)));
    const a = h.action(bad);
    await h.step(a.id);
    expect((await h.step(a.id)).state).toBe("failed_invalid");
  });

  it("transport error or unknown text: nothing concluded, retried", async () => {
    const h = await setup();
    const tx = spend([h.utxo()], payTo(90_000n));
    const a = h.action(tx);
    await h.step(a.id);
    h.chain.injectBroadcastError("connection reset by peer");
    expect((await h.step(a.id)).state).toBe("broadcast_pending");
    h.chain.setUnreachable(true);
    expect((await h.step(a.id)).state).toBe("broadcast_pending");
    expect(h.counts.error).toBe(2);
    h.chain.setUnreachable(false);
    expect((await h.step(a.id)).state).toBe("in_mempool");
  });

  it("lookups failing while tracking never drop the transaction (R10)", async () => {
    const h = await setup();
    const tx = spend([h.utxo()], payTo(90_000n));
    const a = h.action(tx);
    await h.step(a.id);
    await h.step(a.id);
    h.chain.mine();
    h.chain.setUnreachable(true);
    expect((await h.step(a.id)).state).toBe("in_mempool");
    expect(h.tracker(tx.txid)).toMatchObject({ status: "in_mempool", lastError: expect.stringMatching(/BTC_UNAVAILABLE/) });
    h.chain.setUnreachable(false);
    expect((await h.step(a.id)).state).toBe("confirmed");
  });
});

describe("BitcoinResponder: reorgs", () => {
  async function confirmedAction() {
    const h = await setup();
    const tx = spend([h.utxo()], payTo(90_000n));
    const a = h.action(tx);
    await h.step(a.id);
    await h.step(a.id);
    const [block] = h.chain.mine();
    const row = await h.step(a.id);
    expect(row.state).toBe("confirmed");
    return { h, tx, a, block };
  }

  it("1-block reorg: confirmed → in_mempool (reorg edge), rebroadcast on the next block, confirmed again", async () => {
    const { h, tx, a, block } = await confirmedAction();
    h.chain.disconnectTip();
    await h.tip.idle();
    expect(h.tracker(tx.txid)).toMatchObject({ status: "in_mempool", reorged: true, sinceHeight: block.height - 1 });

    let row = await h.step(a.id);
    expect(row).toMatchObject({ state: "in_mempool", stateHeight: block.height - 1, confHash: null });
    expect(h.store.actions.history(a.id).at(-1)).toMatchObject({ from: "confirmed", to: "in_mempool", detail: { reorg: true } });

    row = await h.step(a.id); // still in the mempool after the reorg: rebroadcast once
    expect(h.tracker(tx.txid)).toMatchObject({ rebroadcasts: 1, reorged: false });

    const [again] = h.chain.mine();
    row = await h.step(a.id);
    expect(row).toMatchObject({ state: "confirmed", stateHeight: again.height, confHash: again.hash });
    expect(again.hash).not.toBe(block.hash);
  });

  it("10-block reorg: the tracker goes back to InMempoolSince(ancestor) and re-confirms on the new branch", async () => {
    const { h, tx, a, block } = await confirmedAction();
    h.chain.mine(9); // depth 10
    await h.tip.idle();
    const ancestor = block.height - 1;
    h.chain.forkAt(ancestor);
    await h.tip.idle();
    expect(h.tracker(tx.txid)).toMatchObject({ status: "in_mempool", reorged: true, sinceHeight: ancestor });
    let row = await h.step(a.id);
    expect(row).toMatchObject({ state: "in_mempool", stateHeight: ancestor });

    h.chain.mine(11);
    row = await h.step(a.id);
    expect(row).toMatchObject({ state: "confirmed", stateHeight: block.height });
    expect(row.confHash).not.toBe(block.hash);
    expect(h.tracker(tx.txid)).toMatchObject({ status: "confirmed", confHeight: block.height, reorged: false });
  });

  it("a reorg the tip tracker has not processed yet is still seen from the server (out of its block)", async () => {
    const { h, tx, a } = await confirmedAction();
    await h.tip.stop();
    h.chain.disconnectTip();
    const row = h.apply(h.store.actions.get(a.id)!, await h.responder.track(h.store.actions.get(a.id)!, h.ctx()));
    expect(row.state).toBe("in_mempool");
    expect(h.tracker(tx.txid)).toMatchObject({ status: "in_mempool", reorged: true });
  });

  it("dependency reorged out: waitingInputs = 1, rebroadcast every block until the parent is back", async () => {
    const h = await setup();
    const grand = h.utxo(); // a funding tx, confirmed
    const parent = spend([grand], [{ script: WALLET, value: 95_000n }]); // the dependency (e.g. a deposit funding tx)
    expect(h.chain.submit(parent.raw).kind).toBe("accepted");
    const [parentBlock] = h.chain.mine();
    const tx = spend([{ txid: parent.txid, vout: 0, value: 95_000n }], payTo(90_000n));
    const a = h.action(tx);
    await h.step(a.id);
    await h.step(a.id);
    h.chain.mine();
    expect((await h.step(a.id)).state).toBe("confirmed");

    h.chain.forkAt(parentBlock.height - 1); // parent and sweep back to the mempool …
    h.chain.dropFromMempool(parent.txid); // … and the parent evicted (with the sweep)
    let row = await h.step(a.id);
    expect(row.state).toBe("in_mempool");
    row = await h.step(a.id);
    expect(h.tracker(tx.txid)).toMatchObject({ status: "in_mempool", waitingInputs: true, rebroadcasts: 1 });

    h.chain.mine();
    row = await h.step(a.id);
    expect(h.tracker(tx.txid)).toMatchObject({ waitingInputs: true, rebroadcasts: 2 });
    expect(h.chain.inMempool(tx.txid)).toBe(false);

    expect(h.chain.submit(parent.raw).kind).toBe("accepted"); // the dependency is back (unconfirmed)
    row = await h.step(a.id);
    expect(h.chain.inMempool(tx.txid)).toBe(true);
    h.chain.mine();
    row = await h.step(a.id);
    expect(row.state).toBe("confirmed");
    expect(h.tracker(tx.txid)).toMatchObject({ status: "confirmed", waitingInputs: false });
  });

  it("dependency reorged out and its outpoint spent by a conflicting transaction: conflicted at 6 confirmations", async () => {
    const h = await setup();
    const prev = h.utxo();
    const tx = spend([prev], payTo(90_000n));
    const a = h.action(tx);
    await h.step(a.id);
    await h.step(a.id);
    const [block] = h.chain.mine();
    expect((await h.step(a.id)).state).toBe("confirmed");
    h.chain.forkAt(block.height - 1);
    h.chain.dropFromMempool(tx.txid);
    const theirs = spend([prev], payTo(80_000n, OTHER_PAYEE));
    expect(h.chain.submit(theirs.raw).kind).toBe("accepted");
    h.chain.mine(5);
    let row = await h.step(a.id);
    row = await h.step(a.id);
    expect(row.state).toBe("in_mempool");
    h.chain.mine();
    row = await h.step(a.id);
    expect(row).toMatchObject({ state: "conflicted", extra: { conflictingTxid: theirs.txid } });
  });
});

describe("BitcoinResponder: adoption (§3.5)", () => {
  it("a transaction with exactly the built outpoints and outputs is adopted from built (mempool) and from signing (block)", async () => {
    const h = await setup();
    const tx = spend([h.utxo()], payTo(90_000n));
    const built = h.action(tx, "built");
    expect(await h.responder.adopt(built, h.ctx())).toBeNull(); // nothing broadcast yet

    h.chain.submit(tx.raw); // another member broadcast it
    let row = h.apply(built, await h.responder.adopt(built, h.ctx()));
    expect(row).toMatchObject({ state: "in_mempool", txid: tx.txid, wtxid: tx.wtxid, stateHeight: h.chain.tip().height });
    expect(row.signedTx).toEqual(tx.raw);
    expect(h.tracker(tx.txid)).toMatchObject({ status: "in_mempool", actionId: built.id });

    const tx2 = spend([h.utxo(70_000n)], payTo(60_000n));
    const signing = h.action(tx2, "signing");
    h.chain.submit(tx2.raw);
    const [block] = h.chain.mine();
    row = h.apply(signing, await h.responder.adopt(signing, h.ctx()));
    expect(row).toMatchObject({ state: "confirmed", txid: tx2.txid, stateHeight: block.height, confHash: block.hash });
    expect(h.tracker(tx2.txid)).toMatchObject({ status: "confirmed", confHeight: block.height });
  });

  it("a transaction spending the outpoints with other outputs is not adopted", async () => {
    const h = await setup();
    const prev = h.utxo();
    const ours = spend([prev], payTo(90_000n));
    const theirs = spend([prev], payTo(90_000n, OTHER_PAYEE));
    const built = h.action(ours, "built");
    h.chain.submit(theirs.raw);
    h.chain.mine();
    expect(await h.responder.adopt(built, h.ctx())).toBeNull();
    expect(h.store.btcTrackers.get(theirs.txid)).toBeUndefined();
  });
});

describe("BitcoinResponder: look-ups while the tip moves (the devnet's 'bitcoin lookup failed' flood)", () => {
  const warnings = (logs: Record<string, unknown>[]) => logs.filter((l) => (l.level as number) >= 40);

  it("a block arriving during every look-up: confirmed at the right height and hash, final at depth 100, no warning", async () => {
    const chain = new FakeBitcoinChain();
    const view = new MovingView(chain);
    const h = await setup(chain, { responderBitcoin: view });
    const tx = spend([h.utxo()], payTo(90_000n));
    const a = h.action(tx);
    await h.step(a.id);
    view.moving = true;
    let row = await h.step(a.id); // broadcast, accepted
    expect(row.state).toBe("in_mempool");
    const [block] = chain.mine();
    row = await h.step(a.id); // the look-up itself mines a block or two: the answer must not depend on it
    expect(chain.tip().height).toBeGreaterThan(block.height);
    expect(row).toMatchObject({ state: "confirmed", stateHeight: block.height, confHash: block.hash });
    expect(h.tracker(tx.txid)).toMatchObject({ status: "confirmed", confHeight: block.height, confHash: block.hash, lastError: null });

    row = h.store.actions.advance(a.id, "confirmed", "settled", { stateHeight: 1 });
    while (row.state === "settled") {
      row = await h.step(a.id); // each pass mines (the look-up), so it ends by itself
      expect(h.tracker(tx.txid)).toMatchObject({ confHeight: block.height, confHash: block.hash });
    }
    expect(row.state).toBe("final");
    const depth = h.store.actions.history(a.id).at(-1)!.detail!.depth as number;
    expect(depth).toBeGreaterThanOrEqual(IRREVOCABLY_RESOLVED);
    expect(depth).toBeLessThan(IRREVOCABLY_RESOLVED + 3);
    expect(warnings(h.logs)).toEqual([]);
  });

  it("also adopted and through the 'already known' path", async () => {
    const chain = new FakeBitcoinChain();
    const view = new MovingView(chain);
    const h = await setup(chain, { responderBitcoin: view });
    view.moving = true;
    const tx = spend([h.utxo()], payTo(90_000n));
    const built = h.action(tx, "built");
    chain.submit(tx.raw); // another member broadcast it
    let row = h.apply(built, await h.responder.adopt(built, h.ctx()));
    // The adoption's own reads mined it: confirmed where it really is.
    const at = chain.txHeight(tx.txid)!;
    expect(row).toMatchObject({ state: "confirmed", txid: tx.txid, stateHeight: at, confHash: (await chain.header(at)).hash });

    const tx2 = spend([h.utxo(70_000n)], payTo(60_000n));
    const b = h.action(tx2);
    await h.step(b.id);
    chain.submit(tx2.raw);
    const [block] = chain.mine();
    chain.injectBroadcastError("txn-already-known");
    row = await h.step(b.id);
    expect(row).toMatchObject({ state: "confirmed", stateHeight: block.height, confHash: block.hash });
    expect(warnings(h.logs)).toEqual([]);
  });

  it("through the fake Electrum server: blocks notified while a request is answered give the same answers", async () => {
    const chain = new MovingChain();
    const server: ElectrumServerHandle = await startElectrumServer(chain);
    const client = new ElectrumBitcoinChain({}, { urls: [server.url], callTimeoutMs: 5_000 });
    closers.push(async () => {
      await client.stop();
      await server.close();
    });
    await client.start();
    const caughtUp = async (): Promise<void> => {
      while (client.tip()?.hash !== chain.tip().hash) await new Promise((r) => setTimeout(r, 5));
    };
    await vi.waitFor(() => expect(client.tip()).not.toBeNull());
    const h = await setup(chain, { bitcoin: client });
    const tx = spend([h.utxo()], payTo(90_000n));
    const a = h.action(tx);
    await caughtUp();
    await h.step(a.id);
    chain.moving = true;
    let row = await h.step(a.id);
    expect(row.state).toBe("in_mempool");
    const [block] = chain.mine();
    await caughtUp();
    row = await h.step(a.id);
    expect(row).toMatchObject({ state: "confirmed", stateHeight: block.height, confHash: block.hash });
    row = h.store.actions.advance(a.id, "confirmed", "settled", { stateHeight: 1 });
    chain.moving = false;
    chain.mine(IRREVOCABLY_RESOLVED - 3);
    chain.moving = true;
    for (let i = 0; i < 10 && row.state === "settled"; i++) {
      await caughtUp();
      row = await h.step(a.id);
    }
    expect(row.state).toBe("final");
    expect(h.tracker(tx.txid)).toMatchObject({ status: "final", confHeight: block.height, confHash: block.hash });
    expect(warnings(h.logs)).toEqual([]);
  });
});
