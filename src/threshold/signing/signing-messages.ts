// The four messages of one signing attempt (threshold.md §5.2) and their strict binary bodies:
//   commitments (member → coordinator), package (coordinator), shares (member), signatures (coordinator).
// A body starts with a kind byte, then the session id and the attempt. The envelope that signs a body
// with the operator key is signing-envelope.ts. Decoding is exact: fixed lengths, counts 1…255, member
// indices 1…255 strictly ascending, nonce commitments in compressed form with x below the field prime,
// shares below the group order, no trailing byte; anything else is a SigningDecodeError. Whether a
// commitment's x is on the curve costs a square root (≈ 0.1 ms) per point, so it is checked where the
// point is used (`invalidCommitmentPoint`), not on every message a peer can send for free.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { DigestKey } from "../wallet-signer.js";
import { ByteReader, ByteWriter, SigningDecodeError } from "./signing-codec.js";

/** The per-digest key of a FROST wallet's digest: untweaked wallet key or a deposit's leaf-tweaked key. */
export type Bip340DigestKey = Extract<DigestKey, { scheme: "bip340" }>;

/** One digest's round-1 nonce commitments: two 33-byte compressed points. */
export interface NonceCommitmentPair {
  readonly hiding: Uint8Array;
  readonly binding: Uint8Array;
}

interface AttemptHeader {
  /** 32 bytes: the signing round id. */
  readonly sessionId: Uint8Array;
  readonly attempt: number;
}

export interface CommitmentsMessage extends AttemptHeader {
  readonly kind: "commitments";
  /** One pair per digest, in digest order. */
  readonly commitments: readonly NonceCommitmentPair[];
}

export interface PackageMessage extends AttemptHeader {
  readonly kind: "package";
  /** Member index of the coordinator that signs this package. */
  readonly coordinator: number;
  /** Ascending member indices; |subset| = t. */
  readonly subset: readonly number[];
  /** `commitments[j][i]`: subset member j's pair for digest i. */
  readonly commitments: readonly (readonly NonceCommitmentPair[])[];
  readonly digests: readonly Uint8Array[];
  readonly keys: readonly Bip340DigestKey[];
}

export interface SharesMessage extends AttemptHeader {
  readonly kind: "shares";
  /** keccak256 of the package body these shares answer: a share is bound to exactly one package. */
  readonly packageHash: Uint8Array;
  /** One 32-byte signature share per digest. */
  readonly shares: readonly Uint8Array[];
}

export interface SignaturesMessage extends AttemptHeader {
  readonly kind: "signatures";
  readonly packageHash: Uint8Array;
  /** One 64-byte BIP-340 signature per digest. */
  readonly signatures: readonly Uint8Array[];
}

export type SigningMessage = CommitmentsMessage | PackageMessage | SharesMessage | SignaturesMessage;

/** Byte 0 of a message body (and so of its wire). */
export const SIGNING_KIND_BYTE = { commitments: 1, package: 2, shares: 3, signatures: 4 } as const;
const KIND_BYTE = SIGNING_KIND_BYTE;
const KEY_WALLET = 0;
const KEY_TAP_LEAF = 1;
const POINT_BYTES = 33;
const N_BYTES = bytes32(secp256k1.Point.CURVE().n);
const P_BYTES = bytes32(secp256k1.Point.CURVE().p);

function writePair(w: ByteWriter, p: NonceCommitmentPair): void {
  w.fixed(p.hiding, POINT_BYTES, "hiding commitment").fixed(p.binding, POINT_BYTES, "binding commitment");
}

function writeHeader(w: ByteWriter, m: SigningMessage): void {
  w.u8(KIND_BYTE[m.kind]).fixed(m.sessionId, 32, "session id").u32(m.attempt);
}

/** The canonical body of `m` (what the operator signs and what `packageHashOf` hashes). */
export function encodeSigningBody(m: SigningMessage): Uint8Array {
  const w = new ByteWriter();
  writeHeader(w, m);
  switch (m.kind) {
    case "commitments":
      w.u8(m.commitments.length);
      for (const p of m.commitments) writePair(w, p);
      break;
    case "package": {
      const k = m.digests.length;
      if (m.keys.length !== k || m.commitments.length !== m.subset.length) throw new Error("package counts disagree");
      w.u8(m.coordinator).u8(m.subset.length);
      for (const member of m.subset) w.u8(member);
      w.u8(k);
      for (const row of m.commitments) {
        if (row.length !== k) throw new Error("package commitments per member must equal the digest count");
        for (const p of row) writePair(w, p);
      }
      for (const d of m.digests) w.fixed(d, 32, "digest");
      for (const key of m.keys) {
        if (key.key === "wallet") w.u8(KEY_WALLET);
        else w.u8(KEY_TAP_LEAF).fixed(key.leafHash, 32, "leaf hash");
      }
      break;
    }
    case "shares":
      w.fixed(m.packageHash, 32, "package hash").u8(m.shares.length);
      for (const s of m.shares) w.fixed(s, 32, "signature share");
      break;
    case "signatures":
      w.fixed(m.packageHash, 32, "package hash").u8(m.signatures.length);
      for (const s of m.signatures) w.fixed(s, 64, "signature");
      break;
  }
  return w.bytes();
}

/** keccak256 of the package body: what a shares or signatures message names its package by. */
export function packageHashOf(pkg: PackageMessage): Uint8Array {
  return keccak_256(encodeSigningBody(pkg));
}

/** 32 big-endian bytes of `v`. */
function bytes32(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** `a < b` for two 32-byte big-endian numbers, without BigInt (decoding runs on every peer message). */
function below(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

function readPoint(r: ByteReader, what: string): Uint8Array {
  const b = r.take(POINT_BYTES, what);
  if (b[0] !== 2 && b[0] !== 3) throw new SigningDecodeError(`${what} is not a compressed point`);
  if (!below(b.subarray(1), P_BYTES)) throw new SigningDecodeError(`${what} x is not below the field prime`);
  return b;
}

/** The first of `pairs` whose points are not both on the curve, as "index/hiding|binding"; undefined when all are. */
export function invalidCommitmentPoint(pairs: readonly NonceCommitmentPair[]): string | undefined {
  for (const [i, p] of pairs.entries()) {
    for (const [name, point] of [["hiding", p.hiding], ["binding", p.binding]] as const) {
      try {
        secp256k1.Point.fromBytes(point);
      } catch {
        return `${i}/${name}`;
      }
    }
  }
  return undefined;
}

function readPair(r: ByteReader): NonceCommitmentPair {
  return { hiding: readPoint(r, "hiding commitment"), binding: readPoint(r, "binding commitment") };
}

function readMember(r: ByteReader, what: string): number {
  const m = r.u8(what);
  if (m === 0) throw new SigningDecodeError(`${what} 0 is not a member index`);
  return m;
}

function readScalar(r: ByteReader, what: string): Uint8Array {
  const b = r.take(32, what);
  if (!below(b, N_BYTES)) throw new SigningDecodeError(`${what} is not below the group order`);
  return b;
}

function readPackage(r: ByteReader, h: AttemptHeader): PackageMessage {
  const coordinator = readMember(r, "coordinator");
  const size = r.count("subset size");
  const subset: number[] = [];
  for (let j = 0; j < size; j++) {
    const m = readMember(r, "subset member");
    if (j > 0 && m <= subset[j - 1]) throw new SigningDecodeError("subset not strictly ascending");
    subset.push(m);
  }
  const k = r.count("digest count");
  const commitments = subset.map(() => Array.from({ length: k }, () => readPair(r)));
  const digests = Array.from({ length: k }, () => r.take(32, "digest"));
  const keys = digests.map((): Bip340DigestKey => {
    const tag = r.u8("key kind");
    if (tag === KEY_WALLET) return { scheme: "bip340", key: "wallet" };
    if (tag === KEY_TAP_LEAF) return { scheme: "bip340", key: "tapLeaf", leafHash: r.take(32, "leaf hash") };
    throw new SigningDecodeError(`unknown key kind ${tag}`);
  });
  return { kind: "package", ...h, coordinator, subset, commitments, digests, keys };
}

/** Strictly decodes one body; throws SigningDecodeError only. */
export function decodeSigningBody(bytes: Uint8Array): SigningMessage {
  if (!(bytes instanceof Uint8Array)) throw new SigningDecodeError("body is not bytes");
  const r = new ByteReader(bytes);
  const kind = r.u8("kind");
  const h: AttemptHeader = { sessionId: r.take(32, "session id"), attempt: r.u32("attempt") };
  let m: SigningMessage;
  switch (kind) {
    case KIND_BYTE.commitments: {
      const k = r.count("digest count");
      m = { kind: "commitments", ...h, commitments: Array.from({ length: k }, () => readPair(r)) };
      break;
    }
    case KIND_BYTE.package:
      m = readPackage(r, h);
      break;
    case KIND_BYTE.shares: {
      const packageHash = r.take(32, "package hash");
      const k = r.count("share count");
      m = { kind: "shares", ...h, packageHash, shares: Array.from({ length: k }, () => readScalar(r, "signature share")) };
      break;
    }
    case KIND_BYTE.signatures: {
      const packageHash = r.take(32, "package hash");
      const k = r.count("signature count");
      m = { kind: "signatures", ...h, packageHash, signatures: Array.from({ length: k }, () => r.take(64, "signature")) };
      break;
    }
    default:
      throw new SigningDecodeError(`unknown message kind ${kind}`);
  }
  r.end();
  return m;
}
