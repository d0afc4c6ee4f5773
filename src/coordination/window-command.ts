// `wcoord window`: seed, leader and checklist of one window, from chain (online) or from given inputs.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Interface, JsonRpcProvider } from "ethers";
import { bridgeAbi } from "../chain/abi.js";
import { RpcPinnedCaller } from "../chain/pinned-call.js";
import { fromHex, to0x, toHex } from "../util/hex.js";
import { checklist } from "./checklist.js";
import { actionName } from "../protocol/constants.js";
import { normalizeAddress } from "../protocol/address.js";
import { operatorList, selectLeader } from "./leader.js";
import { DEFAULT_FREQUENCY_WINDOWS } from "../protocol/profile.js";
import { isRngScheme, type RngScheme } from "../protocol/profile.js";
import { computeSeed } from "./seed.js";
import { isWindowBlock, safeBlockNumber, windowIndex } from "../protocol/window.js";

export interface TextSink {
  write(chunk: string): unknown;
}

export const WINDOW_USAGE = `usage:
  wcoord window --rpc URL (--bridge ADDR | --deployment FILE) --wallet PKH --block W [options]
  wcoord window --wallet PKH --block W --safe-block-hash HASH --operators ADDR,ADDR,... [options]
  wcoord window --seed HEX --block W --operators ADDR,ADDR,... [options]
options:
  --rng seedrandom|go-math-rand     RNG scheme (default seedrandom)
  --frequency-windows N             windows between deposit sweeps (default 4)
  --heartbeat-probability P         heartbeat probability as a fraction (default 0.0625)
  --json                            print {"index","seed","leader","checklist"} as JSON
`;

class UsageError extends Error {}

interface WindowInputs {
  W: number;
  seed: Uint8Array;
  seats: string[];
  safeBlockHash?: Uint8Array;
  wallet?: Uint8Array;
}

function parsePkh(v: string): Uint8Array {
  const h = v.startsWith("0x") || v.startsWith("0X") ? v.slice(2) : v;
  if (!/^[0-9a-fA-F]{40}$/.test(h)) throw new UsageError(`--wallet must be 40 hex characters (with or without 0x), got "${v}"`);
  return fromHex(h);
}

function parseHash32(name: string, v: string): Uint8Array {
  const h = v.startsWith("0x") || v.startsWith("0X") ? v.slice(2) : v;
  if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new UsageError(`${name} must be 64 hex characters (with or without 0x), got "${v}"`);
  return fromHex(h);
}

function parseBlock(v: string): number {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!isWindowBlock(n)) throw new UsageError(`--block must be a window block (> 0 and a multiple of 900), got "${v}"`);
  return n;
}

function parseAddress(name: string, v: string): string {
  try {
    return normalizeAddress(v.trim());
  } catch {
    throw new UsageError(`${name}: invalid address "${v}"`);
  }
}

function parseOperators(v: string): string[] {
  const parts = v.split(",").map((s) => s.trim());
  if (parts.length === 0 || parts.some((s) => s === "")) throw new UsageError("--operators must be a comma-separated list of addresses");
  return parts.map((p) => parseAddress("--operators", p));
}

function parseFrequencyWindows(v: string): number {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 0xffffffff) throw new UsageError(`--frequency-windows must be an integer >= 1, got "${v}"`);
  return n;
}

/** A decimal fraction in [0, 1] to parts per million, exactly (no floating point). */
export function probabilityToPpm(v: string): number {
  const m = /^(\d*)(?:\.(\d*))?$/.exec(v.trim());
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) throw new UsageError(`--heartbeat-probability must be a decimal fraction like 0.0625, got "${v}"`);
  const intPart = m[1] === "" ? 0 : Number(m[1]);
  const frac = m[2] ?? "";
  if (/[1-9]/.test(frac.slice(6))) throw new UsageError(`--heartbeat-probability must be a multiple of 0.000001, got "${v}"`);
  const ppm = intPart * 1_000_000 + Number(frac.slice(0, 6).padEnd(6, "0"));
  if (!Number.isSafeInteger(ppm) || ppm > 1_000_000) throw new UsageError(`--heartbeat-probability must be between 0 and 1, got "${v}"`);
  return ppm;
}

function readDeploymentBridge(file: string): { bridge: string; chainId?: bigint } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`--deployment: cannot read ${file}: ${(e as Error).message}`);
  }
  const d = json as { bridge?: unknown; chainId?: unknown };
  if (typeof d?.bridge !== "string") throw new UsageError(`--deployment: ${file} has no "bridge" address`);
  const bridge = parseAddress(`--deployment ${file} bridge`, d.bridge);
  const chainId = typeof d.chainId === "number" || typeof d.chainId === "string" ? BigInt(d.chainId) : undefined;
  return { bridge, chainId };
}

async function readOnline(rpc: string, bridge: string, expectedChainId: bigint | undefined, wallet: Uint8Array, W: number): Promise<WindowInputs> {
  const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    if (expectedChainId !== undefined) {
      const net = await provider.getNetwork();
      if (net.chainId !== expectedChainId) {
        throw new Error(`the RPC endpoint serves chain ${net.chainId}, the deployment file is for chain ${expectedChainId}`);
      }
    }
    const safe = safeBlockNumber(W);
    const block = await provider.getBlock(safe);
    if (block === null || block.hash === null) throw new Error(`block ${safe} (W-32) is not available yet`);
    const iface = new Interface(bridgeAbi);
    const data = iface.encodeFunctionData("walletOperators", [to0x(wallet)]);
    const raw = await new RpcPinnedCaller(provider).call({ to: bridge, data }, { blockHash: block.hash, blockNumber: safe });
    const [operators] = iface.decodeFunctionResult("walletOperators", raw) as unknown as [string[]];
    const seats = [...operators].map((a) => normalizeAddress(a));
    if (seats.length === 0) throw new Error(`wallet ${toHex(wallet)} has no operators at block ${safe} (not registered?)`);
    const safeBlockHash = fromHex(block.hash);
    return { W, seed: computeSeed(wallet, safeBlockHash), seats, safeBlockHash, wallet };
  } finally {
    provider.destroy();
  }
}

function render(inputs: WindowInputs, scheme: RngScheme, frequencyWindows: number, ppm: number, json: boolean): string {
  const { leader, order } = selectLeader(inputs.seats, inputs.seed, scheme);
  const list = checklist(inputs.W, inputs.seed, { frequencyWindows, heartbeatProbabilityPpm: ppm, rngScheme: scheme }).map(actionName);
  const index = windowIndex(inputs.W);
  if (json) return JSON.stringify({ index, seed: to0x(inputs.seed), leader, checklist: list }) + "\n";
  const sorted = operatorList(inputs.seats);
  const lines = [
    `window            ${inputs.W} (index ${index})`,
    ...(inputs.wallet ? [`wallet            ${toHex(inputs.wallet)}`] : []),
    inputs.safeBlockHash
      ? `safe block        ${safeBlockNumber(inputs.W)} ${to0x(inputs.safeBlockHash)}`
      : `safe block        (seed given)`,
    `seed              ${to0x(inputs.seed)}`,
    `rng scheme        ${scheme}`,
    `seats             ${inputs.seats.length}`,
    `operators (sorted, ${sorted.length}):`,
    ...sorted.map((a) => `  ${a}`),
    `shuffled order:`,
    ...order.map((a, i) => `  ${i + 1}. ${a}${i === 0 ? "  (leader)" : ""}`),
    `leader            ${leader}`,
    `checklist         ${list.join(", ")} (frequency ${frequencyWindows} windows, heartbeat ${ppm} ppm)`,
  ];
  return lines.join("\n") + "\n";
}

/** Runs `wcoord window` with the arguments after "window"; returns the exit code (2 on usage errors). */
export async function runWindowCommand(argv: string[], out: TextSink = process.stdout, err: TextSink = process.stderr): Promise<number> {
  let inputs: WindowInputs | undefined;
  let scheme: RngScheme;
  let frequencyWindows: number;
  let ppm: number;
  let json: boolean;
  let online: { rpc: string; bridge: string; chainId?: bigint; wallet: Uint8Array; W: number } | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        rpc: { type: "string" },
        bridge: { type: "string" },
        deployment: { type: "string" },
        wallet: { type: "string" },
        block: { type: "string" },
        "safe-block-hash": { type: "string" },
        operators: { type: "string" },
        seed: { type: "string" },
        rng: { type: "string", default: "seedrandom" },
        "frequency-windows": { type: "string", default: String(DEFAULT_FREQUENCY_WINDOWS) },
        "heartbeat-probability": { type: "string", default: "0.0625" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      out.write(WINDOW_USAGE);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (!isRngScheme(values.rng)) throw new UsageError(`--rng must be seedrandom or go-math-rand, got "${values.rng}"`);
    scheme = values.rng;
    frequencyWindows = parseFrequencyWindows(values["frequency-windows"]);
    ppm = probabilityToPpm(values["heartbeat-probability"]);
    json = values.json;
    if (values.block === undefined) throw new UsageError("--block is required");
    const W = parseBlock(values.block);

    if (values.rpc !== undefined) {
      for (const o of ["seed", "safe-block-hash", "operators"] as const) {
        if (values[o] !== undefined) throw new UsageError(`--${o} cannot be combined with --rpc (the chain provides it)`);
      }
      if (values.wallet === undefined) throw new UsageError("--wallet is required with --rpc");
      if ((values.bridge === undefined) === (values.deployment === undefined)) {
        throw new UsageError("--rpc needs exactly one of --bridge or --deployment");
      }
      if (!/^https?:\/\//i.test(values.rpc)) throw new UsageError(`--rpc must be an http(s) URL, got "${values.rpc}"`);
      const dep =
        values.bridge !== undefined ? { bridge: parseAddress("--bridge", values.bridge) } : readDeploymentBridge(values.deployment as string);
      online = { rpc: values.rpc, bridge: dep.bridge, chainId: "chainId" in dep ? dep.chainId : undefined, wallet: parsePkh(values.wallet), W };
    } else {
      for (const o of ["bridge", "deployment"] as const) {
        if (values[o] !== undefined) throw new UsageError(`--${o} is only used with --rpc`);
      }
      if (values.operators === undefined) throw new UsageError("--operators is required without --rpc");
      const seats = parseOperators(values.operators);
      if (values.seed !== undefined) {
        if (values.wallet !== undefined || values["safe-block-hash"] !== undefined) {
          throw new UsageError("--seed replaces --wallet and --safe-block-hash; give one or the other");
        }
        inputs = { W, seed: parseHash32("--seed", values.seed), seats };
      } else {
        if (values.wallet === undefined || values["safe-block-hash"] === undefined) {
          throw new UsageError("offline mode needs --wallet and --safe-block-hash (or --seed)");
        }
        const wallet = parsePkh(values.wallet);
        const safeBlockHash = parseHash32("--safe-block-hash", values["safe-block-hash"]);
        inputs = { W, seed: computeSeed(wallet, safeBlockHash), seats, safeBlockHash, wallet };
      }
    }
  } catch (e) {
    // parseArgs throws TypeError with a code for unknown options or missing values.
    const msg = e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? (e as Error).message : String(e);
    err.write(`wcoord window: ${msg}\n${WINDOW_USAGE}`);
    return 2;
  }

  try {
    if (online) inputs = await readOnline(online.rpc, online.bridge, online.chainId, online.wallet, online.W);
    out.write(render(inputs as WindowInputs, scheme, frequencyWindows, ppm, json));
    return 0;
  } catch (e) {
    err.write(`wcoord window: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}
