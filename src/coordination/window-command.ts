// `wcoord window`: seed, leader and checklist of one window, from chain (online) or from given inputs.
import { readFileSync } from "node:fs";
import { Interface, JsonRpcProvider } from "ethers";
import { bridgeAbi } from "../chain/abi.js";
import { RpcPinnedCaller } from "../chain/pinned-call.js";
import { CommandExit, defineCommand, parseCommand, UsageError, type CommandArgs, type TextSink } from "../util/cli-args.js";
import { errorMessage } from "../util/errors.js";
import { fromHex, to0x, toHex } from "../util/hex.js";
import { checklist } from "./checklist.js";
import { actionName } from "../protocol/constants.js";
import { normalizeAddress } from "../protocol/address.js";
import { operatorList, selectLeader } from "./leader.js";
import { DEFAULT_FREQUENCY_WINDOWS } from "../protocol/profile.js";
import { isRngScheme, type RngScheme } from "../protocol/profile.js";
import { computeSeed } from "./seed.js";
import { isWindowBlock, safeBlockNumber, windowIndex } from "../protocol/window.js";

const WINDOW = defineCommand({
  name: "wcoord window",
  usage: `usage:
  wcoord window --rpc URL (--bridge ADDR | --deployment FILE) --wallet PKH --block W [options]
  wcoord window --wallet PKH --block W --safe-block-hash HASH --operators ADDR,ADDR,... [options]
  wcoord window --seed HEX --block W --operators ADDR,ADDR,... [options]`,
  // windowRequest() refuses positionals itself, with its own message.
  positionals: true,
  flags: {
    rpc: { type: "string", value: "URL", help: "Ethereum JSON-RPC endpoint: read the seed and seats from the chain" },
    bridge: { type: "string", value: "ADDR", help: "Bridge address (with --rpc)" },
    deployment: { type: "string", value: "FILE", help: "deployments/<network>.json, for the Bridge address (with --rpc)" },
    wallet: { type: "string", value: "PKH", help: "wallet public key hash, 40 hex characters" },
    block: { type: "string", value: "W", help: "the window's block (a multiple of 900)" },
    "safe-block-hash": { type: "string", value: "HASH", help: "hash of block W-32 (offline)" },
    operators: { type: "string", value: "ADDR,ADDR,...", help: "the wallet's seats (offline)" },
    seed: { type: "string", value: "HEX", help: "the window seed, instead of --wallet and --safe-block-hash" },
    rng: { type: "string", value: "seedrandom|go-math-rand", default: "seedrandom", help: "RNG scheme" },
    "frequency-windows": { type: "string", value: "N", default: String(DEFAULT_FREQUENCY_WINDOWS), help: "windows between deposit sweeps" },
    "heartbeat-probability": { type: "string", value: "P", default: "0.0625", help: "heartbeat probability as a fraction" },
    json: { type: "boolean", help: 'print {"index","seed","leader","checklist"} as JSON' },
  },
});

/** What the seed, leader and checklist are computed from. */
interface WindowInputs {
  W: number;
  seed: Uint8Array;
  seats: string[];
  safeBlockHash?: Uint8Array;
  wallet?: Uint8Array;
}

/** Where to read the seed and seats of wallet at window W. */
interface OnlineQuery {
  rpc: string;
  bridge: string;
  chainId?: bigint;
  wallet: Uint8Array;
  W: number;
}

interface WindowRequest {
  scheme: RngScheme;
  frequencyWindows: number;
  ppm: number;
  json: boolean;
  /** The chain to read the seed and seats from, or the inputs given offline. */
  source: { online: OnlineQuery } | { inputs: WindowInputs };
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

async function readOnline({ rpc, bridge, chainId: expectedChainId, wallet, W }: OnlineQuery): Promise<WindowInputs> {
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
    const raw = await new RpcPinnedCaller({ rpc: provider }).call({ to: bridge, data }, { blockHash: block.hash, blockNumber: safe });
    const [operators] = iface.decodeFunctionResult("walletOperators", raw) as unknown as [string[]];
    const seats = [...operators].map((a) => normalizeAddress(a));
    if (seats.length === 0) throw new Error(`wallet ${toHex(wallet)} has no operators at block ${safe} (not registered?)`);
    const safeBlockHash = fromHex(block.hash);
    return { W, seed: computeSeed(wallet, safeBlockHash), seats, safeBlockHash, wallet };
  } finally {
    provider.destroy();
  }
}

function render(inputs: WindowInputs, { scheme, frequencyWindows, ppm, json }: WindowRequest): string {
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

/** Checks the flags and builds the request; throws UsageError naming the first bad one. */
function windowRequest({ values, positionals }: CommandArgs<typeof WINDOW.flags>): WindowRequest {
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!isRngScheme(values.rng)) throw new UsageError(`--rng must be seedrandom or go-math-rand, got "${values.rng}"`);
  const settings = {
    scheme: values.rng,
    frequencyWindows: parseFrequencyWindows(values["frequency-windows"]),
    ppm: probabilityToPpm(values["heartbeat-probability"]),
    json: values.json,
  };
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
    const chainId = "chainId" in dep ? dep.chainId : undefined;
    return { ...settings, source: { online: { rpc: values.rpc, bridge: dep.bridge, chainId, wallet: parsePkh(values.wallet), W } } };
  }
  for (const o of ["bridge", "deployment"] as const) {
    if (values[o] !== undefined) throw new UsageError(`--${o} is only used with --rpc`);
  }
  if (values.operators === undefined) throw new UsageError("--operators is required without --rpc");
  const seats = parseOperators(values.operators);
  if (values.seed !== undefined) {
    if (values.wallet !== undefined || values["safe-block-hash"] !== undefined) {
      throw new UsageError("--seed replaces --wallet and --safe-block-hash; give one or the other");
    }
    return { ...settings, source: { inputs: { W, seed: parseHash32("--seed", values.seed), seats } } };
  }
  if (values.wallet === undefined || values["safe-block-hash"] === undefined) {
    throw new UsageError("offline mode needs --wallet and --safe-block-hash (or --seed)");
  }
  const wallet = parsePkh(values.wallet);
  const safeBlockHash = parseHash32("--safe-block-hash", values["safe-block-hash"]);
  return { ...settings, source: { inputs: { W, seed: computeSeed(wallet, safeBlockHash), seats, safeBlockHash, wallet } } };
}

/** Runs `wcoord window` with the arguments after "window"; returns the exit code (2 on usage errors). */
export async function runWindowCommand(argv: string[], out: TextSink = process.stdout, err: TextSink = process.stderr): Promise<number> {
  const request = parseCommand(WINDOW, argv, { out, err }, windowRequest);
  if (request instanceof CommandExit) return request.code;
  try {
    const { source } = request;
    const inputs = "online" in source ? await readOnline(source.online) : source.inputs;
    out.write(render(inputs, request));
    return 0;
  } catch (e) {
    err.write(`wcoord window: ${errorMessage(e)}\n`);
    return 1;
  }
}
