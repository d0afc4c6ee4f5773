import { generateKeyPair, privateKeyFromRaw } from "@libp2p/crypto/keys";
import { TypedEventEmitter, type MultiaddrConnection } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { getBytes, Wallet } from "ethers";
import { describe, expect, it } from "vitest";
import { configuredPeerIds, createConnectionGate, decideInbound, unionOperators } from "../../src/network/connection-gate.js";
import { type ConnectionRefusal } from "../../src/metrics/metrics.js";
import type { NetworkEvents } from "../../src/network/network-events.js";
import { silentLogger } from "../../src/util/logger.js";

const key = (n: number): string => "0x" + n.toString(16).padStart(64, "0");
const alice = new Wallet(key(1));
const bob = new Wallet(key(2));
const peerOf = (w: Wallet) => peerIdFromPrivateKey(privateKeyFromRaw(getBytes(w.privateKey)));
const ALICE_PEER = peerOf(alice).toString();
const BOB_PEER = peerOf(bob).toString();
const conn = { remoteAddr: multiaddr("/ip4/127.0.0.1/tcp/40000") } as unknown as MultiaddrConnection;

describe("decideInbound", () => {
  const policy = { configuredPeers: new Set([BOB_PEER]), seatedOperators: new Set([alice.address]) };

  it("accepts a seated operator", () => {
    expect(decideInbound(ALICE_PEER, alice.address, policy)).toEqual({ accept: true, via: "seated" });
  });

  it("accepts a configured peer whatever its seats, even a non-operator key", () => {
    expect(decideInbound(BOB_PEER, bob.address, policy)).toEqual({ accept: true, via: "configured" });
    expect(decideInbound(BOB_PEER, null, policy)).toEqual({ accept: true, via: "configured" });
  });

  it("refuses an operator without a seat, and a key with no operator address", () => {
    const carol = new Wallet(key(3));
    expect(decideInbound(peerOf(carol).toString(), carol.address, policy)).toEqual({ accept: false, reason: "not_seated" });
    expect(decideInbound("12D3KooWSomething", null, policy)).toEqual({ accept: false, reason: "not_operator_key" });
  });

  it("refuses everyone unconfigured while the seat set is empty", () => {
    const empty = { configuredPeers: new Set<string>(), seatedOperators: new Set<string>() };
    expect(decideInbound(ALICE_PEER, alice.address, empty)).toEqual({ accept: false, reason: "not_seated" });
  });

  it("reads peer ids from configured multiaddrs and skips the rest", () => {
    const ids = configuredPeerIds([`/ip4/10.0.0.1/tcp/3919/p2p/${BOB_PEER}`, "/ip4/10.0.0.2/tcp/3919", "not a multiaddr", `/dns4/x.example/tcp/1/p2p/${ALICE_PEER}`]);
    expect([...ids].sort()).toEqual([ALICE_PEER, BOB_PEER].sort());
  });
});

describe("createConnectionGate", () => {
  function gate(seated: Set<string>, configured: string[] = []) {
    const refused: ConnectionRefusal[] = [];
    const events = new TypedEventEmitter<NetworkEvents>();
    events.addEventListener("connection:refused", (e) => refused.push(e.detail));
    const g = createConnectionGate({ seated: { current: seated }, events, logger: silentLogger }, { configuredPeers: configured });
    return { g, refused };
  }

  it("maps the authenticated peer id to its operator address and counts refusals", async () => {
    const seated = new Set<string>();
    const { g, refused } = gate(seated);
    expect(await g.denyInboundEncryptedConnection!(peerOf(alice), conn)).toBe(true);
    expect(refused).toEqual(["not_seated"]);
    // The set is read at every connection: seating applies without a new gate.
    seated.add(alice.address);
    expect(await g.denyInboundEncryptedConnection!(peerOf(alice), conn)).toBe(false);
    expect(await g.denyInboundEncryptedConnection!(peerOf(bob), conn)).toBe(true);
    expect(refused).toEqual(["not_seated", "not_seated"]);
  });

  it("accepts configured peers and refuses non-secp256k1 keys", async () => {
    const ed = peerIdFromPrivateKey(await generateKeyPair("Ed25519"));
    const { g, refused } = gate(new Set([alice.address]), [`/ip4/127.0.0.1/tcp/1/p2p/${BOB_PEER}`]);
    expect(await g.denyInboundEncryptedConnection!(peerOf(bob), conn)).toBe(false);
    expect(await g.denyInboundEncryptedConnection!(ed, conn)).toBe(true);
    expect(refused).toEqual(["not_operator_key"]);
  });

  it("gates nothing but inbound encrypted connections", () => {
    const { g } = gate(new Set());
    expect(Object.keys(g)).toEqual(["denyInboundEncryptedConnection"]);
  });
});

describe("unionOperators", () => {
  it("admits the members of a pending DKG who share no wallet with the node, read afresh at every connection", async () => {
    const seated = new Set([alice.address]);
    const dkgMembers = new Set<string>();
    const union = unionOperators({ current: seated }, { current: dkgMembers });
    expect(union.current).toBe(seated); // nothing to add: no copy
    const refused: ConnectionRefusal[] = [];
    const events = new TypedEventEmitter<NetworkEvents>();
    events.addEventListener("connection:refused", (e) => refused.push(e.detail));
    const g = createConnectionGate({ seated: union, events, logger: silentLogger }, { configuredPeers: [] });
    expect(await g.denyInboundEncryptedConnection!(peerOf(bob), conn)).toBe(true);
    dkgMembers.add(bob.address);
    expect(await g.denyInboundEncryptedConnection!(peerOf(bob), conn)).toBe(false);
    expect(await g.denyInboundEncryptedConnection!(peerOf(alice), conn)).toBe(false);
    expect([...union.current].sort()).toEqual([alice.address, bob.address].sort());
    seated.clear();
    expect(union.current).toBe(dkgMembers);
    dkgMembers.clear();
    expect(await g.denyInboundEncryptedConnection!(peerOf(bob), conn)).toBe(true);
    expect(refused).toEqual(["not_seated", "not_seated"]);
  });
});
