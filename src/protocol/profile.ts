// Protocol profile: fields, defaults, validation and hash (coordination.md §2).
import { TypedDataEncoder, id } from "ethers";
import {
  ACTIVE_PHASE_BLOCKS,
  COORDINATION_FREQUENCY_BLOCKS,
  PASSIVE_PHASE_BLOCKS,
  PROTOCOL_VERSION,
  SAFE_BLOCK_SHIFT,
} from "./constants.js";
import { normalizeAddress } from "./address.js";

/** The two RNG schemes a profile may name (coordination.md §5.2, §5.3). */
export type RngScheme = "seedrandom" | "go-math-rand";
export const RNG_SCHEMES: readonly RngScheme[] = ["seedrandom", "go-math-rand"];

export function isRngScheme(v: unknown): v is RngScheme {
  return v === "seedrandom" || v === "go-math-rand";
}

export interface ProtocolProfile {
  protocolVersion: number;
  chainId: bigint;
  /** EIP-55 with 0x. */
  bridge: string;
  /** EIP-55 with 0x. */
  walletProposalValidator: string;
  coordinationFrequencyBlocks: number;
  activePhaseBlocks: number;
  passivePhaseBlocks: number;
  safeBlockShift: number;
  frequencyWindows: number;
  heartbeatProbabilityPpm: number;
  rngScheme: RngScheme;
  checklistVersion: number;
  fundingTxMinConfirmations: number;
}

export const CHECKLIST_VERSION = 1;
export const DEFAULT_FREQUENCY_WINDOWS = 4;
export const DEFAULT_HEARTBEAT_PROBABILITY_PPM = 62500;
export const DEFAULT_FUNDING_TX_MIN_CONFIRMATIONS = 6;

/** EIP-712 type of the profile; field order defines the canonical type string of §2.2. */
export const PROFILE_TYPES = {
  ProtocolProfile: [
    { name: "protocolVersion", type: "uint32" },
    { name: "chainId", type: "uint256" },
    { name: "bridge", type: "address" },
    { name: "walletProposalValidator", type: "address" },
    { name: "coordinationFrequencyBlocks", type: "uint32" },
    { name: "activePhaseBlocks", type: "uint32" },
    { name: "passivePhaseBlocks", type: "uint32" },
    { name: "safeBlockShift", type: "uint32" },
    { name: "frequencyWindows", type: "uint32" },
    { name: "heartbeatProbabilityPpm", type: "uint32" },
    { name: "rngScheme", type: "string" },
    { name: "checklistVersion", type: "uint32" },
    { name: "fundingTxMinConfirmations", type: "uint32" },
  ],
};

export function defaultProfile(chainId: bigint, bridge: string, validator: string): ProtocolProfile {
  return {
    protocolVersion: PROTOCOL_VERSION,
    chainId,
    bridge: normalizeAddress(bridge),
    walletProposalValidator: normalizeAddress(validator),
    coordinationFrequencyBlocks: COORDINATION_FREQUENCY_BLOCKS,
    activePhaseBlocks: ACTIVE_PHASE_BLOCKS,
    passivePhaseBlocks: PASSIVE_PHASE_BLOCKS,
    safeBlockShift: SAFE_BLOCK_SHIFT,
    frequencyWindows: DEFAULT_FREQUENCY_WINDOWS,
    heartbeatProbabilityPpm: DEFAULT_HEARTBEAT_PROBABILITY_PPM,
    rngScheme: "seedrandom",
    checklistVersion: CHECKLIST_VERSION,
    fundingTxMinConfirmations: DEFAULT_FUNDING_TX_MIN_CONFIRMATIONS,
  };
}

const UINT32_MAX = 0xffffffff;

function fail(field: keyof ProtocolProfile, why: string): never {
  throw new Error(`invalid protocol profile: ${field} ${why}`);
}

function requireUint32(p: ProtocolProfile, field: keyof ProtocolProfile): number {
  const v = p[field];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > UINT32_MAX) {
    fail(field, `must be an integer in 0..${UINT32_MAX}, got ${String(v)}`);
  }
  return v;
}

function requireExact(p: ProtocolProfile, field: keyof ProtocolProfile, want: number): void {
  const v = requireUint32(p, field);
  if (v !== want) fail(field, `is fixed at ${want}, got ${v}`);
}

function requireAddress(p: ProtocolProfile, field: "bridge" | "walletProposalValidator"): void {
  const v = p[field];
  if (typeof v !== "string") fail(field, "must be an address string");
  let norm: string;
  try {
    norm = normalizeAddress(v);
  } catch {
    fail(field, `is not a valid address: ${v}`);
  }
  if (norm !== v) fail(field, `must be EIP-55 checksummed with 0x (expected ${norm}), got ${v}`);
}

/** Throws an error naming the field on any rule break of §2.1. */
export function validateProfile(p: ProtocolProfile): void {
  requireExact(p, "protocolVersion", PROTOCOL_VERSION);
  if (typeof p.chainId !== "bigint" || p.chainId <= 0n || p.chainId >= 1n << 256n) {
    fail("chainId", `must be a positive uint256 bigint, got ${String(p.chainId)}`);
  }
  requireAddress(p, "bridge");
  requireAddress(p, "walletProposalValidator");
  requireExact(p, "coordinationFrequencyBlocks", COORDINATION_FREQUENCY_BLOCKS);
  requireExact(p, "activePhaseBlocks", ACTIVE_PHASE_BLOCKS);
  requireExact(p, "passivePhaseBlocks", PASSIVE_PHASE_BLOCKS);
  requireExact(p, "safeBlockShift", SAFE_BLOCK_SHIFT);
  if (requireUint32(p, "frequencyWindows") < 1) fail("frequencyWindows", `must be >= 1, got ${p.frequencyWindows}`);
  if (requireUint32(p, "heartbeatProbabilityPpm") > 1_000_000) {
    fail("heartbeatProbabilityPpm", `must be in 0..1000000, got ${p.heartbeatProbabilityPpm}`);
  }
  if (!isRngScheme(p.rngScheme)) fail("rngScheme", `must be "seedrandom" or "go-math-rand", got ${JSON.stringify(p.rngScheme)}`);
  requireExact(p, "checklistVersion", CHECKLIST_VERSION);
  requireUint32(p, "fundingTxMinConfirmations");
}

/** EIP-712 hashStruct of the profile, without a domain separator; 0x-hex. */
export function profileHash(p: ProtocolProfile): string {
  return TypedDataEncoder.from(PROFILE_TYPES).hash({ ...p });
}

/** The canonical type string of §2.2. */
export function profileTypeString(): string {
  return TypedDataEncoder.from(PROFILE_TYPES).encodeType("ProtocolProfile");
}

/** keccak256 of the canonical type string. */
export function profileTypeHash(): string {
  return id(profileTypeString());
}
