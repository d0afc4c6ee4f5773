// A member's key share encrypted at rest with a password (threshold.md §3.2, §6): scrypt, then
// ChaCha20-Poly1305 with a random salt and nonce. The sealed form is one JSON document (a file's
// content) whose public metadata (wallet PKH, walletX, member index, threshold) stays in clear, so
// `wcoord keys` can list shares without the password; the metadata and the KDF parameters are the
// AEAD's associated data, so neither can be swapped without the open failing. Never holds the secret in clear.
import type { Key } from "@noble/curves/abstract/frost.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { walletPkhFromPublicKey } from "../../coordination/seed.js";
import { bytesEqual, concatBytes, fromHex, toHex } from "../../util/hex.js";
import { decodeKeyShare, encodeKeyShare } from "./key-share-codec.js";

const KIND = "wcoord-frost-key-share";
const VERSION = 1;
/** The operator keystore's (ethers') scrypt cost. */
export const DEFAULT_SCRYPT_N = 2 ** 17;
/** A sealed file asking for more than this is refused rather than allowed to exhaust memory. */
const MAX_SCRYPT_N = 2 ** 20;

export interface KeyShareMetadata {
  readonly walletPkh: Uint8Array;
  readonly walletX: Uint8Array;
  readonly memberIndex: number;
  readonly threshold: number;
}

export interface SealOptions {
  /** scrypt cost, a power of two; default 2^17. Tests lower it. */
  readonly scryptN?: number;
}

/** A sealed key share that cannot be opened: one line, never the secret. */
export class KeyShareOpenError extends Error {
  override readonly name = "KeyShareOpenError";
}

interface SealedKeyShareJson {
  version: number;
  kind: string;
  walletPkh: string;
  walletX: string;
  memberIndex: number;
  threshold: number;
  kdf: { name: "scrypt"; n: number; r: number; p: number; salt: string };
  cipher: { name: "chacha20-poly1305"; nonce: string };
  ciphertext: string;
}

/** The public metadata of a key share, from the share itself (the x of `commitments[0]`, the identifier). */
export function keyShareMetadata(k: Key): KeyShareMetadata {
  const walletX = k.public.commitments[0].slice(1);
  const memberIndex = Number(BigInt("0x" + k.secret.identifier));
  if (!Number.isInteger(memberIndex) || memberIndex < 1 || memberIndex > 255) throw new RangeError("key share identifier is not a member index");
  return { walletPkh: walletPkhFromPublicKey(concatBytes(Uint8Array.of(2), walletX)), walletX, memberIndex, threshold: k.public.signers.min };
}

function associatedData(j: Omit<SealedKeyShareJson, "ciphertext">): Uint8Array {
  const { version, kind, walletPkh, walletX, memberIndex, threshold, kdf, cipher } = j;
  return new TextEncoder().encode(JSON.stringify([version, kind, walletPkh, walletX, memberIndex, threshold, kdf.name, kdf.n, kdf.r, kdf.p, kdf.salt, cipher.name, cipher.nonce]));
}

async function deriveKey(password: string, salt: Uint8Array, n: number, r: number, p: number): Promise<Uint8Array> {
  return scryptAsync(new TextEncoder().encode(password.normalize("NFKC")), salt, { N: n, r, p, dkLen: 32, maxmem: 2 ** 31 });
}

/** Seals `keyShare` under `password`: the JSON text to write to a file. */
export async function sealKeyShare(keyShare: Key, password: string, options: SealOptions = {}): Promise<string> {
  const n = options.scryptN ?? DEFAULT_SCRYPT_N;
  if (!Number.isInteger(Math.log2(n)) || n < 2 || n > MAX_SCRYPT_N) throw new RangeError(`scrypt N must be a power of two ≤ 2^20, got ${n}`);
  const meta = keyShareMetadata(keyShare);
  const salt = randomBytes(32);
  const nonce = randomBytes(12);
  const head: Omit<SealedKeyShareJson, "ciphertext"> = {
    version: VERSION,
    kind: KIND,
    walletPkh: toHex(meta.walletPkh),
    walletX: toHex(meta.walletX),
    memberIndex: meta.memberIndex,
    threshold: meta.threshold,
    kdf: { name: "scrypt", n, r: 8, p: 1, salt: toHex(salt) },
    cipher: { name: "chacha20-poly1305", nonce: toHex(nonce) },
  };
  const key = await deriveKey(password, salt, n, 8, 1);
  const plaintext = encodeKeyShare(keyShare);
  const ciphertext = chacha20poly1305(key, nonce, associatedData(head)).encrypt(plaintext);
  plaintext.fill(0);
  key.fill(0);
  return JSON.stringify({ ...head, ciphertext: toHex(ciphertext) } satisfies SealedKeyShareJson, null, 2) + "\n";
}

function parseSealed(sealed: string): SealedKeyShareJson {
  let j: SealedKeyShareJson;
  try {
    j = JSON.parse(sealed) as SealedKeyShareJson;
  } catch {
    throw new KeyShareOpenError("not a sealed key share (not JSON)");
  }
  const hex = (v: unknown, bytes: number | null) => typeof v === "string" && /^[0-9a-f]*$/.test(v) && (bytes === null ? v.length % 2 === 0 : v.length === 2 * bytes);
  const int = (v: unknown, lo: number, hi: number) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
  const ok =
    j !== null &&
    typeof j === "object" &&
    j.version === VERSION &&
    j.kind === KIND &&
    hex(j.walletPkh, 20) &&
    hex(j.walletX, 32) &&
    int(j.memberIndex, 1, 255) &&
    int(j.threshold, 2, 255) &&
    j.kdf?.name === "scrypt" &&
    int(j.kdf.n, 2, MAX_SCRYPT_N) &&
    Number.isInteger(Math.log2(j.kdf.n)) &&
    int(j.kdf.r, 1, 32) &&
    int(j.kdf.p, 1, 16) &&
    hex(j.kdf.salt, 32) &&
    j.cipher?.name === "chacha20-poly1305" &&
    hex(j.cipher.nonce, 12) &&
    hex(j.ciphertext, null);
  if (!ok) throw new KeyShareOpenError(`not a sealed key share of version ${VERSION}`);
  return j;
}

/** The public metadata, without the password (for `wcoord keys`). */
export function readKeyShareMetadata(sealed: string): KeyShareMetadata {
  const j = parseSealed(sealed);
  return { walletPkh: fromHex(j.walletPkh), walletX: fromHex(j.walletX), memberIndex: j.memberIndex, threshold: j.threshold };
}

/** Opens a sealed key share; a wrong password (or a tampered file) is a KeyShareOpenError. */
export async function openKeyShare(sealed: string, password: string): Promise<{ metadata: KeyShareMetadata; keyShare: Key }> {
  const j = parseSealed(sealed);
  const key = await deriveKey(password, fromHex(j.kdf.salt), j.kdf.n, j.kdf.r, j.kdf.p);
  let plaintext: Uint8Array;
  try {
    plaintext = chacha20poly1305(key, fromHex(j.cipher.nonce), associatedData(j)).decrypt(fromHex(j.ciphertext));
  } catch {
    throw new KeyShareOpenError(`cannot open the key share of wallet ${j.walletPkh}: wrong password or damaged file`);
  } finally {
    key.fill(0);
  }
  let keyShare: Key;
  try {
    keyShare = decodeKeyShare(plaintext);
  } catch {
    throw new KeyShareOpenError(`the key share of wallet ${j.walletPkh} decrypts but is not a key share`);
  } finally {
    plaintext.fill(0);
  }
  const metadata = readKeyShareMetadata(sealed);
  const actual = keyShareMetadata(keyShare);
  const same = bytesEqual(actual.walletX, metadata.walletX) && bytesEqual(actual.walletPkh, metadata.walletPkh) && actual.memberIndex === metadata.memberIndex && actual.threshold === metadata.threshold;
  if (!same) throw new KeyShareOpenError(`the key share of wallet ${j.walletPkh} does not match its metadata`);
  return { metadata, keyShare };
}
