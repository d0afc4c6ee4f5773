import { describe, expect, it } from "vitest";
import { Transaction } from "bitcoinjs-lib";
import { sha256 } from "@noble/hashes/sha2.js";
import { hash256, hashFromTxid, txHashOf, txidFromHash, txInfoOf, txInputs, txOutputs } from "../../src/bitcoin/tx.js";
import { outpointKey, utxoHash } from "../../src/protocol/bridge-keys.js";
import { depositKey, fundingTx, txHash as devTxHash } from "../../deploy/dev-fixtures.js";
import { concatBytes, fromHex, to0x, toHex } from "../../src/util/hex.js";

// contracts.md §1.4 worked vector: the regular deposit script and its funding transaction.
const script = fromHex(
  "147e5f4552091a69125d5dfcb7b8c2659029395bdf7508f9f0c90d000395237576a9148db50eb52063ea9d98b3eac91489a90f738986f68763ac6776a91428e081f285138ccbe389c1eb8985716230129f89880460bcea61b175ac68",
);
const version = fromHex("01000000");
const inputVector = concatBytes(fromHex("01"), new Uint8Array(32).fill(0x11), fromHex("00000000"), fromHex("00"), fromHex("ffffffff"));
const outputVector = concatBytes(fromHex("01"), fromHex("8096980000000000"), fromHex("220020"), sha256(script));
const locktime = fromHex("00000000");
const legacyRaw = concatBytes(version, inputVector, outputVector, locktime);
// The same transaction with a segwit marker/flag and a witness on its input.
const segwitRaw = concatBytes(version, fromHex("0001"), inputVector, outputVector, fromHex("02"), fromHex("03aabbcc"), fromHex("00"), locktime);

describe("funding transaction → BitcoinTx.Info (§13.4.3)", () => {
  it("legacy: the four parts and the vector hashes", () => {
    const info = txInfoOf(legacyRaw);
    expect(toHex(info.version)).toBe("01000000");
    expect(toHex(info.inputVector)).toBe(toHex(inputVector));
    expect(toHex(info.outputVector)).toBe(toHex(outputVector));
    expect(toHex(info.locktime)).toBe("00000000");
    expect(toHex(txHashOf(legacyRaw))).toBe("1d3d642a9ae96dce6cfc3fad5cf396e1640146b66f4ff847ae4f4b4dcc346ae0");
    expect(txidFromHash(txHashOf(legacyRaw))).toBe("e06a34cc4d4b4fae47f84f6fb6460164e196f35cad3ffc6cce6de99a2a643d1d");
    expect(to0x(fromHex(outpointKey(txHashOf(legacyRaw), 0).toString(16).padStart(64, "0")))).toBe(
      "0x442cdda8b05267b743451dddd3876bcf76ed6f568efac8df4f3d92d35bce6256",
    );
  });

  it("segwit: marker, flag and witness are dropped; the hash is the txid, not the wtxid", () => {
    const info = txInfoOf(segwitRaw);
    expect(info).toEqual(txInfoOf(legacyRaw));
    expect(toHex(txHashOf(segwitRaw))).toBe("1d3d642a9ae96dce6cfc3fad5cf396e1640146b66f4ff847ae4f4b4dcc346ae0");
    expect(toHex(hash256(segwitRaw))).not.toBe(toHex(txHashOf(segwitRaw)));
    expect(Transaction.fromBuffer(segwitRaw).getId()).toBe(txidFromHash(txHashOf(segwitRaw)));
  });

  it("matches the dev fixtures' funding transaction", () => {
    const tx = fundingTx(script, 10_000_000n, new Uint8Array(32).fill(0x11));
    expect(toHex(devTxHash(tx))).toBe(toHex(txHashOf(legacyRaw)));
    expect(depositKey(txHashOf(legacyRaw), 0)).toBe(outpointKey(txHashOf(legacyRaw), 0));
  });

  it("inputs and outputs", () => {
    expect(txInputs(segwitRaw)).toEqual([{ txHash: new Uint8Array(32).fill(0x11), index: 0 }]);
    const outs = txOutputs(segwitRaw);
    expect(outs).toHaveLength(1);
    expect(outs[0]!.value).toBe(10_000_000n);
    expect(toHex(outs[0]!.script)).toBe("0020" + toHex(sha256(script)));
  });

  it("agrees with bitcoinjs-lib on a multi-input segwit transaction with large CompactSizes", () => {
    const tx = new Transaction();
    tx.version = 2;
    tx.locktime = 0x01020304;
    tx.addInput(new Uint8Array(32).fill(1), 7, 0xfffffffd, new Uint8Array(300).fill(9)); // 0xfd length prefix
    tx.addInput(new Uint8Array(32).fill(2), 0x01020304, 0xffffffff);
    for (let i = 0; i < 260; i++) tx.addOutput(new Uint8Array(22).fill(i & 0xff), BigInt(i) * 1000n + 1n); // 0xfd count
    tx.setWitness(0, []);
    tx.setWitness(1, [new Uint8Array(72).fill(3), new Uint8Array(33).fill(4)]);
    const raw = tx.toBuffer();
    expect(tx.hasWitnesses()).toBe(true);
    expect(txidFromHash(txHashOf(raw))).toBe(tx.getId());
    const stripped = Transaction.fromBuffer(raw);
    for (let i = 0; i < stripped.ins.length; i++) stripped.setWitness(i, []);
    const info = txInfoOf(raw);
    expect(toHex(concatBytes(info.version, info.inputVector, info.outputVector, info.locktime))).toBe(toHex(stripped.toBuffer()));
    expect(toHex(info.locktime)).toBe("04030201");
    expect(txInputs(raw)).toEqual(tx.ins.map((i) => ({ txHash: Uint8Array.from(i.hash), index: i.index })));
    expect(txOutputs(raw).map((o) => o.value)).toEqual(tx.outs.map((o) => o.value));
    expect(txOutputs(raw).map((o) => toHex(o.script))).toEqual(tx.outs.map((o) => toHex(o.script)));
  });

  it("rejects malformed transactions", () => {
    for (const bad of [legacyRaw.subarray(0, legacyRaw.length - 1), concatBytes(legacyRaw, fromHex("00")), fromHex("0100"), new Uint8Array()]) {
      expect(() => txInfoOf(bad)).toThrow(expect.objectContaining({ code: "TX_MALFORMED" }));
    }
    // A CompactSize larger than the whole transaction.
    const huge = concatBytes(version, fromHex("fe00000001"), locktime);
    expect(() => txInfoOf(huge)).toThrow(expect.objectContaining({ code: "TX_MALFORMED" }));
  });
});

describe("hashes and keys (contracts.md §1.3)", () => {
  it("txid ↔ internal hash round trip", () => {
    const h = fromHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    expect(txidFromHash(h)).toBe("ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100");
    expect(hashFromTxid(txidFromHash(h))).toEqual(h);
    expect(() => hashFromTxid("abcd")).toThrow();
  });

  it("main UTXO hash vectors", () => {
    const aa = new Uint8Array(32).fill(0xaa);
    expect(to0x(utxoHash(aa, 0, 5000n))).toBe("0x4cfb92c890e30ff736656e519167cbfcacb408c730fd21bec415359b45769d20");
    expect(to0x(utxoHash(aa, 0, 4999n))).toBe("0x757a5ca2a1e5fff2f2a51c073cb88c097603285fcfa52cb58473704647fa7edb");
  });

  it("moved-funds sweep request key vector", () => {
    expect(outpointKey(new Uint8Array(32).fill(0xbb), 1)).toBe(0x02ce86eea26818243a41aa8bdd71a5e61ece067579af30930dcaa93f4b7ed16bn);
  });
});
