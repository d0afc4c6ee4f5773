// Output scripts, the deposit script template (contracts.md §1.4) and the byte helpers around them.
// Scripts here are bare (no length prefix); the Bridge's length-prefixed form is prefixScript
// (coordination/content-validation.ts).
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesEqual, concatBytes, toHex } from "../util/hex.js";

export function hash160(b: Uint8Array): Uint8Array {
  return ripemd160(sha256(b));
}

export function expectLength(what: string, b: Uint8Array, n: number): void {
  if (b.length !== n) throw new Error(`${what} must be ${n} bytes, got ${b.length}`);
}

/** OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG (25 bytes). */
export function p2pkhScript(pkh: Uint8Array): Uint8Array {
  expectLength("P2PKH hash", pkh, 20);
  return concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), pkh, Uint8Array.of(0x88, 0xac));
}

/** OP_0 <20> (22 bytes). */
export function p2wpkhScript(pkh: Uint8Array): Uint8Array {
  expectLength("P2WPKH hash", pkh, 20);
  return concatBytes(Uint8Array.of(0x00, 0x14), pkh);
}

/** OP_HASH160 <20> OP_EQUAL (23 bytes). */
export function p2shScript(hash20: Uint8Array): Uint8Array {
  expectLength("P2SH hash", hash20, 20);
  return concatBytes(Uint8Array.of(0xa9, 0x14), hash20, Uint8Array.of(0x87));
}

/** OP_0 <32> (34 bytes). */
export function p2wshScript(hash32: Uint8Array): Uint8Array {
  expectLength("P2WSH hash", hash32, 32);
  return concatBytes(Uint8Array.of(0x00, 0x20), hash32);
}

export type OutputScriptKind = "p2pkh" | "p2wpkh" | "p2sh" | "p2wsh";

/** The four standard kinds a redemption may pay (§13.3); anything else is null. */
export function outputScriptKind(s: Uint8Array): OutputScriptKind | null {
  if (s.length === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14 && s[23] === 0x88 && s[24] === 0xac) return "p2pkh";
  if (s.length === 22 && s[0] === 0x00 && s[1] === 0x14) return "p2wpkh";
  if (s.length === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87) return "p2sh";
  if (s.length === 34 && s[0] === 0x00 && s[1] === 0x20) return "p2wsh";
  return null;
}

export interface DepositScriptParts {
  depositor: Uint8Array; // 20 bytes: the revealer's address
  blindingFactor: Uint8Array; // 8
  walletPubKeyHash: Uint8Array; // 20
  refundPubKeyHash: Uint8Array; // 20
  refundLocktime: Uint8Array; // 4, little-endian
  extraData?: Uint8Array; // 32; absent or zero for a regular deposit
}

/** `0x20 <extraData> 0x75` (OP_DROP) when the extra data is non-zero, else nothing (deposit script and Taproot refund leaf). */
export function extraDataPart(extraData: Uint8Array | undefined): Uint8Array {
  if (extraData === undefined || extraData.every((x) => x === 0)) return new Uint8Array();
  expectLength("extra data", extraData, 32);
  return concatBytes(Uint8Array.of(0x20), extraData, Uint8Array.of(0x75));
}

/** The 92-byte deposit script of §1.4, or 126 bytes iff extraData is non-zero. */
export function depositScript(p: DepositScriptParts): Uint8Array {
  expectLength("depositor", p.depositor, 20);
  expectLength("blinding factor", p.blindingFactor, 8);
  expectLength("wallet PKH", p.walletPubKeyHash, 20);
  expectLength("refund PKH", p.refundPubKeyHash, 20);
  expectLength("refund locktime", p.refundLocktime, 4);
  return concatBytes(
    Uint8Array.of(0x14), p.depositor, Uint8Array.of(0x75),
    extraDataPart(p.extraData),
    Uint8Array.of(0x08), p.blindingFactor, Uint8Array.of(0x75),
    Uint8Array.of(0x76, 0xa9, 0x14), p.walletPubKeyHash, Uint8Array.of(0x87),
    Uint8Array.of(0x63, 0xac, 0x67),
    Uint8Array.of(0x76, 0xa9, 0x14), p.refundPubKeyHash, Uint8Array.of(0x88),
    Uint8Array.of(0x04), p.refundLocktime, Uint8Array.of(0xb1, 0x75, 0xac, 0x68),
  );
}

/** The two ways a funding output may lock a deposit script. */
export function depositLockingScripts(script: Uint8Array): { p2wsh: Uint8Array; p2sh: Uint8Array } {
  return { p2wsh: p2wshScript(sha256(script)), p2sh: p2shScript(hash160(script)) };
}

/**
 * How a funding output locks the deposit script: "p2sh" or "p2wsh" when `outputScript` (bare, no
 * length byte) is exactly P2SH(hash160(script)) or P2WSH(sha256(script)), else null. A P2PKH or
 * P2WPKH output carrying hash160(script) does not lock it: nobody can ever spend it with the script
 * (tBTC advisory GHSA-8986; the Bridge refuses it with `Funding output must be P2SH or P2WSH`).
 * The one place the node decides whether a funding output is a deposit's.
 */
export function fundingOutputKind(outputScript: Uint8Array, script: Uint8Array): "p2sh" | "p2wsh" | null {
  const kind = outputScriptKind(outputScript);
  if (kind !== "p2sh" && kind !== "p2wsh") return null;
  const locking = depositLockingScripts(script);
  return bytesEqual(outputScript, locking[kind]) ? kind : null;
}

/** Electrum's script hash: sha256(script) reversed, hex. */
export function electrumScriptHash(script: Uint8Array): string {
  return toHex(sha256(script).reverse());
}

/** Bitcoin CompactSize encoding. */
export function compactSize(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`invalid CompactSize ${n}`);
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) {
    const b = new Uint8Array(3);
    b[0] = 0xfd;
    new DataView(b.buffer).setUint16(1, n, true);
    return b;
  }
  if (n <= 0xffffffff) {
    const b = new Uint8Array(5);
    b[0] = 0xfe;
    new DataView(b.buffer).setUint32(1, n, true);
    return b;
  }
  const b = new Uint8Array(9);
  b[0] = 0xff;
  new DataView(b.buffer).setBigUint64(1, BigInt(n), true);
  return b;
}

/** X ‖ Y (64 bytes, as the Bridge stores wallet keys) → 33-byte compressed key (02/03 by Y parity). */
export function compressedPublicKey(xy64: Uint8Array): Uint8Array {
  expectLength("uncompressed public key (X ‖ Y)", xy64, 64);
  const prefix = (xy64[63]! & 1) === 0 ? 0x02 : 0x03;
  return concatBytes(Uint8Array.of(prefix), xy64.subarray(0, 32));
}
