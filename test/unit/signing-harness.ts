// In-memory message passing between SigningSessionEngine instances (one per member of a dev FROST
// wallet), for the signing tests. Every sent wire is broadcast to every other live engine, as the
// wallet's gossip topic would; a per-member outgoing filter lets a test make a member silent, cheat,
// or equivocate. Evidence a node produces is handed to the others through onEvidence, as the shell
// would publish it.
import { computeAddress, keccak256, SigningKey, toUtf8Bytes } from "ethers";
import { expect } from "vitest";
import { bip340KeyOf, verifyBip340Signature } from "../../src/threshold/taproot.js";
import { walletXOf } from "../../src/threshold/signing/package-keys.js";
import { createDevFrostWallet, type DevFrostWallet } from "../../src/threshold/dev-wallet.js";
import type { SigningFault } from "../../src/threshold/signing/evidence.js";
import { SigningSessionEngine, type SigningOutcome, type SigningRefusal } from "../../src/threshold/signing/session-engine.js";
import { openSigningMessage, sealSigningMessage, type OpenedSigningMessage, type SigningDomain } from "../../src/threshold/signing/signing-envelope.js";
import type { Bip340DigestKey, SharesMessage } from "../../src/threshold/signing/signing-messages.js";
import { fromHex } from "../../src/util/hex.js";

/** Decides what member `from` really sends for one wire: the wire, other wires, or nothing. */
export type OutgoingFilter = (opened: OpenedSigningMessage, wire: Uint8Array) => Uint8Array[];

export interface SigningWorld {
  readonly wallet: DevFrostWallet;
  readonly domain: SigningDomain;
  /** Operator key of member i at position i − 1 (sorted by address, as the seats). */
  readonly operatorKeys: readonly SigningKey[];
  readonly operators: readonly string[];
  readonly sessionId: Uint8Array;
  readonly digests: Uint8Array[];
  readonly keys: Bip340DigestKey[];
}

/** A dev wallet of n members, threshold t, its operators, and one session's digests and keys. */
export function signingWorld(n: number, t: number, keys: Bip340DigestKey[], label = "world"): SigningWorld {
  const wallet = createDevFrostWallet(toUtf8Bytes(`signing-test-${label}`), n, t);
  const operatorKeys = Array.from({ length: n }, (_, i) => new SigningKey(keccak256(toUtf8Bytes(`operator-${label}-${i}`))))
    .map((key) => ({ key, address: addressOf(key) }))
    .sort((a, b) => (a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1))
    .map((e) => e.key);
  const digests = keys.map((_, i) => fromHex(keccak256(toUtf8Bytes(`digest-${label}-${i}`))));
  return {
    wallet,
    domain: { chainId: 31337n, walletPkh: wallet.walletPkh },
    operatorKeys,
    operators: operatorKeys.map(addressOf),
    sessionId: fromHex(keccak256(toUtf8Bytes(`session-${label}`))),
    digests,
    keys,
  };
}

export function addressOf(key: SigningKey): string {
  return computeAddress(key.publicKey);
}

export function leafKey(label: string): Bip340DigestKey {
  return { scheme: "bip340", key: "tapLeaf", leafHash: fromHex(keccak256(toUtf8Bytes(`leaf-${label}`))) };
}

export const WALLET_KEY: Bip340DigestKey = { scheme: "bip340", key: "wallet" };

export interface NodeLog {
  /** Event strings in order: "mark:<attempt>:start|done", "shares:<attempt>". */
  readonly events: string[];
  readonly faults: SigningFault[];
  readonly refusals: SigningRefusal[];
}

export interface Overrides {
  readonly leader?: number;
  /** Per member index: a replacement for its own digests / keys (its own computation). */
  readonly digests?: Record<number, Uint8Array[]>;
  readonly keys?: Record<number, Bip340DigestKey[]>;
  readonly outgoing?: Record<number, OutgoingFilter>;
  /** Members whose engine is never started and receives nothing. */
  readonly offline?: readonly number[];
}

export class SigningNetwork {
  readonly engines = new Map<number, SigningSessionEngine>();
  readonly logs = new Map<number, NodeLog>();
  private readonly queue: { from: number; wire: Uint8Array }[] = [];
  /** Every wire that went out, with its sender, for replay tests. */
  readonly sent: { from: number; wire: Uint8Array }[] = [];

  constructor(
    readonly world: SigningWorld,
    private readonly over: Overrides = {},
  ) {
    const n = world.operators.length;
    const members = Array.from({ length: n }, (_, i) => i + 1);
    for (const m of members) {
      if (over.offline?.includes(m)) continue;
      const log: NodeLog = { events: [], faults: [], refusals: [] };
      this.logs.set(m, log);
      this.engines.set(
        m,
        new SigningSessionEngine({
          domain: world.domain,
          operators: world.operators,
          sessionId: world.sessionId,
          public: world.wallet.public,
          threshold: world.wallet.threshold,
          digests: over.digests?.[m] ?? world.digests,
          keys: over.keys?.[m] ?? world.keys,
          self: m,
          secret: world.wallet.shares.get(m)!,
          operatorKey: world.operatorKeys[m - 1],
          members,
          leader: over.leader ?? 1,
          markConsumed: async (_sessionId, attempt) => {
            log.events.push(`mark:${attempt}:start`);
            await new Promise((r) => setTimeout(r, 1));
            log.events.push(`mark:${attempt}:done`);
          },
        }),
      );
    }
  }

  async start(): Promise<void> {
    for (const [m, e] of this.engines) this.absorb(m, await e.start());
    await this.pump();
  }

  /** Every live engine's attempt timer fires for `attempt`. */
  async timeout(attempt: number): Promise<void> {
    for (const [m, e] of this.engines) this.absorb(m, await e.onAttemptTimeout(attempt));
    await this.pump();
  }

  /** Delivers a wire from `from` to every other engine (a replay, or a crafted message). */
  async inject(from: number, wire: Uint8Array): Promise<void> {
    this.queue.push({ from, wire });
    await this.pump();
  }

  outcomes(): Map<number, SigningOutcome | undefined> {
    return new Map([...this.engines].map(([m, e]) => [m, e.outcome]));
  }

  /** Runs timeouts until every live engine has an outcome (at most `maxAttempts`). */
  async runToEnd(maxAttempts = 10): Promise<void> {
    await this.start();
    for (let a = 0; a < maxAttempts && [...this.engines.values()].some((e) => e.outcome === undefined); a++) await this.timeout(a);
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const { from, wire } = this.queue.shift()!;
      this.sent.push({ from, wire });
      for (const [m, e] of this.engines) if (m !== from) this.absorb(m, await e.onMessage(wire));
    }
  }

  private absorb(member: number, step: { send: Uint8Array[]; faults: SigningFault[]; refusals: SigningRefusal[] }): void {
    const log = this.logs.get(member)!;
    log.faults.push(...step.faults);
    log.refusals.push(...step.refusals);
    for (const f of step.faults) {
      if (f.kind !== "SigningInvalidShare") continue;
      for (const [m, e] of this.engines) if (m !== member) e.onEvidence(f);
    }
    for (const wire of step.send) {
      const opened = openSigningMessage(wire, this.world.domain);
      if (opened.message.kind === "shares") log.events.push(`shares:${opened.message.attempt}`);
      const filter = this.over.outgoing?.[member];
      for (const w of filter === undefined ? [wire] : filter(opened, wire)) this.queue.push({ from: member, wire: w });
    }
  }
}

/** One wallet-key digest and two deposit (tapLeaf) digests: both kinds of key in one session. */
export const MIXED_KEYS = [WALLET_KEY, leafKey("deposit-a"), leafKey("deposit-b")];

/** Replaces the member's shares with fixed non-shares, re-signed by its own operator key (a cheater). */
export function garbageShares(world: SigningWorld, member: number): OutgoingFilter {
  return (opened, wire) => {
    if (opened.message.kind !== "shares") return [wire];
    const m = opened.message as SharesMessage;
    const shares = m.shares.map((_, i) => fromHex(`${(i + 1).toString(16).padStart(2, "0")}${"5a".repeat(31)}`));
    return [sealSigningMessage(world.operatorKeys[member - 1], world.domain, { ...m, shares })];
  };
}

/** Every member ended `signed` after `attempts` attempts, each signature valid under its key; the first member's signatures. */
export function expectAllSigned(net: SigningNetwork, attempts: number): readonly Uint8Array[] {
  const { world } = net;
  const walletX = walletXOf(world.wallet.public);
  let first: readonly Uint8Array[] | undefined;
  for (const [, outcome] of net.outcomes()) {
    expect(outcome?.kind).toBe("signed");
    if (outcome?.kind !== "signed") continue;
    expect(outcome.attempts).toBe(attempts);
    outcome.signatures.forEach((sig, i) => expect(verifyBip340Signature(world.digests[i], sig, bip340KeyOf(walletX, world.keys[i]))).toBe(true));
    first ??= outcome.signatures;
  }
  return first!;
}
