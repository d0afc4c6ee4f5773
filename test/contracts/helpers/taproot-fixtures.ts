// Test-side builders for the Taproot deposits of threshold.md §4.2–4.4, written independently of the
// contracts: the refund leaf byte by byte, the P2TR output from bitcoinjs-lib, the tweaked key from
// @noble/curves. The contract tests check the Bridge, the validator and the Taproot library against them.
import * as ecc from "@bitcoinerlab/secp256k1";
import { initEccLib, payments } from "bitcoinjs-lib";
import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { getAddress, keccak256 } from "ethers";
import { concatBytes, fromHex, to0x } from "../../../src/util/hex.js";
import {
  DEPOSIT_LOCKTIME,
  ZERO_BYTES32,
  depositKey,
  fundingTxHash,
  hash160,
  locktimeLE,
  randomHex,
  singleInputVector,
  txOutput,
  vector,
  type BitcoinTxInfo,
  type DepositRequest,
} from "./bitcoin-fixtures.js";

initEccLib(ecc as never);

export const SECP256K1_P = 2n ** 256n - 2n ** 32n - 977n;
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const { Point } = secp256k1;

/** A fresh x-only key (BIP-340) and its secret. */
export function randomXOnlyKey(): { secret: Uint8Array; x: string } {
  const secret = schnorr.utils.randomSecretKey();
  return { secret, x: to0x(schnorr.getPublicKey(secret)) };
}

/** HASH160(0x02 ‖ x): the PKH of an x-only key (a FROST wallet's, a Taproot refund key's). */
export function xOnlyPubKeyHash(x: string): string {
  return to0x(hash160(concatBytes(Uint8Array.of(2), fromHex(x))));
}

/** Even y of the point over x (BIP-340 lift_x). */
export function evenY(x: string): string {
  return "0x" + Point.fromBytes(concatBytes(Uint8Array.of(2), fromHex(x))).toAffine().y.toString(16).padStart(64, "0");
}

/** Ethereum address of lift_x(internalX) + t·G, computed on the curve. */
export function tweakedPointAddress(internalX: string, t: bigint): string {
  const p = Point.fromBytes(concatBytes(Uint8Array.of(2), fromHex(internalX)));
  const q = p.add(Point.BASE.multiply(t)).toAffine();
  const xy = (q.x.toString(16).padStart(64, "0") + q.y.toString(16).padStart(64, "0")).toLowerCase();
  return getAddress("0x" + keccak256("0x" + xy).slice(26));
}

export interface RefundLeafParams {
  depositor: string;
  extraData?: string;
  blindingFactor: string;
  refundLocktime: string; // 4 LE bytes
  refundX: string;
}

/** The refund leaf of §4.2: 73 bytes, 107 with non-zero extra data. */
export function refundLeaf(p: RefundLeafParams): Uint8Array {
  const hasExtra = p.extraData !== undefined && BigInt(p.extraData) !== 0n;
  const leaf = concatBytes(
    fromHex("14"),
    fromHex(p.depositor),
    fromHex("75"),
    ...(hasExtra ? [fromHex("20"), fromHex(p.extraData!), fromHex("75")] : []),
    fromHex("08"),
    fromHex(p.blindingFactor),
    fromHex("75"),
    fromHex("04"),
    fromHex(p.refundLocktime),
    fromHex("b175"),
    fromHex("20"),
    fromHex(p.refundX),
    fromHex("ac"),
  );
  const expected = hasExtra ? 107 : 73;
  if (leaf.length !== expected) throw new Error(`refund leaf length ${leaf.length} != ${expected}`);
  return leaf;
}

/** bitcoinjs-lib's P2TR payment of internal key `walletX` with the single leaf `leaf`. */
export function p2trPayment(walletX: string, leaf: Uint8Array): { output: Uint8Array; leafHash: string; outputKey: string } {
  const p = payments.p2tr({ internalPubkey: fromHex(walletX), scriptTree: { output: leaf } });
  return { output: p.output!, leafHash: to0x(p.hash!), outputKey: to0x(p.pubkey!) };
}

/** Serialized output script with its length byte: `22 ‖ 5120 ‖ key`. */
export function prefixed(outputScript: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(outputScript.length), outputScript);
}

export interface TaprootDepositExtraInfo {
  fundingTx: BitcoinTxInfo;
  blindingFactor: string;
  walletPubKeyHash: string;
  walletX: string;
  refundPubKeyHash: string;
  refundX: string;
  refundLocktime: string;
}

export interface TestTaprootDeposit {
  key: { fundingTxHash: string; fundingOutputIndex: number };
  storageKey: string;
  request: DepositRequest;
  extraInfo: TaprootDepositExtraInfo;
  reveal: { fundingOutputIndex: number; blindingFactor: string; walletPubKeyHash: string; refundX: string; refundLocktime: string; vault: string };
  leaf: Uint8Array;
  amount: bigint;
}

export interface TestTaprootDepositOptions {
  walletX: string;
  depositor?: string;
  vault?: string;
  revealedAt: number;
  refundLocktime?: number;
  extraData?: string;
  value?: bigint;
  outputsBefore?: Uint8Array[];
  /** The funding output (length-prefixed script); default: bitcoinjs-lib's P2TR output of the leaf. */
  output?: (leaf: Uint8Array) => Uint8Array;
}

/** A Taproot deposit to `walletX` as a depositor would make it: random blinding factor and refund key. */
export function createTaprootDeposit(o: TestTaprootDepositOptions): TestTaprootDeposit {
  const depositor = o.depositor ?? randomHex(20);
  const extraData = o.extraData ?? ZERO_BYTES32;
  const blindingFactor = randomHex(8);
  const refundX = randomXOnlyKey().x;
  const refundLocktime = locktimeLE(o.refundLocktime ?? o.revealedAt + DEPOSIT_LOCKTIME);
  const leaf = refundLeaf({ depositor, extraData, blindingFactor, refundLocktime, refundX });
  const amount = o.value ?? 10_000_000n;
  const script = o.output ? o.output(leaf) : prefixed(p2trPayment(o.walletX, leaf).output);
  const before = o.outputsBefore ?? [];
  const fundingTx: BitcoinTxInfo = {
    version: "0x01000000",
    inputVector: singleInputVector(),
    outputVector: to0x(vector([...before, txOutput(amount, script)])),
    locktime: "0x00000000",
  };
  const txHash = fundingTxHash(fundingTx);
  const walletPubKeyHash = xOnlyPubKeyHash(o.walletX);
  const vault = o.vault ?? "0x" + "00".repeat(20);
  return {
    key: { fundingTxHash: txHash, fundingOutputIndex: before.length },
    storageKey: depositKey(txHash, before.length),
    request: { depositor, amount, revealedAt: o.revealedAt, vault, treasuryFee: 0n, sweptAt: 0, extraData },
    extraInfo: {
      fundingTx,
      blindingFactor,
      walletPubKeyHash,
      walletX: o.walletX,
      refundPubKeyHash: xOnlyPubKeyHash(refundX),
      refundX,
      refundLocktime,
    },
    reveal: { fundingOutputIndex: before.length, blindingFactor, walletPubKeyHash, refundX, refundLocktime, vault },
    leaf,
    amount,
  };
}
