import { TopicValidatorResult, type GossipSub, type Message } from "@libp2p/gossipsub";
import type { Startable } from "@libp2p/interface";
import { getAddress, hexlify } from "ethers";
import type { Libp2p } from "libp2p";
import { COORDINATION_FREQUENCY_BLOCKS } from "../protocol/constants.js";
import { currentWindowBlock } from "../protocol/window.js";
import type { CoordinationMessage } from "../protocol/message.js";
import type { Logger } from "../util/logger.js";
import { fromHex, to0x, toHex } from "../util/hex.js";
import { DuplicateTracker } from "./duplicate-tracker.js";
import { isMalformedReason, validateGossipMessage, type GossipValidationContext, type GossipVerdict } from "./gossip-validator.js";
import { type GossipAction, type GossipReason } from "../protocol/message.js";
import type { InboundTranscript } from "./inbound-transcript.js";
import { operatorAddressOfPeer } from "./libp2p.js";
import type { NetworkEventTarget } from "./network-events.js";
import type { NetworkIdentity, SeatLookup } from "./network-identity.js";
import { PeerDialer } from "./peer-dialer.js";
import { DEFAULT_MESH_GRACE_MS, joinTopic, leaveTopic, topicMeshPeerCount, topicSubscriberCount, waitForTopicPeers, type PublishOutcome, type WaitForPeersOptions } from "./topic-peers.js";
import { coordinationTopic } from "./topics.js";
import { WalletQueue } from "./wallet-queue.js";
import { errorMessage } from "../util/errors.js";

export { DEFAULT_REDIAL_INTERVAL_MS } from "./peer-dialer.js";

/** An accepted message handed to the follower (one per digest per wallet). */
export interface InboundItem {
  message: CoordinationMessage;
  /** The exact received bytes (canonical, so equal bytes mean equal messages). */
  wire: Uint8Array;
  digest: Uint8Array;
  /** EIP-55 operator address of the original publisher (== message sender after A9). */
  fromOperator: string;
  /** libp2p peer id string of the original publisher. */
  fromPeer: string;
  /** Date.now() at acceptance; for logs only. */
  receivedAt: number;
}

export type { PublishOutcome, WaitForPeersOptions };
export { DEFAULT_MESH_GRACE_MS };

export interface CoordinationNetworkComponents {
  libp2p: Libp2p<{ pubsub: GossipSub }>;
  logger: Logger;
  /** Receives the gossip:* events. */
  events: NetworkEventTarget;
  /** Written before an accepted message becomes visible to the follower. */
  transcript: InboundTranscript;
  seats: SeatLookup;
  /** The Ethereum head: the current window for gossip checks A7 and A8. */
  clock: { readonly head: number };
  identity: NetworkIdentity;
}

export interface CoordinationNetworkInit {
  /** Multiaddrs with /p2p/<peerId>, dialled at start and re-dialled while disconnected. */
  bootstrapPeers: string[];
  /** Default DEFAULT_REDIAL_INTERVAL_MS (30 s). */
  redialIntervalMs?: number;
  /** Per-wallet queue capacity. Default FOLLOWER_QUEUE_CAPACITY. */
  queueCapacity?: number;
}

/**
 * The gossip side of coordination (coordination.md §8): one topic per wallet, network-stage validation
 * in the topic validator, and one bounded queue per wallet towards the follower. Knows bytes, topics and
 * peers; never imports coordinator code.
 */
export class CoordinationNetwork implements Startable {
  private readonly libp2p: Libp2p<{ pubsub: GossipSub }>;
  private readonly log: Logger;
  private readonly events: NetworkEventTarget;
  private readonly transcript: InboundTranscript;
  private readonly identity: NetworkIdentity;
  private readonly init: CoordinationNetworkInit;
  private readonly ctx: GossipValidationContext;
  private readonly dialer: PeerDialer;
  private readonly wallets = new Map<string, Uint8Array>();
  private readonly queues = new Map<string, WalletQueue<InboundItem>>();
  /** (sender, remote hash, W) already logged; keeps the mismatch error to one line per window. */
  private readonly mismatchLogged = new Map<string, number>();
  private lifecycle: AbortController | undefined;
  private redialDone: Promise<void> | undefined;

  constructor(components: CoordinationNetworkComponents, init: CoordinationNetworkInit) {
    if (components.libp2p == null) throw new Error("CoordinationNetwork needs components.libp2p");
    this.libp2p = components.libp2p;
    this.log = components.logger.child({ module: "network" });
    this.events = components.events;
    this.transcript = components.transcript;
    this.init = init;
    const { identity } = components;
    this.identity = identity;
    this.ctx = {
      get chainId() {
        return identity.chainId;
      },
      get profileHash() {
        return fromHex(identity.profileHash);
      },
      get domain() {
        return identity.domain;
      },
      currentWindow: () => currentWindowBlock(Math.max(components.clock.head, 0)),
      seatsOf: (pkh) => components.seats.seatsOf(pkh),
      duplicates: new DuplicateTracker(),
    };
    this.dialer = new PeerDialer(this.libp2p, this.log, init.bootstrapPeers, init.redialIntervalMs);
  }

  get isStarted(): boolean {
    return this.lifecycle !== undefined;
  }

  get peerId(): string {
    return this.libp2p.peerId.toString();
  }

  get multiaddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((m) => m.toString());
  }

  async start(): Promise<void> {
    if (this.lifecycle !== undefined) return;
    const lifecycle = new AbortController();
    this.lifecycle = lifecycle;
    for (const pkh of this.wallets.values()) this.attach(pkh);
    this.redialDone = this.dialer.run(lifecycle.signal);
    this.log.info({ peerId: this.peerId, bootstrapPeers: this.dialer.bootstrapCount, wallets: this.wallets.size }, "coordination network started");
  }

  async stop(): Promise<void> {
    const lifecycle = this.lifecycle;
    if (lifecycle === undefined) return;
    this.lifecycle = undefined;
    lifecycle.abort(new DOMException("coordination network stopped", "AbortError"));
    // Stop accepting gossip first; the wallet set is kept so that a restart re-subscribes.
    for (const pkh of this.wallets.values()) this.detach(pkh);
    await this.redialDone;
    this.redialDone = undefined;
    this.log.info("coordination network stopped");
  }

  /**
   * Operators (EIP-55) that have just become peers of this node, e.g. the members of a DKG request: the
   * bootstrap peers and their known addresses are dialled now and retried for a while (peer-dialer.ts).
   */
  dialSoon(operators: Iterable<string>): void {
    this.dialer.dialSoon(operators);
  }

  /** Subscribes to the wallet's topic (now, or at start) and registers its validator. Idempotent. */
  subscribeWallet(pkh: Uint8Array): void {
    const key = toHex(pkh);
    if (this.wallets.has(key)) return;
    this.wallets.set(key, Uint8Array.from(pkh));
    this.queue(pkh);
    if (this.lifecycle !== undefined) this.attach(pkh);
  }

  unsubscribeWallet(pkh: Uint8Array): void {
    const key = toHex(pkh);
    if (!this.wallets.delete(key)) return;
    if (this.lifecycle !== undefined) this.detach(pkh);
    this.queues.get(key)?.clear();
    this.queues.delete(key);
    this.ctx.duplicates.forgetWallet(pkh);
  }

  subscribedWallets(): Uint8Array[] {
    return [...this.wallets.values()];
  }

  /** The wallet's inbound queue (created on first use). */
  queue(pkh: Uint8Array): WalletQueue<InboundItem> {
    const key = toHex(pkh);
    let q = this.queues.get(key);
    if (q === undefined) {
      q = new WalletQueue<InboundItem>(this.init.queueCapacity);
      this.queues.set(key, q);
    }
    return q;
  }

  /** Publishes the given bytes on the wallet's topic. Never throws; zero peers is ok. */
  async publish(pkh: Uint8Array, wire: Uint8Array): Promise<PublishOutcome> {
    try {
      // A stopped gossipsub "publishes" to nobody without complaint; say so, so the caller retries.
      if (this.libp2p.status !== "started") throw new Error(`libp2p is ${this.libp2p.status}`);
      const topic = coordinationTopic(this.identity.chainId, pkh);
      const res = await this.libp2p.services.pubsub.publish(topic, wire);
      return { ok: true, recipients: res.recipients.length };
    } catch (err) {
      const error = errorMessage(err);
      this.log.warn({ wallet: toHex(pkh), err: error }, "gossip publish failed");
      return { ok: false, recipients: 0, error };
    }
  }

  subscriberCount(pkh: Uint8Array): number {
    return topicSubscriberCount(this.libp2p.services.pubsub, coordinationTopic(this.identity.chainId, pkh));
  }

  meshPeerCount(pkh: Uint8Array): number {
    return topicMeshPeerCount(this.libp2p.services.pubsub, coordinationTopic(this.identity.chainId, pkh));
  }

  /**
   * Resolves once the topic has `minSubscribers` subscribers and, preferably, a mesh peer (waiting at
   * most meshGraceMs for the latter). Rejects on abort or when the network stops.
   */
  async waitForPeers(pkh: Uint8Array, opts: WaitForPeersOptions = {}): Promise<void> {
    await waitForTopicPeers(this.libp2p.services.pubsub, coordinationTopic(this.identity.chainId, pkh), opts, this.lifecycle?.signal);
  }

  connectedPeers(): number {
    return this.libp2p.getPeers().length;
  }

  private attach(pkh: Uint8Array): void {
    const wallet = Uint8Array.from(pkh);
    joinTopic(this.libp2p.services.pubsub, coordinationTopic(this.identity.chainId, pkh), (_propagationSource, msg) => this.validate(wallet, msg), this.log);
  }

  private detach(pkh: Uint8Array): void {
    leaveTopic(this.libp2p.services.pubsub, coordinationTopic(this.identity.chainId, pkh), this.log);
  }

  /** Topic validator: must never throw (malformed input is dropped and counted, §7.2). */
  private validate(wallet: Uint8Array, msg: Message): TopicValidatorResult {
    try {
      // StrictSign guarantees a signed message; `from` is the original publisher, not the relay.
      const from = msg.type === "signed" ? msg.from : undefined;
      const fromOperator = from !== undefined ? operatorAddressOfPeer(from) : null;
      // A private plain copy: gossip data may be a Buffer view into a larger frame.
      const data = new Uint8Array(msg.data);
      const v = validateGossipMessage({ data, topicWallet: wallet, fromOperator }, this.ctx);
      if (v.verdict === "accept" && v.enqueue) this.deliver(wallet, data, v, fromOperator!, from!.toString());
      this.report(wallet, v);
      return v.verdict === "accept" ? TopicValidatorResult.Accept : v.verdict === "reject" ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore;
    } catch (err) {
      this.log.error({ err: String(err) }, "gossip validator failed");
      this.verdict("ignore", "internal_error");
      return TopicValidatorResult.Ignore;
    }
  }

  private deliver(wallet: Uint8Array, wire: Uint8Array, v: GossipVerdict, fromOperator: string, fromPeer: string): void {
    const message = v.message!;
    const digest = v.digest!;
    const queue = this.queue(wallet);
    const item: InboundItem = { message, wire, digest, fromOperator, fromPeer, receivedAt: Date.now() };
    if (queue.isFull) {
      // Never visible to the follower, so no transcript line either.
      queue.push(item); // refused and counted by the queue
      this.log.warn({ wallet: toHex(wallet), digest: to0x(digest), capacity: queue.capacity }, "wallet queue full; message dropped");
      this.events.safeDispatchEvent<Uint8Array>("gossip:queue-full", { detail: wallet });
      return;
    }
    try {
      this.transcript.record(item);
    } catch (err) {
      // Not visible to the follower without its transcript line; let a later republish retry.
      this.ctx.duplicates.forget(wallet, message.coordinationBlock, fromOperator, digest);
      this.log.error({ wallet: toHex(wallet), digest: to0x(digest), err: String(err) }, "inbound transcript write failed; message not enqueued");
      return;
    }
    queue.push(item);
  }

  private report(wallet: Uint8Array, v: GossipVerdict): void {
    this.verdict(v.verdict, v.reason);
    if (isMalformedReason(v.reason)) {
      // No authenticated author exists yet: debug level only, so a flood cannot flood the log.
      this.log.debug({ wallet: toHex(wallet), reason: v.reason }, "malformed coordination message dropped");
      this.events.safeDispatchEvent<GossipReason>("gossip:malformed", { detail: v.reason });
    } else if (v.reason === "profile_mismatch" && v.message !== undefined) {
      const sender = getAddress(hexlify(v.message.sender));
      this.logProfileMismatch(sender, v.message.profileHash, wallet, v.message.coordinationBlock);
      const detail = { sender, remoteHash: v.message.profileHash, wallet };
      this.events.safeDispatchEvent<typeof detail>("gossip:profile-mismatch", { detail });
    } else if (v.verdict === "reject") {
      this.log.debug({ wallet: toHex(wallet), reason: v.reason }, "coordination message rejected");
    }
  }

  private verdict(verdict: GossipAction, reason: GossipReason): void {
    this.events.safeDispatchEvent<{ verdict: GossipAction; reason: GossipReason }>("gossip:verdict", { detail: { verdict, reason } });
    if (verdict !== "accept") this.log.debug({ verdict, reason }, "gossip message not accepted");
  }

  private logProfileMismatch(sender: string, remoteHash: Uint8Array, wallet: Uint8Array, w: number): void {
    const current = this.ctx.currentWindow();
    for (const [k, at] of this.mismatchLogged) if (at < current - COORDINATION_FREQUENCY_BLOCKS) this.mismatchLogged.delete(k);
    const key = `${sender}|${toHex(remoteHash)}|${current}`;
    if (this.mismatchLogged.has(key)) return;
    this.mismatchLogged.set(key, current);
    this.log.error(
      { local: this.identity.profileHash, remote: to0x(remoteHash), sender, wallet: toHex(wallet), W: w },
      "coordination profile mismatch — every node of one network must share frequencyWindows, heartbeatProbabilityPpm, rngScheme, validator address",
    );
  }
}
