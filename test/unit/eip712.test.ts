import { id, SigningKey, TypedDataEncoder, Wallet } from "ethers";
import { describe, expect, it } from "vitest";
import { ActionType } from "../../src/protocol/constants.js";
import { heartbeatMessage } from "../../src/protocol/heartbeat.js";
import type { CoordinationMessage, UnsignedCoordinationMessage } from "../../src/protocol/message.js";
import { decodeCoordinationMessage, encodeCoordinationMessage } from "../../src/protocol/codec.js";
import {
  COORDINATION_TYPES,
  coordinationDomain,
  domainSeparator,
  messageDigest,
  messageHashStruct,
  recoverSender,
  SECP256K1_HALF_N,
  signCoordinationMessage,
  verifySignature,
} from "../../src/network/eip712.js";
import { encodePayload } from "../../src/protocol/payloads.js";
import { fromHex, to0x, toHex } from "../../src/util/hex.js";
import vectors from "../vectors/eip712.json" with { type: "json" };

const c = vectors.common;
const domain = coordinationDomain(BigInt(vectors.domain.chainId), vectors.domain.verifyingContract);
const wallet = new Wallet(vectors.signer.privateKey);

function unsigned(v: (typeof vectors.messages)[number]): UnsignedCoordinationMessage {
  return {
    protocolVersion: c.protocolVersion,
    chainId: BigInt(c.chainId),
    profileHash: fromHex(c.profileHash),
    coordinationBlock: c.coordinationBlock,
    walletPubKeyHash: fromHex(c.walletPubKeyHash),
    sender: fromHex(c.sender),
    senderSeat: c.senderSeat,
    proposal: { actionType: v.actionType as ActionType, payload: fromHex(v.payload) },
  };
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe("EIP-712 (§7.4, §15.6)", () => {
  it("type string and type hashes", () => {
    const enc = TypedDataEncoder.from(COORDINATION_TYPES);
    expect(enc.encodeType("CoordinationMessage")).toBe(vectors.typeString);
    expect(id(enc.encodeType("CoordinationMessage"))).toBe(vectors.typeHashes.CoordinationMessage);
    expect(id(enc.encodeType("Proposal"))).toBe(vectors.typeHashes.Proposal);
    expect(SECP256K1_HALF_N).toBe(BigInt(vectors.halfN));
    expect(SECP256K1_HALF_N).toBe(N / 2n);
  });

  it("domain and separator", () => {
    expect(domain).toEqual({
      name: vectors.domain.name,
      version: vectors.domain.version,
      chainId: BigInt(vectors.domain.chainId),
      verifyingContract: vectors.domain.verifyingContract,
    });
    expect(domainSeparator(domain)).toBe(vectors.domain.separator);
    expect(coordinationDomain(31337n, vectors.domain.verifyingContract.toLowerCase())).toEqual(domain);
    expect(wallet.address).toBe(vectors.signer.address);
  });

  it("heartbeat payload of the vector", () => {
    const hb = vectors.messages[1];
    const msg = heartbeatMessage(fromHex(c.walletPubKeyHash), hb.heartbeatBlock!);
    expect(toHex(msg)).toBe(hb.heartbeatMessage);
    expect(toHex(encodePayload(ActionType.Heartbeat, { message: msg }))).toBe(hb.payload);
  });

  for (const v of vectors.messages) {
    describe(v.name, () => {
      it("hashStruct and digest (message id)", () => {
        expect(messageHashStruct(unsigned(v))).toBe(v.hashStruct);
        expect(to0x(messageDigest(unsigned(v), domain))).toBe(v.digest);
      });

      it("signature with a Wallet and with a SigningKey, then wire bytes", async () => {
        const a = await signCoordinationMessage(wallet, unsigned(v), domain);
        const b = await signCoordinationMessage(new SigningKey(vectors.signer.privateKey), unsigned(v), domain);
        expect(to0x(a.signature)).toBe(v.signature);
        expect(to0x(b.signature)).toBe(v.signature);
        expect(a.signature[64]).toBe(v.v);
        expect(toHex(encodeCoordinationMessage(a))).toBe(v.wire);
      });

      it("decode → verify ok, recovered sender", () => {
        const r = decodeCoordinationMessage(fromHex(v.wire));
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(recoverSender(r.message, domain)).toBe(vectors.signer.address);
        expect(verifySignature(r.message, domain)).toBe(true);
        expect(to0x(messageDigest(r.message, domain))).toBe(v.digest);
      });

      it("rejects tampering, other domains, high-s and bad v", () => {
        const r = decodeCoordinationMessage(fromHex(v.wire));
        if (!r.ok) throw new Error("vector does not decode");
        const m: CoordinationMessage = r.message;
        expect(verifySignature({ ...m, senderSeat: 6 }, domain)).toBe(false);
        expect(verifySignature({ ...m, coordinationBlock: 1800 }, domain)).toBe(false);
        expect(verifySignature(m, coordinationDomain(1n, vectors.domain.verifyingContract))).toBe(false);
        expect(verifySignature(m, coordinationDomain(31337n, "0x0000000000000000000000000000000000000001"))).toBe(false);
        // Another sender field: the recovered signer no longer matches.
        expect(verifySignature({ ...m, sender: fromHex("2b5ad5c4795c026514f8317c7a215e218dccd6cf") }, domain)).toBe(false);

        // High-s twin: (r, n − s) with the other v recovers the same key, but must be refused.
        const sig = m.signature;
        const s = BigInt(to0x(sig.subarray(32, 64)));
        const twin = new Uint8Array(65);
        twin.set(sig.subarray(0, 32));
        twin.set(fromHex((N - s).toString(16).padStart(64, "0")), 32);
        twin[64] = sig[64] === 27 ? 28 : 27;
        expect(recoverSender({ ...m, signature: twin }, domain)).toBeNull();
        expect(verifySignature({ ...m, signature: twin }, domain)).toBe(false);

        for (const badV of [0, 1, 29, 255]) {
          const bad = sig.slice();
          bad[64] = badV;
          expect(recoverSender({ ...m, signature: bad }, domain)).toBeNull();
        }
        expect(recoverSender({ ...m, signature: new Uint8Array(65) }, domain)).toBeNull();
        expect(recoverSender({ ...m, signature: sig.subarray(0, 64) }, domain)).toBeNull();
        expect(recoverSender({ ...m, sender: new Uint8Array(3) }, domain)).toBeNull();
        expect(verifySignature({ ...m, sender: new Uint8Array(3) }, domain)).toBe(false);
      });
    });
  }

  it("a different key signs validly for its own sender", async () => {
    const k2 = new Wallet("0x" + "00".repeat(31) + "02");
    const m = await signCoordinationMessage(k2, { ...unsigned(vectors.messages[0]), sender: fromHex(k2.address) }, domain);
    expect(verifySignature(m, domain)).toBe(true);
    expect(recoverSender(m, domain)).toBe(k2.address);
    const s = BigInt(to0x(m.signature.subarray(32, 64)));
    expect(s <= SECP256K1_HALF_N).toBe(true);
  });
});
