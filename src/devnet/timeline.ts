// Aggregates the coordination events of every devnet node into one timeline: a readable line per
// step on the terminal, and per (window, wallet) tallies for the summary JSON.
import type { ActionName, FaultName } from "../protocol/constants.js";
import type { CoordinationEvent, WindowResult } from "../protocol/events.js";
import { formatTxShape, type TxShape } from "./tx-shape.js";

export interface WalletWindowSummary {
  wallet: string;
  leader: string;
  action: ActionName | null;
  followers: number;
  accepted: number;
  validated: number;
  faults: { type: FaultName; culprit: string; reporters: number }[];
  results: Partial<Record<WindowResult, number>>;
}

/** One wallet action of one window across the nodes that run it (issue: devnet summary `actions`). */
export interface ActionSummary {
  wallet: string;
  window: number;
  type: ActionName;
  /**
   * The state most nodes are in (ties: the furthest along in `history`), with terminal states named
   * by outcome: `done` (final, done), `expired`, `backedOut` (aborted, conflicted, failed_invalid).
   */
  state: string;
  /** Every state any node entered, in the order first seen. */
  history: string[];
  /** Node label → its current state. */
  nodes: Record<string, string>;
  /** The action's Bitcoin transaction once built: txid and the script kinds it spends and pays. */
  tx?: TxShape;
  /** A quorum signing session that signed it (threshold.md §6): attempts, signers (node labels) and wall time. */
  signing?: { attempts: number; signers: string[]; ms: number };
}

export interface WindowSummary {
  block: number;
  wallets: WalletWindowSummary[];
}

export type Printer = (line: string) => void;

/** Terminal states by outcome, as the summary reports them; `history` keeps the state names. */
const OUTCOMES: Record<string, string> = { final: "done", done: "done", expired: "expired", aborted: "backedOut", conflicted: "backedOut", failed_invalid: "backedOut" };
const outcomeName = (state: string): string => OUTCOMES[state] ?? state;

/** True for a summary state that ends an action: `done`, `expired` or `backedOut`. */
export function isTerminalOutcome(state: string): boolean {
  return state === "done" || state === "expired" || state === "backedOut";
}

const short = (hex: string): string => (hex.length > 14 ? `${hex.slice(0, 6)}…${hex.slice(-4)}` : hex);

export class Timeline {
  private readonly windows = new Map<number, Map<string, WalletWindowSummary>>();
  private readonly actionRows = new Map<string, ActionSummary>();
  /** Operator address → node label, for readable lines. */
  readonly labels = new Map<string, string>();
  /** Wallet hex → number of followers (distinct operators but the leader). */
  readonly followers = new Map<string, number>();

  constructor(
    private readonly print: Printer,
    /** Looks a transaction up on the Bitcoin test chain (absent: no shapes). */
    private readonly txShape: (txid: string) => TxShape | undefined = () => undefined,
  ) {}

  /** Records an event seen by the node of `operator`. */
  record(operator: string, e: CoordinationEvent): void {
    const who = this.labels.get(operator) ?? short(operator);
    const ww = this.slot(e.W, e.wallet);
    switch (e.type) {
      case "window":
        if (ww.leader === "") {
          ww.leader = e.leader;
          this.print(`W=${e.W} wallet ${short(e.wallet)}  seed ${short(e.seed)}  leader ${this.name(e.leader)}  checklist [${e.checklist.join(", ")}]`);
        }
        break;
      case "proposal_sent":
        ww.action = e.action;
        if (e.republish === 0) this.print(`W=${e.W} wallet ${short(e.wallet)}  ${who} (leader) sent ${e.action} ${short(e.digest)}`);
        break;
      case "accepted":
        ww.accepted++;
        ww.action ??= e.action;
        break;
      case "validated":
        if (e.outcome === "valid") ww.validated++;
        else this.print(`W=${e.W} wallet ${short(e.wallet)}  ${who} validation ${e.outcome}${e.reason ? `: ${e.reason}` : ""}`);
        break;
      case "fault": {
        const f = ww.faults.find((x) => x.type === e.fault && x.culprit === e.culprit);
        if (f) f.reporters++;
        else {
          ww.faults.push({ type: e.fault, culprit: e.culprit, reporters: 1 });
          this.print(`W=${e.W} wallet ${short(e.wallet)}  FAULT ${e.fault} culprit ${this.name(e.culprit)} (${e.reason}) seen by ${who}`);
        }
        break;
      }
      case "result":
        ww.results[e.result] = (ww.results[e.result] ?? 0) + 1;
        if (e.actionId !== undefined && e.action !== undefined) this.actionState(e.W, e.wallet, e.action, who, "scheduled");
        break;
      case "action":
        this.actionState(e.W, e.wallet, e.action, who, e.to, e.txid, e.reason);
        break;
      case "signing": {
        const a = this.actionRows.get(`${e.W}:${e.wallet}`);
        // Every signer reports the same session; the first signed report is kept.
        if (a === undefined || a.signing !== undefined || e.outcome !== "signed") break;
        a.signing = { attempts: e.attempts, signers: e.signers.map((s) => this.name(s)), ms: e.ms };
        this.print(`W=${e.W} wallet ${short(e.wallet)}  ${e.action} signed by ${a.signing.signers.join(", ")} in ${e.attempts} attempt(s), ${e.ms} ms (first: ${who})`);
        break;
      }
    }
  }

  /** Actions seen so far, oldest window first. */
  actions(): ActionSummary[] {
    return [...this.actionRows.values()].sort((a, b) => a.window - b.window || (a.wallet < b.wallet ? -1 : 1));
  }

  private actionState(W: number, wallet: string, type: ActionName, node: string, state: string, txid?: string, reason?: string): void {
    const key = `${W}:${wallet}`;
    let a = this.actionRows.get(key);
    if (!a) this.actionRows.set(key, (a = { wallet: "0x" + wallet, window: W, type, state, history: [], nodes: {} }));
    a.nodes[node] = state;
    if (txid !== undefined && a.tx?.txid !== txid) a.tx = this.txShape(txid) ?? a.tx;
    if (!a.history.includes(state)) {
      a.history.push(state);
      // The transaction's shape on the line where it reaches the mempool.
      const shape = state === "in_mempool" && a.tx !== undefined ? ` [${formatTxShape(a.tx)}]` : "";
      const extra = `${txid ? ` txid ${short(txid)}` : ""}${shape}${reason ? ` (${reason})` : ""}`;
      this.print(`W=${W} wallet ${short(wallet)}  ${type} action → ${state}${extra} (first: ${node})`);
    }
    const counts = new Map<string, number>();
    for (const s of Object.values(a.nodes)) counts.set(s, (counts.get(s) ?? 0) + 1);
    a.state = outcomeName([...counts.entries()].sort((x, y) => y[1] - x[1] || a!.history.indexOf(y[0]) - a!.history.indexOf(x[0]))[0][0]);
  }

  /** Prints the tally line of a finished window. */
  printWindow(W: number): void {
    for (const ww of this.windows.get(W)?.values() ?? []) {
      const faults = ww.faults.length ? `  faults: ${ww.faults.map((f) => `${f.type}(${this.name(f.culprit)})`).join(", ")}` : "";
      this.print(
        `W=${W} wallet ${short(ww.wallet)}  ${ww.action ?? "no proposal"}: accepted ${ww.accepted}/${ww.followers}, validated ${ww.validated}/${ww.followers}${faults}`,
      );
    }
  }

  summary(W: number): WindowSummary {
    return { block: W, wallets: [...(this.windows.get(W)?.values() ?? [])] };
  }

  private name(operator: string): string {
    return this.labels.get(operator) ?? short(operator);
  }

  private slot(W: number, wallet: string): WalletWindowSummary {
    let m = this.windows.get(W);
    if (!m) this.windows.set(W, (m = new Map()));
    let s = m.get(wallet);
    if (!s) {
      s = { wallet: "0x" + wallet, leader: "", action: null, followers: this.followers.get(wallet) ?? 0, accepted: 0, validated: 0, faults: [], results: {} };
      m.set(wallet, s);
    }
    return s;
  }
}
