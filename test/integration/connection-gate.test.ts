// The connection policy (coordination.md §8.1) on real libp2p peers over 127.0.0.1: a gated node
// accepts seated operators and configured peers, refuses (and counts) everybody else, and follows
// updates of the seat set without a restart.
import { randomBytes } from "node:crypto";
import { TypedEventEmitter, type Connection } from "@libp2p/interface";
import { computeAddress, getBytes, hexlify, keccak256, toUtf8Bytes } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnectionGate } from "../../src/network/connection-gate.js";
import { createLibp2pNode, operatorAddressOfPeer, type CoordinationLibp2p } from "../../src/network/libp2p.js";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.js";
import type { NetworkEvents } from "../../src/network/network-events.js";
import { silentLogger } from "../../src/util/logger.js";

const keyOf = (label: string): Uint8Array => getBytes(keccak256(toUtf8Bytes(label)));
const addressOf = (key: Uint8Array): string => computeAddress(hexlify(key));
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(25);
  }
}

type Gate = Parameters<typeof createConnectionGate>;
const spawn = (key: Uint8Array, gate?: Gate): Promise<CoordinationLibp2p> =>
  createLibp2pNode({
    operatorPrivateKey: key,
    listen: ["/ip4/127.0.0.1/tcp/0"],
    gossipHeartbeatMs: 200,
    ...(gate !== undefined ? { connectionGater: createConnectionGate(...gate) } : {}),
  });

describe("connection gater over real libp2p peers on 127.0.0.1", () => {
  const SEATED = keyOf("gate-seated");
  const CONFIGURED = keyOf("gate-configured");
  const LATE = keyOf("gate-late");
  const seated = new Set<string>([addressOf(SEATED)]);
  let metrics: Metrics;
  let gated: CoordinationLibp2p;
  const dialers: CoordinationLibp2p[] = [];

  async function dialer(key: Uint8Array): Promise<CoordinationLibp2p> {
    const n = await spawn(key);
    dialers.push(n);
    return n;
  }

  /** Dials the gated node; true if the connection is up on both ends and still open a moment later. */
  async function connects(from: CoordinationLibp2p): Promise<boolean> {
    let conn: Connection;
    try {
      conn = await from.dial(gated.getMultiaddrs()[0]);
    } catch {
      expect(gated.getConnections(from.peerId)).toHaveLength(0);
      return false;
    }
    await pause(300);
    const open = conn.status === "open" && gated.getConnections(from.peerId).some((c) => c.status === "open");
    if (!open) await waitUntil("refused connection closed on both ends", () => from.getConnections(gated.peerId).length === 0);
    return open;
  }

  async function refused(reason: string): Promise<number> {
    const m = await metrics.registry.getSingleMetric("wcoord_p2p_connections_refused_total")!.get();
    return m.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  }

  beforeAll(async () => {
    metrics = createMetrics({ processMetrics: false });
    const configuredPeer = (await dialer(CONFIGURED)).peerId.toString();
    const events = new TypedEventEmitter<NetworkEvents>();
    events.addEventListener("connection:refused", (e) => metrics.p2pConnectionsRefused.inc({ reason: e.detail }));
    gated = await spawn(keyOf("gate-node"), [
      { seated: { current: seated }, events, logger: silentLogger },
      { configuredPeers: [`/ip4/127.0.0.1/tcp/1/p2p/${configuredPeer}`] },
    ]);
  });

  afterAll(async () => {
    for (const n of dialers) await n.stop();
    await gated?.stop();
  });

  it("accepts a seated operator", async () => {
    const peer = await dialer(SEATED);
    expect(operatorAddressOfPeer(peer.peerId)).toBe(addressOf(SEATED));
    expect(await connects(peer)).toBe(true);
    // The connection is usable: identify has run over it.
    await waitUntil("identify", () => gated.getPeers().some((p) => p.equals(peer.peerId)));
  });

  it("refuses a stranger (random key, no seat) and counts it", async () => {
    const before = await refused("not_seated");
    const stranger = await dialer(new Uint8Array(randomBytes(32)));
    expect(await connects(stranger)).toBe(false);
    expect(await refused("not_seated")).toBe(before + 1);
    expect(gated.getConnections(stranger.peerId)).toHaveLength(0);
  });

  it("accepts a configured peer that holds no seat", async () => {
    const before = await refused("not_seated");
    const peer = dialers.find((d) => operatorAddressOfPeer(d.peerId) === addressOf(CONFIGURED))!;
    expect(seated.has(addressOf(CONFIGURED))).toBe(false);
    expect(await connects(peer)).toBe(true);
    expect(await refused("not_seated")).toBe(before);
  });

  it("accepts a peer once its operator is seated, without a restart", async () => {
    const before = await refused("not_seated");
    const peer = await dialer(LATE);
    expect(await connects(peer)).toBe(false);
    expect(await refused("not_seated")).toBe(before + 1);
    seated.add(addressOf(LATE));
    expect(await connects(peer)).toBe(true);
    expect(await refused("not_seated")).toBe(before + 1);
  });
});
