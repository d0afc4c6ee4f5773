import { Wallet } from "ethers";
import { describe, expect, it } from "vitest";
import { bridgeInterface } from "../../src/chain/abi.js";
import type { ChainLog, LogFilter } from "../../src/chain/ethereum-chain.js";
import { coMemberOperators, SeatedOperators } from "../../src/chain/seated-operators.js";
import type { KnownWallet } from "../../src/chain/wallet-registry.js";
import { WalletState } from "../../src/protocol/constants.js";
import { to0x } from "../../src/util/hex.js";

const BRIDGE = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const [me, a, b, c, d] = [1, 2, 3, 4, 5].map((n) => new Wallet("0x" + n.toString(16).padStart(64, "0")).address);
const pkh = (n: number): Uint8Array => new Uint8Array(20).fill(n);

function known(n: number, operators: string[], state: WalletState = WalletState.Live): KnownWallet {
  return { walletPkh: pkh(n), ecdsaWalletID: "0x" + "00".repeat(32), registeredAt: 10, state, stateChangedAt: 10, operators };
}

function operatorsSetLog(n: number, operators: string[], blockNumber: number, extra: Partial<ChainLog> = {}): ChainLog {
  const { topics, data } = bridgeInterface.encodeEventLog("WalletOperatorsSet", [to0x(pkh(n)), operators]);
  return { address: BRIDGE, blockNumber, blockHash: "0x" + "11".repeat(32), transactionHash: "0x" + "22".repeat(32), transactionIndex: 0, logIndex: 0, topics, data, removed: false, ...extra };
}

describe("coMemberOperators", () => {
  it("takes every seat of the wallets that seat the operator, in a state that takes part", () => {
    const set = coMemberOperators(
      [
        { operators: [me, a, me], state: WalletState.Live },
        { operators: [b, me], state: WalletState.Closing },
        { operators: [c, a], state: WalletState.Live }, // not ours
        { operators: [d, me], state: WalletState.Closed }, // over
        { operators: [d, me], state: WalletState.Terminated },
      ],
      me.toLowerCase(),
    );
    expect([...set].sort()).toEqual([me, a, b].sort());
  });

  it("normalises addresses to EIP-55", () => {
    const set = coMemberOperators([{ operators: [me.toLowerCase(), a.toLowerCase()], state: WalletState.MovingFunds }], me);
    expect(set.has(a)).toBe(true);
  });
});

describe("SeatedOperators", () => {
  function setup(wallets: KnownWallet[], logs: ChainLog[], opts: { indexedTo: number; head: number; failLogs?: boolean }) {
    const calls: LogFilter[] = [];
    let syncs = 0;
    const registry = {
      indexedTo: opts.indexedTo,
      sync: async () => {
        syncs++;
        return [];
      },
      knownWallets: () => wallets,
    };
    const chain = {
      head: () => opts.head,
      logs: async (f: LogFilter) => {
        calls.push(f);
        if (opts.failLogs) throw new Error("rpc down");
        return logs.filter((l) => l.blockNumber >= f.fromBlock && l.blockNumber <= f.toBlock);
      },
    };
    const seats = new SeatedOperators({ registry, chain }, { bridgeAddress: BRIDGE, operator: me, refreshIntervalMs: 60_000 });
    return { seats, calls, registry, chain, syncs: () => syncs };
  }

  it("is empty until refreshed, then holds the co-members from the index", async () => {
    const { seats, syncs } = setup([known(1, [me, a]), known(2, [b, c])], [], { indexedTo: 100, head: 132 });
    expect(seats.current.size).toBe(0);
    expect(await seats.refresh()).toBe(true);
    expect(syncs()).toBe(1);
    expect([...seats.current].sort()).toEqual([me, a].sort());
  });

  it("adds seat lists set after the index (up to head), which the index's lag still hides", async () => {
    const logs = [operatorsSetLog(3, [me, d], 120), operatorsSetLog(2, [b, me], 125), operatorsSetLog(4, [c], 90)];
    const { seats, calls } = setup([known(1, [me, a]), known(2, [b, c])], logs, { indexedTo: 100, head: 132 });
    await seats.refresh();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ fromBlock: 101, toBlock: 132, address: BRIDGE });
    // Wallet 3 is new (Live), wallet 2's newer seat list now holds us; wallet 4's event is already indexed.
    expect([...seats.current].sort()).toEqual([me, a, b, d].sort());
  });

  it("keeps the state hint of a known wallet and ignores removed logs", async () => {
    const logs = [operatorsSetLog(2, [c, me], 110), operatorsSetLog(3, [d, me], 111, { removed: true })];
    const { seats } = setup([known(2, [c], WalletState.Closed)], logs, { indexedTo: 100, head: 132 });
    await seats.refresh();
    expect(seats.current.size).toBe(0);
  });

  it("picks up a wallet registered later (no restart) and keeps the previous set when a refresh fails", async () => {
    const wallets = [known(1, [me, a])];
    const opts = { indexedTo: 100, head: 100, failLogs: false };
    const { seats, registry } = setup(wallets, [], opts);
    await seats.refresh();
    expect([...seats.current].sort()).toEqual([me, a].sort());
    wallets.push(known(5, [me, c]));
    registry.indexedTo = 140;
    opts.head = 140;
    await seats.refresh();
    expect(seats.current.has(c)).toBe(true);
    opts.head = 150;
    opts.failLogs = true;
    expect(await seats.refresh()).toBe(false);
    expect(seats.current.has(c)).toBe(true);
  });

  it("shares one refresh in flight and throttles block-driven refreshes", async () => {
    const { seats, syncs } = setup([known(1, [me, a])], [], { indexedTo: 100, head: 100 });
    const [x, y] = [seats.refresh(), seats.refresh()];
    expect(x).toBe(y);
    await x;
    expect(syncs()).toBe(1);
    seats.maybeRefresh(); // within refreshIntervalMs of the last start
    await Promise.resolve();
    expect(syncs()).toBe(1);
  });
});
