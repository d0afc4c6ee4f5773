import { describe, expect, it } from "vitest";
import { ActionType } from "../../src/protocol/constants.js";
import type { CoordinationMessage } from "../../src/protocol/message.js";
import { decodeCoordinationMessage, encodeCoordinationMessage, encodeUnsigned } from "../../src/protocol/codec.js";
import { fromHex, toHex } from "../../src/util/hex.js";
import vectors from "../vectors/eip712.json" with { type: "json" };
import { bfield, bytes, tag, varint, vfield } from "./helpers/proto-writer.js";

const c = vectors.common;
const noop = vectors.messages[0];
const hb = vectors.messages[1];

/** The fields of a vector message in field order; each entry can be replaced or dropped. */
function fields(v: (typeof vectors.messages)[number]): Record<number, number[]> {
  const proposal = [...(v.actionType ? vfield(1, v.actionType) : []), ...(v.payload ? bfield(2, fromHex(v.payload)) : [])];
  return {
    1: vfield(1, c.protocolVersion),
    2: vfield(2, BigInt(c.chainId)),
    3: bfield(3, fromHex(c.profileHash)),
    4: vfield(4, c.coordinationBlock),
    5: bfield(5, fromHex(c.walletPubKeyHash)),
    6: bfield(6, fromHex(c.sender)),
    7: vfield(7, c.senderSeat),
    8: bfield(8, proposal),
    9: bfield(9, fromHex(v.signature)),
  };
}
const join = (f: Record<number, number[]>) => bytes(...Object.keys(f).sort((a, b) => Number(a) - Number(b)).map((k) => f[Number(k)]));
const reason = (b: Uint8Array) => {
  const r = decodeCoordinationMessage(b);
  return r.ok ? "ok" : r.reason;
};

function expected(v: (typeof vectors.messages)[number]): CoordinationMessage {
  return {
    protocolVersion: c.protocolVersion,
    chainId: BigInt(c.chainId),
    profileHash: fromHex(c.profileHash),
    coordinationBlock: c.coordinationBlock,
    walletPubKeyHash: fromHex(c.walletPubKeyHash),
    sender: fromHex(c.sender),
    senderSeat: c.senderSeat,
    proposal: { actionType: v.actionType as ActionType, payload: fromHex(v.payload) },
    signature: fromHex(v.signature),
  };
}

describe("coordination message codec: vectors (§15.6)", () => {
  it("the test writer reproduces the spec wire bytes", () => {
    for (const v of vectors.messages) expect(toHex(join(fields(v)))).toBe(v.wire);
  });

  it("encode → exact wire bytes; decode → same fields", () => {
    for (const v of vectors.messages) {
      const wire = encodeCoordinationMessage(expected(v));
      expect(wire.length).toBe(v.wireLength);
      expect(toHex(wire)).toBe(v.wire);
      const r = decodeCoordinationMessage(fromHex(v.wire));
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.message).toEqual(expected(v));
    }
  });

  it("Noop proposal is always written (42 00)", () => {
    expect(toHex(encodeCoordinationMessage(expected(noop)))).toContain("380542004a41");
  });

  it("encodeUnsigned omits only the signature", () => {
    const u = encodeUnsigned(expected(hb));
    expect(toHex(u)).toBe(hb.wire.slice(0, hb.wire.length - 2 * (2 + 65)));
  });

  it("decoded bytes do not alias the input", () => {
    const input = fromHex(noop.wire);
    const r = decodeCoordinationMessage(input);
    input.fill(0);
    expect(r.ok && toHex(r.message.sender)).toBe(c.sender);
  });

  it("refuses to encode what the decoder would reject", () => {
    const m = expected(noop);
    expect(() => encodeCoordinationMessage({ ...m, signature: new Uint8Array(64) })).toThrow();
    expect(() => encodeCoordinationMessage({ ...m, senderSeat: 0 })).toThrow();
    expect(() => encodeCoordinationMessage({ ...m, profileHash: new Uint8Array(31) })).toThrow();
    expect(() => encodeCoordinationMessage({ ...m, proposal: { actionType: 6 as ActionType, payload: new Uint8Array() } })).toThrow();
    expect(() => encodeCoordinationMessage({ ...m, coordinationBlock: 2 ** 53 })).toThrow();
  });
});

describe("strict decoding reasons (§7.2)", () => {
  const wire = fromHex(hb.wire);

  it("oversize is checked first", () => {
    expect(reason(new Uint8Array(16385))).toBe("oversize");
    expect(reason(new Uint8Array(16384).fill(0xff))).not.toBe("oversize");
    const padded = new Uint8Array(16385);
    padded.set(wire);
    expect(reason(padded)).toBe("oversize");
  });

  it("decode_error: truncation, bad varints, bad wire types, out-of-range block", () => {
    for (let n = 1; n < wire.length; n++) {
      const r = reason(wire.subarray(0, n));
      // Cutting exactly at a field boundary leaves a well-formed prefix that fails a later check.
      expect(["decode_error", "missing_proposal", "bad_length"]).toContain(r);
    }
    expect(reason(wire.subarray(0, wire.length - 1))).toBe("decode_error");
    expect(reason(bytes([0x08], new Array(10).fill(0xff), [0x01]))).toBe("decode_error"); // 11-byte varint
    expect(reason(bytes([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]))).toBe("decode_error"); // > 2^64
    expect(reason(bytes([0x08]))).toBe("decode_error");
    expect(reason(bytes([0x00, 0x01]))).toBe("decode_error"); // field number 0
    expect(reason(bytes(tag(1, 3)))).toBe("decode_error"); // group
    expect(reason(bytes(tag(1, 7), [0]))).toBe("decode_error"); // invalid wire type
    const f = fields(hb);
    expect(reason(join({ ...f, 1: bfield(1, [1]) }))).toBe("decode_error"); // known field, wrong wire type
    expect(reason(join({ ...f, 8: bfield(8, [0x0a, 0x05, 0x01]) }))).toBe("decode_error"); // damaged proposal
    expect(reason(join({ ...f, 4: vfield(4, 2n ** 53n) }))).toBe("decode_error"); // W above MAX_SAFE_INTEGER
    expect(reason(join({ ...f, 4: vfield(4, 2n ** 53n - 1n) }))).not.toBe("decode_error");
    expect(reason(bytes([0x12, 0x05, 0x01]))).toBe("decode_error"); // length beyond end
  });

  it("unknown_field at top level and inside the proposal", () => {
    const f = fields(hb);
    expect(reason(join({ ...f, 10: vfield(10, 1) }))).toBe("unknown_field");
    expect(reason(join({ ...f, 15: bfield(15, [1, 2, 3]) }))).toBe("unknown_field");
    expect(reason(bytes(Array.from(wire), tag(100, 1), [0, 0, 0, 0, 0, 0, 0, 0]))).toBe("unknown_field");
    expect(reason(bytes(Array.from(wire), tag(11, 5), [0, 0, 0, 0]))).toBe("unknown_field");
    const prop = [...vfield(1, 1), ...bfield(2, fromHex(hb.payload)), ...vfield(3, 1)];
    expect(reason(join({ ...f, 8: bfield(8, prop) }))).toBe("unknown_field");
  });

  it("missing_proposal", () => {
    const f: Record<number, number[]> = fields(noop);
    delete f[8];
    expect(reason(join(f))).toBe("missing_proposal");
  });

  it("bad_length for each fixed-length field", () => {
    const f = fields(noop);
    expect(reason(join({ ...f, 3: bfield(3, new Uint8Array(31)) }))).toBe("bad_length");
    expect(reason(join({ ...f, 3: [] }))).toBe("bad_length");
    expect(reason(join({ ...f, 5: bfield(5, new Uint8Array(21)) }))).toBe("bad_length");
    expect(reason(join({ ...f, 6: bfield(6, new Uint8Array(19)) }))).toBe("bad_length");
    expect(reason(join({ ...f, 9: bfield(9, new Uint8Array(64)) }))).toBe("bad_length");
    expect(reason(join({ ...f, 9: [] }))).toBe("bad_length");
  });

  it("bad_action_type", () => {
    const f = fields(noop);
    expect(reason(join({ ...f, 8: bfield(8, vfield(1, 6)) }))).toBe("bad_action_type");
    expect(reason(join({ ...f, 8: bfield(8, vfield(1, 0xffffffff)) }))).toBe("bad_action_type");
    expect(reason(join({ ...f, 8: bfield(8, vfield(1, 5)) }))).toBe("ok");
  });

  it("bad_seat", () => {
    const f = fields(noop);
    expect(reason(join({ ...f, 7: [] }))).toBe("bad_seat");
  });

  it("non_canonical: duplicates, order, explicit defaults, long varints, split proposals", () => {
    const f = fields(hb);
    expect(reason(bytes(Array.from(wire), f[1]))).toBe("non_canonical"); // duplicated field at the end
    expect(reason(join({ ...f, 2: [...f[2], ...f[2]] }))).toBe("non_canonical"); // duplicated field in place
    const swapped = bytes(f[2], f[1], f[3], f[4], f[5], f[6], f[7], f[8], f[9]);
    expect(reason(swapped)).toBe("non_canonical");
    expect(reason(join({ ...f, 2: [...vfield(2, 0), ...f[2]] }))).toBe("non_canonical");
    expect(reason(join({ ...f, 1: [...tag(1, 0), 0x81, 0x00] }))).toBe("non_canonical"); // 1 written in 2 bytes
    expect(reason(join({ ...fields(noop), 8: bfield(8, vfield(1, 0)) }))).toBe("non_canonical"); // explicit Noop type
    expect(reason(join({ ...fields(noop), 8: bfield(8, [...vfield(1, 0), ...bfield(2, [])]) }))).toBe("non_canonical");
    expect(reason(join({ ...f, 7: vfield(7, 2n ** 32n + 5n) }))).toBe("non_canonical"); // uint32 overflow
    expect(reason(join({ ...f, 1: vfield(1, 0) }))).toBe("non_canonical"); // explicit zero version
  });

  it("accepts any protocol version and chain id at this stage (A3/A4 decide)", () => {
    const f = fields(noop);
    const r = decodeCoordinationMessage(join({ ...f, 1: vfield(1, 2), 2: vfield(2, 2n ** 64n - 1n) }));
    expect(r.ok && r.message.protocolVersion).toBe(2);
    expect(r.ok && r.message.chainId).toBe(2n ** 64n - 1n);
  });

  it("never throws on non-Uint8Array input", () => {
    expect(reason(undefined as unknown as Uint8Array)).toBe("decode_error");
    expect(reason("abc" as unknown as Uint8Array)).toBe("decode_error");
  });

  it("uses varint() consistently", () => {
    expect(varint(300)).toEqual([0xac, 0x02]);
  });
});
