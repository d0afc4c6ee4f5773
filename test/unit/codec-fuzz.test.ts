// Decoder fuzz test: 100 000 inputs (random bytes and structured mutations of valid messages and
// payloads). Neither decoder may throw; every result is ok or an allowed reason; every ok result
// re-encodes to the identical bytes.
import { SigningKey } from "ethers";
import { describe, expect, it } from "vitest";
import { ActionType } from "../../src/protocol/constants.js";
import type { CoordinationMessage, UnsignedCoordinationMessage } from "../../src/protocol/message.js";
import { decodeCoordinationMessage, encodeCoordinationMessage, MALFORMED_REASONS } from "../../src/protocol/codec.js";
import { coordinationDomain, signCoordinationMessage } from "../../src/network/eip712.js";
import { decodePayload, encodePayload, PAYLOAD_DECODE_REASONS, type ProposalPayload } from "../../src/protocol/payloads.js";
import { bytesEqual, fromHex, toHex } from "../../src/util/hex.js";
import vectors from "../vectors/eip712.json" with { type: "json" };
import { bfield, bytes, tag, varint, vfield } from "./helpers/proto-writer.js";
import { prng } from "./helpers/prng.js";

const TOTAL = 100_000;


const h = (n: number, b: number) => new Uint8Array(n).fill(b);
const PAYLOADS: [ActionType, ProposalPayload][] = [
  [ActionType.Noop, {}],
  [ActionType.Heartbeat, { message: fromHex("ffffffffffffffffb1a658c12a12256b") }],
  [
    ActionType.DepositSweep,
    {
      depositsKeys: [
        { fundingTxHash: h(32, 1), fundingOutputIndex: 0 },
        { fundingTxHash: h(32, 2), fundingOutputIndex: 7 },
      ],
      sweepTxFee: 12345n,
      depositsRevealBlocks: [100, 2 ** 40],
    },
  ],
  [ActionType.Redemption, { redeemersOutputScripts: [h(22, 0x51), h(25, 0x76), h(34, 0)], redemptionTxFee: 10000n }],
  [ActionType.MovingFunds, { targetWallets: [h(20, 1), h(20, 2)], movingFundsTxFee: 0n }],
  [ActionType.MovedFundsSweep, { movingFundsTxHash: h(32, 0xbb), movingFundsTxOutputIndex: 1, sweepTxFee: 2n ** 200n }],
];

/** Wire fields of a message, in field order, built by the independent test writer. */
function fieldsOf(m: CoordinationMessage): number[][] {
  const prop = [...(m.proposal.actionType ? vfield(1, m.proposal.actionType) : []), ...(m.proposal.payload.length ? bfield(2, m.proposal.payload) : [])];
  return [
    vfield(1, m.protocolVersion),
    vfield(2, m.chainId),
    bfield(3, m.profileHash),
    vfield(4, m.coordinationBlock),
    bfield(5, m.walletPubKeyHash),
    bfield(6, m.sender),
    vfield(7, m.senderSeat),
    bfield(8, prop),
    bfield(9, m.signature),
  ];
}

function check(input: Uint8Array, counts: Map<string, number>): void {
  let r: ReturnType<typeof decodeCoordinationMessage>;
  try {
    r = decodeCoordinationMessage(input);
  } catch (e) {
    throw new Error(`decodeCoordinationMessage threw on ${toHex(input.subarray(0, 64))}…: ${String(e)}`);
  }
  const key = r.ok ? "ok" : r.reason;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  if (!r.ok) {
    if (!MALFORMED_REASONS.includes(r.reason)) throw new Error(`unknown reason ${r.reason}`);
    return;
  }
  if (!bytesEqual(encodeCoordinationMessage(r.message), input)) throw new Error(`ok result re-encodes differently: ${toHex(input)}`);
  checkPayload(r.message.proposal.actionType, r.message.proposal.payload, counts);
}

function checkPayload(t: ActionType, payload: Uint8Array, counts: Map<string, number>): void {
  let p: ReturnType<typeof decodePayload>;
  try {
    p = decodePayload(t, payload);
  } catch (e) {
    throw new Error(`decodePayload(${t}) threw on ${toHex(payload.subarray(0, 64))}: ${String(e)}`);
  }
  const key = "payload:" + (p.ok ? "ok" : p.reason);
  counts.set(key, (counts.get(key) ?? 0) + 1);
  if (!p.ok) {
    if (!(PAYLOAD_DECODE_REASONS as readonly string[]).includes(p.reason)) throw new Error(`unknown payload reason ${p.reason}`);
    return;
  }
  if (!bytesEqual(encodePayload(t, p.payload), payload)) throw new Error(`payload ok result re-encodes differently: ${t} ${toHex(payload)}`);
}

function mutateBytes(rnd: ReturnType<typeof prng>, input: Uint8Array): Uint8Array {
  const b = Array.from(input);
  const ops = 1 + rnd.int(3);
  for (let k = 0; k < ops; k++) {
    switch (rnd.int(7)) {
      case 0: // bit flips
        for (let i = 1 + rnd.int(8); i > 0 && b.length; i--) b[rnd.int(b.length)] ^= 1 << rnd.int(8);
        break;
      case 1: // truncation
        b.length = rnd.int(b.length + 1);
        break;
      case 2: // insertion
        b.splice(rnd.int(b.length + 1), 0, ...rnd.bytes(1 + rnd.int(16)));
        break;
      case 3: // deletion of a range
        b.splice(rnd.int(b.length + 1), 1 + rnd.int(8));
        break;
      case 4: // byte set to an interesting value
        if (b.length) b[rnd.int(b.length)] = [0, 1, 5, 6, 0x7f, 0x80, 0xff][rnd.int(7)];
        break;
      case 5: // duplicate a slice in place
        if (b.length) {
          const s = rnd.int(b.length);
          b.splice(s, 0, ...b.slice(s, s + 1 + rnd.int(40)));
        }
        break;
      default: // trailing garbage
        b.push(...rnd.bytes(1 + rnd.int(4)));
    }
  }
  return Uint8Array.from(b);
}

function mutateFields(rnd: ReturnType<typeof prng>, fields: number[][]): Uint8Array {
  const f = fields.map((x) => x.slice());
  switch (rnd.int(8)) {
    case 0: // duplicated field
      f.splice(rnd.int(f.length + 1), 0, f[rnd.int(f.length)]);
      break;
    case 1: // dropped field
      f.splice(rnd.int(f.length), 1);
      break;
    case 2: {
      // swapped fields
      const i = rnd.int(f.length);
      const j = rnd.int(f.length);
      [f[i], f[j]] = [f[j], f[i]];
      break;
    }
    case 3: // a varint field gets another value (0, small, huge)
      f[[0, 1, 3, 6][rnd.int(4)]] = vfield([1, 2, 4, 7][rnd.int(4)], [0n, 1n, 6n, 2n ** 53n, 2n ** 64n - 1n, BigInt(rnd.int(1000))][rnd.int(6)]);
      break;
    case 4: // a bytes field gets another length
      f[[2, 4, 5, 8][rnd.int(4)]] = bfield([3, 5, 6, 9][rnd.int(4)], rnd.bytes(rnd.int(70)));
      break;
    case 5: // unknown field
      f.splice(rnd.int(f.length + 1), 0, rnd.int(2) ? vfield(10 + rnd.int(100), rnd.int(1000)) : bfield(10 + rnd.int(5), rnd.bytes(rnd.int(8))));
      break;
    case 6: // proposal with another action type / payload
      f[7] = bfield(8, [...vfield(1, rnd.int(8)), ...(rnd.int(2) ? bfield(2, rnd.bytes(rnd.int(40))) : [])]);
      break;
    default: // explicit default value
      f.splice(rnd.int(f.length + 1), 0, rnd.int(2) ? vfield(1 + rnd.int(2), 0) : [...tag(3, 2), ...varint(0)]);
  }
  return bytes(...f);
}

describe("decoder fuzz", () => {
  it(`${TOTAL} inputs: never throws, allowed reasons only, ok ⇒ canonical`, async () => {
    const key = new SigningKey(vectors.signer.privateKey);
    const domain = coordinationDomain(31337n, vectors.domain.verifyingContract);
    const pool: { msg: CoordinationMessage; wire: Uint8Array; fields: number[][] }[] = [];
    for (const [t, p] of PAYLOADS) {
      const u: UnsignedCoordinationMessage = {
        protocolVersion: 1,
        chainId: 31337n,
        profileHash: fromHex(vectors.common.profileHash),
        coordinationBlock: 900 * (1 + t),
        walletPubKeyHash: fromHex(vectors.common.walletPubKeyHash),
        sender: fromHex(vectors.common.sender),
        senderSeat: 1 + t * 40,
        proposal: { actionType: t, payload: encodePayload(t, p) },
      };
      const msg = await signCoordinationMessage(key, u, domain);
      const wire = encodeCoordinationMessage(msg);
      const fields = fieldsOf(msg);
      expect(toHex(bytes(...fields))).toBe(toHex(wire)); // the writer and the codec agree
      pool.push({ msg, wire, fields });
    }
    const payloadPool = PAYLOADS.map(([t, p]) => ({ t, bytes: encodePayload(t, p) }));

    const rnd = prng(0x5eed1234);
    const counts = new Map<string, number>();
    const started = Date.now();
    for (let i = 0; i < TOTAL; i++) {
      const kind = i % 10;
      let input: Uint8Array;
      if (kind === 0) {
        // Random bytes; 1 in 8 of them between 16 KiB and 20 KiB to cover the size cap.
        const big = rnd.int(8) === 0;
        input = rnd.bytes(big ? 16000 + rnd.int(4481) : rnd.int(600));
      } else if (kind <= 4) {
        input = mutateBytes(rnd, pool[rnd.int(pool.length)].wire);
      } else if (kind <= 7) {
        const m = mutateFields(rnd, pool[rnd.int(pool.length)].fields);
        input = rnd.int(3) === 0 ? mutateBytes(rnd, m) : m;
      } else {
        // Payload fuzz: mutated payload bytes, decoded as their own or another action type.
        const p = payloadPool[rnd.int(payloadPool.length)];
        const mutated = rnd.int(4) === 0 ? p.bytes : mutateBytes(rnd, p.bytes);
        const t = (rnd.int(4) === 0 ? rnd.int(7) : p.t) as ActionType;
        checkPayload(t, mutated, counts);
        input = mutateBytes(rnd, pool[rnd.int(pool.length)].wire);
      }
      try {
        check(input, counts);
      } catch (e) {
        throw new Error(`iteration ${i}: ${(e as Error).message}`);
      }
    }
    const elapsed = Date.now() - started;
    if (process.env.FUZZ_VERBOSE) console.log(Object.fromEntries(counts), `${elapsed} ms`);
    // Coverage sanity: the mutations reach every reason and still produce valid messages.
    for (const r of MALFORMED_REASONS) expect(counts.get(r) ?? 0, `reason ${r} never produced`).toBeGreaterThan(0);
    expect(counts.get("ok") ?? 0).toBeGreaterThan(100);
    expect(counts.get("payload:ok") ?? 0).toBeGreaterThan(100);
    expect(elapsed).toBeLessThan(30_000);
  }, 60_000);
});
