// NetworkSigner: the WalletSigner of a FROST wallet member (threshold.md §5). It holds, per wallet, this
// node's own key share and nothing else, and signs a request together with the other members over the
// wallet's members-only signing topic: every member's node calls sign() for the same session (the same
// round id and digests, each computed by the node itself) and one SigningSessionEngine per node runs
// the attempts. This file routes topic messages to sessions and turns outcomes into results; one
// session's I/O is network-session.ts.
//
// Decisions:
// - The wallets are those given at construction (the shares sealed in the store) and those added while
//   running (`addWallet`: a share the node's DKG just stored), so a new wallet needs no restart.
// - Attempt 0's coordinator is the window's leader, `SignRequest.leader` (an operator address); when it
//   is absent, member index 1 (every member falls back the same way, so they still agree).
// - Messages of a session not started here are kept (bounded per session, per wallet, and in time,
//   session-buffers.ts) and replayed when sign() starts it; messages of finished sessions are ignored.
// - The consumed-nonce mark is the store's signing_nonce_marks row, written before any share leaves;
//   a mark already held for another package (or the same one: its nonces were used) releases nothing.
//   After a restart, an attempt this node marked is not committed to or coordinated again.
// - Faults go to `onFault`; nothing here writes the fault store. Refusals and drops are counted in
//   `stats()` for metrics.
// - Never logs a secret or a share: one info line per session outcome (attempts, signers, ms).
import { schnorr_FROST } from "@noble/curves/secp256k1.js";
import { computeAddress, getAddress } from "ethers";
import type { MemberTopicHandle } from "../../network/member-topics.js";
import { MAX_THRESHOLD_MESSAGE_BYTES } from "../../network/libp2p.js";
import { signingTopic } from "../../network/topics.js";
import { walletPkhFromPublicKey } from "../../coordination/seed.js";
import { errorMessage } from "../../util/errors.js";
import { bytesEqual, concatBytes, to0x, toHex } from "../../util/hex.js";
import type { Logger } from "../../util/logger.js";
import type { Startable } from "../../util/lifecycle.js";
import { frostIdentifier } from "../dev-wallet.js";
import { UnknownWalletError, digestKeysOf, type SignRequest, type WalletSigner } from "../wallet-signer.js";
import type { SigningFault } from "./evidence.js";
import { decodeEvidenceWire, topicMessageHeader } from "./evidence-wire.js";
import { NetworkSession, NonceMarkRefusedError } from "./network-session.js";
import {
  DEFAULT_FINISHED_MEMORY,
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_MAX_PENDING_MESSAGES,
  DEFAULT_MAX_PENDING_SESSIONS,
  DEFAULT_PENDING_TTL_MS,
  DEFAULT_SIGNING_ATTEMPT_MS,
  SigningSessionError,
  type HeldWalletShare,
  type NetworkSignerComponents,
  type NetworkSignerInit,
  type NetworkSignerStats,
  type SigningSessionSummary,
} from "./network-signer-types.js";
import { FinishedSessions, PendingMessages } from "./session-buffers.js";
import { SigningSessionEngine, type SigningEngineInit, type SigningOutcome } from "./session-engine.js";
import { memberOfAddress } from "./session-context.js";
import { SigningDecodeError } from "./signing-codec.js";
import { openSigningMessage } from "./signing-envelope.js";
import type { Bip340DigestKey } from "./signing-messages.js";

export * from "./network-signer-types.js";

type CounterKind = keyof NetworkSignerStats;

interface WalletState {
  readonly share: HeldWalletShare;
  readonly pkhHex: string;
  readonly threshold: number;
  readonly memberSet: ReadonlySet<string>;
  readonly active: Map<string, NetworkSession>;
  readonly pending: PendingMessages;
  readonly finished: FinishedSessions;
  handle?: MemberTopicHandle;
}

export class NetworkSigner implements WalletSigner, Startable {
  private readonly wallets = new Map<string, WalletState>();
  private readonly log: Logger;
  private readonly attemptMs: number;
  private readonly maxPendingMessages: number;
  private readonly address: string;
  private started = false;
  private readonly counters: Record<CounterKind, Map<string, number>> = { sessions: new Map(), refusals: new Map(), faults: new Map(), dropped: new Map() };

  constructor(
    private readonly components: NetworkSignerComponents,
    private readonly init: NetworkSignerInit,
  ) {
    if (components.topics == null || components.operatorKey == null || components.nonceMarks == null) throw new Error("NetworkSigner needs topics, operatorKey and nonceMarks");
    this.log = components.logger.child({ module: "signing" });
    this.attemptMs = init.signingAttemptMs ?? DEFAULT_SIGNING_ATTEMPT_MS;
    if (!Number.isSafeInteger(this.attemptMs) || this.attemptMs < 1) throw new Error(`signingAttemptMs must be a positive integer, got ${init.signingAttemptMs}`);
    this.maxPendingMessages = init.maxPendingMessages ?? DEFAULT_MAX_PENDING_MESSAGES;
    this.address = computeAddress(components.operatorKey.publicKey);
    for (const share of init.wallets) this.hold(share);
  }

  /** Wallet PKHs (lowercase hex) this node holds a share of. */
  heldWallets(): string[] {
    return [...this.wallets.keys()];
  }

  stats(): NetworkSignerStats {
    const plain = (m: Map<string, number>) => Object.fromEntries(m);
    const c = this.counters;
    return { sessions: plain(c.sessions), refusals: plain(c.refusals), faults: plain(c.faults), dropped: plain(c.dropped) };
  }

  /**
   * Takes the share of a wallet created while the node runs (its DKG just stored it): checked like the
   * shares given at construction, and its signing topic joined at once when started. False when the
   * wallet is held already.
   */
  addWallet(share: HeldWalletShare): boolean {
    if (this.wallets.has(toHex(share.walletPkh))) return false;
    const w = this.hold(share);
    if (this.started) this.joinTopic(w);
    this.log.info({ wallet: w.pkhHex, member: share.memberIndex, threshold: w.threshold }, "signing for a new wallet");
    return true;
  }

  /** Joins every held wallet's signing topic. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const w of this.wallets.values()) this.joinTopic(w);
  }

  private joinTopic(w: WalletState): void {
    w.handle = this.components.topics.join(signingTopic(this.init.chainId, w.share.walletPkh), {
      members: () => w.memberSet,
      maxBytes: MAX_THRESHOLD_MESSAGE_BYTES,
      deliver: (data, from) => this.deliver(w, data, from),
    });
  }

  /** Aborts every running session and leaves the topics. Idempotent; legal without start. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const reason = new DOMException("network signer stopped", "AbortError");
    for (const w of this.wallets.values()) {
      for (const s of w.active.values()) s.abort(reason);
      w.handle?.leave();
      w.handle = undefined;
      w.pending.clear();
    }
  }

  async sign(req: SignRequest): Promise<Uint8Array[]> {
    req.signal?.throwIfAborted();
    const w = this.wallets.get(toHex(req.walletPkh));
    if (w === undefined) throw new UnknownWalletError(toHex(req.walletPkh));
    if (!this.started || w.handle === undefined) throw new SigningSessionError("SIGNER_STOPPED", "network signer is not started");
    const sid = toHex(req.roundId);
    if (w.active.has(sid)) throw new SigningSessionError("SIGNING_SESSION_ACTIVE", `session ${sid} is already running here`, { session: sid });
    const keys = bip340Keys(req);
    const leader = this.leaderOf(w, req.leader);
    const engine = newEngine({
      domain: { chainId: this.init.chainId, walletPkh: w.share.walletPkh },
      operators: w.share.members,
      sessionId: req.roundId,
      public: w.share.public,
      threshold: w.threshold,
      digests: req.digests,
      keys,
      self: w.share.memberIndex,
      secret: w.share.secret,
      operatorKey: this.components.operatorKey,
      members: w.share.members.map((_, i) => i + 1),
      leader,
      markConsumed: async (sessionId, attempt, packageHash) => {
        const r = this.components.nonceMarks.mark(to0x(sessionId), attempt, to0x(packageHash));
        if (!r.marked) throw new NonceMarkRefusedError(`nonces of attempt ${attempt} already marked consumed${r.samePackage ? "" : ` by package ${r.packageHash}`}`);
      },
      isConsumed: (sessionId, attempt) => this.components.nonceMarks.packageOf(to0x(sessionId), attempt) !== undefined,
    });
    const ctx = { walletPkh: w.pkhHex, sessionId: to0x(req.roundId) };
    const kept = w.pending.take(sid);
    const session = new NetworkSession(engine, req.roundId, this.attemptMs, this.hooksFor(w, ctx), this.maxPendingMessages);
    w.finished.delete(sid);
    w.active.set(sid, session);
    for (const wire of kept) route(session, wire);
    const onAbort = (): void => session.abort(req.signal?.reason);
    req.signal?.addEventListener("abort", onAbort, { once: true });
    let outcome: SigningOutcome | undefined;
    try {
      // Commitments published before any member listens are lost: wait (at most one attempt) for t − 1 peers.
      const wait = AbortSignal.any([AbortSignal.timeout(this.attemptMs), ...(req.signal ? [req.signal] : [])]);
      await w.handle.waitForPeers({ minSubscribers: w.threshold - 1, preferMesh: false, signal: wait }).catch(() => undefined);
      session.start();
      outcome = await session.outcome;
    } catch (err) {
      this.end(w, sid, session, undefined, ctx);
      throw err;
    } finally {
      req.signal?.removeEventListener("abort", onAbort);
    }
    this.end(w, sid, session, outcome, ctx);
    if (outcome.kind === "signed") return [...outcome.signatures];
    throw new SigningSessionError("SIGNING_INFEASIBLE", `signing session ${ctx.sessionId} infeasible after ${outcome.attempts} attempts: fewer than ${w.threshold} members left`, {
      ...ctx,
      attempts: outcome.attempts,
      excluded: outcome.excluded,
    });
  }

  private end(w: WalletState, sid: string, session: NetworkSession, outcome: SigningOutcome | undefined, ctx: { walletPkh: string; sessionId: string }): void {
    session.abort(new DOMException("session ended", "AbortError"));
    if (w.active.get(sid) === session) w.active.delete(sid);
    w.finished.add(sid);
    const summary: SigningSessionSummary = {
      ...ctx,
      outcome: outcome?.kind ?? "aborted",
      attempts: outcome?.attempts ?? session.attemptsBegun,
      signers: outcome?.kind === "signed" ? [...outcome.signers] : [],
      ms: Date.now() - session.startedAt,
    };
    this.count("sessions", summary.outcome);
    this.log.info({ wallet: summary.walletPkh, session: summary.sessionId, outcome: summary.outcome, attempts: summary.attempts, signers: summary.signers, ms: summary.ms }, "signing session ended");
    try {
      this.components.onSessionEnd?.(summary);
    } catch (err) {
      this.log.error({ ...ctx, err: errorMessage(err) }, "onSessionEnd threw");
    }
  }

  /** Topic validator hook (synchronous): checks the message cheaply, then routes or keeps it. */
  private deliver(w: WalletState, data: Uint8Array, from: string): "accept" | "reject" | "ignore" {
    const header = topicMessageHeader(data);
    if (header === undefined) return this.refuse("MALFORMED", "reject");
    try {
      if (header.kind === "signing") {
        // A member publishes its own messages only; the engine checks everything else.
        if (openSigningMessage(data, { chainId: this.init.chainId, walletPkh: w.share.walletPkh }).sender !== from) return this.refuse("NOT_PUBLISHER", "reject");
      } else decodeEvidenceWire(data);
    } catch (err) {
      if (!(err instanceof SigningDecodeError)) throw err;
      return this.refuse("MALFORMED", "reject");
    }
    const sid = toHex(header.sessionId);
    if (w.finished.has(sid)) return this.refuse("FINISHED_SESSION", "ignore");
    const session = w.active.get(sid);
    if (session !== undefined) {
      route(session, data);
      return "accept";
    }
    // Accepted (so gossip forwards it to members that may need it) and kept for a later sign().
    return w.pending.add(sid, data) ? "accept" : "ignore";
  }

  private hooksFor(w: WalletState, ctx: { walletPkh: string; sessionId: string }) {
    return {
      publish: async (wire: Uint8Array): Promise<void> => {
        const r = await w.handle?.publish(wire);
        if (r !== undefined && !r.ok) this.count("dropped", "publish_failed");
      },
      fault: (fault: SigningFault, origin: "self" | "peer"): void => {
        this.count("faults", fault.kind);
        try {
          this.components.onFault?.(fault, { ...ctx, origin });
        } catch (err) {
          this.log.error({ ...ctx, err: errorMessage(err) }, "onFault threw");
        }
      },
      refusal: (r: { code: string; detail: string }): void => {
        this.count("refusals", r.code);
        this.log.debug({ ...ctx, code: r.code, detail: r.detail }, "signing input refused");
      },
      internalError: (err: unknown): void => {
        this.count("refusals", "INTERNAL_ERROR");
        this.log.error({ ...ctx, err: errorMessage(err) }, "signing engine failed on an input");
      },
    };
  }

  private refuse(code: string, verdict: "reject" | "ignore"): "reject" | "ignore" {
    this.count("refusals", code);
    return verdict;
  }

  private count(kind: CounterKind, key: string, by = 1): void {
    const m = this.counters[kind];
    m.set(key, (m.get(key) ?? 0) + by);
  }

  private leaderOf(w: WalletState, leader: string | undefined): number {
    if (leader === undefined) return 1;
    const index = memberOfAddress(w.share.members, leader);
    if (index === undefined) throw new SigningSessionError("SIGNING_BAD_REQUEST", `leader ${leader} is not a member of wallet ${w.pkhHex}`);
    return index;
  }

  /** Checks one held share against its wallet and this node's operator key (integration bugs throw). */
  private hold(share: HeldWalletShare): WalletState {
    const pkhHex = toHex(share.walletPkh);
    const groupKey = share.public.commitments[0];
    if (groupKey?.length !== 33 || !bytesEqual(walletPkhFromPublicKey(concatBytes(Uint8Array.of(2), groupKey.subarray(1))), share.walletPkh)) {
      throw new Error(`wallet ${pkhHex}: the PKH is not HASH160(0x02 ‖ walletX) of the public package`);
    }
    const n = share.members.length;
    if (n !== share.public.signers.max) throw new Error(`wallet ${pkhHex}: ${n} members but a package for ${share.public.signers.max}`);
    if (share.members.some((m) => getAddress(m) !== m)) throw new Error(`wallet ${pkhHex}: members must be EIP-55 addresses`);
    if (!Number.isInteger(share.memberIndex) || share.memberIndex < 1 || share.memberIndex > n) throw new Error(`wallet ${pkhHex}: member index ${share.memberIndex} out of range`);
    if (share.members[share.memberIndex - 1] !== this.address) throw new Error(`wallet ${pkhHex}: member ${share.memberIndex} is not this node's operator ${this.address}`);
    if (share.secret.identifier !== frostIdentifier(share.memberIndex)) throw new Error(`wallet ${pkhHex}: the share is not member ${share.memberIndex}'s`);
    schnorr_FROST.validateSecret(share.secret, share.public);
    if (this.wallets.has(pkhHex)) throw new Error(`wallet ${pkhHex} held twice`);
    const state: WalletState = {
      share,
      pkhHex,
      threshold: share.public.signers.min,
      memberSet: new Set(share.members),
      active: new Map(),
      pending: new PendingMessages(
        {
          maxSessions: this.init.maxPendingSessions ?? DEFAULT_MAX_PENDING_SESSIONS,
          maxMessages: this.maxPendingMessages,
          ttlMs: this.init.pendingTtlMs ?? DEFAULT_PENDING_TTL_MS,
          maxBytes: this.init.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
        },
        (reason, count) => this.count("dropped", reason, count),
      ),
      finished: new FinishedSessions(this.init.finishedMemory ?? DEFAULT_FINISHED_MEMORY),
    };
    this.wallets.set(pkhHex, state);
    return state;
  }
}

/** The engine of one session; a request it cannot run with (lengths, sizes) is SIGNING_BAD_REQUEST. */
function newEngine(init: SigningEngineInit): SigningSessionEngine {
  try {
    return new SigningSessionEngine(init);
  } catch (err) {
    throw new SigningSessionError("SIGNING_BAD_REQUEST", errorMessage(err));
  }
}

/** Hands a checked topic message to its session. */
function route(session: NetworkSession, wire: Uint8Array): void {
  if (topicMessageHeader(wire)?.kind === "evidence") session.evidence(decodeEvidenceWire(wire).evidence);
  else session.message(wire);
}

/** A FROST wallet signs BIP-340 digests only (the wallet key or a deposit's leaf key). */
function bip340Keys(req: SignRequest): Bip340DigestKey[] {
  let keys;
  try {
    keys = digestKeysOf(req);
  } catch (err) {
    throw new SigningSessionError("SIGNING_BAD_REQUEST", errorMessage(err));
  }
  return keys.map((k) => {
    if (k.scheme !== "bip340") throw new SigningSessionError("SIGNING_BAD_REQUEST", `a FROST wallet signs BIP-340 digests only, not ${k.scheme}`);
    return k;
  });
}
