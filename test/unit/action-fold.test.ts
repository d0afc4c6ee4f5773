// Random runs through the real executor on a real temp-file Store, with a manual clock and scripted
// validator/signer: the fold of `action_transitions` always equals the `actions` table (reliability.md
// §1.2), frozen states never move (R13), every signer call follows its committed intent (R1), and
// the wallet lock follows the state (§3.3). Restarts reopen the database file and run recovery.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SigningKey, keccak256, toBeHex } from "ethers";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ActionExecutor } from "../../src/actions/executor.js";
import { HeartbeatHandler } from "../../src/actions/handlers/heartbeat.js";
import { hash256 } from "../../src/bitcoin/tx.js";
import { foldTranscript, recoverActions } from "../../src/actions/recovery.js";
import { LocalKeySigner, verifyWalletSignature, type SignRequest, type WalletSigner } from "../../src/actions/signer.js";
import { holdsLock, isTerminal, type ActionState } from "../../src/actions/state-machine.js";
import { ActionType } from "../../src/protocol/constants.js";
import type { ContentOutcome, ContentValidator } from "../../src/coordination/content-validation.js";
import { heartbeatMessage } from "../../src/protocol/heartbeat.js";
import { actionSchedule } from "../../src/coordination/result-processor.js";
import { walletPkhFromPublicKey } from "../../src/coordination/seed.js";
import { encodePayload } from "../../src/protocol/payloads.js";
import { StoreError } from "../../src/store/store-error.js";
import { Store } from "../../src/store/store.js";
import { fromHex, toHex } from "../../src/util/hex.js";
import { ManualClock } from "../fixtures/manual-clock.js";

const KEYS = ["0x" + "11".repeat(32), "0x" + "12".repeat(32), "0x" + "13".repeat(32)];
const WALLETS = KEYS.map((k) => {
  const pub = fromHex(new SigningKey(k).publicKey);
  return { key: k, pkh: toHex(walletPkhFromPublicKey(pub)), xy: pub.subarray(1) };
});

type VBehaviour = "valid" | "invalid" | "unverified" | "throw";
type SBehaviour = "ok" | "fail" | "bad" | "short";

type Op =
  | { op: "schedule"; wallet: number }
  | { op: "advance"; by: number }
  | { op: "equivocate"; wallet: number }
  | { op: "restart" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("schedule" as const), wallet: fc.integer({ min: 0, max: 2 }) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("advance" as const),
      by: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 50, max: 450 }), fc.integer({ min: 800, max: 1000 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("equivocate" as const), wallet: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("restart" as const) }) },
);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

class World {
  store: Store;
  readonly clock = new ManualClock(900);
  executor!: ActionExecutor;
  readonly violations: string[] = [];
  readonly signerCalls: { actionRound: string; attempt: number | null }[] = [];
  private v = 0;
  private s = 0;
  private readonly local = new LocalKeySigner(KEYS);

  constructor(
    private readonly dir: string,
    private readonly vScript: VBehaviour[],
    private readonly sScript: SBehaviour[],
  ) {
    this.store = Store.open(dir);
    this.executor = this.newExecutor();
  }

  private newExecutor(): ActionExecutor {
    const world = this;
    const validator: ContentValidator = async ({ ctx }) => {
      const row = world.store.actions.byWindow(ctx.wallet, ctx.W);
      if (row?.state !== "validating") world.violations.push(`validator called in state ${row?.state}`);
      const b = world.vScript[world.v++ % world.vScript.length];
      if (b === "throw") throw new Error("validator exploded");
      const outcomes: Record<Exclude<VBehaviour, "throw">, ContentOutcome> = {
        valid: { class: "valid" },
        invalid: { class: "invalid", reason: "Not a valid heartbeat message" },
        unverified: { class: "unverified", error: "rpc down" },
      };
      return outcomes[b];
    };
    const signer: WalletSigner = {
      async sign(req: SignRequest) {
        // R1: the intent for this call is committed before the call.
        const row = world.store.actions.list({ wallet: toHex(req.walletPkh), state: "signing" })[0];
        if (row === undefined || row.roundId === null || toHex(row.roundId) !== toHex(req.roundId)) {
          world.violations.push(`signer called without a committed signing intent for round ${toHex(req.roundId)}`);
        }
        world.signerCalls.push({ actionRound: toHex(req.roundId), attempt: row?.signingAttempt ?? null });
        const b = world.sScript[world.s++ % world.sScript.length];
        if (b === "fail") throw Object.assign(new Error("signing group unreachable"), { code: "SIGNER_UNAVAILABLE" });
        const sigs = await world.local.sign(req);
        if (b === "bad") return sigs.map((sg) => sg.map((x, i) => (i === 5 ? x ^ 1 : x)));
        if (b === "short") return [];
        return sigs;
      },
    };
    return new ActionExecutor({
      store: this.store,
      clock: this.clock,
      blocks: { block: async (n) => ({ number: n, hash: keccak256(toBeHex(n, 32)) }) },
      bridge: { walletPublicKey: async (pkh) => WALLETS.find((w) => w.pkh === toHex(pkh))?.xy ?? new Uint8Array(0) },
      signer,
      handlers: new Map([[ActionType.Heartbeat, new HeartbeatHandler({ contentValidator: validator })]]),
    });
  }

  async apply(op: Op): Promise<void> {
    switch (op.op) {
      case "schedule": {
        const w = WALLETS[op.wallet];
        const W = Math.floor(this.clock.head / 900) * 900;
        try {
          const row = this.store.actions.create({
            walletPkh: w.pkh,
            W,
            type: ActionType.Heartbeat,
            payload: encodePayload(ActionType.Heartbeat, { message: heartbeatMessage(fromHex(w.pkh), W) }),
            ...actionSchedule(W, ActionType.Heartbeat),
          });
          this.executor.scheduled(row.id);
        } catch (err) {
          // wallet_busy or a window that already has its action: nothing scheduled, as in §12.
          if (!(err instanceof StoreError) || !["WALLET_BUSY", "DUPLICATE"].includes(err.code)) throw err;
        }
        break;
      }
      case "advance":
        this.clock.setHead(this.clock.head + op.by);
        this.executor.sweep();
        break;
      case "equivocate": {
        const row = this.store.actions.list({ wallet: WALLETS[op.wallet].pkh, state: "scheduled" })[0];
        if (row !== undefined) {
          this.store.actions.advance(row.id, "scheduled", "aborted", { reason: "leader_equivocation" }, { ethHead: this.clock.head, detail: { reason: "leader_equivocation" } });
        }
        break;
      }
      case "restart":
        await this.executor.stop();
        this.store.close();
        this.store = Store.open(this.dir);
        this.executor = this.newExecutor();
        await recoverActions({ store: this.store, clock: this.clock, executor: this.executor });
        break;
    }
    await this.executor.idle();
  }

  async close(): Promise<void> {
    await this.executor.stop();
    this.store.close();
  }
}

function snapshot(store: Store): Map<number, ActionState> {
  return new Map(store.actions.list().map((r) => [r.id, r.state]));
}

describe("transcript fold", () => {
  it("equals the live actions table after a random run, and frozen states never move", async () => {
    // What the runs reached, so the property cannot pass by never leaving `scheduled`.
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 25 }),
        fc.array(fc.constantFrom<VBehaviour>("valid", "valid", "invalid", "unverified", "throw"), { minLength: 1, maxLength: 6 }),
        fc.array(fc.constantFrom<SBehaviour>("ok", "ok", "fail", "bad", "short"), { minLength: 1, maxLength: 6 }),
        async (ops, vScript, sScript) => {
          const dir = mkdtempSync(join(tmpdir(), "wcoord-fold-"));
          dirs.push(dir);
          const world = new World(dir, vScript, sScript);
          try {
            const frozen = new Map<number, ActionState>();
            for (const op of ops) {
              await world.apply(op);
              for (const [id, state] of snapshot(world.store)) {
                const was = frozen.get(id);
                if (was !== undefined) expect(state, `action ${id} left frozen state ${was}`).toBe(was);
                if (isTerminal(state)) frozen.set(id, state);
              }
            }
            expect(world.violations).toEqual([]);

            const rows = world.store.actions.list();
            const transitions = rows.flatMap((r) => world.store.actions.history(r.id));
            for (const t of transitions) seen.add(`${t.from}→${t.to}`);
            const folded = foldTranscript(transitions); // throws on a gap or an illegal edge
            expect(folded.size).toBe(rows.length);
            for (const r of rows) {
              expect(folded.get(r.id)).toEqual({
                state: r.state,
                seq: world.store.actions.history(r.id).length,
                holdsLock: r.holdsLock,
                reason: r.reason,
                roundId: r.roundId === null ? null : toHex(r.roundId),
                signingAttempt: r.signingAttempt,
                validationBlock: r.validationBlock,
              });
              expect(r.holdsLock).toBe(holdsLock(r.state));
              const history = world.store.actions.history(r.id);
              const last = history[history.length - 1];
              if (r.state === "done") {
                const digest = hash256(heartbeatMessage(fromHex(r.walletPkh), r.W));
                const sig = fromHex((r.extra as { signatures: string[] }).signatures[0]);
                expect(verifyWalletSignature(digest, sig, WALLETS.find((w) => w.pkh === r.walletPkh)!.xy)).toBe(true);
                expect(last.ethHead!).toBeGreaterThanOrEqual(r.start);
              }
              if (r.state === "expired") expect(last.ethHead!).toBeGreaterThanOrEqual(r.signingDeadline);
              if (r.state === "aborted") expect(r.reason).toMatch(/^(invalid_at_start: Not a valid heartbeat message|leader_equivocation)$/);
              if (r.state === "signing" || r.state === "validating") expect(world.clock.head).toBeLessThan(r.signingDeadline);
            }
            // Every signer call used the round id the action committed.
            const rounds = new Set(rows.filter((r) => r.roundId !== null).map((r) => toHex(r.roundId!)));
            for (const c of world.signerCalls) expect(rounds.has(c.actionRound)).toBe(true);
          } finally {
            await world.close();
          }
        },
      ),
      {
        numRuns: 40,
        // Fixed runs that reach every heartbeat edge whatever the random seed.
        examples: [
          [[{ op: "schedule", wallet: 0 }, { op: "advance", by: 100 }], ["invalid"], ["ok"]],
          [[{ op: "schedule", wallet: 0 }, { op: "advance", by: 100 }, { op: "advance", by: 1 }], ["valid"], ["fail", "ok"]],
          [[{ op: "schedule", wallet: 1 }, { op: "advance", by: 100 }, { op: "restart" }, { op: "advance", by: 300 }], ["valid"], ["bad"]],
          [[{ op: "schedule", wallet: 2 }, { op: "equivocate", wallet: 2 }, { op: "advance", by: 100 }], ["valid"], ["ok"]],
        ],
      },
    );
    for (const edge of ["scheduled→validating", "validating→signing", "signing→done", "signing→signing", "signing→expired", "validating→aborted", "scheduled→aborted"]) {
      expect(seen, edge).toContain(edge);
    }
  });

  it("rejects a transcript with a gap or a move out of a frozen state", () => {
    const t = (seq: number, from: ActionState | null, to: ActionState) => ({ actionId: 1, seq, from, to, ethHead: null, btcTip: null, detail: null, at: 0 });
    expect(() => foldTranscript([t(1, null, "scheduled"), t(3, "scheduled", "validating")])).toThrow(/gap/);
    expect(() => foldTranscript([t(1, null, "scheduled"), t(2, "validating", "signing")])).toThrow(/was scheduled/);
    expect(() => foldTranscript([t(1, null, "scheduled"), t(2, "scheduled", "aborted"), t(3, "aborted", "validating")])).toThrow(/illegal edge/);
    expect(() => foldTranscript([t(2, "scheduled", "validating")])).toThrow(/creating transition/);
    expect(foldTranscript([t(2, "scheduled", "aborted"), t(1, null, "scheduled")]).get(1)).toMatchObject({ state: "aborted", holdsLock: false });
  });
});
