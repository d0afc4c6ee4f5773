// One gossip topic as the coordination and threshold topics use it: subscribing with its validator and
// leaving it, how many subscribers and mesh peers it has, and a wait for enough of them before a first
// publish.
import type { GossipSub, TopicValidatorFn } from "@libp2p/gossipsub";
import type { Logger } from "../util/logger.js";
import { sleep } from "../util/sleep.js";

const WAIT_POLL_MS = 100;
/** How long waitForTopicPeers keeps waiting for a mesh peer once enough subscribers are known. */
export const DEFAULT_MESH_GRACE_MS = 3_000;

/** What a publish did; publishing never throws. */
export interface PublishOutcome {
  ok: boolean;
  recipients: number;
  error?: string;
}

export interface WaitForPeersOptions {
  signal?: AbortSignal;
  /** Default 1. */
  minSubscribers?: number;
  /** Also wait (up to meshGraceMs) for one mesh peer. Default true. */
  preferMesh?: boolean;
  /** Default DEFAULT_MESH_GRACE_MS. */
  meshGraceMs?: number;
}

/** Known subscribers of the topic; 0 when gossipsub cannot tell (e.g. stopped). */
export function topicSubscriberCount(pubsub: GossipSub, topic: string): number {
  try {
    return pubsub.getSubscribers(topic).length;
  } catch {
    return 0;
  }
}

/** Mesh peers of the topic; 0 when gossipsub cannot tell. */
export function topicMeshPeerCount(pubsub: GossipSub, topic: string): number {
  // getMeshPeers exists at run time but not on the exported interface (coordination.md §9.3).
  const p = pubsub as unknown as { getMeshPeers?: (topic: string) => unknown[] };
  try {
    return p.getMeshPeers?.(topic).length ?? 0;
  } catch {
    return 0;
  }
}

/**
 * Resolves once the topic has `minSubscribers` subscribers and, preferably, a mesh peer (waiting at
 * most meshGraceMs for the latter). Rejects when `opts.signal` or `stopped` aborts.
 */
export async function waitForTopicPeers(pubsub: GossipSub, topic: string, opts: WaitForPeersOptions = {}, stopped?: AbortSignal): Promise<void> {
  const min = opts.minSubscribers ?? 1;
  const preferMesh = opts.preferMesh ?? true;
  const graceMs = opts.meshGraceMs ?? DEFAULT_MESH_GRACE_MS;
  const signals = [opts.signal, stopped].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
  let enoughSince: number | undefined;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    if (topicSubscriberCount(pubsub, topic) >= min) {
      if (!preferMesh || topicMeshPeerCount(pubsub, topic) >= 1) return;
      enoughSince ??= Date.now();
      if (Date.now() - enoughSince >= graceMs) return;
    } else {
      enoughSince = undefined;
    }
    await sleep(WAIT_POLL_MS, signal);
  }
}

/** Registers the topic's validator and subscribes; a stopped gossipsub is logged (the next start subscribes again). */
export function joinTopic(pubsub: GossipSub, topic: string, validator: TopicValidatorFn, log: Logger): void {
  pubsub.topicValidators.set(topic, validator);
  try {
    pubsub.subscribe(topic);
  } catch (err) {
    // Only when gossipsub is not running (libp2p stopped); the next start() subscribes again.
    log.error({ topic, err: String(err) }, "subscribe failed");
  }
}

/** Drops the topic's validator and unsubscribes; never throws. */
export function leaveTopic(pubsub: GossipSub, topic: string, log: Logger): void {
  pubsub.topicValidators.delete(topic);
  try {
    pubsub.unsubscribe(topic);
  } catch (err) {
    // gossipsub refuses when already stopped; nothing left to undo then.
    log.debug({ topic, err: String(err) }, "unsubscribe failed");
  }
}
