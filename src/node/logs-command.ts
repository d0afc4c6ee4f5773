// `wcoord logs`: a readable coordination timeline from the node's records (windows, leader
// statements, faults, action transitions), ordered by block then time; `--follow` polls the database.
import { actionName, FaultType } from "../protocol/constants.js";
import type { Store } from "../store/store.js";
import { toHex } from "../util/hex.js";
import { isAbortError, sleep } from "../util/sleep.js";
import { CommandExit, defineCommand, parseCommand, type TextSink } from "../util/cli-args.js";
import { DATA_DIR_FLAG, parseNonNegativeInt, parseWallet, resolveDataDir, shortHex, withRecords } from "./records-reader.js";
import { statementProposal, windowStatement } from "./status-source.js";

export type TimelineKind = "window" | "statement" | "fault" | "transition";

export interface TimelineEntry {
  /** Stable identity: a changed record gets a new key (so --follow prints it again). */
  key: string;
  block: number;
  /** Wall-clock ms where the record has one; orders entries of the same block. */
  at: number | null;
  kind: TimelineKind;
  wallet: string;
  W: number;
  text: string;
  data: Record<string, unknown>;
}

export interface TimelineFilter {
  wallet?: string;
  W?: number;
  /** Most recent windows to cover when no W is given. */
  windows: number;
}

const KIND_ORDER: Record<TimelineKind, number> = { window: 0, statement: 1, fault: 2, transition: 3 };

function compare(a: TimelineEntry, b: TimelineEntry): number {
  return a.block - b.block || (a.at ?? 0) - (b.at ?? 0) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

const who = (wallet: string, W: number): string => `W=${W} wallet=${shortHex(wallet)}`;

/** Reads the records in scope and turns each into one timeline entry, sorted. */
export function collectTimeline(store: Store, f: TimelineFilter): TimelineEntry[] {
  const rows = store.windows.listRecent({ wallet: f.wallet, limit: f.W === undefined ? f.windows : undefined }).filter((w) => f.W === undefined || w.W === f.W);
  // Faults and actions of the windows shown, and of newer windows without a row (defensive).
  const minW = f.W ?? (rows.length === f.windows && rows.length > 0 ? rows[rows.length - 1].W : 0);
  const inScope = (W: number): boolean => (f.W === undefined ? W >= minW : W === f.W);
  const out: TimelineEntry[] = [];

  for (const w of rows) {
    const statements = store.leaderStatements.list(w.walletPkh, w.W);
    const action = store.actions.byWindow(w.walletPkh, w.W);
    const chosen = windowStatement(w, statements);
    const proposal = chosen ? statementProposal(chosen) : action ? actionName(action.type) : null;
    const parts = [who(w.walletPkh, w.W)];
    if (w.status === "missed") {
      parts.push("missed (active phase over when seen)");
    } else {
      if (w.leader) parts.push(`leader=${shortHex(w.leader, 4)}`);
      if (w.checklist) parts.push(`checklist=[${w.checklist.join(", ")}]`);
      if (proposal) parts.push(`proposal=${proposal}`);
      parts.push(`${w.result ?? w.status}${w.role ? ` (${w.role})` : ""}`);
      if (action?.validationBlock != null) parts.push(`validated at ${action.validationBlock}`);
      if (action) parts.push(`→ action #${action.id}`);
      if (w.resultDetail) parts.push(`: ${w.resultDetail}`);
    }
    out.push({
      key: `window:${w.walletPkh}:${w.W}:${w.status}:${w.result ?? ""}`,
      block: w.W,
      at: null,
      kind: "window",
      wallet: w.walletPkh,
      W: w.W,
      text: parts.join(" "),
      data: { status: w.status, role: w.role, leader: w.leader, checklist: w.checklist, proposal, result: w.result, actionId: action?.id ?? null },
    });
    for (const s of statements) {
      const digest = toHex(s.digest);
      const p = statementProposal(s);
      const text = s.own
        ? `${who(w.walletPkh, w.W)} own statement signed proposal=${p ?? "?"} digest=${shortHex(digest)}`
        : `${who(w.walletPkh, w.W)} statement received proposal=${p ?? "undecodable"} digest=${shortHex(digest)}${chosen === s && w.result ? ` (${w.result})` : ""}`;
      out.push({
        key: `statement:${w.walletPkh}:${w.W}:${digest}`,
        block: s.receivedAtBlock,
        at: null,
        kind: "statement",
        wallet: w.walletPkh,
        W: w.W,
        text,
        data: { own: s.own, proposal: p, digest },
      });
    }
  }

  for (const fault of store.faults.list({ wallet: f.wallet })) {
    // A DKG fault (no wallet or window yet) is not on a window's timeline: `wcoord faults` lists it.
    if (fault.walletPkh === null || fault.W === null || !inScope(fault.W)) continue;
    const type = FaultType[fault.type];
    out.push({
      key: `fault:${fault.id}`,
      block: fault.detectedBlock,
      at: fault.createdAt,
      kind: "fault",
      wallet: fault.walletPkh,
      W: fault.W,
      text: `${who(fault.walletPkh, fault.W)} FAULT ${type} culprit=${fault.culprit} reason=${JSON.stringify(fault.reason)}`,
      data: { id: fault.id, type, culprit: fault.culprit, reason: fault.reason },
    });
  }

  for (const a of store.actions.list({ wallet: f.wallet })) {
    if (!inScope(a.W)) continue;
    const type = actionName(a.type);
    let lastBlock = a.W;
    for (const t of store.actions.history(a.id)) {
      // A transition recorded without a head sorts with the one before it.
      lastBlock = t.ethHead ?? lastBlock;
      const reason = typeof t.detail?.reason === "string" ? ` (${t.detail.reason})` : "";
      out.push({
        key: `transition:${a.id}:${t.seq}`,
        block: lastBlock,
        at: t.at,
        kind: "transition",
        wallet: a.walletPkh,
        W: a.W,
        text: `action #${a.id} ${type} ${t.from ?? "new"} → ${t.to} @${t.ethHead ?? "?"}${reason} ${who(a.walletPkh, a.W)}`,
        data: { actionId: a.id, type, from: t.from, to: t.to, ethHead: t.ethHead, btcTip: t.btcTip, detail: t.detail },
      });
    }
  }
  return out.sort(compare);
}

function render(e: TimelineEntry, json: boolean): string {
  if (json) {
    const { key: _key, data, ...rest } = e;
    return JSON.stringify({ ...rest, at: e.at === null ? null : new Date(e.at).toISOString(), ...data });
  }
  return `${String(e.block).padStart(8)}  ${e.text}`;
}

const DEFAULT_WINDOWS = 20;

const LOGS = defineCommand({
  name: "wcoord logs",
  usage: "usage: wcoord logs [--follow] [--wallet PKH] [--window W] [--windows N] [--data-dir DIR] [--json]",
  about: `Prints the coordination timeline from the node's database (read-only; works while the node runs):
windows, leader statements, faults and action transitions, ordered by block.`,
  flags: {
    follow: { type: "boolean", short: "f", help: "keep polling every second for new records" },
    wallet: { type: "string", value: "PKH", help: "only this wallet" },
    window: { type: "string", value: "W", help: "only the window at block W" },
    windows: { type: "string", value: "N", help: `how many recent windows to cover (default ${DEFAULT_WINDOWS})` },
    "data-dir": DATA_DIR_FLAG,
    json: { type: "boolean", help: "print one JSON object a line" },
  },
});

export interface LogsCommandOptions {
  env?: NodeJS.ProcessEnv;
  /** Ends --follow; default: SIGINT or SIGTERM. */
  signal?: AbortSignal;
  pollMs?: number;
}

/** Runs `wcoord logs …`; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function runLogsCommand(argv: string[], out: TextSink, err: TextSink, opts: LogsCommandOptions = {}): Promise<number> {
  const parsed = parseCommand(LOGS, argv, { out, err }, ({ values }) => ({
    values,
    filter: {
      wallet: values.wallet === undefined ? undefined : parseWallet(values.wallet),
      W: values.window === undefined ? undefined : parseNonNegativeInt("--window", values.window),
      windows: values.windows === undefined ? DEFAULT_WINDOWS : Math.max(1, parseNonNegativeInt("--windows", values.windows)),
    } satisfies TimelineFilter,
  }));
  if (parsed instanceof CommandExit) return parsed.code;
  const { values, filter } = parsed;

  return withRecords(LOGS.name, resolveDataDir(values["data-dir"], opts.env ?? process.env), err, async (store) => {
    const printed = new Set<string>();
    const printNew = (): void => {
      for (const e of collectTimeline(store, filter)) {
        if (printed.has(e.key)) continue;
        printed.add(e.key);
        out.write(render(e, values.json) + "\n");
      }
    };
    printNew();
    if (!values.follow) {
      if (printed.size === 0 && !values.json) out.write("no coordination records yet\n");
      return 0;
    }
    const { signal, dispose } = followSignal(opts.signal);
    try {
      while (!signal.aborted) {
        await sleep(opts.pollMs ?? 1000, signal);
        printNew();
      }
    } catch (e) {
      if (!isAbortError(e) && !signal.aborted) throw e;
    } finally {
      dispose();
    }
    return 0;
  });
}

/** The given signal, or one that fires on SIGINT/SIGTERM (listeners removed afterwards). */
function followSignal(given: AbortSignal | undefined): { signal: AbortSignal; dispose: () => void } {
  if (given) return { signal: given, dispose: () => undefined };
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    },
  };
}
