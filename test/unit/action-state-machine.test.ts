// The pure action state machine (reliability.md §3.1–§3.3): nextStep for every state at every
// deadline boundary, the edge table, terminal freezes and the wallet-lock rule.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ACTION_STATES,
  EDGES,
  afterValidation,
  canTransition,
  holdsLock,
  isReorgEdge,
  isTerminal,
  nextStep,
  type ActionState,
  type Step,
  type StepRow,
} from "../../src/actions/state-machine.js";
import { ActionType } from "../../src/protocol/constants.js";
import { actionSchedule } from "../../src/coordination/result-processor.js";

// Heartbeat at W=900: start 1000, signing deadline 1300, expiry 1600.
const HB: Omit<StepRow, "state"> = actionSchedule(900, ActionType.Heartbeat);
// MovingFunds at W=900: start 1000, signing start 1032, signing deadline 1350, expiry 1650.
const MF: Omit<StepRow, "state"> = actionSchedule(900, ActionType.MovingFunds);

const TERMINAL: ActionState[] = ["final", "done", "aborted", "expired", "conflicted", "failed_invalid"];
const EXPIRED: Step = { kind: "advance", to: "expired", reason: "signing_deadline" };

describe("schedules used by the table", () => {
  it("match coordination.md §1.2", () => {
    expect(HB).toEqual({ start: 1000, expiry: 1600, signingStart: 1000, signingDeadline: 1300 });
    expect(MF).toEqual({ start: 1000, expiry: 1650, signingStart: 1032, signingDeadline: 1350 });
  });
});

describe("nextStep", () => {
  const cases: [string, Omit<StepRow, "state">, ActionState, number, Step][] = [
    // scheduled: wait for W+100, expiry checked first
    ["scheduled before start", HB, "scheduled", 950, { kind: "wait", untilBlock: 1000 }],
    ["scheduled one block before start", HB, "scheduled", 999, { kind: "wait", untilBlock: 1000 }],
    ["scheduled at start", HB, "scheduled", 1000, { kind: "advance", to: "validating" }],
    ["scheduled one block before the signing deadline", HB, "scheduled", 1299, { kind: "advance", to: "validating" }],
    ["scheduled at the signing deadline", HB, "scheduled", 1300, EXPIRED],
    ["scheduled long past expiry (node was down)", HB, "scheduled", 5000, EXPIRED],
    // validating: re-validate each block until the deadline
    ["validating at start", HB, "validating", 1000, { kind: "effect", effect: "validate" }],
    ["validating one block before the deadline", HB, "validating", 1299, { kind: "effect", effect: "validate" }],
    ["validating at the deadline", HB, "validating", 1300, EXPIRED],
    ["validating past the deadline", HB, "validating", 1301, EXPIRED],
    // built: MovingFunds may sign only from W+132
    ["built before the signing start", MF, "built", 1031, { kind: "wait", untilBlock: 1032 }],
    ["built at the signing start", MF, "built", 1032, { kind: "advance", to: "signing" }],
    ["built one block before the deadline", MF, "built", 1349, { kind: "advance", to: "signing" }],
    ["built at the deadline", MF, "built", 1350, EXPIRED],
    ["built (heartbeat schedule) at start", HB, "built", 1000, { kind: "advance", to: "signing" }],
    // signing: (re)join the round until the deadline
    ["signing at start", HB, "signing", 1000, { kind: "effect", effect: "sign" }],
    ["signing one block before the deadline", HB, "signing", 1299, { kind: "effect", effect: "sign" }],
    ["signing at the deadline", HB, "signing", 1300, EXPIRED],
    ["signing (moving funds) at its deadline", MF, "signing", 1350, EXPIRED],
    ["signing (moving funds) one block before its deadline", MF, "signing", 1349, { kind: "effect", effect: "sign" }],
    // from signed on there is no expiry: a signed transaction is never abandoned
    ["signed before the deadline", HB, "signed", 1100, { kind: "advance", to: "broadcast_pending" }],
    ["signed past expiry", HB, "signed", 9000, { kind: "advance", to: "broadcast_pending" }],
    ["broadcast_pending past expiry", HB, "broadcast_pending", 9000, { kind: "effect", effect: "broadcast" }],
    ["in_mempool past expiry", HB, "in_mempool", 9000, { kind: "effect", effect: "track" }],
    ["confirmed past expiry", HB, "confirmed", 9000, { kind: "effect", effect: "settle" }],
    ["recording past expiry", HB, "recording", 9000, { kind: "effect", effect: "record" }],
    ["settled past expiry", HB, "settled", 9000, { kind: "effect", effect: "track" }],
  ];
  for (const [name, schedule, state, head, expected] of cases) {
    it(`${name} (head ${head}) → ${JSON.stringify(expected)}`, () => {
      expect(nextStep({ ...schedule, state }, { ethHead: head })).toEqual(expected);
    });
  }

  for (const state of TERMINAL) {
    it(`${state} is frozen at every head`, () => {
      for (const head of [0, 999, 1000, 1299, 1300, 1600, 100_000]) {
        expect(nextStep({ ...HB, state }, { ethHead: head })).toEqual({ kind: "frozen" });
      }
    });
  }

  it("every advance it asks for is an allowed edge, and only terminal states are frozen", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ACTION_STATES), fc.integer({ min: 0, max: 3000 }), fc.boolean(), (state, head, mf) => {
        const step = nextStep({ ...(mf ? MF : HB), state }, { ethHead: head });
        if (step.kind === "advance") expect(canTransition(state, step.to)).toBe(true);
        expect(step.kind === "frozen").toBe(isTerminal(state));
        // Pre-signing states never act at or past the signing deadline except by expiring.
        if (["scheduled", "validating", "built", "signing"].includes(state) && head >= (mf ? MF : HB).signingDeadline) {
          expect(step).toEqual(EXPIRED);
        }
      }),
    );
  });

  it("is a function of the row and heights only (same inputs, same step)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ACTION_STATES), fc.integer({ min: 0, max: 3000 }), (state, head) => {
        expect(nextStep({ ...HB, state }, { ethHead: head })).toEqual(nextStep({ ...HB, state }, { ethHead: head, btcTip: 123 }));
      }),
    );
  });
});

describe("afterValidation (§3.4 step 1)", () => {
  it("valid → signing for a heartbeat, built for a transaction", () => {
    expect(afterValidation({ class: "valid" }, false)).toEqual({ kind: "advance", to: "signing" });
    expect(afterValidation({ class: "valid" }, true)).toEqual({ kind: "advance", to: "built" });
  });
  it("invalid → aborted(invalid_at_start: reason)", () => {
    expect(afterValidation({ class: "invalid", reason: "Not a valid heartbeat message" }, false)).toEqual({
      kind: "advance",
      to: "aborted",
      reason: "invalid_at_start: Not a valid heartbeat message",
    });
  });
  it("unverified → retry next block", () => {
    expect(afterValidation({ class: "unverified", error: "timeout" }, false)).toEqual({ kind: "wait" });
  });
});

describe("edges", () => {
  it("the heartbeat path is allowed", () => {
    expect(canTransition("scheduled", "validating")).toBe(true);
    expect(canTransition("validating", "signing")).toBe(true);
    for (const end of ["done", "expired"] as const) expect(canTransition("signing", end)).toBe(true);
    expect(canTransition("validating", "aborted")).toBe(true);
    expect(canTransition("scheduled", "aborted")).toBe(true);
  });

  it("the bitcoin path is allowed", () => {
    const path: ActionState[] = ["scheduled", "validating", "built", "signing", "signed", "broadcast_pending", "in_mempool", "confirmed", "recording", "settled", "final"];
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1], path[i])).toBe(true);
  });

  it("the only backward move is the reorg edge confirmed → in_mempool", () => {
    const order: ActionState[] = ["scheduled", "validating", "built", "signing", "signed", "broadcast_pending", "in_mempool", "confirmed", "recording", "settled", "final"];
    const backward: string[] = [];
    for (let i = 0; i < order.length; i++) {
      for (let j = 0; j < i; j++) if (canTransition(order[i], order[j])) backward.push(`${order[i]}→${order[j]}`);
    }
    expect(backward).toEqual(["confirmed→in_mempool"]);
    expect(isReorgEdge("confirmed", "in_mempool")).toBe(true);
    expect(isReorgEdge("in_mempool", "confirmed")).toBe(false);
  });

  it("a self edge exists only for a new signing attempt", () => {
    expect(ACTION_STATES.filter((s) => canTransition(s, s))).toEqual(["signing"]);
  });

  it("a heartbeat never needs built, and no state reaches done except signing", () => {
    expect(ACTION_STATES.filter((s) => canTransition(s, "done"))).toEqual(["signing"]);
  });

  it("terminal states accept no transition (R13)", () => {
    for (const s of TERMINAL) {
      expect(isTerminal(s)).toBe(true);
      expect(EDGES[s]).toEqual([]);
      for (const t of ACTION_STATES) expect(canTransition(s, t)).toBe(false);
    }
    expect(ACTION_STATES.filter(isTerminal).sort()).toEqual([...TERMINAL].sort());
  });
});

describe("holdsLock (§3.3)", () => {
  const table: [ActionState, boolean][] = [
    ["scheduled", true],
    ["validating", true],
    ["built", true],
    ["signing", true],
    ["signed", true],
    ["broadcast_pending", true],
    ["in_mempool", true],
    ["confirmed", true],
    ["recording", true],
    ["settled", false],
    ["final", false],
    ["done", false],
    ["aborted", false],
    ["expired", false],
    ["conflicted", false],
    ["failed_invalid", true],
  ];
  it("covers every state", () => {
    expect(table.map(([s]) => s).sort()).toEqual([...ACTION_STATES].sort());
  });
  for (const [state, held] of table) {
    it(`${state}: ${held ? "holds" : "releases"} the wallet lock`, () => {
      expect(holdsLock(state)).toBe(held);
    });
  }
});
