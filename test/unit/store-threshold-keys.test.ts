// Migration 0003 on a real database file: key shares (stored sealed, listed without the sealed part or
// the transcript, never overwritten by a different share) and the signing consumed-nonce marks (one
// package per session and attempt, durable across a close and reopen, untouched by `wcoord db reindex`).
import { getAddress } from "ethers";
import { describe, expect, it } from "vitest";
import { runDbCommand } from "../../src/store/db-command.js";
import { isStoreError } from "../../src/store/store-error.js";
import { Store } from "../../src/store/store.js";
import { tempDirs } from "../fixtures/temp-dirs.js";

const PKH = "ab".repeat(20);
const X = "0x" + "cd".repeat(32);
const MEMBERS = ["0x" + "a1".repeat(20), "0x" + "b2".repeat(20), "0x" + "c3".repeat(20)].map((a) => getAddress(a));
const SESSION = "0x" + "5e".repeat(32);
const PKG_A = "0x" + "0a".repeat(32);
const PKG_B = "0x" + "0b".repeat(32);

const tmpDir = tempDirs("wcoord-keys-store-");

const share = (sealedByte: number) => ({
  walletPkh: PKH,
  walletX: X,
  requestId: "7",
  memberIndex: 2,
  threshold: 2,
  members: MEMBERS,
  sealed: new Uint8Array(64).fill(sealedByte),
  transcript: new Uint8Array(300).fill(0x77),
});

describe("key_shares", () => {
  it("stores a sealed share, lists only its public part, and keeps it across a reopen", () => {
    const dir = tmpDir();
    const s = Store.open(dir);
    s.keyShares.put(share(1));
    s.keyShares.put(share(1)); // the same share again (a repeated DKG step): no-op
    s.close();
    const again = Store.open(dir);
    try {
      const row = again.keyShares.get("0x" + PKH.toUpperCase())!;
      expect(row).toMatchObject({ walletPkh: PKH, walletX: X, requestId: "7", memberIndex: 2, threshold: 2, members: MEMBERS });
      expect(row.sealed).toEqual(new Uint8Array(64).fill(1));
      expect(row.transcript.length).toBe(300);
      const listed = again.keyShares.list();
      expect(listed).toHaveLength(1);
      expect(Object.keys(listed[0]!).sort()).toEqual(["createdAt", "memberIndex", "members", "requestId", "threshold", "walletPkh", "walletX"]);
    } finally {
      again.close();
    }
  });

  it("never overwrites a share with a different one", () => {
    const s = Store.openMemory();
    s.keyShares.put(share(1));
    let err: unknown;
    try {
      s.keyShares.put(share(2));
    } catch (e) {
      err = e;
    }
    expect(isStoreError(err, "DUPLICATE")).toBe(true);
    expect((err as Error).message).toBe(`a different key share of wallet ${PKH} is already stored; shares are never overwritten`);
    expect(s.keyShares.get(PKH)!.sealed).toEqual(new Uint8Array(64).fill(1));
    s.close();
  });
});

describe("signing_nonce_marks", () => {
  it("marks (session, attempt) once: the same package again is a resend, another package is refused", () => {
    const s = Store.openMemory();
    expect(s.signingNonceMarks.packageOf(SESSION, 0)).toBeUndefined();
    expect(s.signingNonceMarks.mark(SESSION, 0, PKG_A)).toEqual({ marked: true });
    expect(s.signingNonceMarks.mark(SESSION.toUpperCase().replace("0X", "0x"), 0, PKG_A)).toEqual({ marked: false, samePackage: true });
    expect(s.signingNonceMarks.mark(SESSION, 0, PKG_B)).toEqual({ marked: false, samePackage: false, packageHash: PKG_A });
    // The next attempt has fresh nonces.
    expect(s.signingNonceMarks.mark(SESSION, 1, PKG_B)).toEqual({ marked: true });
    expect(() => s.signingNonceMarks.mark(SESSION, -1, PKG_B)).toThrow(RangeError);
    s.close();
  });

  it("survives a reopen and `wcoord db reindex`, which forgets only the event index", async () => {
    const dir = tmpDir();
    const s = Store.open(dir);
    s.signingNonceMarks.mark(SESSION, 3, PKG_A);
    s.keyShares.put(share(1));
    s.close();
    const out: string[] = [];
    const code = await runDbCommand(["reindex", "--data-dir", dir], { write: (t: string) => out.push(t) }, { write: (t: string) => out.push(t) });
    expect(code, out.join("")).toBe(0);
    const again = Store.open(dir);
    try {
      expect(again.signingNonceMarks.packageOf(SESSION, 3)).toBe(PKG_A);
      expect(again.keyShares.get(PKH)).toBeDefined();
    } finally {
      again.close();
    }
  });
});
