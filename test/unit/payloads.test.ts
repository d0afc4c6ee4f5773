import { describe, expect, it } from "vitest";
import { ActionType } from "../../src/protocol/constants.js";
import { decodePayload, encodePayload, feeFromBytes, feeToBytes, PAYLOAD_DECODE_REASONS } from "../../src/protocol/payloads.js";
import { fromHex, toHex } from "../../src/util/hex.js";
import vectors from "../vectors/payloads.json" with { type: "json" };
import { bfield, bytes, tag, varint, vfield } from "./helpers/proto-writer.js";

const h32 = (b: number) => new Uint8Array(32).fill(b);
const reason = (t: ActionType, b: Uint8Array) => {
  const r = decodePayload(t, b);
  return r.ok ? "ok" : r.reason;
};

describe("payload vectors (§7.3)", () => {
  it("heartbeat", () => {
    for (const v of vectors.heartbeat) {
      const enc = encodePayload(ActionType.Heartbeat, { message: fromHex(v.message) });
      expect(toHex(enc)).toBe(v.encoded);
      const r = decodePayload(ActionType.Heartbeat, fromHex(v.encoded));
      expect(r.ok && toHex(r.payload.message)).toBe(v.message);
    }
  });

  it("redemption", () => {
    for (const v of vectors.redemption) {
      const payload = { redeemersOutputScripts: v.redeemersOutputScripts.map(fromHex), redemptionTxFee: BigInt(v.redemptionTxFee) };
      expect(toHex(encodePayload(ActionType.Redemption, payload))).toBe(v.encoded);
      const r = decodePayload(ActionType.Redemption, fromHex(v.encoded));
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.payload.redeemersOutputScripts.map(toHex)).toEqual(v.redeemersOutputScripts);
        expect(r.payload.redemptionTxFee).toBe(BigInt(v.redemptionTxFee));
      }
    }
  });

  it("noop is the empty payload", () => {
    expect(encodePayload(ActionType.Noop, {}).length).toBe(0);
    expect(decodePayload(ActionType.Noop, new Uint8Array()).ok).toBe(true);
    expect(reason(ActionType.Noop, Uint8Array.of(0))).toBe("unexpected_payload");
  });
});

describe("fees", () => {
  it("minimal big-endian, zero is empty", () => {
    expect(toHex(feeToBytes(0n))).toBe("");
    expect(toHex(feeToBytes(1n))).toBe("01");
    expect(toHex(feeToBytes(10000n))).toBe("2710");
    expect(toHex(feeToBytes(255n))).toBe("ff");
    expect(toHex(feeToBytes(256n))).toBe("0100");
    expect(toHex(feeToBytes(2n ** 256n - 1n))).toBe("ff".repeat(32));
    expect(() => feeToBytes(2n ** 256n)).toThrow();
    expect(() => feeToBytes(-1n)).toThrow();
    expect(feeFromBytes(fromHex("2710"))).toBe(10000n);
    expect(feeFromBytes(new Uint8Array())).toBe(0n);
    expect(() => feeFromBytes(fromHex("002710"))).toThrow();
    expect(() => feeFromBytes(new Uint8Array(33).fill(1))).toThrow();
  });
});

describe("deposit sweep", () => {
  const payload = {
    depositsKeys: [
      { fundingTxHash: h32(1), fundingOutputIndex: 3 },
      { fundingTxHash: h32(2), fundingOutputIndex: 0 },
    ],
    sweepTxFee: 5000n,
    depositsRevealBlocks: [300, 1],
  };
  // Hand-built canonical bytes: keys, fee, then the reveal blocks PACKED (proto3 default).
  const key1 = [...bfield(1, h32(1)), ...vfield(2, 3)];
  const key2 = bfield(1, h32(2));
  const canonical = bytes(bfield(1, key1), bfield(1, key2), bfield(2, [0x13, 0x88]), bfield(3, [...varint(300), ...varint(1)]));

  it("encodes packed reveal blocks and round-trips", () => {
    expect(toHex(encodePayload(ActionType.DepositSweep, payload))).toBe(toHex(canonical));
    const r = decodePayload(ActionType.DepositSweep, canonical);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.payload).toEqual(payload);
  });

  it("rejects unpacked reveal blocks as non-canonical", () => {
    const unpacked = bytes(bfield(1, key1), bfield(1, key2), bfield(2, [0x13, 0x88]), vfield(3, 300), vfield(3, 1));
    expect(reason(ActionType.DepositSweep, unpacked)).toBe("non_canonical");
  });

  it("limits", () => {
    const fee = bfield(2, [1]);
    const blocks = (n: number) => bfield(3, new Array(n).fill(1));
    const keys = (n: number) => new Array(n).fill(bfield(1, key2)).flat();
    expect(reason(ActionType.DepositSweep, bytes(keys(20), fee, blocks(20)))).toBe("ok");
    expect(reason(ActionType.DepositSweep, bytes(keys(21), fee, blocks(21)))).toBe("bad_count");
    expect(reason(ActionType.DepositSweep, bytes(fee))).toBe("bad_count");
    expect(reason(ActionType.DepositSweep, bytes(keys(2), fee, blocks(1)))).toBe("bad_count");
    expect(reason(ActionType.DepositSweep, bytes(bfield(1, bfield(1, new Uint8Array(31))), fee, blocks(1)))).toBe("bad_length");
    expect(reason(ActionType.DepositSweep, bytes(keys(1), bfield(2, [0, 1]), blocks(1)))).toBe("bad_fee");
    expect(reason(ActionType.DepositSweep, bytes(keys(1), bfield(2, new Array(33).fill(1)), blocks(1)))).toBe("bad_fee");
    expect(reason(ActionType.DepositSweep, bytes(keys(1), fee, bfield(3, varint(2n ** 53n))))).toBe("decode_error");
    expect(reason(ActionType.DepositSweep, bytes(keys(1), fee, bfield(3, [0x80])))).toBe("decode_error");
    expect(reason(ActionType.DepositSweep, bytes(bfield(1, [...key2, ...vfield(3, 1)]), fee, blocks(1)))).toBe("unknown_field");
    expect(() => encodePayload(ActionType.DepositSweep, { ...payload, depositsRevealBlocks: [1] })).toThrow();
    expect(() => encodePayload(ActionType.DepositSweep, { ...payload, depositsKeys: [] , depositsRevealBlocks: []})).toThrow();
  });
});

describe("redemption, moving funds, moved funds sweep limits", () => {
  const fee = bfield(2, [0x27, 0x10]);
  it("redemption: 1..20 scripts of 1..34 bytes", () => {
    const s = (n: number, len: number) => new Array(n).fill(bfield(1, new Array(len).fill(0x51))).flat();
    expect(reason(ActionType.Redemption, bytes(s(20, 34), fee))).toBe("ok");
    expect(reason(ActionType.Redemption, bytes(s(21, 22), fee))).toBe("bad_count");
    expect(reason(ActionType.Redemption, bytes(fee))).toBe("bad_count");
    expect(reason(ActionType.Redemption, bytes(s(1, 35), fee))).toBe("bad_length");
    expect(reason(ActionType.Redemption, bytes(s(1, 0), fee))).toBe("bad_length");
    expect(reason(ActionType.Redemption, bytes(s(1, 22), bfield(2, [0, 0x10])))).toBe("bad_fee");
    expect(reason(ActionType.Redemption, bytes(s(1, 22)))).toBe("ok"); // zero fee is the empty string
    expect(reason(ActionType.Redemption, bytes(fee, s(1, 22)))).toBe("non_canonical"); // order
    expect(reason(ActionType.Redemption, bytes(s(1, 22), fee, fee))).toBe("non_canonical"); // duplicate
    expect(reason(ActionType.Redemption, bytes(s(1, 22), bfield(2, [])))).toBe("non_canonical"); // explicit default
  });

  it("moving funds: 1..100 targets of 20 bytes", () => {
    const t = (n: number, len = 20) => new Array(n).fill(bfield(1, new Array(len).fill(7))).flat();
    expect(reason(ActionType.MovingFunds, bytes(t(100), fee))).toBe("ok");
    expect(reason(ActionType.MovingFunds, bytes(t(101), fee))).toBe("bad_count");
    expect(reason(ActionType.MovingFunds, bytes(fee))).toBe("bad_count");
    expect(reason(ActionType.MovingFunds, bytes(t(1, 21), fee))).toBe("bad_length");
    const enc = encodePayload(ActionType.MovingFunds, { targetWallets: [new Uint8Array(20).fill(7)], movingFundsTxFee: 10000n });
    expect(toHex(enc)).toBe(toHex(bytes(t(1), fee)));
  });

  it("moved funds sweep: 32-byte hash, index, fee", () => {
    const ok = bytes(bfield(1, h32(0xbb)), vfield(2, 1), bfield(3, [0x27, 0x10]));
    expect(toHex(encodePayload(ActionType.MovedFundsSweep, { movingFundsTxHash: h32(0xbb), movingFundsTxOutputIndex: 1, sweepTxFee: 10000n }))).toBe(toHex(ok));
    const r = decodePayload(ActionType.MovedFundsSweep, ok);
    expect(r.ok && r.payload.movingFundsTxOutputIndex).toBe(1);
    expect(reason(ActionType.MovedFundsSweep, bytes(bfield(1, h32(1).subarray(1)), vfield(2, 1)))).toBe("bad_length");
    expect(reason(ActionType.MovedFundsSweep, bytes(bfield(1, h32(1)), vfield(2, 0)))).toBe("non_canonical");
    expect(reason(ActionType.MovedFundsSweep, bytes(bfield(1, h32(1)), bfield(2, [1])))).toBe("decode_error");
  });

  it("heartbeat: exactly 16 bytes; other types' bytes are malformed", () => {
    expect(reason(ActionType.Heartbeat, bytes(bfield(1, new Array(15).fill(0xff))))).toBe("bad_length");
    expect(reason(ActionType.Heartbeat, bytes(bfield(1, new Array(17).fill(0xff))))).toBe("bad_length");
    expect(reason(ActionType.Heartbeat, new Uint8Array())).toBe("bad_length");
    expect(reason(ActionType.Heartbeat, fromHex(vectors.redemption[0].encoded))).not.toBe("ok");
    expect(reason(ActionType.MovingFunds, fromHex(vectors.redemption[0].encoded))).not.toBe("ok");
    expect(reason(ActionType.DepositSweep, fromHex(vectors.heartbeat[0].encoded))).not.toBe("ok");
    expect(reason(ActionType.Heartbeat, bytes(tag(1, 2), [0x10]))).toBe("decode_error");
  });

  it("bad action type and junk never throw and use the listed reasons", () => {
    expect(reason(6 as ActionType, new Uint8Array())).toBe("bad_action_type");
    expect(reason(-1 as ActionType, new Uint8Array())).toBe("bad_action_type");
    expect(reason(ActionType.Heartbeat, null as unknown as Uint8Array)).toBe("decode_error");
    for (const t of [0, 1, 2, 3, 4, 5]) {
      const r = reason(t, Uint8Array.of(0xff, 0xff, 0xff));
      expect(PAYLOAD_DECODE_REASONS as readonly string[]).toContain(r);
    }
  });
});
