import { getBytes, Wallet } from "ethers";
import { describe, expect, it } from "vitest";
import { ActionType, PER_SENDER_WINDOW_CAP } from "../../src/protocol/constants.js";
import type { CoordinationMessage, UnsignedCoordinationMessage } from "../../src/protocol/message.js";
import { encodeCoordinationMessage } from "../../src/protocol/codec.js";
import { DuplicateTracker } from "../../src/network/duplicate-tracker.js";
import { coordinationDomain, messageDigest, signCoordinationMessage } from "../../src/network/eip712.js";
import { DUPLICATE_PROPAGATION_LIMIT, isMalformedReason, validateGossipMessage, type GossipValidationContext } from "../../src/network/gossip-validator.js";
import { type GossipAction, type GossipReason } from "../../src/protocol/message.js";
import { concatBytes } from "../../src/util/hex.js";

const CHAIN_ID = 31337n;
const DOMAIN = coordinationDomain(CHAIN_ID, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const PROFILE = new Uint8Array(32).fill(0x11);
const WALLET = new Uint8Array(20).fill(0xaa);
const OTHER_WALLET = new Uint8Array(20).fill(0xbb);
const CURRENT_W = 9000;
const alice = new Wallet("0x" + "01".padStart(64, "0"));
const bob = new Wallet("0x" + "02".padStart(64, "0"));
const mallory = new Wallet("0x" + "03".padStart(64, "0"));
const SEATS = [alice.address, bob.address, alice.address];

function unsigned(over: Partial<UnsignedCoordinationMessage> = {}, signer: Wallet = alice): UnsignedCoordinationMessage {
  return {
    protocolVersion: 1,
    chainId: CHAIN_ID,
    profileHash: PROFILE,
    coordinationBlock: CURRENT_W,
    walletPubKeyHash: WALLET,
    sender: getBytes(signer.address),
    senderSeat: 1,
    proposal: { actionType: ActionType.Noop, payload: new Uint8Array(0) },
    ...over,
  };
}

async function signed(over: Partial<UnsignedCoordinationMessage> = {}, signer: Wallet = alice): Promise<CoordinationMessage> {
  return signCoordinationMessage(signer, unsigned(over, signer), DOMAIN);
}

async function wire(over: Partial<UnsignedCoordinationMessage> = {}, signer: Wallet = alice): Promise<Uint8Array> {
  return encodeCoordinationMessage(await signed(over, signer));
}

function heartbeat(i: number): UnsignedCoordinationMessage["proposal"] {
  const msg = new Uint8Array(16);
  msg[15] = i;
  return { actionType: ActionType.Heartbeat, payload: concatBytes(Uint8Array.of(0x0a, 0x10), msg) };
}

function context(over: Partial<GossipValidationContext> = {}): GossipValidationContext {
  return {
    chainId: CHAIN_ID,
    profileHash: PROFILE,
    currentWindow: () => CURRENT_W,
    seatsOf: (pkh) => (pkh.every((b, i) => b === WALLET[i]) ? SEATS : undefined),
    domain: DOMAIN,
    duplicates: new DuplicateTracker(),
    ...over,
  };
}

// Minimal protobuf writer, to build inputs the canonical encoder refuses to produce.
function varint(n: bigint | number): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
type F = [num: number, value: bigint | number | Uint8Array];
function pb(fields: F[]): Uint8Array {
  const out: number[] = [];
  for (const [num, value] of fields) {
    if (value instanceof Uint8Array) out.push(...varint((num << 3) | 2), ...varint(value.length), ...value);
    else out.push(...varint(num << 3), ...varint(value));
  }
  return Uint8Array.from(out);
}
function envelope(m: CoordinationMessage, over: { proposal?: Uint8Array | null; seat?: number; extra?: F[]; signature?: Uint8Array } = {}): Uint8Array {
  const fields: F[] = [
    [1, m.protocolVersion],
    [2, m.chainId],
    [3, m.profileHash],
    [4, m.coordinationBlock],
    [5, m.walletPubKeyHash],
    [6, m.sender],
  ];
  const seat = over.seat ?? m.senderSeat;
  if (seat !== 0) fields.push([7, seat]);
  if (over.proposal !== null) fields.push([8, over.proposal ?? new Uint8Array(0)]);
  fields.push([9, over.signature ?? m.signature], ...(over.extra ?? []));
  return pb(fields);
}

interface Row {
  name: string;
  data: () => Promise<Uint8Array>;
  topicWallet?: Uint8Array;
  fromOperator?: string | null;
  ctx?: Partial<GossipValidationContext>;
  verdict: GossipAction;
  reason: GossipReason;
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const rows: Row[] = [
  { name: "A1 oversize", data: async () => new Uint8Array(16385).fill(0x08), verdict: "reject", reason: "oversize" },
  { name: "A2 truncated", data: async () => (await wire()).subarray(0, 100), verdict: "reject", reason: "decode_error" },
  { name: "A2 bad varint", data: async () => Uint8Array.of(0x08, 0xff, 0xff), verdict: "reject", reason: "decode_error" },
  { name: "A2 unknown field", data: async () => envelope(await signed(), { extra: [[10, 1]] }), verdict: "reject", reason: "unknown_field" },
  { name: "A2 missing proposal", data: async () => envelope(await signed(), { proposal: null }), verdict: "reject", reason: "missing_proposal" },
  {
    name: "A2 bad length (64-byte signature)",
    data: async () => {
      const m = await signed();
      return envelope(m, { signature: m.signature.subarray(0, 64) });
    },
    verdict: "reject",
    reason: "bad_length",
  },
  { name: "A2 bad action type", data: async () => envelope(await signed(), { proposal: pb([[1, 6]]) }), verdict: "reject", reason: "bad_action_type" },
  { name: "A2 seat 0", data: async () => envelope(await signed(), { seat: 0 }), verdict: "reject", reason: "bad_seat" },
  {
    name: "A2 non-canonical (explicit default)",
    data: async () => envelope(await signed(), { proposal: pb([[1, 0]]) }),
    verdict: "reject",
    reason: "non_canonical",
  },
  { name: "A3 future version", data: () => wire({ protocolVersion: 2 }), verdict: "ignore", reason: "version" },
  { name: "A4 other chain", data: () => wire({ chainId: 1n }), verdict: "reject", reason: "chain_mismatch" },
  { name: "A5 other profile", data: () => wire({ profileHash: new Uint8Array(32).fill(0x22) }), verdict: "reject", reason: "profile_mismatch" },
  { name: "A6 wallet ≠ topic", data: () => wire(), topicWallet: OTHER_WALLET, verdict: "reject", reason: "topic_mismatch" },
  { name: "A6 message for other wallet", data: () => wire({ walletPubKeyHash: OTHER_WALLET }), verdict: "reject", reason: "topic_mismatch" },
  { name: "A7 two windows ahead", data: () => wire({ coordinationBlock: CURRENT_W + 1800 }), verdict: "ignore", reason: "window_out_of_range" },
  { name: "A7 two windows behind", data: () => wire({ coordinationBlock: CURRENT_W - 1800 }), verdict: "ignore", reason: "window_out_of_range" },
  { name: "A7 not a multiple of 900", data: () => wire({ coordinationBlock: CURRENT_W + 1 }), verdict: "ignore", reason: "window_out_of_range" },
  { name: "A7 window 0", data: () => wire({ coordinationBlock: 0 }), ctx: { currentWindow: () => 900 }, verdict: "ignore", reason: "window_out_of_range" },
  {
    name: "A8 signed by another key",
    data: async () => encodeCoordinationMessage({ ...(await signed({ sender: getBytes(alice.address) }, mallory)), sender: getBytes(alice.address) }),
    verdict: "reject",
    reason: "bad_signature",
  },
  {
    name: "A8 sender field altered after signing",
    data: async () => encodeCoordinationMessage({ ...(await signed()), sender: getBytes(bob.address) }),
    fromOperator: bob.address,
    verdict: "reject",
    reason: "bad_signature",
  },
  {
    name: "A8 high-s twin of a valid signature",
    data: async () => {
      const m = await signed();
      const s = BigInt("0x" + Buffer.from(m.signature.subarray(32, 64)).toString("hex"));
      const hi = getBytes("0x" + (N - s).toString(16).padStart(64, "0"));
      const v = m.signature[64] === 27 ? 28 : 27;
      return encodeCoordinationMessage({ ...m, signature: concatBytes(m.signature.subarray(0, 32), hi, Uint8Array.of(v)) });
    },
    verdict: "reject",
    reason: "bad_signature",
  },
  {
    name: "A8 v = 29",
    data: async () => {
      const m = await signed();
      return encodeCoordinationMessage({ ...m, signature: concatBytes(m.signature.subarray(0, 64), Uint8Array.of(29)) });
    },
    verdict: "reject",
    reason: "bad_signature",
  },
  { name: "A9 published by another peer", data: () => wire(), fromOperator: bob.address, verdict: "reject", reason: "from_mismatch" },
  { name: "A9 non-secp256k1 publisher", data: () => wire(), fromOperator: null, verdict: "reject", reason: "from_mismatch" },
  { name: "A10 sender holds no seat", data: () => wire({}, mallory), fromOperator: mallory.address, verdict: "reject", reason: "not_member" },
  { name: "A10 seat list unknown", data: () => wire(), ctx: { seatsOf: () => undefined }, verdict: "ignore", reason: "not_member" },
  { name: "valid message", data: () => wire(), verdict: "accept", reason: "ok" },
  { name: "valid, publisher address in lowercase", data: () => wire(), fromOperator: alice.address.toLowerCase(), verdict: "accept", reason: "ok" },
  { name: "valid, previous window", data: () => wire({ coordinationBlock: CURRENT_W - 900 }), verdict: "accept", reason: "ok" },
  { name: "valid, next window", data: () => wire({ coordinationBlock: CURRENT_W + 900 }), verdict: "accept", reason: "ok" },
];

describe("validateGossipMessage A1–A10", () => {
  it.each(rows)("$name → $verdict/$reason", async (row) => {
    const data = await row.data();
    const v = validateGossipMessage(
      { data, topicWallet: row.topicWallet ?? WALLET, fromOperator: row.fromOperator === undefined ? alice.address : row.fromOperator },
      context(row.ctx),
    );
    expect({ verdict: v.verdict, reason: v.reason }).toEqual({ verdict: row.verdict, reason: row.reason });
    expect(v.enqueue).toBe(row.verdict === "accept");
    expect(isMalformedReason(v.reason)).toBe(/^A[12] /.test(row.name));
    if (v.verdict === "accept") {
      expect(v.message).toBeDefined();
      expect(v.digest).toEqual(messageDigest(v.message!, DOMAIN));
    }
  });

  it("exposes the decoded message on a profile mismatch (for the error log)", async () => {
    const remote = new Uint8Array(32).fill(0x22);
    const v = validateGossipMessage({ data: await wire({ profileHash: remote }), topicWallet: WALLET, fromOperator: alice.address }, context());
    expect(v.reason).toBe("profile_mismatch");
    expect(v.message?.profileHash).toEqual(remote);
  });
});

describe("validateGossipMessage A11 duplicates", () => {
  it("accepts the first copy with enqueue, 15 repeats without enqueue, then ignores duplicate_flood", async () => {
    const ctx = context();
    const data = await wire();
    const input = { data, topicWallet: WALLET, fromOperator: alice.address };
    const first = validateGossipMessage(input, ctx);
    expect(first).toMatchObject({ verdict: "accept", reason: "ok", enqueue: true });
    for (let i = 1; i < DUPLICATE_PROPAGATION_LIMIT; i++) {
      const v = validateGossipMessage(input, ctx);
      expect({ i, verdict: v.verdict, reason: v.reason, enqueue: v.enqueue }).toEqual({ i, verdict: "accept", reason: "duplicate", enqueue: false });
      expect(v.digest).toEqual(first.digest);
    }
    for (let i = 0; i < 3; i++) {
      expect(validateGossipMessage(input, ctx)).toMatchObject({ verdict: "ignore", reason: "duplicate_flood", enqueue: false });
    }
  });

  it("tracks duplicates per wallet, and failed messages are not remembered", async () => {
    const ctx = context({ seatsOf: () => SEATS });
    const a = await wire();
    const b = await wire({ walletPubKeyHash: OTHER_WALLET });
    expect(validateGossipMessage({ data: a, topicWallet: WALLET, fromOperator: alice.address }, ctx).reason).toBe("ok");
    expect(validateGossipMessage({ data: b, topicWallet: OTHER_WALLET, fromOperator: alice.address }, ctx).reason).toBe("ok");
    // A from_mismatch copy must not count as "seen": the genuine one afterwards is still new.
    const c = await wire({ senderSeat: 3 });
    expect(validateGossipMessage({ data: c, topicWallet: WALLET, fromOperator: bob.address }, ctx).reason).toBe("from_mismatch");
    expect(validateGossipMessage({ data: c, topicWallet: WALLET, fromOperator: alice.address }, ctx)).toMatchObject({ reason: "ok", enqueue: true });
  });

  it("prunes windows older than current − 900", async () => {
    let current = CURRENT_W;
    const ctx = context({ currentWindow: () => current });
    const data = await wire();
    const input = { data, topicWallet: WALLET, fromOperator: alice.address };
    expect(validateGossipMessage(input, ctx).reason).toBe("ok");
    expect(ctx.duplicates.windowCount).toBe(1);
    current = CURRENT_W + 900; // W is the previous window now: still held
    expect(validateGossipMessage(input, ctx).reason).toBe("duplicate");
    current = CURRENT_W + 1800;
    expect(validateGossipMessage(input, ctx).reason).toBe("window_out_of_range");
    const fresh = await wire({ coordinationBlock: CURRENT_W + 1800 });
    expect(validateGossipMessage({ ...input, data: fresh }, ctx).reason).toBe("ok");
    expect(ctx.duplicates.windowCount).toBe(1);
  });
});

describe("validateGossipMessage A12 sender cap", () => {
  it(`accepts ${PER_SENDER_WINDOW_CAP} distinct digests per (wallet, W, sender), then ignores sender_cap`, async () => {
    const ctx = context();
    const msgs = await Promise.all(Array.from({ length: PER_SENDER_WINDOW_CAP + 2 }, (_, i) => wire({ proposal: heartbeat(i) })));
    for (let i = 0; i < PER_SENDER_WINDOW_CAP; i++) {
      expect(validateGossipMessage({ data: msgs[i], topicWallet: WALLET, fromOperator: alice.address }, ctx)).toMatchObject({ verdict: "accept", reason: "ok", enqueue: true });
    }
    for (const extra of msgs.slice(PER_SENDER_WINDOW_CAP)) {
      expect(validateGossipMessage({ data: extra, topicWallet: WALLET, fromOperator: alice.address }, ctx)).toMatchObject({ verdict: "ignore", reason: "sender_cap", enqueue: false });
    }
    // A repeat of an already accepted digest is a duplicate, not a new one.
    expect(validateGossipMessage({ data: msgs[0], topicWallet: WALLET, fromOperator: alice.address }, ctx).reason).toBe("duplicate");
    // Other senders and other windows are unaffected.
    const fromBob = await wire({ senderSeat: 2 }, bob);
    expect(validateGossipMessage({ data: fromBob, topicWallet: WALLET, fromOperator: bob.address }, ctx).reason).toBe("ok");
    const nextWindow = await wire({ coordinationBlock: CURRENT_W + 900 });
    expect(validateGossipMessage({ data: nextWindow, topicWallet: WALLET, fromOperator: alice.address }, ctx).reason).toBe("ok");
  });
});

describe("validateGossipMessage robustness", () => {
  it("never throws on random input and rejects it as malformed", () => {
    const ctx = context();
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
    for (let i = 0; i < 3000; i++) {
      const data = Uint8Array.from({ length: rnd() + (i % 3) * 60 }, rnd);
      const v = validateGossipMessage({ data, topicWallet: WALLET, fromOperator: alice.address }, ctx);
      expect(v.verdict).toBe("reject");
      expect(isMalformedReason(v.reason)).toBe(true);
    }
  });

  it("maps a throwing context to ignore/internal_error instead of throwing", async () => {
    const ctx = context({
      seatsOf: () => {
        throw new Error("cache broken");
      },
    });
    const v = validateGossipMessage({ data: await wire(), topicWallet: WALLET, fromOperator: alice.address }, ctx);
    expect(v).toMatchObject({ verdict: "ignore", reason: "internal_error", enqueue: false });
  });
});
