// Table `ev_dkg_requests`: the FrostWalletRegistry's events (threshold.md §3.1), one row per event,
// upserted and rewound like the Bridge's event tables; `requests` folds them into one state per request.
import { col, hex0x, pkhKey, type RowSchema } from "../columns.js";
import { EventRepoBase, type EventListOptions, type EventPosition } from "./event-repo-base.js";
import type { RepoContext } from "./repo-context.js";

export type DkgEventName = "DkgRequested" | "DkgResultAccepted" | "DkgTimedOut";

export interface EvDkgRow extends EventPosition {
  readonly event: DkgEventName;
  /** The request's uint256 ID. */
  readonly requestId: bigint;
  /** DkgResultAccepted only: HASH160(0x02 ‖ walletX), bare lowercase hex (the stored key form). */
  readonly walletPkh: string | null;
  /** DkgResultAccepted only: the 32-byte x-only wallet key, 0x-hex. */
  readonly walletX: string | null;
  /** DkgRequested only: 0x-hex. */
  readonly seed: string | null;
  /** DkgRequested only: EIP-55, ascending (member index i is position i−1). */
  readonly members: readonly string[] | null;
  readonly threshold: number | null;
  readonly dkgQuorum: number | null;
  /** DkgRequested only: last block in which a result may be submitted. */
  readonly deadline: number | null;
}

export type DkgRequestStatus = "requested" | "accepted" | "timed_out";

/** One request as its events so far make it. */
export interface DkgRequestState {
  readonly requestId: bigint;
  readonly seed: string;
  readonly members: readonly string[];
  readonly threshold: number;
  readonly dkgQuorum: number;
  readonly deadline: number;
  readonly status: DkgRequestStatus;
  /** Accepted only (else null). */
  readonly walletX: string | null;
  readonly walletPkh: string | null;
  /** The DkgRequested log. */
  readonly requestedAt: EventPosition;
  /** The DkgResultAccepted or DkgTimedOut log; null while requested. */
  readonly settledAt: EventPosition | null;
}

export interface DkgRequestQuery {
  readonly status?: DkgRequestStatus;
  /** Only requests listing this address among their members (any case). */
  readonly member?: string;
  /** The state as of this block (events above it ignored). */
  readonly toBlock?: number;
}

const addressList = {
  col: "members",
  enc: (v: readonly string[]) => JSON.stringify(v.map((a) => col.address("").enc(a))),
  dec: (v: unknown) => JSON.parse(v as string) as string[],
};

const requestIdColumn = col.bigDec("request_id");

const schema: RowSchema<EvDkgRow> = {
  txHash: col.hex("tx_hash"),
  logIndex: col.int("log_index"),
  blockNumber: col.int("block_number"),
  blockHash: col.hex("block_hash"),
  event: col.enumText<DkgEventName>("event"),
  requestId: requestIdColumn,
  walletPkh: col.nullable(col.pkh("wallet_pkh")),
  walletX: col.nullable(col.hex("wallet_x")),
  seed: col.nullable(col.hex("seed")),
  members: col.nullable(addressList),
  threshold: col.nullable(col.int("threshold")),
  dkgQuorum: col.nullable(col.int("dkg_quorum")),
  deadline: col.nullable(col.int("deadline")),
};

const positionOf = (r: EvDkgRow): EventPosition => ({ txHash: r.txHash, logIndex: r.logIndex, blockNumber: r.blockNumber, blockHash: r.blockHash });

export class EvDkgRequestsRepo extends EventRepoBase<EvDkgRow> {
  constructor(ctx: RepoContext) {
    super(ctx, { name: "ev_dkg_requests", schema });
  }

  /** The request's events, oldest first. */
  byRequest(requestId: bigint, opts: Pick<EventListOptions, "toBlock"> = {}): EvDkgRow[] {
    return this.query("request_id = :requestId", { requestId: requestIdColumn.enc(requestId) }, opts);
  }

  /** One request's state, or undefined when its DkgRequested is not indexed (at `toBlock`). */
  request(requestId: bigint, opts: Pick<DkgRequestQuery, "toBlock"> = {}): DkgRequestState | undefined {
    return fold(this.byRequest(requestId, opts))[0];
  }

  /** The requests by ascending ID, filtered. */
  requests(q: DkgRequestQuery = {}): DkgRequestState[] {
    const member = q.member === undefined ? undefined : col.address("").enc(q.member);
    return fold(this.list({ toBlock: q.toBlock })).filter(
      (r) => (q.status === undefined || r.status === q.status) && (member === undefined || r.members.includes(member as string)),
    );
  }

  /** The accepted request that created the wallet (by its PKH, any case, with or without 0x). */
  byWalletPkh(walletPkh: string): DkgRequestState | undefined {
    const row = this.table.one("WHERE wallet_pkh = ? AND event = 'DkgResultAccepted' ORDER BY block_number DESC, log_index DESC LIMIT 1", pkhKey(walletPkh));
    return row && this.request(row.requestId);
  }

  /** The accepted request whose result registered `walletX` (0x-hex, any case). */
  byWalletX(walletX: string): DkgRequestState | undefined {
    const row = this.table.one("WHERE wallet_x = ? AND event = 'DkgResultAccepted' ORDER BY block_number DESC, log_index DESC LIMIT 1", hex0x(walletX));
    return row && this.request(row.requestId);
  }
}

/** Rows in chain order into request states (a settling event without its request is ignored). */
function fold(rows: readonly EvDkgRow[]): DkgRequestState[] {
  const states = new Map<bigint, DkgRequestState>();
  for (const r of rows) {
    if (r.event === "DkgRequested") {
      if (states.has(r.requestId)) continue;
      states.set(r.requestId, {
        requestId: r.requestId,
        seed: r.seed!,
        members: [...r.members!],
        threshold: r.threshold!,
        dkgQuorum: r.dkgQuorum!,
        deadline: r.deadline!,
        status: "requested",
        walletX: null,
        walletPkh: null,
        requestedAt: positionOf(r),
        settledAt: null,
      });
      continue;
    }
    const s = states.get(r.requestId);
    if (s === undefined || s.status !== "requested") continue;
    const settled = { ...s, settledAt: positionOf(r) };
    states.set(
      r.requestId,
      r.event === "DkgResultAccepted" ? { ...settled, status: "accepted", walletX: r.walletX, walletPkh: r.walletPkh } : { ...settled, status: "timed_out" },
    );
  }
  return [...states.values()].sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
}
