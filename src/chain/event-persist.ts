// The event index in the store (coordination.md §13.2, reliability.md R5): a chunk's rows and the
// `eth.events` cursor are committed in one transaction; rows are upserted by (txHash, logIndex), so
// a redone chunk is harmless; a reorg rewind deletes the rows above the new cursor and moves it, in
// one transaction too. Both refuse to write when the cursor is not where the caller last saw it.
import type { EventPosition, EventRepoBase } from "../store/repos/event-repo-base.js";
import { CURSOR } from "../store/repos/cursors-repo.js";
import { META_KEYS } from "../store/repos/meta-repo.js";
import type { Store } from "../store/store.js";
import { crashPoint } from "../util/crash-point.js";
import type { EventTables, IndexedRow } from "./event-decode.js";

/** The last fully indexed block. */
export interface IndexCursor {
  readonly height: number;
  readonly hash: string;
}

export interface EventIndexStoreComponents {
  store: Store;
}

export interface EventIndexStoreInit {
  /** First indexed block: an empty index has its cursor just below it. */
  deployBlock: number;
}

const EVENT_TABLES: readonly (keyof EventTables)[] = ["evWallets", "evDeposits", "evRedemptions", "evMovingFunds", "evDkgRequests"];

export class EventIndexStore {
  private readonly store: Store;
  private readonly deployBlock: number;

  constructor(components: EventIndexStoreComponents, init: EventIndexStoreInit) {
    this.store = components.store;
    this.deployBlock = init.deployBlock;
  }

  /** The persisted cursor, or undefined before the first chunk. */
  cursor(): IndexCursor | undefined {
    const c = this.store.cursors.get(CURSOR.ethEvents);
    return c && { height: c.height, hash: c.hash };
  }

  /** The cursor height; deployBlock − 1 for an empty index. */
  cursorHeight(): number {
    return this.store.cursors.get(CURSOR.ethEvents)?.height ?? this.deployBlock - 1;
  }

  /** One transaction: the chunk's rows, then the cursor at `to`. Returns the number of rows written. */
  commitChunk(expectedCursor: number, to: number, hash: string, rows: readonly IndexedRow[]): number {
    return this.store.transaction(() => {
      // Serialized callers cannot move it, but a second indexer on the same store could.
      if (this.cursorHeight() !== expectedCursor) throw new Error(`eth.events cursor moved during chunk ${expectedCursor + 1}..${to}`);
      for (const r of rows) this.table(r.table).upsert(r.row);
      crashPoint("indexer.chunk.inside-tx");
      this.store.cursors.set(CURSOR.ethEvents, { height: to, hash: hash.toLowerCase() });
      return rows.length;
    });
  }

  /**
   * One transaction: deletes the event rows and deposit observations above `to` and moves the cursor
   * there (deletes it when `hash` is undefined: nothing is kept). Returns the event rows deleted.
   */
  rewind(expectedCursor: number, to: number, hash: string | undefined): number {
    return this.store.transaction(() => {
      if (this.cursorHeight() !== expectedCursor) throw new Error("eth.events cursor moved during the reorg guard");
      const deleted = EVENT_TABLES.reduce((n, t) => n + this.table(t).deleteAbove(to), 0);
      this.store.depositStatus.deleteAbove(to);
      if (hash === undefined) this.store.cursors.delete(CURSOR.ethEvents);
      else this.store.cursors.set(CURSOR.ethEvents, { height: to, hash });
      return deleted;
    });
  }

  /**
   * Records which FrostWalletRegistry (undefined: none) the index follows. When the index was built
   * following another one (or none), it is forgotten in the same transaction, so that the next chunks
   * rebuild it from the deploy block with the registry's events. Returns true when it was.
   */
  useRegistry(registry: string | undefined): boolean {
    const wanted = registry ?? "none";
    return this.store.transaction(() => {
      const stored = this.store.meta.get(META_KEYS.indexedFrostWalletRegistry);
      if (stored === wanted) return false;
      // No record: a new index, or one that migration 0002 emptied.
      const rebuild = stored !== undefined;
      if (rebuild) this.store.clearEventIndex();
      this.store.meta.set(META_KEYS.indexedFrostWalletRegistry, wanted);
      return rebuild;
    });
  }

  /** The newest event row at or below block `h`, in any table. */
  newestRowAtOrBelow(h: number): EventPosition | undefined {
    const q = { toBlock: h, order: "desc", limit: 1 } as const;
    const rows = EVENT_TABLES.flatMap((t): EventPosition[] => this.table(t).list(q));
    return rows.sort((a, b) => b.blockNumber - a.blockNumber)[0];
  }

  // The repositories share EventRepoBase; the row type follows the table name.
  private table<T extends keyof EventTables>(t: T): EventRepoBase<EventTables[T]> {
    return this.store[t] as unknown as EventRepoBase<EventTables[T]>;
  }
}
