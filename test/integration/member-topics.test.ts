import { TypedEventEmitter } from "@libp2p/interface";
import { getBytes, keccak256, toUtf8Bytes, Wallet } from "ethers";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../../src/metrics/metrics.js";
import { CoordinationNetwork } from "../../src/network/coordination-network.js";
import { coordinationDomain } from "../../src/network/eip712.js";
import { createLibp2pNode, MAX_THRESHOLD_MESSAGE_BYTES, operatorAddressOfPeer, type CoordinationLibp2p } from "../../src/network/libp2p.js";
import { signGossipMessage, verifyGossipSignature, type GossipSignature } from "../../src/network/gossip-signature.js";
import { MemberTopics, type DeliverVerdict, type MemberTopicHandle } from "../../src/network/member-topics.js";
import type { MemberTopicVerdict, NetworkEvents } from "../../src/network/network-events.js";
import { coordinationTopic, dkgTopic, signingTopic } from "../../src/network/topics.js";
import { countNetworkEvents, createNodeEvents } from "../../src/node/node-events.js";
import type { GossipAction, GossipReason } from "../../src/protocol/message.js";
import { MAX_MESSAGE_BYTES } from "../../src/protocol/constants.js";
import { to0x } from "../../src/util/hex.js";
import { silentLogger, type Logger } from "../../src/util/logger.js";

const CHAIN_ID = 31337n;
const HEARTBEAT_MS = 200;
const DKG_TOPIC = dkgTopic(CHAIN_ID, 42n);
const WALLET = new Uint8Array(20).fill(0xab);
const SIGNING_TOPIC = signingTopic(CHAIN_ID, WALLET);
/** Room for the 100 KB message below; a real DKG topic would take less. */
const DKG_MAX_BYTES = 128 * 1024;
const SIGNING_MAX_BYTES = 64 * 1024;
/** Payloads starting with this byte make the `deliver` of a peer with `throwOnMarker` throw. */
const THROW_MARKER = 0xee;

interface Delivery {
  topic: string;
  data: Uint8Array;
  from: string;
  signed: GossipSignature;
}

interface Peer {
  name: string;
  address: string;
  libp2p: CoordinationLibp2p;
  topics: MemberTopics;
  events: TypedEventEmitter<NetworkEvents>;
  verdicts: MemberTopicVerdict[];
  delivered: Delivery[];
  handles: Map<string, MemberTopicHandle>;
  throwOnMarker: boolean;
}

const keyOf = (label: string): Uint8Array => getBytes(keccak256(toUtf8Bytes(label)));
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let nonce = 0;
/** A distinct payload of `size` bytes (pseudo-random, first byte `first`). */
function payload(size: number, first = 0x01): Uint8Array {
  const n = ++nonce;
  const out = Uint8Array.from({ length: size }, (_, i) => (i * 31 + n * 97) & 0xff);
  out[0] = first;
  out[1] = n & 0xff;
  out[2] = (n >> 8) & 0xff;
  return out;
}

const count = (p: Peer, verdict: GossipAction, reason: string, kind: "dkg" | "signing" = "dkg"): number =>
  p.verdicts.filter((v) => v.kind === kind && v.verdict === verdict && v.reason === reason).length;
const deliveriesOf = (p: Peer, data: Uint8Array, topic = DKG_TOPIC): Delivery[] =>
  p.delivered.filter((d) => d.topic === topic && Buffer.from(d.data).equals(Buffer.from(data)));

describe("MemberTopics over real libp2p peers on 127.0.0.1", () => {
  const peers: Peer[] = [];
  let members: Set<string>;
  let m0: Peer, m1: Peer, m2: Peer, outsider: Peer;
  const m2Log: Array<{ level: number; msg: string; topic?: string; failures?: number }> = [];
  const m1Metrics = createMetrics({ processMetrics: false });

  async function makePeer(name: string, events: TypedEventEmitter<NetworkEvents> = new TypedEventEmitter<NetworkEvents>(), logger: Logger = silentLogger): Promise<Peer> {
    const libp2p = await createLibp2pNode({ operatorPrivateKey: keyOf(`member-topics-${name}`), listen: ["/ip4/127.0.0.1/tcp/0"], gossipHeartbeatMs: HEARTBEAT_MS });
    const topics = new MemberTopics({ libp2p, logger, events });
    const p: Peer = { name, address: operatorAddressOfPeer(libp2p.peerId)!, libp2p, topics, events, verdicts: [], delivered: [], handles: new Map(), throwOnMarker: false };
    events.addEventListener("member-topic:verdict", (e) => p.verdicts.push(e.detail));
    await topics.start();
    return p;
  }

  function join(p: Peer, topic: string, maxBytes: number): MemberTopicHandle {
    const h = p.topics.join(topic, {
      members: () => members,
      maxBytes,
      deliver: (data, from, signed): DeliverVerdict => {
        if (p.throwOnMarker && data[0] === THROW_MARKER) throw new Error("handler bug");
        p.delivered.push({ topic, data, from, signed: signed! });
        return "accept";
      },
    });
    p.handles.set(topic, h);
    return h;
  }

  beforeAll(async () => {
    m0 = await makePeer("m0");
    const m1Events = createNodeEvents();
    countNetworkEvents(m1Events, m1Metrics);
    m1 = await makePeer("m1", m1Events);
    const sink = { write: (line: string) => m2Log.push(JSON.parse(line)) };
    m2 = await makePeer("m2", undefined, pino({ level: "debug" }, sink));
    outsider = await makePeer("outsider");
    peers.push(m0, m1, m2, outsider);
    members = new Set([m0.address, m1.address, m2.address]);
    // A star around m0, the outsider behind m1: m1 → m2 goes through the relay m0.
    await m1.libp2p.dial(m0.libp2p.getMultiaddrs()[0]);
    await m2.libp2p.dial(m0.libp2p.getMultiaddrs()[0]);
    await outsider.libp2p.dial(m1.libp2p.getMultiaddrs()[0]);
    for (const p of peers) join(p, DKG_TOPIC, DKG_MAX_BYTES);
    const dkg = (p: Peer) => p.handles.get(DKG_TOPIC)!;
    await waitUntil("DKG topic meshes", () => dkg(m0).meshPeers() >= 2 && dkg(m1).meshPeers() >= 2 && dkg(m2).meshPeers() >= 1 && dkg(outsider).meshPeers() >= 1);
  }, 30_000);

  afterAll(async () => {
    for (const p of peers) {
      await p.topics.stop();
      await p.libp2p.stop();
    }
  });

  it("delivers every member's message to every other member, once, attributed to its operator", async () => {
    const sent = new Map<Peer, Uint8Array>();
    for (const p of [m0, m1, m2]) {
      const data = payload(300);
      sent.set(p, data);
      expect((await p.handles.get(DKG_TOPIC)!.publish(data)).ok).toBe(true);
    }
    await waitUntil("all deliveries", () => [...sent].every(([from, data]) => [m0, m1, m2].every((p) => p === from || deliveriesOf(p, data).length >= 1)));
    await pause(3 * HEARTBEAT_MS); // room for gossip to bring extra copies
    for (const [from, data] of sent) {
      for (const p of [m0, m1, m2]) {
        const got = deliveriesOf(p, data);
        if (p === from) {
          expect(got).toHaveLength(0); // emitSelf is off
          continue;
        }
        expect(got).toHaveLength(1);
        expect(got[0].from).toBe(from.address);
        // The gossip signature handed to the handler proves, offline, who published these bytes where.
        const key = from.libp2p.peerId.publicKey!.raw;
        expect(verifyGossipSignature(key, data, got[0].signed)).toBe(true);
        expect(verifyGossipSignature(key, payload(300), got[0].signed)).toBe(false);
        expect(verifyGossipSignature(p.libp2p.peerId.publicKey!.raw, data, got[0].signed)).toBe(false);
        expect(verifyGossipSignature(key, data, { ...got[0].signed, topic: SIGNING_TOPIC })).toBe(false);
      }
    }
    expect(count(m0, "accept", "ok")).toBeGreaterThanOrEqual(2);
  });

  it("a member's own signature of its message (signGossipMessage) is what gossipsub signs", () => {
    const key = keyOf("own-signature");
    const data = payload(64);
    const signed = signGossipMessage(key, DKG_TOPIC, data);
    const pub = getBytes(new Wallet(to0x(key)).signingKey.compressedPublicKey);
    expect(verifyGossipSignature(pub, data, signed)).toBe(true);
    expect(verifyGossipSignature(pub, data, { ...signed, seqno: Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0) })).toBe(false);
  });

  it("rejects a non-member's publication at the first hop and delivers it nowhere", async () => {
    const before = count(m1, "reject", "not_member");
    const data = payload(200);
    expect((await outsider.handles.get(DKG_TOPIC)!.publish(data)).ok).toBe(true);
    await waitUntil("not_member at m1", () => count(m1, "reject", "not_member") > before);
    await pause(3 * HEARTBEAT_MS);
    expect(count(m1, "reject", "not_member") - before).toBe(1);
    // Rejected, so never forwarded: m0 and m2 do not even see it.
    for (const p of [m0, m2]) expect(count(p, "reject", "not_member")).toBe(0);
    for (const p of [m0, m1, m2]) expect(deliveriesOf(p, data)).toHaveLength(0);
    // Counted in metrics through the node's event bus.
    expect(await m1Metrics.text()).toMatch(/wcoord_threshold_gossip_messages_total\{kind="dkg",verdict="reject",reason="not_member"\} 1/);
  });

  it("rejects an oversize message and refuses to publish one locally", async () => {
    const big = payload(DKG_MAX_BYTES + 1);
    const local = await m0.handles.get(DKG_TOPIC)!.publish(big);
    expect(local.ok).toBe(false);
    expect(local.error).toMatch(/over the topic's/);
    // Straight through gossipsub, bypassing the handle.
    await m0.libp2p.services.pubsub.publish(DKG_TOPIC, big);
    await waitUntil("oversize at m1 and m2", () => count(m1, "reject", "oversize") === 1 && count(m2, "reject", "oversize") === 1);
    for (const p of [m1, m2]) expect(deliveriesOf(p, big)).toHaveLength(0);
  });

  it("ignores a republish of the same bytes by the same member (new gossip seqno) without delivering it twice", async () => {
    const data = payload(500);
    const h = m0.handles.get(DKG_TOPIC)!;
    expect((await h.publish(data)).ok).toBe(true);
    await waitUntil("first delivery", () => deliveriesOf(m1, data).length === 1 && deliveriesOf(m2, data).length === 1);
    const before = [m1, m2].map((p) => count(p, "ignore", "duplicate"));
    expect((await h.publish(data)).ok).toBe(true);
    await waitUntil("duplicate at m1 and m2", () => count(m1, "ignore", "duplicate") > before[0] && count(m2, "ignore", "duplicate") > before[1]);
    await pause(3 * HEARTBEAT_MS);
    for (const p of [m1, m2]) expect(deliveriesOf(p, data)).toHaveLength(1);
    // The same bytes from another member are that member's own message.
    expect((await m1.handles.get(DKG_TOPIC)!.publish(data)).ok).toBe(true);
    await waitUntil("m1's copy at m2", () => deliveriesOf(m2, data).length === 2);
    expect(deliveriesOf(m2, data).map((d) => d.from)).toEqual([m0.address, m1.address]);
  });

  it("survives a deliver that throws: the message is ignored, counted, and logged once for the topic", async () => {
    m2.throwOnMarker = true;
    try {
      const before = count(m2, "ignore", "internal_error");
      for (let i = 0; i < 3; i++) expect((await m1.handles.get(DKG_TOPIC)!.publish(payload(100, THROW_MARKER))).ok).toBe(true);
      await waitUntil("three internal errors at m2", () => count(m2, "ignore", "internal_error") - before === 3);
      const errors = m2Log.filter((l) => l.level >= 50 && l.topic === DKG_TOPIC);
      expect(errors).toHaveLength(1);
      expect(errors[0].msg).toMatch(/handler threw/);
      expect(errors[0].failures).toBe(1);
      expect(m2Log.filter((l) => l.topic === DKG_TOPIC && l.failures === 3)).toHaveLength(1); // the later ones at debug level, counted
      // Still running: the next message arrives.
      const ok = payload(100);
      expect((await m1.handles.get(DKG_TOPIC)!.publish(ok)).ok).toBe(true);
      await waitUntil("delivery after the errors", () => deliveriesOf(m2, ok).length === 1);
      expect(m2.libp2p.status).toBe("started");
    } finally {
      m2.throwOnMarker = false;
    }
  });

  it("delivers a 100 KB message between members, through a relay", async () => {
    const data = payload(100_000);
    expect(data.length).toBeGreaterThan(MAX_MESSAGE_BYTES);
    expect((await m1.handles.get(DKG_TOPIC)!.publish(data)).ok).toBe(true);
    await waitUntil("100 KB at m0 and m2", () => deliveriesOf(m0, data).length === 1 && deliveriesOf(m2, data).length === 1);
    expect(deliveriesOf(m2, data)[0].from).toBe(m1.address);
  });

  it("works the same on a wallet's signing topic", async () => {
    for (const p of peers) join(p, SIGNING_TOPIC, SIGNING_MAX_BYTES);
    const sig = (p: Peer) => p.handles.get(SIGNING_TOPIC)!;
    await waitUntil("signing topic meshes", () => sig(m0).meshPeers() >= 2 && sig(m1).meshPeers() >= 2 && sig(m2).meshPeers() >= 1 && sig(outsider).meshPeers() >= 1);
    expect(sig(m0).kind).toBe("signing");
    expect(m0.topics.topics().sort()).toEqual([DKG_TOPIC, SIGNING_TOPIC].sort());

    const data = payload(1000);
    expect((await sig(m2).publish(data)).ok).toBe(true);
    await waitUntil("signing delivery", () => deliveriesOf(m0, data, SIGNING_TOPIC).length === 1 && deliveriesOf(m1, data, SIGNING_TOPIC).length === 1);
    expect(deliveriesOf(m1, data, SIGNING_TOPIC)[0].from).toBe(m2.address);
    expect(deliveriesOf(m1, data, DKG_TOPIC)).toHaveLength(0);
    expect(count(m1, "accept", "ok", "signing")).toBeGreaterThanOrEqual(1);

    const foreign = payload(100);
    expect((await sig(outsider).publish(foreign)).ok).toBe(true);
    await waitUntil("not_member on the signing topic", () => count(m1, "reject", "not_member", "signing") === 1);
    await pause(3 * HEARTBEAT_MS);
    for (const p of [m0, m1, m2]) expect(deliveriesOf(p, foreign, SIGNING_TOPIC)).toHaveLength(0);
  });

  it("stops delivering after leave(), and a restart of the service subscribes again", async () => {
    const h = m2.handles.get(SIGNING_TOPIC)!;
    h.leave();
    h.leave(); // idempotent
    expect(m2.libp2p.services.pubsub.getTopics()).not.toContain(SIGNING_TOPIC);
    expect(m2.libp2p.services.pubsub.topicValidators.has(SIGNING_TOPIC)).toBe(false);
    expect((await h.publish(payload(10))).ok).toBe(false);
    expect(h.subscribers()).toBe(0);
    await expect(h.waitForPeers()).rejects.toThrow(/left/);
    const data = payload(400);
    expect((await m1.handles.get(SIGNING_TOPIC)!.publish(data)).ok).toBe(true);
    await waitUntil("m0 still delivers", () => deliveriesOf(m0, data, SIGNING_TOPIC).length === 1);
    await pause(3 * HEARTBEAT_MS);
    expect(deliveriesOf(m2, data, SIGNING_TOPIC)).toHaveLength(0);

    // Restart: the joined DKG topic is unsubscribed while stopped and subscribed again at start.
    await m2.topics.stop();
    expect(m2.libp2p.services.pubsub.getTopics()).not.toContain(DKG_TOPIC);
    expect((await m2.handles.get(DKG_TOPIC)!.publish(payload(10))).ok).toBe(false);
    await m2.topics.start();
    await m2.topics.start(); // idempotent
    expect(m2.libp2p.services.pubsub.getTopics()).toContain(DKG_TOPIC);
    expect(m2.libp2p.services.pubsub.getTopics()).not.toContain(SIGNING_TOPIC);
    await waitUntil("m2 back in the DKG mesh", () => m0.handles.get(DKG_TOPIC)!.meshPeers() >= 2);
    const again = payload(400);
    expect((await m1.handles.get(DKG_TOPIC)!.publish(again)).ok).toBe(true);
    await waitUntil("delivery after restart", () => deliveriesOf(m2, again).length === 1);
  });

  it("joins idempotently and refuses what is not a member topic", async () => {
    const idle = new MemberTopics({ libp2p: m0.libp2p, logger: silentLogger, events: new TypedEventEmitter<NetworkEvents>() });
    const opts = { members: () => members, maxBytes: 1000, deliver: (): DeliverVerdict => "accept" };
    const topic = dkgTopic(CHAIN_ID, 99n);
    const a = idle.join(topic, opts);
    expect(idle.join(topic, { ...opts, maxBytes: 5 })).toBe(a);
    expect(a.kind).toBe("dkg");
    // Not started: joined, not subscribed yet.
    expect(m0.libp2p.services.pubsub.getTopics()).not.toContain(topic);
    expect(() => idle.join(coordinationTopic(CHAIN_ID, WALLET), opts)).toThrow(/not a DKG or signing topic/);
    expect(() => idle.join("wcoord/v1/31337/dkg/01", opts)).toThrow(/not a DKG or signing topic/);
    expect(() => idle.join(dkgTopic(CHAIN_ID, 100n), { ...opts, maxBytes: 0 })).toThrow(/maxBytes/);
    expect(() => idle.join(dkgTopic(CHAIN_ID, 100n), { ...opts, maxBytes: MAX_THRESHOLD_MESSAGE_BYTES + 1 })).toThrow(/maxBytes/);
    a.leave();
    expect(idle.topics()).toEqual([]);
    await idle.stop(); // never started
  });

  it("keeps refusing a 17 KB coordination message on the coordination topic (check A1), and the link survives it", async () => {
    const verdicts: Array<[GossipAction, GossipReason]> = [];
    const events = new TypedEventEmitter<NetworkEvents>();
    events.addEventListener("gossip:verdict", (e) => verdicts.push([e.detail.verdict, e.detail.reason]));
    const domain = coordinationDomain(CHAIN_ID, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    const net = new CoordinationNetwork(
      {
        libp2p: m0.libp2p,
        logger: silentLogger,
        events,
        transcript: { record: () => undefined },
        seats: { seatsOf: () => [...members] },
        clock: { head: 9000 },
        identity: { chainId: CHAIN_ID, profileHash: to0x(new Uint8Array(32).fill(0x5a)), domain },
      },
      { bootstrapPeers: [] },
    );
    net.subscribeWallet(WALLET);
    await net.start();
    try {
      const topic = coordinationTopic(CHAIN_ID, WALLET);
      await waitUntil("m1 knows m0's coordination subscription", () => m1.libp2p.services.pubsub.getSubscribers(topic).some((id) => id.equals(m0.libp2p.peerId)));
      const wire = payload(17 * 1024, 0x08);
      expect(wire.length).toBeGreaterThan(MAX_MESSAGE_BYTES);
      const res = await m1.libp2p.services.pubsub.publish(topic, wire);
      expect(res.recipients.map(String)).toContain(m0.libp2p.peerId.toString());
      await waitUntil("oversize verdict at m0", () => verdicts.some(([v, r]) => v === "reject" && r === "oversize"));
      expect(verdicts).toEqual([["reject", "oversize"]]);
      expect(net.queue(WALLET).length).toBe(0);
      // The frame fitted gossipsub's limit, so m0 kept its gossip stream with m1.
      const after = payload(100);
      expect((await m1.handles.get(DKG_TOPIC)!.publish(after)).ok).toBe(true);
      await waitUntil("DKG delivery after the oversize coordination message", () => deliveriesOf(m0, after).length === 1);
    } finally {
      await net.stop();
    }
  });
});
