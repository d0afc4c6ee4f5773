// The signing shell's small parts (threshold.md §5.2): the evidence wire, the bounded buffers, and
// NetworkSigner over an in-memory topic bus (fast; the real libp2p runs are
// test/integration/network-signer.test.ts): request checks, held-share checks, and a nonce mark that
// refuses the release of shares.
import { describe, expect, it } from "vitest";
import type { DeliverVerdict, JoinOptions, MemberTopicHandle } from "../../src/network/member-topics.js";
import { Store } from "../../src/store/store.js";
import type { SigningInvalidShareEvidence } from "../../src/threshold/signing/evidence.js";
import { decodeEvidenceWire, encodeEvidenceWire, topicMessageHeader } from "../../src/threshold/signing/evidence-wire.js";
import { NetworkSigner, SigningSessionError, type SigningSessionSummary } from "../../src/threshold/signing/network-signer.js";
import { FinishedSessions, PendingMessages, type PendingDrop } from "../../src/threshold/signing/session-buffers.js";
import { SigningDecodeError } from "../../src/threshold/signing/signing-codec.js";
import { UnknownWalletError, type SignRequest } from "../../src/threshold/wallet-signer.js";
import { to0x } from "../../src/util/hex.js";
import { silentLogger } from "../../src/util/logger.js";
import { leafKey, signingWorld, WALLET_KEY, type SigningWorld } from "./signing-harness.js";

const SESSION = new Uint8Array(32).fill(7);

function sampleEvidence(): SigningInvalidShareEvidence {
  const pkg = new Uint8Array(120).fill(9);
  pkg[0] = 2;
  pkg.set(SESSION, 1);
  return { kind: "SigningInvalidShare", member: 3, digestIndex: 1, packageWire: pkg, sharesWire: new Uint8Array(80).fill(4), verifyingShare: new Uint8Array(33).fill(2) };
}

describe("evidence wire", () => {
  it("round-trips, and routes by the same header as the signing messages", () => {
    const e = sampleEvidence();
    const wire = encodeEvidenceWire(SESSION, e);
    expect(decodeEvidenceWire(wire)).toEqual({ sessionId: SESSION, evidence: e });
    expect(topicMessageHeader(wire)).toEqual({ kind: "evidence", sessionId: SESSION });
    expect(topicMessageHeader(e.packageWire)).toEqual({ kind: "signing", sessionId: SESSION });
    expect(topicMessageHeader(Uint8Array.of(9, ...SESSION))).toBeUndefined();
    expect(topicMessageHeader(new Uint8Array(10))).toBeUndefined();
  });

  it("is strict: truncation, a trailing byte, a huge length, a package of another session", () => {
    const wire = encodeEvidenceWire(SESSION, sampleEvidence());
    expect(() => decodeEvidenceWire(wire.slice(0, -1))).toThrow(SigningDecodeError);
    expect(() => decodeEvidenceWire(Uint8Array.of(...wire, 0))).toThrow(SigningDecodeError);
    const huge = wire.slice();
    huge.set([0xff, 0xff, 0xff, 0xff], 1 + 32 + 2 + 33);
    expect(() => decodeEvidenceWire(huge)).toThrow(SigningDecodeError);
    expect(() => decodeEvidenceWire(encodeEvidenceWire(new Uint8Array(32).fill(8), sampleEvidence()))).toThrow(/another session/);
  });
});

describe("pending messages and finished sessions", () => {
  it("bounds messages per session, sessions per wallet, and time", () => {
    let now = 1000;
    const drops: [PendingDrop, number][] = [];
    const p = new PendingMessages({ maxSessions: 2, maxMessages: 2, ttlMs: 500, maxBytes: 1000 }, (r, n) => drops.push([r, n]), () => now);
    expect(p.add("a", Uint8Array.of(1))).toBe(true);
    expect(p.add("a", Uint8Array.of(2))).toBe(true);
    expect(p.add("a", Uint8Array.of(3))).toBe(false);
    p.add("b", Uint8Array.of(4));
    p.add("c", Uint8Array.of(5)); // evicts a (2 messages)
    expect(drops).toEqual([
      ["pending_session_full", 1],
      ["pending_evicted", 2],
    ]);
    expect(p.take("a")).toEqual([]);
    now += 600;
    expect(p.take("c")).toEqual([]); // expired with b
    expect(drops.slice(2)).toEqual([
      ["pending_expired", 1],
      ["pending_expired", 1],
    ]);
    p.add("d", Uint8Array.of(6));
    p.add("d", Uint8Array.of(7));
    expect(p.take("d")).toEqual([Uint8Array.of(6), Uint8Array.of(7)]);
    expect(p.size).toBe(0);
    expect(p.heldBytes).toBe(0);
  });

  it("bounds the bytes kept over all sessions", () => {
    const drops: PendingDrop[] = [];
    const p = new PendingMessages({ maxSessions: 10, maxMessages: 10, ttlMs: 60_000, maxBytes: 250 }, (r) => drops.push(r));
    expect(p.add("a", new Uint8Array(100))).toBe(true);
    expect(p.add("b", new Uint8Array(100))).toBe(true);
    expect(p.add("c", new Uint8Array(100))).toBe(false);
    expect(drops).toEqual(["pending_bytes_full"]);
    expect(p.heldBytes).toBe(200);
    p.take("a");
    expect(p.heldBytes).toBe(100);
    expect(p.add("c", new Uint8Array(100))).toBe(true);
  });

  it("remembers a bounded number of finished sessions", () => {
    const f = new FinishedSessions(2);
    f.add("a");
    f.add("b");
    f.add("c");
    expect([f.has("a"), f.has("b"), f.has("c")]).toEqual([false, true, true]);
    f.delete("b");
    expect(f.has("b")).toBe(false);
  });
});

/** An in-memory signing topic: a publish reaches every other joined node's `deliver`, from its operator. */
class FakeBus {
  private readonly nodes: { address: string; opts: JoinOptions }[] = [];

  topicsFor(address: string): { join(topic: string, opts: JoinOptions): MemberTopicHandle } {
    return {
      join: (topic, opts) => {
        this.nodes.push({ address, opts });
        return {
          topic,
          kind: "signing",
          publish: async (data) => {
            for (const n of this.nodes) {
              if (n.address === address) continue;
              setImmediate(() => {
                const verdict: DeliverVerdict = n.opts.members().has(address) ? n.opts.deliver(new Uint8Array(data), address) : "reject";
                void verdict;
              });
            }
            return { ok: true, recipients: this.nodes.length - 1 };
          },
          subscribers: () => this.nodes.length - 1,
          meshPeers: () => this.nodes.length - 1,
          waitForPeers: async () => undefined,
          leave: () => undefined,
        };
      },
    };
  }
}

interface Node {
  readonly signer: NetworkSigner;
  readonly store: Store;
  readonly sessions: SigningSessionSummary[];
}

function nodesOf(world: SigningWorld, attemptMs: number): Node[] {
  const bus = new FakeBus();
  return world.operatorKeys.map((key, i) => {
    const store = Store.openMemory();
    const sessions: SigningSessionSummary[] = [];
    const signer = new NetworkSigner(
      { topics: bus.topicsFor(world.operators[i]), operatorKey: key, nonceMarks: store.signingNonceMarks, logger: silentLogger, onSessionEnd: (s) => sessions.push(s) },
      {
        chainId: world.domain.chainId,
        signingAttemptMs: attemptMs,
        wallets: [{ walletPkh: world.wallet.walletPkh, public: world.wallet.public, memberIndex: i + 1, secret: world.wallet.shares.get(i + 1)!, members: world.operators }],
      },
    );
    return { signer, store, sessions };
  });
}

function requestOf(world: SigningWorld, over: Partial<SignRequest> = {}): SignRequest {
  return { walletPkh: world.wallet.walletPkh, roundId: world.sessionId, digests: world.digests, keys: world.keys, startBlock: 1, deadlineBlock: 80, ...over };
}

describe("NetworkSigner over an in-memory topic", () => {
  const world = signingWorld(5, 3, [WALLET_KEY, leafKey("shell")], "shell");

  it("a node whose store marks attempt 0 (an earlier life) neither commits to nor coordinates it; a later attempt signs", async () => {
    const nodes = nodesOf(world, 1000);
    for (const n of nodes) await n.signer.start();
    // Member 1 (attempt 0's coordinator) holds a mark of attempt 0 for some other package.
    const foreign = "0x" + "ee".repeat(32);
    nodes[0].store.signingNonceMarks.mark(to0x(world.sessionId), 0, foreign);
    const results = await Promise.all(nodes.map((n) => n.signer.sign(requestOf(world))));
    expect(new Set(results.map((r) => r.map((s) => to0x(s)).join()))).toHaveProperty("size", 1);
    // Its mark kept it out of attempt 0 altogether (no package, so no share to refuse; threshold.md §7).
    expect(nodes[0].signer.stats().refusals.MARK_FAILED).toBeUndefined();
    expect(nodes[0].store.signingNonceMarks.packageOf(to0x(world.sessionId), 0)).toBe(foreign);
    const s = nodes.flatMap((n) => n.sessions).find((x) => x.signers.length > 0)!;
    expect(s.attempts).toBeGreaterThanOrEqual(2);
    expect(s.signers).not.toContain(1);
    for (const n of nodes) await n.signer.stop();
  });

  it("checks the request: unknown wallet, not started, ECDSA digests, a leader who is no member, a running session", async () => {
    const [node] = nodesOf(world, 300);
    const other = signingWorld(5, 3, [WALLET_KEY], "shell-other");
    await expect(node.signer.sign(requestOf(other))).rejects.toBeInstanceOf(UnknownWalletError);
    await expect(node.signer.sign(requestOf(world))).rejects.toMatchObject({ code: "SIGNER_STOPPED" });
    await node.signer.start();
    await expect(node.signer.sign(requestOf(world, { keys: undefined }))).rejects.toMatchObject({ code: "SIGNING_BAD_REQUEST" });
    await expect(node.signer.sign(requestOf(world, { leader: other.operators[0] }))).rejects.toBeInstanceOf(SigningSessionError);
    const ctl = new AbortController();
    const running = node.signer.sign(requestOf(world, { signal: ctl.signal }));
    await expect(node.signer.sign(requestOf(world))).rejects.toMatchObject({ code: "SIGNING_SESSION_ACTIVE" });
    ctl.abort(new Error("deadline"));
    await expect(running).rejects.toThrow("deadline");
    expect(node.sessions.map((s) => [s.outcome, s.attempts])).toEqual([["aborted", 1]]);
    await node.signer.stop();
  });

  it("checks each held share against the wallet and this node's operator", () => {
    const base = { walletPkh: world.wallet.walletPkh, public: world.wallet.public, memberIndex: 2, secret: world.wallet.shares.get(2)!, members: world.operators };
    const make = (over: Partial<typeof base>, key = world.operatorKeys[1]) =>
      new NetworkSigner({ topics: new FakeBus().topicsFor("x"), operatorKey: key, nonceMarks: Store.openMemory().signingNonceMarks, logger: silentLogger }, { chainId: 31337n, wallets: [{ ...base, ...over }] });
    expect(() => make({})).not.toThrow();
    expect(() => make({}, world.operatorKeys[0])).toThrow(/not this node's operator/);
    expect(() => make({ secret: world.wallet.shares.get(3)! })).toThrow(/not member 2's/);
    expect(() => make({ walletPkh: new Uint8Array(20) })).toThrow(/PKH/);
    expect(() => make({ members: world.operators.map((a) => a.toLowerCase()) })).toThrow(/EIP-55/);
    expect(() => make({ members: world.operators.slice(0, 4) })).toThrow(/4 members/);
  });
});
