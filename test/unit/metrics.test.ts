import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/metrics/metrics.js";

/** The value of one sample line `name{labels} value` in the exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? "").split(/,(?=[a-zA-Z_]\w*=)/).filter(Boolean).sort();
    if (JSON.stringify(have) === JSON.stringify(want)) return Number(m[3]);
  }
  return undefined;
}

const REQUIRED = [
  "wcoord_windows_total",
  "wcoord_wallets_coordinated",
  "wcoord_leader_windows_total",
  "wcoord_proposals_total",
  "wcoord_proposal_generation_total",
  "wcoord_proposal_task_errors_total",
  "wcoord_validations_total",
  "wcoord_faults_total",
  "wcoord_faults_recent",
  "wcoord_gossip_peers",
  "wcoord_gossip_mesh_peers",
  "wcoord_gossip_messages_total",
  "wcoord_threshold_gossip_messages_total",
  "wcoord_malformed_messages_total",
  "wcoord_leader_publish_total",
  "wcoord_window_results_total",
  "wcoord_rpc_calls_total",
  "wcoord_rpc_latency_seconds",
  "wcoord_rpc_errors_total",
  "wcoord_actions",
  "wcoord_action_transitions_total",
  "wcoord_chain_head",
  "wcoord_cursor_height",
  "wcoord_recovery_seconds",
  "wcoord_db_errors_total",
  "wcoord_queue_dropped_total",
  "wcoord_btc_broadcast_total",
  "wcoord_btc_rebroadcast_total",
  "wcoord_btc_trackers",
  "wcoord_eth_intents",
  "wcoord_wallet_unknown_spend_total",
  "wcoord_health_status",
  "wcoord_chain_unreachable_seconds",
  "wcoord_action_deadline_blocks",
  "wcoord_wallet_busy_windows",
];

describe("metrics", () => {
  it("declares every metric of the spec, all prefixed wcoord_", async () => {
    const m = createMetrics();
    const names = m.registry.getMetricsAsArray().map((x) => x.name);
    for (const n of REQUIRED) expect(names).toContain(n);
    expect(names.every((n) => n.startsWith("wcoord_"))).toBe(true);
    expect(m.contentType).toMatch(/^text\/plain/);
    const text = await m.text();
    expect(text).toContain("# TYPE wcoord_rpc_latency_seconds histogram");
    expect(text).toContain("wcoord_process_cpu_user_seconds_total");
  });

  it("counts with labels and keeps registries separate", async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.windows.inc({ outcome: "opened" });
    a.windows.inc({ outcome: "opened" });
    a.windows.inc({ outcome: "missed" });
    a.faults.inc({ type: "LeaderIdleness", culprit: "0xAbC0000000000000000000000000000000000001" });
    a.gossipMessages.inc({ verdict: "reject", reason: "profile_mismatch" });
    a.thresholdGossipMessages.inc({ kind: "dkg", verdict: "reject", reason: "not_member" });
    a.walletsCoordinated.set(3);
    a.chainHead.set({ chain: "eth" }, 2704);
    a.leaderWindows.inc();
    a.rpcLatency.observe({ method: "eth_call" }, 0.03);
    const t = await a.text();
    expect(sample(t, "wcoord_windows_total", { outcome: "opened" })).toBe(2);
    expect(sample(t, "wcoord_windows_total", { outcome: "missed" })).toBe(1);
    expect(sample(t, "wcoord_faults_total", { type: "LeaderIdleness", culprit: "0xAbC0000000000000000000000000000000000001" })).toBe(1);
    expect(sample(t, "wcoord_gossip_messages_total", { verdict: "reject", reason: "profile_mismatch" })).toBe(1);
    expect(sample(t, "wcoord_threshold_gossip_messages_total", { kind: "dkg", verdict: "reject", reason: "not_member" })).toBe(1);
    expect(sample(t, "wcoord_wallets_coordinated")).toBe(3);
    expect(sample(t, "wcoord_chain_head", { chain: "eth" })).toBe(2704);
    expect(sample(t, "wcoord_leader_windows_total")).toBe(1);
    expect(sample(t, "wcoord_rpc_latency_seconds_bucket", { method: "eth_call", le: "0.05" })).toBe(1);
    expect(sample(t, "wcoord_rpc_latency_seconds_bucket", { method: "eth_call", le: "0.025" })).toBe(0);
    expect(sample(await b.text(), "wcoord_windows_total", { outcome: "opened" })).toBe(0);
  });

  it("collects scrape-time gauges from the sources, fresh on every scrape", async () => {
    const m = createMetrics({ processMetrics: false });
    expect(sample(await m.text(), "wcoord_actions", { type: "Heartbeat", state: "scheduled" })).toBeUndefined();
    let rows = [
      { type: "Heartbeat" as const, state: "scheduled", count: 2 },
      { type: "Redemption" as const, state: "in_mempool", count: 1 },
    ];
    m.setScrapeSources({ actions: () => rows, faultsRecent: () => ({ LeaderIdleness: 4 }), btcTrackers: () => ({ in_mempool: 1 }) });
    let t = await m.text();
    expect(sample(t, "wcoord_actions", { type: "Heartbeat", state: "scheduled" })).toBe(2);
    expect(sample(t, "wcoord_actions", { type: "Redemption", state: "in_mempool" })).toBe(1);
    expect(sample(t, "wcoord_faults_recent", { type: "LeaderIdleness" })).toBe(4);
    expect(sample(t, "wcoord_btc_trackers", { status: "in_mempool" })).toBe(1);
    // A state that emptied disappears instead of keeping its old value.
    rows = [{ type: "Heartbeat", state: "done", count: 2 }];
    t = await m.text();
    expect(sample(t, "wcoord_actions", { type: "Heartbeat", state: "scheduled" })).toBeUndefined();
    expect(sample(t, "wcoord_actions", { type: "Heartbeat", state: "done" })).toBe(2);
  });

  it("exports every window outcome from the start, so the first missed window is an increase", async () => {
    const t = await createMetrics({ processMetrics: false }).text();
    for (const outcome of ["opened", "missed", "caught_up"]) expect(sample(t, "wcoord_windows_total", { outcome })).toBe(0);
  });

  it("collects health, chain silence, action deadlines and busy wallets for the alert rules", async () => {
    const m = createMetrics({ processMetrics: false });
    let t = await m.text();
    expect(sample(t, "wcoord_health_status", { status: "ready" })).toBeUndefined();
    let health: "recovering" | "ready" | "degraded" = "recovering";
    m.setScrapeSources({
      health: () => health,
      chainUnreachableSeconds: () => ({ eth: 2.5, btc: 301 }),
      actionDeadlines: () => [{ type: "Redemption", wallet: "aa".repeat(20), blocks: 42 }],
      walletBusyWindows: () => ({ ["aa".repeat(20)]: 4 }),
    });
    t = await m.text();
    expect(sample(t, "wcoord_health_status", { status: "recovering" })).toBe(1);
    expect(sample(t, "wcoord_health_status", { status: "ready" })).toBe(0);
    expect(sample(t, "wcoord_health_status", { status: "degraded" })).toBe(0);
    expect(sample(t, "wcoord_chain_unreachable_seconds", { chain: "eth" })).toBe(2.5);
    expect(sample(t, "wcoord_chain_unreachable_seconds", { chain: "btc" })).toBe(301);
    expect(sample(t, "wcoord_action_deadline_blocks", { type: "Redemption", wallet: "aa".repeat(20) })).toBe(42);
    expect(sample(t, "wcoord_wallet_busy_windows", { wallet: "aa".repeat(20) })).toBe(4);
    health = "ready";
    t = await m.text();
    expect(sample(t, "wcoord_health_status", { status: "recovering" })).toBe(0);
    expect(sample(t, "wcoord_health_status", { status: "ready" })).toBe(1);
  });

  it("a failing source does not fail the scrape and counts a db error", async () => {
    const m = createMetrics({ processMetrics: false });
    m.setScrapeSources({
      actions: () => {
        throw new Error("database is locked");
      },
    });
    const t = await m.text();
    expect(sample(t, "wcoord_db_errors_total")).toBe(1);
  });

  it("no other source file creates prom-client metrics (one metrics module)", () => {
    const offenders: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts") && !p.endsWith(join("metrics", "metrics.ts")) && /from "prom-client"/.test(readFileSync(p, "utf8"))) offenders.push(p);
      }
    };
    walk(join(import.meta.dirname, "../../src"));
    expect(offenders).toEqual([]);
  });
});
