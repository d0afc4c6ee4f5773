// The EthereumChain compliance suite (style.md §1.14, reliability.md §7.4), in the manner of js-libp2p's
// interface-compliance-tests: `describeEthereumChainCompliance(name, factory)` checks the contract
// written in src/chain/ethereum-chain.ts against one implementation. Each implementation's test file
// gives a factory that builds the chain and a small harness to drive the chain behind it.
import { afterEach, describe, expect, it } from "vitest";
import { CallRevertedError, RpcError, RpcErrorCode } from "../../src/chain/errors.js";
import type { BlockHeader, BlockRef, EthereumChain } from "../../src/chain/ethereum-chain.js";

/** The topic every harness's log contract emits (log1 with empty data). */
export const LOG_TOPIC = "0x" + "ab".repeat(32);
/** A topic no contract emits. */
export const OTHER_TOPIC = "0x" + "cd".repeat(32);
/** The revert data of the reverting contract. */
export const REVERT_DATA = "0xdeadbeef";

export interface EthereumChainContracts {
  /** Answers a call with its stored 32-byte value (`store` sets it). */
  slot: string;
  /** Reverts with REVERT_DATA. */
  reverter: string;
  /** Reverts without data. */
  emptyReverter: string;
  /** Emits one LOG_TOPIC log per `emitLog`. */
  logger: string;
}

/** One implementation under test and the controls of the chain behind it. */
export interface EthereumChainHarness {
  /** The implementation under test, not started. */
  readonly chain: EthereumChain;
  readonly contracts: EthereumChainContracts;
  /** Mines `n` blocks; resolves with the new latest block number. */
  mine(n?: number): Promise<number>;
  /** A transaction storing `value` in the slot contract; resolves with the number of its block. */
  store(value: bigint): Promise<number>;
  /** A transaction making the log contract emit one log; resolves with the number of its block. */
  emitLog(): Promise<number>;
  /** Marks the current chain; `rewind` drops every block after it (mining again makes a reorg). */
  checkpoint(): Promise<unknown>;
  rewind(checkpoint: unknown): Promise<void>;
  /** While on, the endpoint cannot be reached. */
  setUnreachable(on: boolean): Promise<void>;
  /** While on, the endpoint refuses every eth_getLogs range as too large. */
  refuseLogs(on: boolean): Promise<void>;
  /** Stops the chain and frees what the factory made. */
  close(): Promise<void>;
}

export type EthereumChainFactory = () => Promise<EthereumChainHarness>;

/** Polls `check` every 20 ms until it holds or `ms` pass. */
export async function waitFor(check: () => boolean, ms = 8_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const refOf = (b: BlockHeader): BlockRef => ({ blockHash: b.hash, blockNumber: b.number });
/** A uint256 as eth_call returns it: 0x and 64 hex digits. */
export const word = (v: bigint): string => "0x" + v.toString(16).padStart(64, "0");
const rejection = (p: Promise<unknown>): Promise<unknown> => p.then(
  (v) => { throw new Error(`expected a rejection, got ${JSON.stringify(v)}`); },
  (e: unknown) => e,
);

export function describeEthereumChainCompliance(name: string, factory: EthereumChainFactory): void {
  describe(`EthereumChain compliance: ${name}`, () => {
    let h: EthereumChainHarness | undefined;
    const make = async (): Promise<EthereumChainHarness> => (h = await factory());
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    describe("lifecycle and heads", () => {
      it("stop without start is legal; start and stop are idempotent; start again resumes", async () => {
        const { chain, mine } = await make();
        await chain.stop();
        expect(chain.head()).toBe(-1);
        await chain.start();
        await chain.start();
        const first = await mine();
        await waitFor(() => chain.head() === first);
        await chain.stop();
        await chain.stop();
        const second = await mine(2);
        await chain.start();
        await waitFor(() => chain.head() === second);
        await chain.stop();
      });

      it("stop right after start leaves no stray rejection behind", async () => {
        const { chain } = await make();
        const stray: unknown[] = [];
        const note = (reason: unknown): void => void stray.push(reason);
        process.on("unhandledRejection", note);
        try {
          for (let i = 0; i < 3; i++) {
            await chain.start();
            await chain.stop();
          }
          await new Promise((r) => setTimeout(r, 300));
        } finally {
          process.off("unhandledRejection", note);
        }
        expect(stray.map(String)).toEqual([]);
      });

      it("head() is -1 before the first head, then the highest block seen", async () => {
        const { chain, mine } = await make();
        expect(chain.head()).toBe(-1);
        await chain.start();
        const latest = (await chain.block("latest")).number;
        await waitFor(() => chain.head() >= latest);
        const top = await mine(3);
        await waitFor(() => chain.head() === top);
      });

      it("onHead tells every new highest head, in increasing order, until unsubscribed", async () => {
        const { chain, mine } = await make();
        const heads: number[] = [];
        const off = chain.onHead((n) => heads.push(n));
        await chain.start();
        for (let i = 0; i < 3; i++) {
          const top = await mine();
          await waitFor(() => heads.at(-1) === top);
        }
        expect(heads.every((n, i) => i === 0 || n > heads[i - 1])).toBe(true);
        off();
        const seen = heads.length;
        const top = await mine();
        await waitFor(() => chain.head() === top);
        expect(heads).toHaveLength(seen);
      });

      it("delivers no head after stop", async () => {
        const { chain, mine } = await make();
        const heads: number[] = [];
        chain.onHead((n) => heads.push(n));
        await chain.start();
        const top = await mine();
        await waitFor(() => chain.head() === top);
        await chain.stop();
        const seen = heads.length;
        await mine(2);
        await new Promise((r) => setTimeout(r, 300));
        expect(heads).toHaveLength(seen);
        expect(chain.head()).toBe(top);
      });

      it("exposes a provider that knows its network", async () => {
        const { chain } = await make();
        expect(typeof (await chain.provider.getNetwork()).chainId).toBe("bigint");
      });
    });

    describe("blocks", () => {
      it("block(n) and block('latest') give linked headers with lowercase hashes", async () => {
        const { chain, mine } = await make();
        await chain.start();
        const top = await mine(2);
        const latest = await chain.block("latest");
        expect(latest.number).toBeGreaterThanOrEqual(top);
        const prev = await chain.block(latest.number - 1);
        const again = await chain.block(latest.number);
        expect(again).toEqual(latest);
        expect(latest.parentHash).toBe(prev.hash);
        expect(prev.number).toBe(latest.number - 1);
        for (const b of [latest, prev]) {
          expect(b.hash).toMatch(/^0x[0-9a-f]{64}$/);
          expect(b.parentHash).toMatch(/^0x[0-9a-f]{64}$/);
          expect(Number.isSafeInteger(b.timestamp)).toBe(true);
        }
        expect(latest.timestamp).toBeGreaterThanOrEqual(prev.timestamp);
      });

      it("a block the endpoint does not have is a transient HEADER_NOT_FOUND", async () => {
        const { chain } = await make();
        const latest = await chain.block("latest");
        const err = await rejection(chain.block(latest.number + 1000, { retry: false }));
        expect(err).toBeInstanceOf(RpcError);
        expect(err).toMatchObject({ code: RpcErrorCode.HEADER_NOT_FOUND, transient: true });
      });

      it("a reorg gives other hashes from the fork point on; head() never goes back", async () => {
        const { chain, mine, checkpoint, rewind, contracts } = await make();
        await chain.start();
        const base = await chain.block(await mine());
        const mark = await checkpoint();
        const oldTop = await mine(3);
        const old = await chain.block(base.number + 1);
        await waitFor(() => chain.head() === oldTop);
        const heads: number[] = [];
        chain.onHead((n) => heads.push(n));

        await rewind(mark);
        const newTop = await mine(5);
        await waitFor(() => chain.head() === newTop);
        expect(heads.every((n) => n > oldTop)).toBe(true);
        const fresh = await chain.block(base.number + 1);
        expect(fresh.hash).not.toBe(old.hash);
        expect(fresh.parentHash).toBe(base.hash);
        expect((await chain.block(base.number)).hash).toBe(base.hash);
        // A call pinned at a block the reorg removed is never answered from the new chain.
        const err = await rejection(chain.call({ to: contracts.slot, data: "0x" }, refOf(old), { retry: false }));
        expect(err).toBeInstanceOf(RpcError);
        expect(err).toMatchObject({ transient: true });
      });
    });

    describe("pinned calls", () => {
      it("a call answers the state of the block it is pinned at", async () => {
        const { chain, store, contracts } = await make();
        const a = await chain.block(await store(1n));
        const b = await chain.block(await store(2n));
        expect(b.number).toBeGreaterThan(a.number);
        expect(await chain.call({ to: contracts.slot, data: "0x" }, refOf(a))).toBe(word(1n));
        expect(await chain.call({ to: contracts.slot, data: "0x" }, refOf(b))).toBe(word(2n));
        expect(await chain.call({ to: contracts.slot, data: "0x" }, refOf(a))).toBe(word(1n));
      });

      it("a revert is a CallRevertedError with its data, definitive and not retried", async () => {
        const { chain, contracts } = await make();
        const at = refOf(await chain.block("latest"));
        // Retry is on (the default): a retried revert would run into the time limit instead.
        const signal = AbortSignal.timeout(5_000);
        const e1 = await rejection(chain.call({ to: contracts.reverter, data: "0x12345678" }, at, { signal }));
        expect(e1).toBeInstanceOf(CallRevertedError);
        expect(e1).toMatchObject({ data: REVERT_DATA, transient: false });
        const e2 = await rejection(chain.call({ to: contracts.emptyReverter, data: "0x" }, at, { signal }));
        expect(e2).toBeInstanceOf(CallRevertedError);
        expect(e2).toMatchObject({ data: "0x" });
      });

      it("a call at an unknown block hash is transient: with retry on, it ends only when the signal aborts", async () => {
        const { chain, contracts } = await make();
        const latest = await chain.block("latest");
        const at = { blockHash: "0x" + "11".repeat(32), blockNumber: latest.number };
        const once = await rejection(chain.call({ to: contracts.slot, data: "0x" }, at, { retry: false }));
        expect(once).toBeInstanceOf(RpcError);
        expect(once).toMatchObject({ transient: true });
        const ac = new AbortController();
        const reason = new Error("deadline");
        setTimeout(() => ac.abort(reason), 400);
        expect(await rejection(chain.call({ to: contracts.slot, data: "0x" }, at, { signal: ac.signal }))).toBe(reason);
      });
    });

    describe("logs", () => {
      it("filters by address, topic and an inclusive block range, in chain order", async () => {
        const { chain, mine, emitLog, contracts } = await make();
        const from = (await mine()) + 1;
        const first = await emitLog();
        await mine();
        const second = await emitLog();
        const to = await mine();
        const all = await chain.logs({ address: contracts.logger, topics: [LOG_TOPIC], fromBlock: from, toBlock: to });
        expect(all.map((l) => l.blockNumber)).toEqual([first, second]);
        for (const l of all) {
          expect(l.address.toLowerCase()).toBe(contracts.logger.toLowerCase());
          expect(l.topics).toEqual([LOG_TOPIC]);
          expect(l.data).toBe("0x");
          expect(l.removed).toBe(false);
          expect(l.transactionHash).toMatch(/^0x[0-9a-f]{64}$/);
          expect(Number.isSafeInteger(l.logIndex) && Number.isSafeInteger(l.transactionIndex)).toBe(true);
          expect(l.blockHash).toBe((await chain.block(l.blockNumber)).hash);
        }
        // Both ends are inclusive.
        expect(await chain.logs({ address: contracts.logger, fromBlock: first, toBlock: first })).toHaveLength(1);
        expect(await chain.logs({ address: contracts.logger, fromBlock: first + 1, toBlock: second - 1 })).toEqual([]);
        expect(await chain.logs({ address: [contracts.slot, contracts.logger], fromBlock: second, toBlock: second })).toHaveLength(1);
        expect(await chain.logs({ address: contracts.logger, topics: [[OTHER_TOPIC, LOG_TOPIC]], fromBlock: from, toBlock: to })).toHaveLength(2);
        expect(await chain.logs({ address: contracts.logger, topics: [null], fromBlock: from, toBlock: to })).toHaveLength(2);
        expect(await chain.logs({ address: contracts.logger, topics: [OTHER_TOPIC], fromBlock: from, toBlock: to })).toEqual([]);
        expect(await chain.logs({ address: contracts.slot, fromBlock: from, toBlock: to })).toEqual([]);
      });

      it("a refused range is RANGE_TOO_LARGE, definitive and not retried", async () => {
        const { chain, refuseLogs, contracts } = await make();
        const latest = (await chain.block("latest")).number;
        const filter = { address: contracts.logger, fromBlock: 0, toBlock: latest };
        await refuseLogs(true);
        const err = await rejection(chain.logs(filter, { signal: AbortSignal.timeout(5_000) }));
        expect(err).toBeInstanceOf(RpcError);
        expect(err).toMatchObject({ code: RpcErrorCode.RANGE_TOO_LARGE, transient: false });
        await refuseLogs(false);
        expect(Array.isArray(await chain.logs(filter))).toBe(true);
      });
    });

    describe("errors and aborts", () => {
      it("every call rejects with the reason of an already aborted signal", async () => {
        const { chain, contracts } = await make();
        const at = refOf(await chain.block("latest"));
        const reason = new Error("shutdown");
        const signal = AbortSignal.abort(reason);
        for (const call of [
          () => chain.block("latest", { signal }),
          () => chain.block(at.blockNumber, { signal, retry: false }),
          () => chain.call({ to: contracts.slot, data: "0x" }, at, { signal }),
          () => chain.logs({ address: contracts.logger, fromBlock: 0, toBlock: at.blockNumber }, { signal }),
        ]) {
          expect(await rejection(call())).toBe(reason);
        }
      });

      it("an unreachable endpoint is a transient RpcError; retries end at the signal; it recovers", async () => {
        const { chain, mine, setUnreachable } = await make();
        await chain.start();
        const before = await chain.block("latest");
        await waitFor(() => chain.head() >= before.number);
        await setUnreachable(true);
        const err = await rejection(chain.block(before.number, { retry: false }));
        expect(err).toBeInstanceOf(RpcError);
        expect(err).toMatchObject({ transient: true });
        const reason = new Error("deadline");
        const ac = new AbortController();
        setTimeout(() => ac.abort(reason), 400);
        expect(await rejection(chain.block(before.number, { signal: ac.signal }))).toBe(reason);

        // A retrying call outlives the outage and answers once the endpoint is back.
        const pending = chain.block(before.number, { signal: AbortSignal.timeout(15_000) });
        await new Promise((r) => setTimeout(r, 200));
        await setUnreachable(false);
        expect(await pending).toEqual(before);
        const top = await mine();
        await waitFor(() => chain.head() === top);
      });

      it("stop() ends the retry loops of calls that have no signal of their own", async () => {
        const { chain } = await make();
        await chain.start();
        const latest = await chain.block("latest");
        const pending = rejection(chain.block(latest.number + 1000));
        await new Promise((r) => setTimeout(r, 200));
        await chain.stop();
        expect(await pending).toMatchObject({ name: "AbortError" });
      });
    });
  });
}
