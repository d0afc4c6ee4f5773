// Peers of one gossip topic, as the publishers of the coordination and threshold topics see them: how
// many subscribers and mesh peers it has, and a wait for enough of them before a first publish.
import type { GossipSub } from "@libp2p/gossipsub";
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
