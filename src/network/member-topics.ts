// Members-only gossip topics of the threshold protocols (threshold.md §3.2, §5.2): one topic per DKG
// request, one per wallet for signing. The service shares the node's libp2p (and its gossipsub) with
// CoordinationNetwork and knows only bytes, topics and operators: what a message means is the
// protocol handler's business (`deliver`). Its topic validator never throws (threshold.md §7): bad
// input is rejected or ignored and counted through `member-topic:verdict` events.
import { TopicValidatorResult, type GossipSub, type Message } from "@libp2p/gossipsub";
import type { Startable } from "@libp2p/interface";
import { sha256 } from "@noble/hashes/sha2.js";
import type { Libp2p } from "libp2p";
import type { ThresholdGossipReason, ThresholdTopicKind } from "../metrics/metrics.js";
import type { GossipAction } from "../protocol/message.js";
import { errorMessage } from "../util/errors.js";
import { toHex } from "../util/hex.js";
import type { Logger } from "../util/logger.js";
import type { GossipSignature } from "./gossip-signature.js";
import { MAX_THRESHOLD_MESSAGE_BYTES, operatorAddressOfPeer } from "./libp2p.js";
import type { MemberTopicVerdict, NetworkEventTarget } from "./network-events.js";
import { joinTopic, leaveTopic, topicMeshPeerCount, topicSubscriberCount, waitForTopicPeers, type PublishOutcome, type WaitForPeersOptions } from "./topic-peers.js";
import { parseMemberTopic } from "./topics.js";

/** Distinct accepted payloads remembered per topic for the duplicate check (the oldest are forgotten first). */
export const DEFAULT_DUPLICATE_MEMORY = 2048;

/** The protocol handler's verdict on a message from a member: accept propagates it, reject penalises its relay. */
export type DeliverVerdict = "accept" | "reject" | "ignore";

export interface JoinOptions {
  /**
   * The EIP-55 operator addresses allowed to publish, read for every message (so the set may change;
   * it should be cheap). Addresses in any other spelling never match.
   */
  members: () => ReadonlySet<string>;
  /** Largest accepted message, in bytes: 1 … MAX_THRESHOLD_MESSAGE_BYTES. */
  maxBytes: number;
  /**
   * Called inside the topic validator for a member's message that passed the checks, with a private
   * copy of the bytes and the publisher's EIP-55 operator address (the original publisher, not the
   * relay). Synchronous, so it must be quick (decode, verify, enqueue). A throw is caught, counted
   * (`internal_error`) and the message ignored. `signed` is the publisher's gossip signature of the
   * bytes (gossip-signature.ts), for handlers that keep messages as evidence.
   */
  deliver(data: Uint8Array, fromOperator: string, signed?: GossipSignature): DeliverVerdict;
}

/** A joined topic. Stays valid across a stop/start of the service; dead after leave(). */
export interface MemberTopicHandle {
  readonly topic: string;
  readonly kind: ThresholdTopicKind;
  /** Publishes the bytes (never throws; zero peers is ok). Refused locally when over maxBytes, left or stopped. */
  publish(data: Uint8Array): Promise<PublishOutcome>;
  /** Known subscribers of the topic (members or not: gossipsub does not restrict who listens). */
  subscribers(): number;
  meshPeers(): number;
  /** As CoordinationNetwork.waitForPeers; rejects on abort, leave() or when the service stops. */
  waitForPeers(opts?: WaitForPeersOptions): Promise<void>;
  /** Unsubscribes and forgets the topic. Idempotent. */
  leave(): void;
}

export interface MemberTopicsComponents {
  /** The node's libp2p, shared with CoordinationNetwork. */
  libp2p: Libp2p<{ pubsub: GossipSub }>;
  logger: Logger;
  /** Receives `member-topic:verdict` for every message validated. */
  events: NetworkEventTarget;
}

export interface MemberTopicsInit {
  /** Per topic; default DEFAULT_DUPLICATE_MEMORY. */
  duplicateMemory?: number;
}

/** A bounded LRU set of string keys: memory stays at `capacity` entries whatever the traffic. */
export class RecentSet {
  private readonly keys = new Map<string, true>();
  constructor(private readonly capacity: number) {}

  /** True if the key is held (and marks it recently used). */
  has(key: string): boolean {
    if (!this.keys.delete(key)) return false;
    this.keys.set(key, true);
    return true;
  }

  add(key: string): void {
    this.keys.delete(key);
    this.keys.set(key, true);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.keys().next().value!);
  }

  get size(): number {
    return this.keys.size;
  }
}

interface Joined {
  handle: Handle;
  opts: JoinOptions;
  recent: RecentSet;
  /** Exceptions caught in the validator (deliver or members); the first is logged, the total at leave(). */
  failures: number;
  /** Aborted by leave(): ends waitForPeers. */
  left: AbortController;
}

class Handle implements MemberTopicHandle {
  constructor(
    private readonly owner: MemberTopics,
    readonly topic: string,
    readonly kind: ThresholdTopicKind,
  ) {}
  publish(data: Uint8Array): Promise<PublishOutcome> {
    return this.owner.publishOn(this, data);
  }
  subscribers(): number {
    return this.owner.subscribersOf(this);
  }
  meshPeers(): number {
    return this.owner.meshPeersOf(this);
  }
  waitForPeers(opts?: WaitForPeersOptions): Promise<void> {
    return this.owner.waitOn(this, opts);
  }
  leave(): void {
    this.owner.leaveTopic(this);
  }
}

/**
 * The members-only topics of the DKG and signing protocols. Checks, in order: the publisher's key is an
 * operator key (reject `not_operator_key`), its operator is a member (reject `not_member`), the size
 * (reject `oversize`), the same bytes from the same operator not delivered and accepted before (ignore
 * `duplicate`), then the handler's verdict (`ok` / `handler_reject` / `handler_ignore`).
 */
export class MemberTopics implements Startable {
  private readonly libp2p: Libp2p<{ pubsub: GossipSub }>;
  private readonly log: Logger;
  private readonly events: NetworkEventTarget;
  private readonly duplicateMemory: number;
  private readonly joined = new Map<string, Joined>();
  private lifecycle: AbortController | undefined;

  constructor(components: MemberTopicsComponents, init: MemberTopicsInit = {}) {
    if (components.libp2p == null) throw new Error("MemberTopics needs components.libp2p");
    this.libp2p = components.libp2p;
    this.log = components.logger.child({ module: "network" });
    this.events = components.events;
    this.duplicateMemory = init.duplicateMemory ?? DEFAULT_DUPLICATE_MEMORY;
    if (!Number.isSafeInteger(this.duplicateMemory) || this.duplicateMemory < 1) throw new Error(`duplicateMemory must be a positive integer, got ${init.duplicateMemory}`);
  }

  get isStarted(): boolean {
    return this.lifecycle !== undefined;
  }

  async start(): Promise<void> {
    if (this.lifecycle !== undefined) return;
    this.lifecycle = new AbortController();
    for (const topic of this.joined.keys()) this.attach(topic);
    this.log.info({ topics: this.joined.size }, "member topics started");
  }

  async stop(): Promise<void> {
    const lifecycle = this.lifecycle;
    if (lifecycle === undefined) return;
    this.lifecycle = undefined;
    lifecycle.abort(new DOMException("member topics stopped", "AbortError"));
    // The joined topics are kept, so that a restart subscribes again.
    for (const topic of this.joined.keys()) this.detach(topic);
    this.log.info("member topics stopped");
  }

  /**
   * Joins a DKG or signing topic (topics.ts), now or at start. Idempotent: joining a joined topic
   * returns its handle and keeps the first options (leave() first to change them). Throws for a topic
   * that is neither, or a maxBytes out of range: both are programming errors.
   */
  join(topic: string, opts: JoinOptions): MemberTopicHandle {
    const existing = this.joined.get(topic);
    if (existing !== undefined) return existing.handle;
    const ref = parseMemberTopic(topic);
    if (ref === null) throw new Error(`not a DKG or signing topic: ${topic}`);
    if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes < 1 || opts.maxBytes > MAX_THRESHOLD_MESSAGE_BYTES) {
      throw new Error(`maxBytes must be 1…${MAX_THRESHOLD_MESSAGE_BYTES}, got ${opts.maxBytes}`);
    }
    const handle = new Handle(this, topic, ref.kind);
    this.joined.set(topic, { handle, opts, recent: new RecentSet(this.duplicateMemory), failures: 0, left: new AbortController() });
    if (this.lifecycle !== undefined) this.attach(topic);
    return handle;
  }

  /** The topics joined (subscribed while started). */
  topics(): string[] {
    return [...this.joined.keys()];
  }

  /** @internal Handle.publish */
  async publishOn(handle: Handle, data: Uint8Array): Promise<PublishOutcome> {
    try {
      const entry = this.entryOf(handle);
      if (entry === undefined) throw new Error("topic left");
      if (this.lifecycle === undefined) throw new Error("member topics are stopped");
      // Every member would reject it (and lower our score): refuse here.
      if (data.length > entry.opts.maxBytes) throw new Error(`message of ${data.length} bytes is over the topic's ${entry.opts.maxBytes}`);
      if (this.libp2p.status !== "started") throw new Error(`libp2p is ${this.libp2p.status}`);
      const res = await this.libp2p.services.pubsub.publish(handle.topic, data);
      return { ok: true, recipients: res.recipients.length };
    } catch (err) {
      const error = errorMessage(err);
      this.log.warn({ topic: handle.topic, err: error }, "member topic publish failed");
      return { ok: false, recipients: 0, error };
    }
  }

  /** @internal Handle.subscribers */
  subscribersOf(handle: Handle): number {
    return this.entryOf(handle) === undefined ? 0 : topicSubscriberCount(this.libp2p.services.pubsub, handle.topic);
  }

  /** @internal Handle.meshPeers */
  meshPeersOf(handle: Handle): number {
    return this.entryOf(handle) === undefined ? 0 : topicMeshPeerCount(this.libp2p.services.pubsub, handle.topic);
  }

  /** @internal Handle.waitForPeers */
  async waitOn(handle: Handle, opts: WaitForPeersOptions = {}): Promise<void> {
    const entry = this.entryOf(handle);
    if (entry === undefined) throw new Error(`topic left: ${handle.topic}`);
    const stopped = this.lifecycle !== undefined ? AbortSignal.any([this.lifecycle.signal, entry.left.signal]) : entry.left.signal;
    await waitForTopicPeers(this.libp2p.services.pubsub, handle.topic, opts, stopped);
  }

  /** @internal Handle.leave */
  leaveTopic(handle: Handle): void {
    const entry = this.entryOf(handle);
    if (entry === undefined) return;
    this.joined.delete(handle.topic);
    entry.left.abort(new DOMException("member topic left", "AbortError"));
    if (this.lifecycle !== undefined) this.detach(handle.topic);
    if (entry.failures > 1) this.log.warn({ topic: handle.topic, failures: entry.failures }, "member topic left; its handler threw repeatedly");
  }

  /** The live entry of a handle; undefined once it left (a later join of the topic has another handle). */
  private entryOf(handle: Handle): Joined | undefined {
    const entry = this.joined.get(handle.topic);
    return entry?.handle === handle ? entry : undefined;
  }

  private attach(topic: string): void {
    joinTopic(this.libp2p.services.pubsub, topic, (_propagationSource, msg) => this.validate(topic, msg), this.log);
  }

  private detach(topic: string): void {
    leaveTopic(this.libp2p.services.pubsub, topic, this.log);
  }

  /** Topic validator: never throws (threshold.md §7). */
  private validate(topic: string, msg: Message): TopicValidatorResult {
    const entry = this.joined.get(topic);
    if (entry === undefined) return TopicValidatorResult.Ignore; // left while the message was in flight
    const kind = entry.handle.kind;
    try {
      // StrictSign guarantees a signed message; `from` is the original publisher, not the relay.
      const from = msg.type === "signed" ? operatorAddressOfPeer(msg.from) : null;
      if (from === null) return this.verdict(kind, "reject", "not_operator_key");
      if (!entry.opts.members().has(from)) {
        this.log.debug({ topic, from }, "member topic message from a non-member rejected");
        return this.verdict(kind, "reject", "not_member");
      }
      if (msg.data.length > entry.opts.maxBytes) return this.verdict(kind, "reject", "oversize");
      // A private plain copy: gossip data may be a Buffer view into a larger frame.
      const data = new Uint8Array(msg.data);
      // A republish (new gossip seqno, same bytes) is dropped here once accepted; a message the handler
      // ignored or rejected may come again (it may have arrived before the handler was ready for it).
      const key = `${from}:${toHex(sha256(data))}`;
      if (entry.recent.has(key)) return this.verdict(kind, "ignore", "duplicate");
      let verdict: DeliverVerdict;
      try {
        verdict = entry.opts.deliver(data, from, signatureOf(msg as SignedMessage));
      } catch (err) {
        this.failed(topic, entry, err, "member topic handler threw; message ignored");
        return this.verdict(kind, "ignore", "internal_error");
      }
      if (verdict === "accept") {
        entry.recent.add(key);
        return this.verdict(kind, "accept", "ok");
      }
      return verdict === "reject" ? this.verdict(kind, "reject", "handler_reject") : this.verdict(kind, "ignore", "handler_ignore");
    } catch (err) {
      this.failed(topic, entry, err, "member topic validator failed; message ignored");
      return this.verdict(kind, "ignore", "internal_error");
    }
  }

  /** Logs the first failure of a topic at error level and counts the rest (a flood must not flood the log). */
  private failed(topic: string, entry: Joined, err: unknown, what: string): void {
    entry.failures++;
    if (entry.failures === 1) this.log.error({ topic, err: errorMessage(err), failures: 1 }, what);
    else this.log.debug({ topic, err: errorMessage(err), failures: entry.failures }, what);
  }

  private verdict(kind: ThresholdTopicKind, verdict: GossipAction, reason: ThresholdGossipReason): TopicValidatorResult {
    this.events.safeDispatchEvent<MemberTopicVerdict>("member-topic:verdict", { detail: { kind, verdict, reason } });
    return verdict === "accept" ? TopicValidatorResult.Accept : verdict === "reject" ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore;
  }
}

type SignedMessage = Extract<Message, { type: "signed" }>;

/** The parts of a signed gossip message that, with its data and publisher, make it checkable offline. */
function signatureOf(msg: SignedMessage): GossipSignature {
  const seqno = new Uint8Array(8);
  new DataView(seqno.buffer).setBigUint64(0, msg.sequenceNumber);
  return { topic: msg.topic, seqno, signature: new Uint8Array(msg.signature) };
}
