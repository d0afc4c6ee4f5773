// Aggregates the coordination events of every devnet node into one timeline: a readable line per
// step on the terminal, and per (window, wallet) tallies for the summary JSON.
import type { ActionName, FaultName } from "../coordination/constants.js";
import type { CoordinationEvent, WindowResult } from "../coordination/events.js";

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

export interface WindowSummary {
  block: number;
  wallets: WalletWindowSummary[];
}

export type Printer = (line: string) => void;

const short = (hex: string): string => (hex.length > 14 ? `${hex.slice(0, 6)}…${hex.slice(-4)}` : hex);

export class Timeline {
  private readonly windows = new Map<number, Map<string, WalletWindowSummary>>();
  /** Operator address → node label, for readable lines. */
  readonly labels = new Map<string, string>();
  /** Wallet hex → number of followers (distinct operators but the leader). */
  readonly followers = new Map<string, number>();

  constructor(private readonly print: Printer) {}

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
        break;
    }
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
