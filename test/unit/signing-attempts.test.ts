// threshold.md §5.2: who is included in each attempt, who coordinates it, and when the session is infeasible.
import { describe, expect, it } from "vitest";
import { attemptCoordinator } from "../../src/threshold/signing/attempt-coordinator.js";
import { SessionAttempts } from "../../src/threshold/signing/session-attempts.js";

const sessionId = new Uint8Array(32).fill(7);
const fresh = () => new SessionAttempts({ sessionId, members: [5, 1, 4, 2, 3], threshold: 3, leader: 4 });

describe("session attempts", () => {
  it("attempt 0: everyone included, coordinated by the leader", () => {
    const a = fresh();
    expect(a.attempt).toBe(0);
    expect(a.included).toEqual([1, 2, 3, 4, 5]);
    expect(a.coordinator).toBe(4);
  });

  it("a cheater is excluded from the next attempt on, for the rest of the session; the coordinator is drawn from the included list", () => {
    const a = fresh();
    a.excludeCheater(2);
    expect(a.included).toEqual([1, 2, 3, 4, 5]);
    expect(a.closeAttempt({ cheaters: [], silent: [] })).toBe(true);
    expect(a.included).toEqual([1, 3, 4, 5]);
    expect(a.coordinator).toBe(attemptCoordinator({ sessionId, attempt: 1, leader: 4, included: [1, 3, 4, 5] }));
    a.closeAttempt({ cheaters: [], silent: [] });
    expect(a.included).toEqual([1, 3, 4, 5]);
    expect(a.excludedMembers()).toEqual([2]);
  });

  it("a silent member rests one attempt; silent a second time, it is out for the session", () => {
    const a = fresh();
    a.closeAttempt({ cheaters: [], silent: [3] });
    expect(a.included).toEqual([1, 2, 4, 5]);
    a.closeAttempt({ cheaters: [], silent: [] });
    expect(a.included).toEqual([1, 2, 3, 4, 5]);
    a.closeAttempt({ cheaters: [], silent: [3] });
    expect(a.included).toEqual([1, 2, 4, 5]);
    a.closeAttempt({ cheaters: [], silent: [] });
    expect(a.included).toEqual([1, 2, 4, 5]);
    expect(a.excludedMembers()).toEqual([3]);
  });

  it("a one-attempt rest never ends the session; it is infeasible once fewer than t are left that are not excluded for it", () => {
    const a = fresh();
    expect(a.closeAttempt({ cheaters: [1, 2], silent: [] })).toBe(true);
    expect(a.feasible).toBe(true);
    // Member 3 would rest for one attempt, but without it only 4 and 5 are left: it stays in.
    expect(a.closeAttempt({ cheaters: [], silent: [3] })).toBe(true);
    expect(a.included).toEqual([3, 4, 5]);
    // A second silence excludes it for the rest of the session: fewer than t are left.
    expect(a.closeAttempt({ cheaters: [], silent: [3] })).toBe(false);
    expect(a.feasible).toBe(false);
    expect(() => a.coordinator).toThrow(/infeasible/);
  });

  it("a slow attempt in which the whole subset looks silent leaves the others to try again", () => {
    const a = fresh();
    // 5 members, t = 3: the subset 1, 2, 3 sent nothing in time; 4 and 5 alone are too few, so all stay in.
    expect(a.closeAttempt({ cheaters: [], silent: [1, 2, 3] })).toBe(true);
    expect(a.included).toEqual([1, 2, 3, 4, 5]);
  });

  it("with k members that fail every time they can, the session never takes more than 2k + 1 attempts", () => {
    for (const k of [1, 2]) {
      const a = fresh();
      const faulty = [1, 2, 3, 4, 5].slice(0, k);
      let attempts = 1;
      // Worst case: every attempt's subset holds one faulty member that withholds its share.
      while (a.feasible) {
        const bad = faulty.find((m) => a.isIncluded(m));
        if (bad === undefined) break;
        a.closeAttempt({ cheaters: [], silent: [bad] });
        attempts++;
      }
      expect(attempts).toBeLessThanOrEqual(2 * k + 1);
    }
  });

  it("refuses a leader that is not a member and a threshold above the member count", () => {
    expect(() => new SessionAttempts({ sessionId, members: [1, 2, 3], threshold: 2, leader: 9 })).toThrow(/leader/);
    expect(() => new SessionAttempts({ sessionId, members: [1, 2, 3], threshold: 4, leader: 1 })).toThrow(/threshold/);
  });
});
