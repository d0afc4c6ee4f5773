// Hardhat in-process chain helpers for the contract tests: deployment of the
// validator against the Bridge stub, revert decoding and per-context snapshots.
import hre from "hardhat";
import { AbiCoder, dataSlice, type Contract } from "ethers";
import { afterAll, beforeAll, expect } from "vitest";

export type Net = Awaited<ReturnType<typeof hre.network.create>>;

const ERROR_SELECTOR = "0x08c379a0";
const PANIC_SELECTOR = "0x4e487b71";

export type CallOutcome =
  | { kind: "ok"; value: unknown }
  | { kind: "error"; reason: string }
  | { kind: "panic"; code: number }
  | { kind: "other"; data: string };

/** Revert data sits on the error itself (EDR) or nested, depending on the layer that threw. */
function findRevertData(e: unknown, depth = 0): string | undefined {
  if (e === null || typeof e !== "object" || depth > 4) return undefined;
  const o = e as Record<string, unknown>;
  if (typeof o.data === "string" && o.data.startsWith("0x")) return o.data;
  for (const k of ["error", "info", "cause", "data"]) {
    const found = findRevertData(o[k], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

export async function outcome(call: Promise<unknown>): Promise<CallOutcome> {
  try {
    return { kind: "ok", value: await call };
  } catch (e) {
    const data = findRevertData(e);
    if (data === undefined) throw e; // not a revert: a bug in the test or the transport
    const selector = data.slice(0, 10).toLowerCase();
    if (selector === ERROR_SELECTOR) {
      return { kind: "error", reason: AbiCoder.defaultAbiCoder().decode(["string"], dataSlice(data, 4))[0] as string };
    }
    if (selector === PANIC_SELECTOR) {
      return { kind: "panic", code: Number(AbiCoder.defaultAbiCoder().decode(["uint256"], dataSlice(data, 4))[0] as bigint) };
    }
    return { kind: "other", data };
  }
}

export async function expectRevert(call: Promise<unknown>, reason: string): Promise<void> {
  expect(await outcome(call)).toEqual({ kind: "error", reason });
}

export async function expectPanic(call: Promise<unknown>, code: number): Promise<void> {
  expect(await outcome(call)).toEqual({ kind: "panic", code });
}

export async function expectTrue(call: Promise<unknown>): Promise<void> {
  expect(await outcome(call)).toEqual({ kind: "ok", value: true });
}

/**
 * Takes a chain snapshot when the enclosing describe starts and reverts to it
 * when it ends, so every context sees only its own and its parents' setup.
 * Call it before the describe's own beforeAll hooks.
 */
export function snapshotScope(net: () => Net): void {
  let restore: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const snap = await net().networkHelpers.takeSnapshot();
    restore = () => snap.restore();
  });
  afterAll(async () => {
    await restore?.();
  });
}

export interface ValidatorFixture {
  net: Net;
  bridge: Contract;
  validator: Contract;
}

/** A fresh in-process chain with a BridgeStub and a validator wired to it. */
export async function deployValidatorFixture(): Promise<ValidatorFixture> {
  const net = await hre.network.create();
  const bridge = (await net.ethers.deployContract("BridgeStub")) as unknown as Contract;
  const validator = (await net.ethers.deployContract("WalletProposalValidator", [await bridge.getAddress()])) as unknown as Contract;
  return { net, bridge, validator };
}

export async function closeNet(net: Net | undefined): Promise<void> {
  const closable = net as unknown as { close?: () => Promise<void> } | undefined;
  await closable?.close?.();
}

/** Mines one block at exactly `timestamp`, so eth_call at latest sees it as block.timestamp. */
export async function mineAt(net: Net, timestamp: number): Promise<void> {
  await net.networkHelpers.time.increaseTo(timestamp);
}

export async function lastBlockTime(net: Net): Promise<number> {
  return net.networkHelpers.time.latest();
}
