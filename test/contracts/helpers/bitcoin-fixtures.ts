// Test-side builders for the byte layouts and keys of contracts.md §1.3/§1.4.
// Written independently of the contracts so the parity tests cross-check them.
import { randomBytes } from "node:crypto";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak256, solidityPacked, zeroPadBytes } from "ethers";
import { concatBytes, fromHex, to0x } from "../../../src/util/hex.js";

export const DAY = 86_400;
/** Upstream fixture: refund locktime = revealedAt + 30 days. */
export const DEPOSIT_LOCKTIME = 30 * DAY;
export const ZERO_BYTES32 = "0x" + "00".repeat(32);
export const ZERO_ADDRESS = "0x" + "00".repeat(20);

export function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(sha256(data));
}

export function hash256(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

export function randomHex(bytes: number): string {
  return to0x(new Uint8Array(randomBytes(bytes)));
}

/** Byte-reversed copy of a hex string, 0x-prefixed. */
export function reverseHex(hex: string): string {
  return to0x(fromHex(hex).reverse());
}

/** Refund locktime as the 4 raw little-endian bytes of the script. */
export function locktimeLE(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new Error(`locktime out of range: ${value}`);
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value, true);
  return to0x(b);
}

/** 8-byte little-endian satoshi value. */
export function valueLE(sats: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, sats, true);
  return b;
}

export interface DepositScriptParams {
  depositor: string;
  blindingFactor: string;
  walletPubKeyHash: string;
  refundPubKeyHash: string;
  refundLocktime: string; // 4 LE bytes
  extraData?: string; // 32 bytes; zero or absent → 92-byte variant
}

/** The deposit locking script of §1.4: 92 bytes, or 126 with non-zero extra data. */
export function buildDepositScript(p: DepositScriptParams): Uint8Array {
  const hasExtra = p.extraData !== undefined && BigInt(p.extraData) !== 0n;
  const parts: Uint8Array[] = [
    fromHex("14"),
    fromHex(p.depositor),
    fromHex("75"),
    ...(hasExtra ? [fromHex("20"), fromHex(p.extraData!), fromHex("75")] : []),
    fromHex("08"),
    fromHex(p.blindingFactor),
    fromHex("75"),
    fromHex("76a914"),
    fromHex(p.walletPubKeyHash),
    fromHex("87"),
    fromHex("63ac67"),
    fromHex("76a914"),
    fromHex(p.refundPubKeyHash),
    fromHex("88"),
    fromHex("04"),
    fromHex(p.refundLocktime),
    fromHex("b175ac68"),
  ];
  const script = concatBytes(...parts);
  const expected = hasExtra ? 126 : 92;
  if (script.length !== expected) throw new Error(`deposit script length ${script.length} != ${expected}`);
  return script;
}

/** Serialized P2SH output script with its length byte: `17 a9 14 ‖ hash160 ‖ 87`. */
export function p2shOutputScript(script: Uint8Array): Uint8Array {
  return concatBytes(fromHex("17a914"), hash160(script), fromHex("87"));
}

/** Serialized P2WSH output script with its length byte: `22 00 20 ‖ sha256`. */
export function p2wshOutputScript(script: Uint8Array): Uint8Array {
  return concatBytes(fromHex("220020"), sha256(script));
}

/** One serialized output: 8-byte LE value followed by the length-prefixed script. */
export function txOutput(value: bigint, prefixedScript: Uint8Array): Uint8Array {
  return concatBytes(valueLE(value), prefixedScript);
}

/** CompactSize count prefix for vectors (tests never exceed 0xfc items). */
export function vector(items: Uint8Array[]): Uint8Array {
  if (items.length > 0xfc) throw new Error("vector too long for a 1-byte count");
  return concatBytes(Uint8Array.of(items.length), ...items);
}

export interface BitcoinTxInfo {
  version: string;
  inputVector: string;
  outputVector: string;
  locktime: string;
}

/** One input spending `prevTxHash:0` with an empty scriptSig and final sequence. */
export function singleInputVector(prevTxHash: string = randomHex(32)): string {
  return to0x(concatBytes(fromHex("01"), fromHex(prevTxHash), fromHex("00000000"), fromHex("00"), fromHex("ffffffff")));
}

/** hash256 of the non-witness serialization, in internal byte order. */
export function fundingTxHash(tx: BitcoinTxInfo): string {
  return to0x(hash256(concatBytes(fromHex(tx.version), fromHex(tx.inputVector), fromHex(tx.outputVector), fromHex(tx.locktime))));
}

export function depositKey(fundingTxHashHex: string, outputIndex: number): string {
  return keccak256(solidityPacked(["bytes32", "uint32"], [fundingTxHashHex, outputIndex]));
}

/** Redemption key; `prefixedScript` is the length-prefixed redeemer output script. */
export function redemptionKey(prefixedScript: string, walletPubKeyHash: string): string {
  return keccak256(solidityPacked(["bytes32", "bytes20"], [keccak256(prefixedScript), walletPubKeyHash]));
}

export function movedFundsSweepRequestKey(movingFundsTxHash: string, outputIndex: number): string {
  return keccak256(solidityPacked(["bytes32", "uint32"], [movingFundsTxHash, outputIndex]));
}

export interface BitcoinUtxo {
  txHash: string;
  txOutputIndex: number;
  txOutputValue: bigint;
}

export function mainUtxoHash(u: BitcoinUtxo): string {
  return keccak256(solidityPacked(["bytes32", "uint32", "uint64"], [u.txHash, u.txOutputIndex, u.txOutputValue]));
}

/** abi.encodePacked(bytes20[]) pads every element to 32 bytes (§1.3 trap). */
export function targetWalletsCommitment(targets: string[]): string {
  return keccak256(concatBytes(...targets.map((t) => fromHex(zeroPadBytes(t, 32)))));
}

export interface DepositRequest {
  depositor: string;
  amount: bigint;
  revealedAt: number;
  vault: string;
  treasuryFee: bigint;
  sweptAt: number;
  extraData: string;
}

export interface DepositExtraInfo {
  fundingTx: BitcoinTxInfo;
  blindingFactor: string;
  walletPubKeyHash: string;
  refundPubKeyHash: string;
  refundLocktime: string;
}

export interface TestDeposit {
  key: { fundingTxHash: string; fundingOutputIndex: number };
  /** uint256 key under which the Bridge stores the request. */
  storageKey: string;
  request: DepositRequest;
  extraInfo: DepositExtraInfo;
  script: Uint8Array;
}

export interface TestDepositOptions {
  /** P2WSH (default) or P2SH funding output. */
  witness?: boolean;
  /** Chain time the deposit was revealed at; refund locktime = revealedAt + 30 days. */
  revealedAt: number;
  /** Explicit refund locktime integer, overriding revealedAt + 30 days. */
  refundLocktime?: number;
  extraData?: string;
  /** Extra outputs placed before the deposit output (the deposit index follows them). */
  outputsBefore?: Uint8Array[];
  outputsAfter?: Uint8Array[];
  value?: bigint;
}

/**
 * A deposit as upstream's test builds it: random depositor, blinding factor and
 * refund PKH; one random input; version 01000000; locktime 0.
 */
export function createTestDeposit(walletPubKeyHash: string, vault: string, opts: TestDepositOptions): TestDeposit {
  const witness = opts.witness ?? true;
  const refundLocktime = locktimeLE(opts.refundLocktime ?? opts.revealedAt + DEPOSIT_LOCKTIME);
  const extraData = opts.extraData ?? ZERO_BYTES32;
  const depositor = randomHex(20);
  const blindingFactor = randomHex(8);
  const refundPubKeyHash = randomHex(20);
  const script = buildDepositScript({ depositor, blindingFactor, walletPubKeyHash, refundPubKeyHash, refundLocktime, extraData });
  const before = opts.outputsBefore ?? [];
  const after = opts.outputsAfter ?? [];
  const depositOutput = txOutput(opts.value ?? 0n, witness ? p2wshOutputScript(script) : p2shOutputScript(script));
  const fundingTx: BitcoinTxInfo = {
    version: "0x01000000",
    inputVector: singleInputVector(),
    outputVector: to0x(vector([...before, depositOutput, ...after])),
    locktime: "0x00000000",
  };
  const txHash = fundingTxHash(fundingTx);
  const fundingOutputIndex = before.length;
  return {
    key: { fundingTxHash: txHash, fundingOutputIndex },
    storageKey: depositKey(txHash, fundingOutputIndex),
    request: {
      depositor,
      amount: 0n,
      revealedAt: opts.revealedAt,
      vault,
      treasuryFee: 0n,
      sweptAt: 0,
      extraData,
    },
    extraInfo: { fundingTx, blindingFactor, walletPubKeyHash, refundPubKeyHash, refundLocktime },
    script,
  };
}

export interface RedemptionRequest {
  redeemer: string;
  requestedAmount: bigint;
  treasuryFee: bigint;
  txMaxFee: bigint;
  requestedAt: number;
}

export interface TestRedemption {
  /** Length-prefixed as the validator receives it; upstream uses 32 random bytes. */
  redeemerOutputScript: string;
  storageKey: string;
  request: RedemptionRequest;
}

export function createTestRedemption(walletPubKeyHash: string, requestedAt: number, txMaxFee: bigint = 0n): TestRedemption {
  const redeemerOutputScript = randomHex(32);
  return {
    redeemerOutputScript,
    storageKey: redemptionKey(redeemerOutputScript, walletPubKeyHash),
    request: { redeemer: randomHex(20), requestedAmount: 0n, treasuryFee: 0n, txMaxFee, requestedAt },
  };
}
