// Table `dkg_sessions`: this node's persisted DKG state per request (threshold.md §3.2, reliability.md
// §3). The repo enforces the order: a state only moves forward; a new attempt restarts at `requested`
// only before the key share is stored; `registered` and `failed` are final.
import { col, type RowSchema } from "../columns.js";
import { StoreError } from "../store-error.js";
import { Table } from "../table.js";
import { nowMs, type RepoContext } from "./repo-context.js";

export const DKG_SESSION_STATES = ["requested", "round1_sent", "round2_sent", "share_stored", "result_signed", "submitted", "registered", "failed"] as const;
export type DkgSessionState = (typeof DKG_SESSION_STATES)[number];

const RANK: Record<DkgSessionState, number> = Object.fromEntries(DKG_SESSION_STATES.map((s, i) => [s, i])) as Record<DkgSessionState, number>;
const FINAL: ReadonlySet<DkgSessionState> = new Set(["registered", "failed"]);

export interface DkgSessionRow {
  readonly requestId: bigint;
  /** This node's member index in the request. */
  readonly memberIndex: number;
  readonly state: DkgSessionState;
  readonly attempt: number;
  /** The attempt's member indices, ascending. */
  readonly included: readonly number[];
  /** 0x-hex, from share_stored on. */
  readonly walletX: string | null;
  /** Bare lowercase hex, from share_stored on. */
  readonly walletPkh: string | null;
  /** Signer member index → 0x-hex 65-byte signature of the result digest (this attempt's). */
  readonly resultSignatures: Readonly<Record<string, string>>;
  readonly signedBlock: number | null;
  readonly intentId: number | null;
  readonly error: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Fields a transition may set besides the state. */
export type DkgSessionUpdate = Partial<Pick<DkgSessionRow, "walletX" | "walletPkh" | "signedBlock" | "intentId" | "error">>;

const requestIdColumn = col.bigDec("request_id");

const schema: RowSchema<DkgSessionRow> = {
  requestId: requestIdColumn,
  memberIndex: col.int("member_index"),
  state: col.enumText<DkgSessionState>("state"),
  attempt: col.int("attempt"),
  included: col.json<number[]>("included"),
  walletX: col.nullable(col.hex("wallet_x")),
  walletPkh: col.nullable(col.pkh("wallet_pkh")),
  resultSignatures: col.json<Record<string, string>>("result_signatures"),
  signedBlock: col.nullable(col.int("signed_block")),
  intentId: col.nullable(col.int("intent_id")),
  error: col.nullable(col.text("error")),
  createdAt: col.int("created_at"),
  updatedAt: col.int("updated_at"),
};

function checkIncluded(included: readonly number[]): void {
  if (included.some((v, i) => !Number.isInteger(v) || v < 1 || v > 255 || (i > 0 && v <= included[i - 1]))) throw new RangeError("included must be ascending member indices");
}

export class DkgSessionsRepo {
  private readonly table: Table<DkgSessionRow>;

  constructor(private readonly ctx: RepoContext) {
    this.table = new Table(ctx, { name: "dkg_sessions", schema });
  }

  get(requestId: bigint): DkgSessionRow | undefined {
    return this.table.one("WHERE request_id = ?", requestIdColumn.enc(requestId));
  }

  /** Every session, by ascending request (numeric order), optionally only those not final. */
  list(opts: { active?: boolean } = {}): DkgSessionRow[] {
    const rows = this.table.all(opts.active === true ? "WHERE state NOT IN ('registered', 'failed')" : "");
    return rows.sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
  }

  /** The session of a request at `requested`, attempt 0; an existing one is returned as it is. */
  open(requestId: bigint, memberIndex: number, included: readonly number[]): DkgSessionRow {
    checkIncluded(included);
    const now = nowMs();
    this.table.insert(
      { requestId, memberIndex, state: "requested", attempt: 0, included: [...included], resultSignatures: {}, createdAt: now, updatedAt: now },
      "ON CONFLICT (request_id) DO NOTHING",
    );
    return this.get(requestId)!;
  }

  /**
   * Moves the session strictly forward to `to` (CAS on the state read), with `fields`. Throws StoreError
   * NOT_FOUND, FROZEN (from registered/failed) or CAS_FAILED (not forward of the current state).
   */
  advance(requestId: bigint, to: DkgSessionState, fields: DkgSessionUpdate = {}): DkgSessionRow {
    return this.ctx.transaction(() => {
      const cur = this.must(requestId);
      if (FINAL.has(cur.state)) throw new StoreError("FROZEN", `DKG request ${requestId} is ${cur.state}`, { requestId: requestId.toString() });
      if (RANK[to] <= RANK[cur.state]) throw new StoreError("CAS_FAILED", `DKG request ${requestId}: ${cur.state} → ${to} is not forward`, { requestId: requestId.toString() });
      this.write(requestId, { ...fields, state: to });
      return this.must(requestId);
    });
  }

  /**
   * Starts attempt `attempt` with `included`: back to `requested`, the signatures cleared. Allowed only
   * for a later attempt and before the key share is stored (CAS_FAILED otherwise).
   */
  nextAttempt(requestId: bigint, attempt: number, included: readonly number[]): DkgSessionRow {
    checkIncluded(included);
    return this.ctx.transaction(() => {
      const cur = this.must(requestId);
      if (FINAL.has(cur.state)) throw new StoreError("FROZEN", `DKG request ${requestId} is ${cur.state}`, { requestId: requestId.toString() });
      if (attempt <= cur.attempt || RANK[cur.state] >= RANK.share_stored) {
        throw new StoreError("CAS_FAILED", `DKG request ${requestId}: attempt ${attempt} after attempt ${cur.attempt} at ${cur.state}`, { requestId: requestId.toString() });
      }
      this.write(requestId, { state: "requested", attempt, included: [...included], resultSignatures: {} });
      return this.must(requestId);
    });
  }

  /** Adds result signatures (signer index → 0x-hex) to those held; returns the whole set. */
  addSignatures(requestId: bigint, signatures: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    return this.ctx.transaction(() => {
      const cur = this.must(requestId);
      const merged = { ...signatures, ...cur.resultSignatures };
      if (Object.keys(merged).length !== Object.keys(cur.resultSignatures).length) this.write(requestId, { resultSignatures: merged });
      return merged;
    });
  }

  /** Ends the session as failed (from any state but the final ones). */
  fail(requestId: bigint, error: string): DkgSessionRow {
    return this.advance(requestId, "failed", { error });
  }

  private must(requestId: bigint): DkgSessionRow {
    const row = this.get(requestId);
    if (row === undefined) throw new StoreError("NOT_FOUND", `no DKG session for request ${requestId}`, { requestId: requestId.toString() });
    return row;
  }

  private write(requestId: bigint, fields: Partial<DkgSessionRow>): void {
    this.table.update({ ...fields, updatedAt: nowMs() }, "request_id = :k_id", { k_id: requestIdColumn.enc(requestId) });
  }
}
