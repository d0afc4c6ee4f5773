// The network's typed events (style.md §1.4), dispatched on the node's event bus: what gossip
// validation and the connection gate decided. The node counts them in its metrics.
import type { TypedEventTarget } from "@libp2p/interface";
import type { ConnectionRefusal, ThresholdGossipReason, ThresholdTopicKind } from "../metrics/metrics.js";
import type { GossipAction, GossipReason } from "../protocol/message.js";

export interface NetworkEvents {
  /** Every gossip verdict (metrics: wcoord_gossip_messages_total{verdict,reason}). */
  "gossip:verdict": CustomEvent<{ verdict: GossipAction; reason: GossipReason }>;
  /** A1/A2 failures (metrics: wcoord_malformed_messages_total{reason}). */
  "gossip:malformed": CustomEvent<GossipReason>;
  /** A5 failures; the network also logs a rate-limited error line itself (coordination.md §2.3). */
  "gossip:profile-mismatch": CustomEvent<{ sender: string; remoteHash: Uint8Array; wallet: Uint8Array }>;
  /** An accepted message dropped because the wallet's queue was full (`queue_full`); the wallet's PKH. */
  "gossip:queue-full": CustomEvent<Uint8Array>;
  /** Every verdict on a members-only threshold topic (metrics: wcoord_threshold_gossip_messages_total{kind,verdict,reason}). */
  "member-topic:verdict": CustomEvent<MemberTopicVerdict>;
  /** An inbound connection the gate refused (metrics: wcoord_p2p_connections_refused_total{reason}). */
  "connection:refused": CustomEvent<ConnectionRefusal>;
}

/** One verdict of the members-only topic validator (member-topics.ts). */
export interface MemberTopicVerdict {
  kind: ThresholdTopicKind;
  verdict: GossipAction;
  reason: ThresholdGossipReason;
}

export type NetworkEventTarget = TypedEventTarget<NetworkEvents>;
