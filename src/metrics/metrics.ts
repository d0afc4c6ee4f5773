// Every metric of the project, in one file (style.md §1.11): prom-client on a dedicated Registry,
// names prefixed wcoord_, label values typed as bounded unions. Components get `Metrics | null`.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ActionName, FaultName } from "../protocol/constants.js";
import type { WindowResult } from "../protocol/events.js";
import type { GossipAction, GossipReason, MalformedReason } from "../protocol/message.js";

type Labels = Record<string, string>;

/** The node's health (`/health`, wcoord_health_status). */
export type HealthStatus = "recovering" | "ready" | "degraded";

/** Why an inbound connection was refused (metric label `reason`). */
export type ConnectionRefusal =
  /** An operator key whose address holds no seat in the node's wallets. */
  | "not_seated"
  /** Not a secp256k1 key, so no operator address at all. */
  | "not_operator_key";

/** The threshold protocols' members-only gossip topics (threshold.md §3.2, §5.2): per DKG request, per wallet for signing. */
export type ThresholdTopicKind = "dkg" | "signing";
/** Why a threshold gossip message got its verdict (metric label `reason`). */
export type ThresholdGossipReason =
  /** Delivered, and the protocol handler accepted it. */
  | "ok"
  /** The publisher's key is not a secp256k1 key, so it has no operator address. */
  | "not_operator_key"
  /** The publisher's operator is not a member of the request or wallet. */
  | "not_member"
  /** Larger than the topic's limit. */
  | "oversize"
  /** The same bytes from the same operator were delivered and accepted already. */
  | "duplicate"
  /** The protocol handler rejected it (invalid content). */
  | "handler_reject"
  /** The protocol handler ignored it (e.g. not for the current attempt). */
  | "handler_ignore"
  /** The handler or the validator threw; dropped without penalty. */
  | "internal_error";

/** A counter whose label values are checked by the compiler. */
export interface TypedCounter<L extends Labels> {
  inc(labels: L, value?: number): void;
}
export interface PlainCounter {
  inc(value?: number): void;
}
export interface TypedGauge<L extends Labels> {
  set(labels: L, value: number): void;
  inc(labels: L, value?: number): void;
  dec(labels: L, value?: number): void;
  remove(labels: L): void;
}
export interface PlainGauge {
  set(value: number): void;
  inc(value?: number): void;
  dec(value?: number): void;
}
export interface TypedHistogram<L extends Labels> {
  observe(labels: L, seconds: number): void;
  /** Returns a stop function that observes the elapsed seconds. */
  startTimer(labels: L): () => number;
}

export type WindowOutcome = "opened" | "missed" | "caught_up";
const WINDOW_OUTCOMES: readonly WindowOutcome[] = ["opened", "missed", "caught_up"];
const HEALTH_STATUSES: readonly HealthStatus[] = ["recovering", "ready", "degraded"];
export type GenerationOutcome = "ok" | "fallback_noop" | "error";
export type ValidationResult = "valid" | "invalid" | "unverified";
export type PublishResult = "first" | "republish" | "error";
export type Chain = "eth" | "btc";
/** Well-known cursor names (reliability.md §4.2). */
export type CursorName = "eth.events" | "eth.windowWatch" | "btc.tip";
export type QueueDropReason = "queue_full" | "sender_cap" | "shutdown";
export type BroadcastResult = "accepted" | "already_known" | "missing_inputs" | "fee_too_low" | "conflict" | "invalid" | "error";

/** One row of the `wcoord_actions` gauge: how many actions of a type are in a state. */
export interface ActionCount {
  type: ActionName;
  state: string;
  count: number;
}

/** Blocks left before the signing deadline of one action that is not signed yet. */
export interface ActionDeadline {
  type: ActionName;
  /** Wallet PKH, lowercase hex: at most one unsigned action per wallet (it holds the wallet's lock). */
  wallet: string;
  blocks: number;
}

/** Values computed at scrape time from the database and the node's live state (cheap queries). */
export interface ScrapeSources {
  /** Actions by type and state (reliability.md §8). */
  actions: () => ActionCount[];
  /** Faults detected in the last 24 h of blocks, by type (coordination.md §11.3). */
  faultsRecent: () => Partial<Record<FaultName, number>>;
  /** Bitcoin trackers by status. */
  btcTrackers: () => Record<string, number>;
  /** Ethereum intents by status. */
  ethIntents: () => Record<string, number>;
  /** The node's health, as /health reports it (reliability.md §5). */
  health: () => HealthStatus;
  /** Seconds since each chain last answered (Ethereum RPC; Electrum: 0 while it answers); health turns degraded past 300. */
  chainUnreachableSeconds: () => Partial<Record<Chain, number>>;
  /** Actions before `signed`, with the blocks left to their signing deadline (reliability.md §3.2). */
  actionDeadlines: () => ActionDeadline[];
  /** Busy wallets (an action holds the lock, §3.3): wallet PKH hex → windows since that action's window. */
  walletBusyWindows: () => Record<string, number>;
}

export interface Metrics {
  readonly registry: Registry;
  /** Prometheus text exposition of the whole registry. */
  text(): Promise<string>;
  readonly contentType: string;
  /** Registers (or replaces) the callbacks read at scrape time; until set, those gauges are empty. */
  setScrapeSources(sources: Partial<ScrapeSources>): void;

  // coordination
  windows: TypedCounter<{ outcome: WindowOutcome }>;
  walletsCoordinated: PlainGauge;
  leaderWindows: PlainCounter;
  proposals: TypedCounter<{ action: ActionName }>;
  proposalGeneration: TypedCounter<{ outcome: GenerationOutcome }>;
  /** `code` is a ProposalTaskError code (bounded set), never an error message. */
  proposalTaskErrors: TypedCounter<{ task: ActionName; code: string }>;
  validations: TypedCounter<{ result: ValidationResult }>;
  /** `culprit` is an EIP-55 operator address: bounded by the wallets' seat lists. */
  faults: TypedCounter<{ type: FaultName; culprit: string }>;
  leaderPublish: TypedCounter<{ result: PublishResult }>;
  windowResults: TypedCounter<{ result: WindowResult }>;

  // network
  gossipPeers: PlainGauge;
  /** `wallet` is the wallet PKH in hex: the wallet set is small and known. */
  gossipMeshPeers: TypedGauge<{ wallet: string }>;
  gossipMessages: TypedCounter<{ verdict: GossipAction; reason: GossipReason }>;
  malformedMessages: TypedCounter<{ reason: MalformedReason }>;
  queueDropped: TypedCounter<{ reason: QueueDropReason }>;
  /** Inbound connections refused by the connection gater (coordination.md §8.1). */
  p2pConnectionsRefused: TypedCounter<{ reason: ConnectionRefusal }>;
  /** Verdicts on the threshold protocols' members-only topics. */
  thresholdGossipMessages: TypedCounter<{ kind: ThresholdTopicKind; verdict: GossipAction; reason: ThresholdGossipReason }>;

  // chains
  /** `method` is an RPC method name from the code, never user input. */
  rpcCalls: TypedCounter<{ method: string; ok: "true" | "false" }>;
  rpcLatency: TypedHistogram<{ method: string }>;
  /** `endpoint` is a configured endpoint label (host:port), never a URL with credentials. */
  rpcErrors: TypedCounter<{ endpoint: string; method: string }>;
  chainHead: TypedGauge<{ chain: Chain }>;
  cursorHeight: TypedGauge<{ cursor: CursorName }>;

  // actions and reliability
  actionTransitions: TypedCounter<{ type: ActionName; to: string }>;
  btcBroadcast: TypedCounter<{ result: BroadcastResult }>;
  btcRebroadcast: PlainCounter;
  walletUnknownSpend: TypedCounter<{ wallet: string }>;
  recoverySeconds: PlainGauge;
  dbErrors: PlainCounter;
}

export interface CreateMetricsOptions {
  /** Node process metrics (CPU, memory, event-loop lag) under the same prefix. Default true. */
  processMetrics?: boolean;
}

export const METRIC_PREFIX = "wcoord_";

/** Builds every metric on a fresh Registry (so several nodes in one test process never collide). */
export function createMetrics(opts: CreateMetricsOptions = {}): Metrics {
  const registry = new Registry();
  const sources: Partial<ScrapeSources> = {};

  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> =>
    new Counter<L>({ name: METRIC_PREFIX + name, help, labelNames, registers: [registry] });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> =>
    new Gauge<L>({ name: METRIC_PREFIX + name, help, labelNames, registers: [registry] });

  // Scrape-time gauge: reset, then refill from the source; a failing source leaves it empty, never fails the scrape.
  const collected = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (g: Gauge<L>) => void,
  ): Gauge<L> =>
    new Gauge<L>({
      name: METRIC_PREFIX + name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        try {
          fill(this);
        } catch {
          dbErrors.inc();
        }
      },
    });

  const dbErrors = counter("db_errors_total", "Database errors (failed statements or transactions).");

  collected("actions", "Actions by type and state, read at scrape time.", ["type", "state"] as const, (g) => {
    for (const row of sources.actions?.() ?? []) g.set({ type: row.type, state: row.state }, row.count);
  });
  collected("faults_recent", "Faults detected in the last 24 h of blocks, by type.", ["type"] as const, (g) => {
    for (const [type, n] of Object.entries(sources.faultsRecent?.() ?? {})) g.set({ type }, n ?? 0);
  });
  collected("btc_trackers", "Bitcoin transaction trackers by status.", ["status"] as const, (g) => {
    for (const [status, n] of Object.entries(sources.btcTrackers?.() ?? {})) g.set({ status }, n);
  });
  collected("eth_intents", "Ethereum transaction intents by status.", ["status"] as const, (g) => {
    for (const [status, n] of Object.entries(sources.ethIntents?.() ?? {})) g.set({ status }, n);
  });
  collected("health_status", "The node's health: 1 for the current status (recovering, ready, degraded), 0 for the others.", ["status"] as const, (g) => {
    if (!sources.health) return;
    const now = sources.health();
    for (const status of HEALTH_STATUSES) g.set({ status }, status === now ? 1 : 0);
  });
  collected("chain_unreachable_seconds", "Seconds since the chain last answered (eth: last successful RPC call; btc: 0 while Electrum answers).", ["chain"] as const, (g) => {
    for (const [chain, s] of Object.entries(sources.chainUnreachableSeconds?.() ?? {})) g.set({ chain }, s ?? 0);
  });
  collected("action_deadline_blocks", "Blocks left to the signing deadline of each action not signed yet, by type and wallet.", ["type", "wallet"] as const, (g) => {
    for (const a of sources.actionDeadlines?.() ?? []) g.set({ type: a.type, wallet: a.wallet }, a.blocks);
  });
  collected("wallet_busy_windows", "Windows since the window of the action holding each busy wallet's lock.", ["wallet"] as const, (g) => {
    for (const [wallet, n] of Object.entries(sources.walletBusyWindows?.() ?? {})) g.set({ wallet }, n);
  });

  const rpcLatency = new Histogram<"method">({
    name: METRIC_PREFIX + "rpc_latency_seconds",
    help: "Latency of RPC calls (Ethereum JSON-RPC and Electrum) by method.",
    labelNames: ["method"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [registry],
  });

  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

  // Every outcome exported from the start (at 0), so that increase() also sees the first missed window.
  const windows = counter("windows_total", "Coordination windows seen, by how they were seen.", ["outcome"] as const);
  for (const outcome of WINDOW_OUTCOMES) windows.inc({ outcome }, 0);

  return {
    registry,
    text: () => registry.metrics(),
    contentType: registry.contentType,
    setScrapeSources(s) {
      Object.assign(sources, s);
    },

    windows,
    walletsCoordinated: gauge("wallets_coordinated", "Wallets this node coordinates in the current window."),
    leaderWindows: counter("leader_windows_total", "Windows in which this node was the leader of a wallet."),
    proposals: counter("proposals_total", "Proposals generated as leader, by action type.", ["action"]),
    proposalGeneration: counter("proposal_generation_total", "Proposal generation attempts by outcome.", ["outcome"]),
    proposalTaskErrors: counter("proposal_task_errors_total", "Proposal tasks that threw, by task and error code.", ["task", "code"]),
    validations: counter("validations_total", "Follower content validations by result.", ["result"]),
    faults: counter("faults_total", "Faults recorded, by type and culprit.", ["type", "culprit"]),
    leaderPublish: counter("leader_publish_total", "Leader publishes of the coordination message.", ["result"]),
    windowResults: counter("window_results_total", "Window results by result.", ["result"]),

    gossipPeers: gauge("gossip_peers", "Connected libp2p peers."),
    gossipMeshPeers: gauge("gossip_mesh_peers", "Gossipsub mesh peers per wallet topic.", ["wallet"]),
    gossipMessages: counter("gossip_messages_total", "Gossip validation verdicts by reason code.", ["verdict", "reason"]),
    malformedMessages: counter("malformed_messages_total", "Messages that failed strict decoding, by reason.", ["reason"]),
    queueDropped: counter("queue_dropped_total", "Accepted messages dropped before processing, by reason.", ["reason"]),
    p2pConnectionsRefused: counter("p2p_connections_refused_total", "Inbound libp2p connections refused by the connection gater, by reason.", ["reason"]),
    thresholdGossipMessages: counter(
      "threshold_gossip_messages_total",
      "Gossip verdicts on the threshold protocols' members-only topics (DKG, signing), by topic kind and reason.",
      ["kind", "verdict", "reason"],
    ),

    rpcCalls: counter("rpc_calls_total", "RPC calls by method and success.", ["method", "ok"]),
    rpcLatency,
    rpcErrors: counter("rpc_errors_total", "RPC errors by endpoint and method.", ["endpoint", "method"]),
    chainHead: gauge("chain_head", "Latest height seen per chain.", ["chain"]),
    cursorHeight: gauge("cursor_height", "Height of each persisted cursor.", ["cursor"]),

    actionTransitions: counter("action_transitions_total", "Action state transitions by type and target state.", ["type", "to"]),
    btcBroadcast: counter("btc_broadcast_total", "Bitcoin broadcasts by classified result.", ["result"]),
    btcRebroadcast: counter("btc_rebroadcast_total", "Rebroadcasts of transactions stuck in the mempool."),
    walletUnknownSpend: counter("wallet_unknown_spend_total", "Main UTXO spends by a transaction the node does not track.", ["wallet"]),
    recoverySeconds: gauge("recovery_seconds", "Duration of the last boot recovery sequence, in seconds."),
    dbErrors,
  };
}
