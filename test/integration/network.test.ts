import { TypedEventEmitter } from "@libp2p/interface";
import { getBytes, keccak256, toUtf8Bytes, Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActionType } from "../../src/protocol/constants.js";
import type { UnsignedCoordinationMessage } from "../../src/protocol/message.js";
import { encodeCoordinationMessage } from "../../src/protocol/codec.js";
import { CoordinationNetwork, type InboundItem } from "../../src/network/coordination-network.js";
import { coordinationDomain, messageDigest, signCoordinationMessage } from "../../src/network/eip712.js";
import type { GossipAction, GossipReason } from "../../src/protocol/message.js";
import { createLibp2pNode, operatorAddressOfPeer, peerIdOfOperatorKey, type CoordinationLibp2p } from "../../src/network/libp2p.js";
import type { NetworkEvents } from "../../src/network/network-events.js";
import { coordinationTopic } from "../../src/network/topics.js";
import { silentLogger } from "../../src/util/logger.js";
import { to0x, toHex } from "../../src/util/hex.js";

const CHAIN_ID = 31337n;
const DOMAIN = coordinationDomain(CHAIN_ID, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const PROFILE = new Uint8Array(32).fill(0x5a);
const W = 9000;
const WALLET = new Uint8Array(20).fill(0xaa);
const LATE_WALLET = new Uint8Array(20).fill(0xcc);
const HEARTBEAT_MS = 200;

interface Peer {
  key: Uint8Array;
  signer: Wallet;
  libp2p: CoordinationLibp2p;
  net: CoordinationNetwork;
  verdicts: Array<[GossipAction, GossipReason]>;
  malformed: GossipReason[];
  mismatches: Array<{ sender: string; remoteHash: Uint8Array; wallet: Uint8Array }>;
  transcript: InboundItem[];
  queueFull: number;
}

const keyOf = (label: string): Uint8Array => getBytes(keccak256(toUtf8Bytes(label)));

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function count(p: Peer, reason: GossipReason): number {
  return p.verdicts.filter(([, r]) => r === reason).length;
}

async function signedWire(signer: Wallet, over: Partial<UnsignedCoordinationMessage> = {}): Promise<Uint8Array> {
  const msg: UnsignedCoordinationMessage = {
    protocolVersion: 1,
    chainId: CHAIN_ID,
    profileHash: PROFILE,
    coordinationBlock: W,
    walletPubKeyHash: WALLET,
    sender: getBytes(signer.address),
    senderSeat: 1,
    proposal: { actionType: ActionType.Noop, payload: new Uint8Array(0) },
    ...over,
  };
  return encodeCoordinationMessage(await signCoordinationMessage(signer, msg, DOMAIN));
}

/** Takes everything currently queued without waiting. */
async function drain(p: Peer, pkh = WALLET): Promise<InboundItem[]> {
  const q = p.net.queue(pkh);
  const out: InboundItem[] = [];
  while (q.length > 0) out.push(await q.shift());
  return out;
}

describe("CoordinationNetwork over real libp2p peers on 127.0.0.1", () => {
  const peers: Peer[] = [];
  let seats: string[] = [];
  let rogue: CoordinationLibp2p;

  async function makePeer(label: string, bootstrap: string[], start = true, queueCapacity?: number): Promise<Peer> {
    const key = keyOf(label);
    const libp2p = await createLibp2pNode({ operatorPrivateKey: key, listen: ["/ip4/127.0.0.1/tcp/0"], gossipHeartbeatMs: HEARTBEAT_MS });
    const p: Peer = { key, signer: new Wallet(toHexKey(key)), libp2p, net: undefined as never, verdicts: [], malformed: [], mismatches: [], transcript: [], queueFull: 0 };
    const events = new TypedEventEmitter<NetworkEvents>();
    events.addEventListener("gossip:queue-full", () => p.queueFull++);
    events.addEventListener("gossip:verdict", (e) => p.verdicts.push([e.detail.verdict, e.detail.reason]));
    events.addEventListener("gossip:malformed", (e) => p.malformed.push(e.detail));
    events.addEventListener("gossip:profile-mismatch", (e) => p.mismatches.push(e.detail));
    p.net = new CoordinationNetwork(
      {
        libp2p,
        logger: silentLogger,
        events,
        transcript: { record: (item) => p.transcript.push(item) },
        seats: { seatsOf: () => seats },
        clock: { head: W },
        identity: { chainId: CHAIN_ID, profileHash: to0x(PROFILE), domain: DOMAIN },
      },
      {
        bootstrapPeers: bootstrap,
        redialIntervalMs: 1000,
        ...(queueCapacity !== undefined ? { queueCapacity } : {}),
      },
    );
    p.net.subscribeWallet(WALLET);
    if (start) await p.net.start();
    return p;
  }
  const toHexKey = (k: Uint8Array): string => "0x" + toHex(k);

  beforeAll(async () => {
    // A line n0 — n1 — n2 — n3: n2 and n3 hear n0 only through relays, so forwarding is exercised.
    const n0 = await makePeer("h5-node-0", []);
    peers.push(n0);
    for (let i = 1; i < 4; i++) peers.push(await makePeer(`h5-node-${i}`, [peers[i - 1].net.multiaddrs[0]]));
    seats = peers.map((p) => p.signer.address);
    rogue = await createLibp2pNode({ operatorPrivateKey: keyOf("h5-rogue"), listen: ["/ip4/127.0.0.1/tcp/0"], gossipHeartbeatMs: HEARTBEAT_MS });
    await rogue.dial(peers[1].libp2p.getMultiaddrs()[0]);
    rogue.services.pubsub.subscribe(coordinationTopic(CHAIN_ID, WALLET));
    // Every relay needs its neighbours in the topic mesh before anything is published.
    await waitUntil("topic meshes", () =>
      peers.every((p, i) => p.net.meshPeerCount(WALLET) >= (i === 0 || i === 3 ? 1 : 2)) && peers[1].net.meshPeerCount(WALLET) >= 3,
    );
  }, 30_000);

  afterAll(async () => {
    for (const p of peers) {
      await p.net.stop();
      await p.libp2p.stop();
    }
    await rogue?.stop();
  });

  it("binds libp2p identity to the operator key", () => {
    for (const p of peers) {
      expect(p.net.peerId.startsWith("16Uiu2")).toBe(true);
      expect(p.net.peerId).toBe(peerIdOfOperatorKey(p.key));
      expect(operatorAddressOfPeer(p.libp2p.peerId)).toBe(p.signer.address);
      expect(p.net.multiaddrs.every((m) => m.startsWith("/ip4/127.0.0.1/tcp/"))).toBe(true);
    }
    expect(peers[1].net.connectedPeers()).toBe(3); // n0, n2 and the rogue
    expect(peers[3].net.connectedPeers()).toBe(1);
  });

  it("delivers a signed message once to every other peer, attributed to its signer", async () => {
    const [n0, ...others] = peers;
    const wire = await signedWire(n0.signer, { senderSeat: 1 });
    await n0.net.waitForPeers(WALLET, { signal: AbortSignal.timeout(5000) });
    const res = await n0.net.publish(WALLET, wire);
    expect(res).toEqual({ ok: true, recipients: 1 });
    await waitUntil("delivery", () => others.every((p) => p.net.queue(WALLET).length >= 1));
    await pause(3 * HEARTBEAT_MS); // room for gossip (IHAVE/IWANT) to bring extra copies
    for (const p of others) {
      const items = await drain(p);
      expect(items).toHaveLength(1);
      const [item] = items;
      expect(item.fromOperator).toBe(n0.signer.address);
      expect(item.fromPeer).toBe(n0.net.peerId);
      expect(item.wire).toEqual(wire);
      expect(item.digest).toEqual(messageDigest(item.message, DOMAIN));
      expect(item.message.senderSeat).toBe(1);
      // The transcript hook saw the very item before the follower could.
      expect(p.transcript.at(-1)).toBe(item);
    }
    expect(await drain(n0)).toHaveLength(0); // emitSelf is off and own publishes are not validated
  });

  it("propagates a republish of the same bytes, including to a late joiner behind relays, without enqueuing twice", async () => {
    const [n0, n1, n2, n3] = peers;
    for (const p of [n0, n1, n2]) p.net.subscribeWallet(LATE_WALLET);
    await waitUntil("late-wallet mesh", () => n1.net.meshPeerCount(LATE_WALLET) >= 2 && n2.net.meshPeerCount(LATE_WALLET) >= 1);
    const wire = await signedWire(n0.signer, { walletPubKeyHash: LATE_WALLET, senderSeat: 1 });
    expect((await n0.net.publish(LATE_WALLET, wire)).ok).toBe(true);
    await waitUntil("first delivery", () => n1.net.queue(LATE_WALLET).length === 1 && n2.net.queue(LATE_WALLET).length === 1);
    expect(n3.net.queue(LATE_WALLET).length).toBe(0);

    // n3 joins the topic; it can hear n0 only through n1 and n2, which have seen the digest already.
    n3.net.subscribeWallet(LATE_WALLET);
    await waitUntil("n3 in mesh", () => n2.net.meshPeerCount(LATE_WALLET) >= 2 && n3.net.meshPeerCount(LATE_WALLET) >= 1);
    const dupBefore = [n1, n2, n3].map((p) => count(p, "duplicate"));
    expect((await n0.net.publish(LATE_WALLET, wire)).ok).toBe(true);
    await waitUntil("republish reaches n3", () => n3.net.queue(LATE_WALLET).length === 1);
    await pause(3 * HEARTBEAT_MS);
    expect(count(n1, "duplicate") - dupBefore[0]).toBe(1);
    expect(count(n2, "duplicate") - dupBefore[1]).toBe(1);
    expect(count(n3, "duplicate") - dupBefore[2]).toBe(0);
    for (const p of [n1, n2, n3]) {
      const items = await drain(p, LATE_WALLET);
      expect(items).toHaveLength(1);
      expect(items[0].wire).toEqual(wire);
      expect(items[0].fromOperator).toBe(n0.signer.address);
    }
  });

  it("rejects forged messages at the first hop and delivers none of them", async () => {
    const [n0, n1, n2, n3] = peers;
    const before = { sig: count(n1, "bad_signature"), from: count(n1, "from_mismatch") };
    // n0 claims to be n2 but signs with its own key.
    const forged = encodeCoordinationMessage({
      ...(await signCoordinationMessage(
        n0.signer,
        {
          protocolVersion: 1,
          chainId: CHAIN_ID,
          profileHash: PROFILE,
          coordinationBlock: W,
          walletPubKeyHash: WALLET,
          sender: getBytes(n2.signer.address),
          senderSeat: 3,
          proposal: { actionType: ActionType.Noop, payload: new Uint8Array(0) },
        },
        DOMAIN,
      )),
    });
    // A genuine message of n2, published by n0: the gossip `from` does not match the sender.
    const replayed = await signedWire(n2.signer, { senderSeat: 3, proposal: { actionType: ActionType.Heartbeat, payload: Uint8Array.of(0x0a, 0x10, ...new Uint8Array(16).fill(7)) } });
    expect((await n0.net.publish(WALLET, forged)).ok).toBe(true);
    expect((await n0.net.publish(WALLET, replayed)).ok).toBe(true);
    await waitUntil("rejections at n1", () => count(n1, "bad_signature") > before.sig && count(n1, "from_mismatch") > before.from);
    await pause(3 * HEARTBEAT_MS);
    expect(count(n1, "bad_signature") - before.sig).toBe(1);
    expect(count(n1, "from_mismatch") - before.from).toBe(1);
    // Rejected messages are not forwarded, so n2 and n3 never even validate them.
    for (const p of [n2, n3]) expect(p.verdicts.some(([, r]) => r === "bad_signature" || r === "from_mismatch")).toBe(false);
    for (const p of [n1, n2, n3]) expect(p.net.queue(WALLET).length).toBe(0);
  });

  it("rejects a message with another profile hash and reports the mismatch", async () => {
    const [n0, n1, n2, n3] = peers;
    const remote = new Uint8Array(32).fill(0x77);
    const wire = await signedWire(n0.signer, { profileHash: remote });
    expect((await n0.net.publish(WALLET, wire)).ok).toBe(true);
    await waitUntil("profile mismatch at n1", () => n1.mismatches.length === 1);
    expect(n1.mismatches[0].sender).toBe(n0.signer.address);
    expect(n1.mismatches[0].remoteHash).toEqual(remote);
    expect(n1.mismatches[0].wallet).toEqual(WALLET);
    expect(n1.verdicts).toContainEqual(["reject", "profile_mismatch"]);
    await pause(3 * HEARTBEAT_MS);
    for (const p of [n1, n2, n3]) expect(p.net.queue(WALLET).length).toBe(0);
    expect(n2.mismatches).toHaveLength(0);
  });

  it("drops 1000 garbage payloads from a misbehaving peer, counts them, and stays healthy", async () => {
    const [n0, n1, n2, n3] = peers;
    const topic = coordinationTopic(CHAIN_ID, WALLET);
    const malformedBefore = n1.malformed.length;
    let seed = 0x5eed;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
    let published = 0;
    for (let i = 0; i < 1000; i++) {
      const len = 1 + ((rnd() << 4) | (rnd() & 0xf)) % 3000;
      const data = Uint8Array.from({ length: len }, rnd);
      if (i % 4 === 0) data[0] = 0x08; // start like a real message so decoding gets past the first byte
      const res = await rogue.services.pubsub.publish(topic, data);
      if (res.recipients.length > 0) published++;
      if (i % 100 === 99) await pause(5);
    }
    expect(published).toBe(1000);
    await waitUntil("n1 counts all garbage", () => n1.malformed.length - malformedBefore === 1000, 15_000);
    expect(n1.verdicts.filter(([v]) => v === "reject").length).toBeGreaterThanOrEqual(1000);
    // Nothing was forwarded or queued.
    expect(n2.malformed).toHaveLength(0);
    expect(n3.malformed).toHaveLength(0);
    for (const p of [n1, n2, n3]) expect(p.net.queue(WALLET).length).toBe(0);

    // Still healthy: a valid message afterwards reaches everyone.
    const wire = await signedWire(n0.signer, { proposal: { actionType: ActionType.Heartbeat, payload: Uint8Array.of(0x0a, 0x10, ...new Uint8Array(16).fill(9)) } });
    expect((await n0.net.publish(WALLET, wire)).ok).toBe(true);
    await waitUntil("valid message after garbage", () => [n1, n2, n3].every((p) => p.net.queue(WALLET).length === 1));
    for (const p of [n1, n2, n3]) expect((await drain(p))[0].wire).toEqual(wire);
  }, 40_000);

  it("re-dials a bootstrap peer after a disconnect", async () => {
    const [n0, n1] = peers;
    await n1.libp2p.hangUp(n0.libp2p.peerId);
    expect(n1.libp2p.getConnections(n0.libp2p.peerId)).toHaveLength(0);
    await waitUntil("re-dial", () => n1.libp2p.getConnections(n0.libp2p.peerId).length > 0, 5000);
    await waitUntil("mesh again", () => n0.net.meshPeerCount(WALLET) >= 1);
  });

  it("drops an accepted message when the wallet queue is full, without a transcript line", async () => {
    const n0 = peers[0];
    const tiny = await makePeer("h5-tiny", [n0.net.multiaddrs[0]], true, 1);
    try {
      await waitUntil("tiny in mesh", () => tiny.net.meshPeerCount(WALLET) >= 1);
      const hb = (i: number) => ({ actionType: ActionType.Heartbeat, payload: Uint8Array.of(0x0a, 0x10, ...new Uint8Array(16).fill(0x40 + i)) });
      const first = await signedWire(n0.signer, { proposal: hb(1) });
      const second = await signedWire(n0.signer, { proposal: hb(2) });
      await n0.net.publish(WALLET, first);
      await waitUntil("first queued", () => tiny.net.queue(WALLET).length === 1);
      await n0.net.publish(WALLET, second);
      await waitUntil("second dropped", () => tiny.queueFull === 1);
      expect(tiny.verdicts.filter(([v, r]) => v === "accept" && r === "ok")).toHaveLength(2);
      expect(tiny.transcript.map((i) => i.wire)).toEqual([first]);
      expect(tiny.net.queue(WALLET).dropped).toBe(1);
      expect((await drain(tiny)).map((i) => i.wire)).toEqual([first]);
    } finally {
      await tiny.net.stop();
      await tiny.libp2p.stop();
    }
    for (const p of peers.slice(1)) await drain(p);
  });

  it("publishes with zero peers without throwing, and waitForPeers honours abort", async () => {
    const lonely = await makePeer("h5-lonely", ["/ip4/127.0.0.1/tcp/1/p2p/" + peerIdOfOperatorKey(keyOf("nobody")), "not a multiaddr"]);
    try {
      const wire = await signedWire(lonely.signer);
      expect(await lonely.net.publish(WALLET, wire)).toEqual({ ok: true, recipients: 0 });
      expect(lonely.net.subscriberCount(WALLET)).toBe(0);
      const t0 = Date.now();
      await expect(lonely.net.waitForPeers(WALLET, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    } finally {
      await lonely.net.stop();
      await lonely.libp2p.stop();
    }
    // After libp2p is gone, publish reports the error instead of throwing.
    const res = await lonely.net.publish(WALLET, new Uint8Array([1, 2, 3]));
    expect(res.ok).toBe(false);
    expect(typeof res.error).toBe("string");
  });

  it("start/stop are idempotent, stop without start is legal, and stop unsubscribes", async () => {
    const idle = await makePeer("h5-idle", [], false);
    try {
      await idle.net.stop(); // never started
      await idle.net.start();
      await idle.net.start();
      const topic = coordinationTopic(CHAIN_ID, WALLET);
      expect(idle.libp2p.services.pubsub.getTopics()).toContain(topic);
      expect(idle.libp2p.services.pubsub.topicValidators.has(topic)).toBe(true);
      await idle.net.stop();
      await idle.net.stop();
      expect(idle.libp2p.services.pubsub.getTopics()).not.toContain(topic);
      expect(idle.libp2p.services.pubsub.topicValidators.has(topic)).toBe(false);
      // A restart re-subscribes the wallets it knew.
      await idle.net.start();
      expect(idle.libp2p.services.pubsub.getTopics()).toContain(topic);
      await idle.net.stop();
    } finally {
      await idle.libp2p.stop();
    }
  });
});
