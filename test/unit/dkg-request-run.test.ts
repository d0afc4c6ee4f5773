// DkgRequestRun without network or chain (threshold.md §3.2): four members, each with an in-memory
// store, their published bytes delivered to one another by the test; the head block is set by hand.
// The state machine, the faults with evidence, the exclusion at the cut-off, the held messages and
// the rejection of malformed input.
import { SigningKey, getAddress } from "ethers";
import { afterEach, describe, expect, it } from "vitest";
import type { EthIntentRow } from "../../src/store/repos/eth-intents-repo.js";
import type { DkgRequestState } from "../../src/store/repos/ev-dkg-requests-repo.js";
import { Store } from "../../src/store/store.js";
import { DkgRequestRun, type DkgServiceFault } from "../../src/threshold/dkg-request-run.js";
import { decodeDkgMessage } from "../../src/threshold/dkg-service-messages.js";
import { decodeRound1, encodeRound1, encodeRound2 } from "../../src/threshold/dkg/dkg-messages.js";
import { checkDkgFaultEvidence } from "../../src/threshold/dkg/evidence-json.js";
import { signGossipMessage } from "../../src/network/gossip-signature.js";
import { dkgTopic } from "../../src/network/topics.js";
import { to0x } from "../../src/util/hex.js";
import { silentLogger } from "../../src/util/logger.js";
import { REQUEST_SEED, testOperators } from "./dkg-fixture.js";

const ATTEMPT_BLOCKS = 10;
const REQUEST_BLOCK = 100;
const ops = testOperators(4, "run");
const MEMBERS = ops.map((o) => getAddress(o.address));

interface Member {
  index: number;
  store: Store;
  run: DkgRequestRun;
  faults: DkgServiceFault[];
  submitted: string[];
  counts: { conflicting: number; rejected: number; buffered: number };
  /** Rewrites what this member publishes (a cheater); identity by default. */
  tamper: (bytes: Uint8Array) => Uint8Array;
  /** Published nothing while true (a silent member). */
  silent: boolean;
}

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function request(threshold: number, dkgQuorum: number, status: DkgRequestState["status"] = "requested", walletX: string | null = null): DkgRequestState {
  const at = { txHash: "0x" + "11".repeat(32), logIndex: 0, blockNumber: REQUEST_BLOCK, blockHash: "0x" + "22".repeat(32) };
  return {
    requestId: 9n,
    seed: to0x(REQUEST_SEED),
    members: MEMBERS,
    threshold,
    dkgQuorum,
    deadline: REQUEST_BLOCK + 1000,
    status,
    walletX,
    walletPkh: null,
    requestedAt: at,
    settledAt: status === "requested" ? null : { ...at, blockNumber: REQUEST_BLOCK + 5 },
  };
}

function group(req: DkgRequestState): Member[] {
  const members: Member[] = [];
  for (const o of ops) {
    const store = Store.openMemory();
    stores.push(store);
    const m = { index: o.index, store, faults: [], submitted: [], counts: { conflicting: 0, rejected: 0, buffered: 0 }, tamper: (b: Uint8Array) => b, silent: false } as unknown as Member;
    m.run = new DkgRequestRun(
      {
        store,
        log: silentLogger,
        chainId: 31337n,
        registryAddress: getAddress("0x" + "aa".repeat(20)),
        bridgeAddress: getAddress("0x" + "bb".repeat(20)),
        operatorKey: o.privateKey,
        signingKey: new SigningKey(to0x(o.privateKey)),
        myAddress: MEMBERS[o.index - 1],
        keystorePassword: "pw",
        scryptN: 2 ** 4,
        attemptBlocks: ATTEMPT_BLOCKS,
        lingerBlocks: ATTEMPT_BLOCKS,
        maxBuffered: 16,
        operatorPublicKey: (a) => ops[MEMBERS.indexOf(a)]?.publicKey,
        publish: async (_id, bytes) => {
          if (m.silent) return;
          const out = m.tamper(bytes);
          // As gossipsub delivers it: with the publisher's signature of the bytes on the request's topic.
          const signed = signGossipMessage(o.privateKey, dkgTopic(31337n, 9n), out);
          for (const other of members) if (other !== m) other.run.deliver(out, MEMBERS[m.index - 1], signed);
        },
        waitForSubscribers: async () => undefined,
        submit: async (_id, calldata) => {
          m.submitted.push(calldata);
          return { id: m.submitted.length } as EthIntentRow;
        },
        onFault: (f) => m.faults.push(f),
        kick: () => undefined,
        counts: m.counts,
      },
      req,
    );
    members.push(m);
  }
  return members;
}

/** Steps every member at `head` until nothing changes. */
async function settle(members: Member[], req: DkgRequestState, head: number, which = members): Promise<void> {
  for (let round = 0; round < 12; round++) {
    const before = which.map((m) => JSON.stringify(m.store.dkgSessions.get(req.requestId) ?? null, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    for (const m of which) await m.run.step(req, head);
    await new Promise((r) => setImmediate(r));
    const after = which.map((m) => JSON.stringify(m.store.dkgSessions.get(req.requestId) ?? null, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    if (before.join() === after.join()) return;
  }
}

const state = (m: Member) => m.store.dkgSessions.get(9n)?.state;

describe("DkgRequestRun", () => {
  it("runs every step, persisted, to the submission by the lowest member and registered on acceptance", async () => {
    const req = request(3, 4);
    const members = group(req);
    await settle(members, req, REQUEST_BLOCK + 1);
    expect(members.map(state)).toEqual(["submitted", "result_signed", "result_signed", "result_signed"]);
    const row = members[0].store.dkgSessions.get(9n)!;
    expect(Object.keys(row.resultSignatures)).toEqual(["1", "2", "3", "4"]);
    expect(members[0].submitted).toHaveLength(1);
    // The others submit after 2 · rank blocks if still not registered.
    await settle(members, req, REQUEST_BLOCK + 1 + 2);
    expect(members.map(state)).toEqual(["submitted", "submitted", "result_signed", "result_signed"]);
    const walletX = row.walletX!;
    expect(members.map((m) => m.store.dkgSessions.get(9n)!.walletX)).toEqual(Array(4).fill(walletX));
    expect(members.map((m) => m.store.keyShares.list().map((k) => k.memberIndex))).toEqual([[1], [2], [3], [4]]);
    const accepted = request(3, 4, "accepted", walletX);
    await settle(members, accepted, REQUEST_BLOCK + 6);
    expect(members.map(state)).toEqual(Array(4).fill("registered"));
    expect(members.flatMap((m) => m.faults)).toEqual([]);
  });

  it("an invalid proof of knowledge is a fault with the message; the cheater is left out of the next attempt", async () => {
    const req = request(2, 3);
    const members = group(req);
    const cheater = members[3];
    cheater.tamper = (bytes) => {
      const msg = decodeDkgMessage(bytes);
      if (msg?.kind !== "round1") return bytes;
      const pok = msg.body.proofOfKnowledge.slice();
      pok[40] ^= 1;
      return encodeRound1({ ...msg.body, proofOfKnowledge: pok });
    };
    await settle(members, req, REQUEST_BLOCK + 1);
    const honest = members.slice(0, 3);
    for (const m of honest) {
      expect(m.faults.map((f) => [f.code, f.accused, f.attempt])).toEqual([["DkgInvalidProof", 4, 0]]);
      const evidence = m.faults[0].evidence as { round1: { wire: string } };
      expect(decodeRound1(Buffer.from(evidence.round1.wire.slice(2), "hex")).sender).toBe(4);
      expect(m.faults[0].accusedAddress).toBe(MEMBERS[3]);
      // The evidence proves it offline, from its JSON alone (as the fault store keeps it).
      expect(checkDkgFaultEvidence(JSON.parse(JSON.stringify(m.faults[0].evidence))).verdict).toBe("proven");
      expect(state(m)).toBe("round1_sent");
    }
    // Past the cut-off: attempt 1 without member 4, and it completes.
    await settle(members, req, REQUEST_BLOCK + ATTEMPT_BLOCKS, honest);
    for (const m of honest) expect(m.store.dkgSessions.get(9n)).toMatchObject({ attempt: 1, included: [1, 2, 3] });
    expect(honest.map(state)).toEqual(["submitted", "result_signed", "result_signed"]);
    expect(members[0].submitted).toHaveLength(1);
  });

  it("a share that fails makes its recipient complain; every member judges the complaint against the sender", async () => {
    const req = request(2, 3);
    const members = group(req);
    let round1: Uint8Array | undefined;
    members[3].tamper = (bytes) => {
      const msg = decodeDkgMessage(bytes);
      if (msg?.kind === "round1") round1 = bytes;
      if (msg?.kind !== "round2") return bytes;
      // Before its round 2 goes out, member 3 relays the accused's round 1 (already delivered) under its own
      // signature: refused, and never taken for the accused's signature in the evidence built later.
      const relayed = signGossipMessage(ops[2]!.privateKey, dkgTopic(31337n, 9n), round1!);
      for (const m of members.slice(0, 2)) expect(m.run.deliver(round1!, MEMBERS[2]!, relayed)).toBe("reject");
      const shares = msg.body.shares.map((sh) => (sh.recipient === 1 ? { ...sh, ciphertext: sh.ciphertext.map((b, i) => (i === 0 ? b ^ 1 : b)) } : sh));
      return encodeRound2({ ...msg.body, shares });
    };
    await settle(members, req, REQUEST_BLOCK + 1);
    const honest = members.slice(0, 3);
    for (const m of honest) expect(m.faults.map((f) => [f.code, f.accused, f.attempt])).toEqual([["DkgInvalidShare", 4, 0]]);
    // The recipient's fault (its own complaint, which it signs itself) and the judges' carry the complaint
    // and the accused's signed messages: each proves the fault offline.
    for (const m of honest) {
      expect(Object.keys(m.faults[0].evidence)).toEqual(expect.arrayContaining(["complaint", "round1", "round2", "members", "operatorPublicKeys", "requestSeed"]));
      expect(checkDkgFaultEvidence(m.faults[0].evidence)).toMatchObject({ verdict: "proven", reason: "a round-2 share that fails its sender's commitment" });
    }
    await settle(members, req, REQUEST_BLOCK + ATTEMPT_BLOCKS, honest);
    for (const m of honest) expect(m.store.dkgSessions.get(9n)).toMatchObject({ attempt: 1, included: [1, 2, 3] });
    expect(honest.map(state)).toEqual(["submitted", "result_signed", "result_signed"]);
  });

  it("a silent member is blamed at the cut-off (DkgNoParticipation); too few left makes the request fail", async () => {
    const req = request(3, 4);
    const members = group(req);
    members[1].silent = true;
    await settle(members, req, REQUEST_BLOCK + 1);
    const others = [members[0], members[2], members[3]];
    expect(others.map(state)).toEqual(Array(3).fill("round1_sent"));
    await settle(members, req, REQUEST_BLOCK + ATTEMPT_BLOCKS, others);
    for (const m of others) {
      expect(m.faults.map((f) => [f.code, f.accused, f.attempt, f.evidence.missing, f.evidence.cutoffBlock])).toEqual([["DkgNoParticipation", 2, 0, "round1", REQUEST_BLOCK + ATTEMPT_BLOCKS]]);
      expect(checkDkgFaultEvidence(m.faults[0].evidence).verdict).toBe("unverifiable");
      expect(m.store.dkgSessions.get(9n)).toMatchObject({ state: "failed", error: "attempt 1 cannot succeed: included 1,3,4" });
    }
  });

  it("past the deadline with no result accepted, and on DkgTimedOut, the session fails", async () => {
    const req = { ...request(3, 4), deadline: REQUEST_BLOCK + 5 };
    const [m1, m2] = group(req);
    await m1.run.step(req, REQUEST_BLOCK + 1);
    expect(state(m1)).toBe("round1_sent");
    expect(await m1.run.step(req, REQUEST_BLOCK + 6)).toBe(true);
    expect(m1.store.dkgSessions.get(9n)).toMatchObject({ state: "failed", error: `deadline ${REQUEST_BLOCK + 5} passed` });
    expect(await m2.run.step(request(3, 4, "timed_out"), REQUEST_BLOCK + 1)).toBe(true);
    expect(m2.store.dkgSessions.get(9n)).toMatchObject({ state: "failed", error: "request timed out" });
  });

  it("rejects malformed bytes and non-members, ignores replays of an earlier attempt, holds a later attempt's messages", async () => {
    const req = request(3, 4);
    const members = group(req);
    const [m1, m2] = members;
    await m1.run.step(req, REQUEST_BLOCK + 1);
    expect(m1.run.deliver(new Uint8Array([0x01, 0x02]), MEMBERS[1])).toBe("reject");
    expect(m1.run.deliver(new Uint8Array(0), MEMBERS[1])).toBe("reject");
    expect(m1.run.deliver(new Uint8Array([0x09, 0, 0]), MEMBERS[1])).toBe("reject");
    expect(m1.counts.rejected).toBe(3);
    // m2's real round 1, captured, then replayed from the wrong sender and for a later attempt.
    let r1: Uint8Array | undefined;
    m2.tamper = (b) => (r1 ??= b);
    await m2.run.step(req, REQUEST_BLOCK + 1);
    expect(m1.run.deliver(r1!, MEMBERS[1])).toBe("ignore"); // DUPLICATE: already delivered by the publish
    expect(m1.run.deliver(r1!, MEMBERS[2])).toBe("reject"); // another member's message under this publisher
    expect(m1.run.deliver(r1!, getAddress("0x" + "cc".repeat(20)))).toBe("reject"); // not a member
    const later = encodeRound1({ ...decodeRound1(r1!), attempt: 1 });
    const held = m1.counts.buffered;
    expect(m1.run.deliver(later, MEMBERS[1])).toBe("ignore");
    expect(m1.counts.buffered).toBe(held + 1);
    expect(m1.faults).toEqual([]);
  });
});
