// PeerDialer (network/peer-dialer.ts) on real libp2p peers over 127.0.0.1: a peer whose connection gate
// refused this node at first is reached within a couple of seconds of dialSoon(), whether the gate
// admits it just before or a moment after the call (the burst of retries), and a wanted operator is
// dialled at the address the peer store holds for it even when it is no bootstrap peer.
import { TypedEventEmitter } from "@libp2p/interface";
import { computeAddress, getBytes, hexlify, keccak256, toUtf8Bytes } from "ethers";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createConnectionGate } from "../../src/network/connection-gate.js";
import { createLibp2pNode, type CoordinationLibp2p } from "../../src/network/libp2p.js";
import type { NetworkEvents } from "../../src/network/network-events.js";
import { PeerDialer } from "../../src/network/peer-dialer.js";
import { silentLogger } from "../../src/util/logger.js";

const keyOf = (label: string): Uint8Array => getBytes(keccak256(toUtf8Bytes(label)));
const addressOf = (key: Uint8Array): string => computeAddress(hexlify(key));
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(25);
  }
}

const nodes: CoordinationLibp2p[] = [];
const runs: AbortController[] = [];

/** A node whose gate admits the operators of `admitted` (read at each inbound connection); counts refusals. */
async function gatedNode(label: string, admitted: Set<string>): Promise<{ node: CoordinationLibp2p; refusals: () => number }> {
  let refusals = 0;
  const events = new TypedEventEmitter<NetworkEvents>();
  events.addEventListener("connection:refused", () => refusals++);
  const node = await createLibp2pNode({
    operatorPrivateKey: keyOf(label),
    listen: ["/ip4/127.0.0.1/tcp/0"],
    connectionGater: createConnectionGate({ seated: { current: admitted }, events, logger: silentLogger }, { configuredPeers: [] }),
  });
  nodes.push(node);
  return { node, refusals: () => refusals };
}

async function dialerNode(label: string, bootstrap: CoordinationLibp2p[]): Promise<{ node: CoordinationLibp2p; dialer: PeerDialer }> {
  const node = await createLibp2pNode({ operatorPrivateKey: keyOf(label), listen: ["/ip4/127.0.0.1/tcp/0"] });
  nodes.push(node);
  // The periodic redial is far away: only dialSoon() can connect within the test's bounds.
  const dialer = new PeerDialer(node, silentLogger, bootstrap.map((b) => b.getMultiaddrs()[0]!.toString()), 600_000);
  const run = new AbortController();
  runs.push(run);
  void dialer.run(run.signal);
  return { node, dialer };
}

const connected = (a: CoordinationLibp2p, b: CoordinationLibp2p): boolean => a.getConnections(b.peerId).some((c) => c.status === "open") && b.getConnections(a.peerId).length > 0;

afterEach(() => {
  for (const r of runs.splice(0)) r.abort();
});

afterAll(async () => {
  for (const n of nodes) await n.stop();
});

describe("PeerDialer over real libp2p peers on 127.0.0.1", () => {
  it("reaches a bootstrap peer whose gate refused it, right after the gate admits it and dialSoon()", async () => {
    const admitted = new Set<string>();
    const remote = await gatedNode("dialer-remote-1", admitted);
    const local = await dialerNode("dialer-local-1", [remote.node]);
    await waitUntil("the first dial refused", () => remote.refusals() === 1, 5000);
    await waitUntil("the refused connection closed", () => local.node.getConnections(remote.node.peerId).length === 0, 5000);
    admitted.add(addressOf(keyOf("dialer-local-1")));
    const t0 = Date.now();
    local.dialer.dialSoon();
    await waitUntil("connected", () => connected(local.node, remote.node), 3000);
    console.log(`[peer-dialer] admitted first: connected ${Date.now() - t0} ms after dialSoon()`);
  });

  it("keeps retrying for a while when the gate admits it only after dialSoon()", async () => {
    const admitted = new Set<string>();
    const remote = await gatedNode("dialer-remote-2", admitted);
    const local = await dialerNode("dialer-local-2", [remote.node]);
    await waitUntil("the first dial refused", () => remote.refusals() === 1, 5000);
    local.dialer.dialSoon();
    await pause(1500);
    expect(connected(local.node, remote.node)).toBe(false);
    admitted.add(addressOf(keyOf("dialer-local-2")));
    const t0 = Date.now();
    await waitUntil("connected", () => connected(local.node, remote.node), 3000);
    console.log(`[peer-dialer] admitted later: connected ${Date.now() - t0} ms after the gate admitted it`);
  });

  it("dials a wanted operator that is no bootstrap peer at the address the peer store holds", async () => {
    const admitted = new Set<string>();
    const remote = await gatedNode("dialer-remote-3", admitted);
    const local = await dialerNode("dialer-local-3", []);
    await local.node.peerStore.merge(remote.node.peerId, { multiaddrs: remote.node.getMultiaddrs() });
    admitted.add(addressOf(keyOf("dialer-local-3")));
    local.dialer.dialSoon([addressOf(keyOf("dialer-remote-3"))]);
    await waitUntil("connected", () => connected(local.node, remote.node), 3000);
    expect(remote.refusals()).toBe(0);
  });
});
