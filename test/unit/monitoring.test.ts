// deploy/monitoring: every metric named by an alert rule or a Grafana query is one the node exports
// (createMetrics(), the registry the node serves at /metrics); the rules pass `promtool check rules`
// and their unit tests (`promtool test rules alerts.test.yml`), and the dashboard's queries parse.
// The promtool part is skipped, with the reason in its name, where promtool is not installed
// (Debian: apt-get install prometheus; .ci/run does it).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { createMetrics } from "../../src/metrics/metrics.js";

const DIR = join(import.meta.dirname, "..", "..", "deploy", "monitoring");
const ALERTS = join(DIR, "alerts.yml");
const ALERT_TESTS = join(DIR, "alerts.test.yml");
const DASHBOARD = join(DIR, "grafana-dashboard.json");

/** Series Prometheus makes itself for every target; not exported by the node. */
const PROMETHEUS_SERIES = new Set(["up"]);

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}

function alertRules(): Rule[] {
  const doc = parseYaml(readFileSync(ALERTS, "utf8")) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

interface Panel {
  title?: string;
  panels?: Panel[];
  targets?: { expr?: string }[];
}

/** Every PromQL query of the dashboard (panel targets, rows included) with the panel title. */
function dashboardQueries(): { where: string; expr: string }[] {
  const dash = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { panels: Panel[] };
  const out: { where: string; expr: string }[] = [];
  const visit = (p: Panel): void => {
    for (const t of p.targets ?? []) if (t.expr) out.push({ where: `panel "${p.title}"`, expr: t.expr });
    for (const c of p.panels ?? []) visit(c);
  };
  dash.panels.forEach(visit);
  return out;
}

/** Metric names of the dashboard's variables (`label_values(metric{…}, label)`). */
function dashboardVariableMetrics(): string[] {
  const dash = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { templating: { list: { type: string; query?: unknown }[] } };
  const out: string[] = [];
  for (const v of dash.templating.list) {
    if (v.type !== "query") continue;
    const q = typeof v.query === "string" ? v.query : (v.query as { query: string }).query;
    const m = /^label_values\(\s*([a-zA-Z_:][\w:]*)/.exec(q);
    if (!m) throw new Error(`dashboard variable query not understood: ${q}`);
    out.push(m[1]);
  }
  return out;
}

const KEYWORDS = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "inf", "nan", "atan2"]);

/**
 * Metric names referenced by a PromQL expression: identifiers left once strings, label matchers,
 * ranges and grouping lists are removed, that are not function calls or keywords.
 */
export function metricNames(expr: string): string[] {
  let e = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ");
  e = e.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const m of e.matchAll(/(?<![\w.$:])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    if (!KEYWORDS.has(m[1].toLowerCase())) names.add(m[1]);
  }
  return [...names];
}

/** Every sample name the node's registry can expose (histograms as _bucket, _sum, _count too). */
async function exportedNames(): Promise<Set<string>> {
  const { registry } = createMetrics();
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === "histogram" || String(m.type) === "summary") for (const s of ["_bucket", "_sum", "_count"]) names.add(m.name + s);
  }
  return names;
}

describe("monitoring files name only metrics the node exports", () => {
  it("finds metric names in PromQL, and not functions, labels or keywords", () => {
    expect(metricNames('sum by (instance, type) (increase(wcoord_faults_total{job="wcoord"}[15m])) > 0 or up == 0')).toEqual(["wcoord_faults_total", "up"]);
    expect(metricNames("histogram_quantile(0.95, sum by (le) (rate(wcoord_rpc_latency_seconds_bucket[$__rate_interval])))")).toEqual(["wcoord_rpc_latency_seconds_bucket"]);
    expect(metricNames("wcoord_faults_total unless wcoord_faults_total offset 15m")).toEqual(["wcoord_faults_total"]);
  });

  it("every alert rule expression", async () => {
    const exported = await exportedNames();
    const rules = alertRules();
    expect(rules.length).toBeGreaterThanOrEqual(10);
    const unknown: string[] = [];
    for (const r of rules) {
      const names = metricNames(r.expr);
      expect(names.length, `${r.alert}: no metric found in ${r.expr}`).toBeGreaterThan(0);
      for (const n of names) if (!exported.has(n) && !PROMETHEUS_SERIES.has(n)) unknown.push(`${r.alert}: ${n}`);
    }
    expect(unknown).toEqual([]);
  });

  it("every Grafana query and variable", async () => {
    const exported = await exportedNames();
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThanOrEqual(20);
    const unknown: string[] = [];
    for (const q of queries) {
      const names = metricNames(q.expr);
      expect(names.length, `${q.where}: no metric found in ${q.expr}`).toBeGreaterThan(0);
      for (const n of names) if (!exported.has(n)) unknown.push(`${q.where}: ${n}`);
    }
    for (const n of dashboardVariableMetrics()) if (!exported.has(n)) unknown.push(`variable: ${n}`);
    expect(unknown).toEqual([]);
  });

  it("a metric the node does not export is caught", async () => {
    const exported = await exportedNames();
    expect(metricNames("rate(wcoord_no_such_metric_total[5m])").filter((n) => !exported.has(n))).toEqual(["wcoord_no_such_metric_total"]);
  });

  it("every alert has a firing case in alerts.test.yml", () => {
    const tests = parseYaml(readFileSync(ALERT_TESTS, "utf8")) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] };
    const fired = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    expect(alertRules().map((r) => r.alert).filter((a) => !fired.has(a!))).toEqual([]);
  });
});

const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" }).status === 0;

describe.skipIf(!promtool)(`promtool${promtool ? "" : " (skipped: promtool is not installed; Debian: apt-get install prometheus)"}`, () => {
  const tmp = mkdtempSync(join(tmpdir(), "wcoord-promtool-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const promtoolRun = (args: string[], cwd: string): string => {
    try {
      return execFileSync("promtool", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`promtool ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
    }
  };

  it("check rules alerts.yml", () => {
    expect(promtoolRun(["check", "rules", "alerts.yml"], DIR)).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("test rules alerts.test.yml", () => {
    expect(promtoolRun(["test", "rules", "alerts.test.yml"], DIR)).toContain("SUCCESS");
  });

  it("every dashboard query parses (checked as recording rules, Grafana variables filled in)", () => {
    const rules = dashboardQueries().map((q, i) => ({
      record: `wcoord_dashboard:query_${i}`,
      expr: q.expr.replaceAll("$__rate_interval", "5m").replaceAll("$__range", "1h").replaceAll("$instance", ".*"),
    }));
    const file = join(tmp, "dashboard-queries.yml");
    writeFileSync(file, JSON.stringify({ groups: [{ name: "dashboard", rules }] }, null, 2));
    expect(promtoolRun(["check", "rules", file], tmp)).toContain(`SUCCESS: ${rules.length} rules found`);
  });
});
