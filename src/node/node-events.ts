// The node's event bus (style.md §1.4): one libp2p TypedEventEmitter on which the coordination side and
// the network report what they did. Listeners registered where the node is built carry results from
// one component to another (a scheduled action to the executor, verdicts to the metrics).
import { TypedEventEmitter } from "@libp2p/interface";
import type { CoordinationEvents } from "../coordination/coordination-events.js";
import type { Metrics } from "../metrics/metrics.js";
import type { NetworkEvents } from "../network/network-events.js";
import type { MalformedReason } from "../protocol/message.js";

export interface NodeEvents extends CoordinationEvents, NetworkEvents {}

export type NodeEventTarget = TypedEventEmitter<NodeEvents>;

export function createNodeEvents(): NodeEventTarget {
  return new TypedEventEmitter<NodeEvents>();
}

/** Counts what the network reports: gossip verdicts (coordination and threshold topics), malformed messages and refused connections. */
export function countNetworkEvents(events: NodeEventTarget, metrics: Metrics | null): void {
  if (metrics === null) return;
  events.addEventListener("gossip:verdict", (e) => metrics.gossipMessages.inc(e.detail));
  events.addEventListener("gossip:malformed", (e) => metrics.malformedMessages.inc({ reason: e.detail as MalformedReason }));
  events.addEventListener("connection:refused", (e) => metrics.p2pConnectionsRefused.inc({ reason: e.detail }));
  events.addEventListener("member-topic:verdict", (e) => metrics.thresholdGossipMessages.inc(e.detail));
}
