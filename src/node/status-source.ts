// What the status API, the web page and the `wcoord logs|faults` commands read: one StatusSource
// interface with JSON-ready views, and its adapter over the Store (reliability.md §8, coordination.md §11.3).
import { actionName, COORDINATION_FREQUENCY_BLOCKS, FaultType, type ActionName, type FaultName } from "../protocol/constants.js";
import { decodeCoordinationMessage } from "../protocol/codec.js";
import type { ActionState } from "../store/repos/action-states.js";
import type { ActionRow } from "../store/repos/actions-repo.js";
import type { ActionTransitionRow } from "../store/repos/action-transitions-repo.js";
import type { FaultRow } from "../store/repos/faults-repo.js";
import type { LeaderStatementRow } from "../store/repos/leader-statements-repo.js";
import type { WindowRow } from "../store/repos/windows-repo.js";
import type { Store } from "../store/store.js";
import { currentWindowBlock } from "../protocol/window.js";
import type { HealthStatus, ScrapeSources } from "../metrics/metrics.js";
import { toHex } from "../util/hex.js";


export interface HealthView {
  status: HealthStatus;
  ethHead: number | null;
  btcTip: number | null;
  cursors: Record<string, { height: number; hash: string; updatedAt: string }>;
}

export interface StatusView {
  operator: string | null;
  peerId: string | null;
  /** Profile fields (coordination.md §2.1); chainId as a decimal string. */
  profile: Record<string, string | number> | null;
  profileHash: string | null;
  head: number | null;
  /** Wallet PKHs (hex) this node coordinates. */
  wallets: string[];
  peers: number;
  version: string;
}

export interface WindowView {
  W: number;
  /** Wallet PKH, lowercase hex without 0x. */
  wallet: string;
  status: WindowRow["status"];
  role: WindowRow["role"];
  leader: string | null;
  checklist: readonly ActionName[] | null;
  joinedAtBlock: number | null;
  firstPublishBlock: number | null;
  /** Proposal type of the accepted (or own, or first received) leader statement. */
  proposal: ActionName | null;
  result: WindowRow["result"];
  resultDigest: string | null;
  resultDetail: string | null;
  action: { id: number; type: ActionName; state: ActionState; validationBlock: number | null } | null;
}

export interface FaultView {
  id: number;
  /** Null for a DKG fault (threshold.md §5.3), which names its request and attempt instead. */
  wallet: string | null;
  W: number | null;
  requestId: string | null;
  attempt: number | null;
  type: FaultName;
  typeCode: number;
  culprit: string;
  reason: string;
  detectedBlock: number;
  /** ISO time, for humans. */
  createdAt: string;
}
export interface FaultDetailView extends FaultView {
  evidence: Record<string, unknown>;
}

export interface ActionView {
  id: number;
  wallet: string;
  W: number;
  type: ActionName;
  state: ActionState;
  stateHeight: number | null;
  start: number;
  expiry: number;
  signingStart: number;
  signingDeadline: number;
  validationBlock: number | null;
  txid: string | null;
  reason: string | null;
  holdsLock: boolean;
  createdAt: string;
  updatedAt: string;
}
export interface TransitionView {
  seq: number;
  from: ActionState | null;
  to: ActionState;
  ethHead: number | null;
  btcTip: number | null;
  detail: Record<string, unknown> | null;
  at: string;
}
export interface ActionDetailView extends ActionView {
  transitions: TransitionView[];
  /** Bitcoin trackers and Ethereum intents of the action (rows as stored; bytes as 0x-hex). */
  trackers: unknown[];
  intents: unknown[];
}

export interface WindowsQuery {
  wallet?: string;
  limit: number;
}
export interface FaultsQuery {
  wallet?: string;
  type?: FaultType;
  sinceBlock?: number;
  limit: number;
}
export interface ActionsQuery {
  wallet?: string;
  state?: ActionState;
  limit: number;
}

/** Read-only data behind the status server; methods may be sync or async. */
export interface StatusSource {
  health(): HealthView | Promise<HealthView>;
  status(): StatusView | Promise<StatusView>;
  windows(q: WindowsQuery): WindowView[] | Promise<WindowView[]>;
  faults(q: FaultsQuery): FaultView[] | Promise<FaultView[]>;
  fault(id: number): FaultDetailView | undefined | Promise<FaultDetailView | undefined>;
  actions(q: ActionsQuery): ActionView[] | Promise<ActionView[]>;
  action(id: number): ActionDetailView | undefined | Promise<ActionDetailView | undefined>;
}

// ---- views from rows (also used by the CLI commands) ----

const iso = (ms: number): string => new Date(ms).toISOString();

export function faultView(f: FaultRow): FaultView {
  return {
    id: f.id,
    wallet: f.walletPkh,
    W: f.W,
    requestId: f.requestId,
    attempt: f.attempt,
    type: FaultType[f.type] as FaultName,
    typeCode: f.type,
    culprit: f.culprit,
    reason: f.reason,
    detectedBlock: f.detectedBlock,
    createdAt: iso(f.createdAt),
  };
}

export function actionView(a: ActionRow): ActionView {
  return {
    id: a.id,
    wallet: a.walletPkh,
    W: a.W,
    type: actionName(a.type),
    state: a.state,
    stateHeight: a.stateHeight,
    start: a.start,
    expiry: a.expiry,
    signingStart: a.signingStart,
    signingDeadline: a.signingDeadline,
    validationBlock: a.validationBlock,
    txid: a.txid,
    reason: a.reason,
    holdsLock: a.holdsLock,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  };
}

export function transitionView(t: ActionTransitionRow): TransitionView {
  return { seq: t.seq, from: t.from, to: t.to, ethHead: t.ethHead, btcTip: t.btcTip, detail: t.detail, at: iso(t.at) };
}

/** Proposal type carried by a stored statement, or null if its bytes do not decode. */
export function statementProposal(s: LeaderStatementRow): ActionName | null {
  const d = decodeCoordinationMessage(s.wire);
  return d.ok ? actionName(d.message.proposal.actionType) : null;
}

/** The statement a window's result refers to: the accepted one, else the own one, else the first. */
export function windowStatement(w: WindowRow, statements: readonly LeaderStatementRow[]): LeaderStatementRow | undefined {
  if (w.resultDigest) {
    const hex = toHex(w.resultDigest);
    const hit = statements.find((s) => toHex(s.digest) === hex);
    if (hit) return hit;
  }
  return statements.find((s) => s.own) ?? statements[0];
}

export function windowView(store: Store, w: WindowRow): WindowView {
  const statement = windowStatement(w, store.leaderStatements.list(w.walletPkh, w.W));
  const action = store.actions.byWindow(w.walletPkh, w.W);
  return {
    W: w.W,
    wallet: w.walletPkh,
    status: w.status,
    role: w.role,
    leader: w.leader,
    checklist: w.checklist,
    joinedAtBlock: w.joinedAtBlock,
    firstPublishBlock: w.firstPublishBlock,
    proposal: statement ? statementProposal(statement) : action ? actionName(action.type) : null,
    result: w.result,
    resultDigest: w.resultDigest ? toHex(w.resultDigest) : null,
    resultDetail: w.resultDetail,
    action: action ? { id: action.id, type: actionName(action.type), state: action.state, validationBlock: action.validationBlock } : null,
  };
}

/** bigint → decimal string, bytes → 0x-hex: makes any stored row JSON-safe. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return "0x" + toHex(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

// ---- the Store adapter ----

/** Live facts the database does not hold; supplied by the composition root. */
export interface LiveStatus {
  health(): HealthStatus;
  ethHead(): number | null;
  btcTip(): number | null;
  operator?: string;
  peerId?: () => string | null;
  /** The profile (coordination.md §2.1) and its 0x-hex hash, once the chain has answered. */
  profile?: () => Record<string, unknown> | undefined;
  profileHash?: () => string | undefined;
  wallets?: () => string[];
  peers?: () => number;
  version?: string;
}

export function storeStatusSource(store: Store, live: LiveStatus): StatusSource {
  return {
    health() {
      const cursors: HealthView["cursors"] = {};
      for (const [name, c] of Object.entries(store.cursors.all())) cursors[name] = { height: c.height, hash: c.hash, updatedAt: iso(c.updatedAt) };
      return { status: live.health(), ethHead: live.ethHead(), btcTip: live.btcTip(), cursors };
    },
    status() {
      const profile = live.profile?.();
      return {
        operator: live.operator ?? null,
        peerId: live.peerId?.() ?? null,
        profile: profile ? (jsonSafe(profile) as Record<string, string | number>) : null,
        profileHash: live.profileHash?.() ?? null,
        head: live.ethHead(),
        wallets: live.wallets?.() ?? [],
        peers: live.peers?.() ?? 0,
        version: live.version ?? "unknown",
      };
    },
    windows(q) {
      return store.windows.listRecent({ wallet: q.wallet, limit: q.limit }).map((w) => windowView(store, w));
    },
    faults(q) {
      return store.faults.list({ wallet: q.wallet, type: q.type, sinceBlock: q.sinceBlock, limit: q.limit }).map(faultView);
    },
    fault(id) {
      const f = store.faults.get(id);
      return f ? { ...faultView(f), evidence: f.evidence } : undefined;
    },
    actions(q) {
      return store.actions.list({ wallet: q.wallet, state: q.state, limit: q.limit }).map(actionView);
    },
    action(id) {
      const a = store.actions.get(id);
      if (!a) return undefined;
      return {
        ...actionView(a),
        transitions: store.actions.history(id).map(transitionView),
        trackers: store.btcTrackers.byAction(id).map(jsonSafe),
        intents: store.ethIntents.byAction(id).map(jsonSafe),
      };
    },
  };
}

/** Blocks in 24 h at 12 s (coordination.md §11.3: `wcoord_faults_recent` covers the last 24 h of blocks). */
export const RECENT_FAULT_BLOCKS = 7200;

/** States before `signed`: they expire at the signing deadline (reliability.md §3.2). */
const UNSIGNED_STATES: readonly ActionState[] = ["scheduled", "validating", "built", "signing"];

/** Scrape-time sources for the metrics gauges that read the database (metrics.setScrapeSources). */
export function storeScrapeSources(store: Store, ethHead: () => number | null): Omit<ScrapeSources, "health" | "chainUnreachableSeconds"> {
  const countBy = <T>(rows: readonly T[], key: (r: T) => string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of rows) out[key(r)] = (out[key(r)] ?? 0) + 1;
    return out;
  };
  return {
    actions: () => {
      const counts = countBy(store.actions.list(), (a) => `${actionName(a.type)}|${a.state}`);
      return Object.entries(counts).map(([k, count]) => {
        const [type, state] = k.split("|") as [ActionName, string];
        return { type, state, count };
      });
    },
    faultsRecent: () => {
      const head = ethHead();
      if (head === null) return {};
      const rows = store.faults.list({ sinceBlock: Math.max(0, head - RECENT_FAULT_BLOCKS) });
      return countBy(rows, (f) => FaultType[f.type]) as Partial<Record<FaultName, number>>;
    },
    btcTrackers: () => countBy(store.btcTrackers.list(), (t) => t.status),
    ethIntents: () => countBy(store.ethIntents.list(), (i) => i.status),
    actionDeadlines: () => {
      const head = ethHead();
      if (head === null) return [];
      return store.actions.list({ state: UNSIGNED_STATES }).map((a) => ({ type: actionName(a.type), wallet: a.walletPkh, blocks: a.signingDeadline - head }));
    },
    walletBusyWindows: () => {
      const head = ethHead();
      if (head === null) return {};
      const out: Record<string, number> = {};
      // failed_invalid is frozen but keeps the lock (§3.3): read every row, not only the live ones.
      for (const a of store.actions.list()) {
        if (!a.holdsLock) continue;
        out[a.walletPkh] = Math.max(0, (currentWindowBlock(head) - a.W) / COORDINATION_FREQUENCY_BLOCKS);
      }
      return out;
    },
  };
}
