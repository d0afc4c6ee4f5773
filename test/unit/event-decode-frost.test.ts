// decodeChunk for the FROST events (threshold.md §3.1, §4.2): TaprootDepositRevealed completes the
// DepositRevealed row of its transaction, registry logs count only from the configured registry.
import { getAddress } from "ethers";
import { describe, expect, it } from "vitest";
import { bridgeInterface, frostWalletRegistryInterface } from "../../src/chain/abi.js";
import type { ChainLog } from "../../src/chain/ethereum-chain.js";
import { decodeChunk } from "../../src/chain/event-decode.js";
import type { Logger } from "../../src/util/logger.js";
import { silentLogger } from "../../src/util/logger.js";

const BRIDGE = getAddress("0x" + "b1".repeat(20));
const REGISTRY = getAddress("0x" + "f1".repeat(20));
const h32 = (b: number): string => "0x" + b.toString(16).padStart(2, "0").repeat(32);
const PKH = "0x" + "aa".repeat(20);

function log(address: string, iface: typeof bridgeInterface, event: string, args: unknown[], tx: number, logIndex: number): ChainLog {
  const { data, topics } = iface.encodeEventLog(iface.getEvent(event)!, args);
  return { address, blockNumber: 7, blockHash: h32(7), transactionHash: h32(tx), transactionIndex: 0, logIndex, topics, data, removed: false };
}

const revealed = (tx: number, logIndex: number, fundingTx: number, index = 0) =>
  log(BRIDGE, bridgeInterface, "DepositRevealed", [h32(fundingTx), index, getAddress("0x" + "d1".repeat(20)), 1_000_000n, "0x" + "11".repeat(8), PKH, "0x" + "22".repeat(20), "0x01020304", getAddress("0x" + "00".repeat(20))], tx, logIndex);
const taproot = (tx: number, logIndex: number, fundingTx: number, refundX: string, index = 0) =>
  log(BRIDGE, bridgeInterface, "TaprootDepositRevealed", [h32(fundingTx), index, PKH, refundX], tx, logIndex);

function recordingLogger(): { logger: Logger; errors: string[] } {
  const errors: string[] = [];
  const logger = { ...silentLogger, error: (_o: unknown, msg?: string) => void errors.push(String(msg)), child: () => logger } as unknown as Logger;
  return { logger, errors };
}

describe("decodeChunk with FROST events", () => {
  it("sets refundX on the DepositRevealed row of the same transaction and outpoint; a plain reveal keeps none", () => {
    const rows = decodeChunk([taproot(1, 1, 50, h32(0xee)), revealed(1, 0, 50), revealed(2, 2, 51)], { bridge: BRIDGE }, silentLogger);
    expect(rows.map((r) => [r.table, r.row.txHash, "refundX" in r.row ? r.row.refundX : "-"])).toEqual([
      ["evDeposits", h32(1), h32(0xee)],
      ["evDeposits", h32(2), "-"],
    ]);
  });

  it("a TaprootDepositRevealed without its DepositRevealed before it in the transaction is logged and skipped", () => {
    const { logger, errors } = recordingLogger();
    const rows = decodeChunk([revealed(1, 0, 50), taproot(2, 1, 50, h32(0xee)), revealed(3, 2, 52), taproot(3, 3, 53, h32(0xef))], { bridge: BRIDGE }, logger);
    expect(rows.map((r) => "refundX" in r.row && r.row.refundX)).toEqual([false, false]);
    expect(errors).toEqual(["TaprootDepositRevealed without its DepositRevealed; skipped", "TaprootDepositRevealed without its DepositRevealed; skipped"]);
  });

  it("registry events count only from the configured registry", () => {
    const logs = [
      log(REGISTRY, frostWalletRegistryInterface, "DkgRequested", [5n, h32(9), [BRIDGE, REGISTRY], 2, 2, 100n], 1, 0),
      log(REGISTRY, frostWalletRegistryInterface, "DkgTimedOut", [5n], 2, 0),
      log(BRIDGE, frostWalletRegistryInterface, "DkgTimedOut", [6n], 3, 0),
    ];
    expect(decodeChunk(logs, { bridge: BRIDGE }, silentLogger)).toEqual([]);
    const rows = decodeChunk(logs, { bridge: BRIDGE, frostWalletRegistry: REGISTRY }, silentLogger);
    expect(rows.map((r) => [r.table, "requestId" in r.row && r.row.requestId, "event" in r.row && r.row.event])).toEqual([
      ["evDkgRequests", 5n, "DkgRequested"],
      ["evDkgRequests", 5n, "DkgTimedOut"],
    ]);
    expect(rows[0]!.row).toMatchObject({ seed: h32(9), members: [BRIDGE, REGISTRY], threshold: 2, dkgQuorum: 2, deadline: 100, walletX: null, walletPkh: null });
  });
});
