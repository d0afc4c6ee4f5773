// The node's storage: one repository per table (style.md §1.12) over one connection, and a
// transaction helper that lets a caller write through several repositories atomically (R1, R5).
import { getAddress } from "ethers";
import { checkRows, openDatabase, openMemoryDatabase, userVersion, type Database, type OpenOptions } from "./db.js";
import { sqliteBackup } from "./sqlite.js";
import { StoreError } from "./store-error.js";
import { ActionTransitionsRepo } from "./repos/action-transitions-repo.js";
import { ActionsRepo } from "./repos/actions-repo.js";
import { BtcHeadersRepo } from "./repos/btc-headers-repo.js";
import { BtcTrackersRepo } from "./repos/btc-trackers-repo.js";
import { CURSOR, CursorsRepo } from "./repos/cursors-repo.js";
import { DepositStatusRepo } from "./repos/deposit-status-repo.js";
import { DkgSessionsRepo } from "./repos/dkg-sessions-repo.js";
import { KeySharesRepo } from "./repos/key-shares-repo.js";
import { SigningNonceMarksRepo } from "./repos/signing-nonce-marks-repo.js";
import { EthIntentsRepo } from "./repos/eth-intents-repo.js";
import { EvDepositsRepo } from "./repos/ev-deposits-repo.js";
import { EvDkgRequestsRepo } from "./repos/ev-dkg-requests-repo.js";
import { EvMovingFundsRepo } from "./repos/ev-moving-funds-repo.js";
import { EvRedemptionsRepo } from "./repos/ev-redemptions-repo.js";
import { EvWalletsRepo } from "./repos/ev-wallets-repo.js";
import { FaultsRepo } from "./repos/faults-repo.js";
import { InboundMessagesRepo } from "./repos/inbound-messages-repo.js";
import { LeaderStatementsRepo } from "./repos/leader-statements-repo.js";
import { META_KEYS, MetaRepo } from "./repos/meta-repo.js";
import type { RepoContext } from "./repos/repo-context.js";
import { WindowsRepo } from "./repos/windows-repo.js";

/** What a database belongs to (reliability.md §4.1 identity guard, coordination.md §2.3). */
export interface StoreIdentity {
  readonly chainId: number | bigint;
  /** Bridge address (any case; stored EIP-55). */
  readonly bridge: string;
  /** 0x-hex profile hash (coordination.md §2.2). */
  readonly profileHash: string;
}

export interface IdentityCheckResult {
  /** The identity was recorded by this call (new database). */
  readonly firstRun: boolean;
  /** A different profile hash was accepted with --accept-profile-change. */
  readonly profileChanged: boolean;
}

interface ProfileChange {
  readonly from: string;
  readonly to: string;
  readonly at: string;
}

export interface StoreComponents {
  /** The open connection (with its lock); Store.open and Store.openMemory make it. */
  database: Database;
}

/** The tables the event indexer fills from Bridge (and FrostWalletRegistry) events alone (rebuildable). */
const EVENT_INDEX_TABLES = ["ev_wallets", "ev_deposits", "ev_redemptions", "ev_moving_funds", "ev_dkg_requests", "deposit_status"] as const;

export class Store {
  readonly meta: MetaRepo;
  readonly cursors: CursorsRepo;
  readonly windows: WindowsRepo;
  readonly leaderStatements: LeaderStatementsRepo;
  readonly inboundMessages: InboundMessagesRepo;
  readonly faults: FaultsRepo;
  readonly actions: ActionsRepo;
  readonly actionTransitions: ActionTransitionsRepo;
  readonly btcTrackers: BtcTrackersRepo;
  readonly btcHeaders: BtcHeadersRepo;
  readonly ethIntents: EthIntentsRepo;
  readonly evWallets: EvWalletsRepo;
  readonly evDeposits: EvDepositsRepo;
  readonly evRedemptions: EvRedemptionsRepo;
  readonly evMovingFunds: EvMovingFundsRepo;
  /** FrostWalletRegistry events (threshold.md §3.1). */
  readonly evDkgRequests: EvDkgRequestsRepo;
  readonly depositStatus: DepositStatusRepo;
  /** This node's FROST key shares, sealed (threshold.md §3.2). */
  readonly keyShares: KeySharesRepo;
  /** Consumed-nonce marks of signing sessions (threshold.md §5.2). */
  readonly signingNonceMarks: SigningNonceMarksRepo;
  /** This node's DKG state per request (threshold.md §3.2). */
  readonly dkgSessions: DkgSessionsRepo;

  private depth = 0;

  private readonly database: Database;

  private constructor(components: StoreComponents) {
    this.database = components.database;
    const ctx: RepoContext = { db: this.database, transaction: (fn) => this.transaction(fn) };
    this.meta = new MetaRepo(ctx);
    this.cursors = new CursorsRepo(ctx);
    this.windows = new WindowsRepo(ctx);
    this.leaderStatements = new LeaderStatementsRepo(ctx);
    this.inboundMessages = new InboundMessagesRepo(ctx);
    this.faults = new FaultsRepo(ctx);
    this.actionTransitions = new ActionTransitionsRepo(ctx);
    this.actions = new ActionsRepo({ ...ctx, transitions: this.actionTransitions });
    this.btcTrackers = new BtcTrackersRepo(ctx);
    this.btcHeaders = new BtcHeadersRepo(ctx);
    this.ethIntents = new EthIntentsRepo(ctx);
    this.evWallets = new EvWalletsRepo(ctx);
    this.evDeposits = new EvDepositsRepo(ctx);
    this.evRedemptions = new EvRedemptionsRepo(ctx);
    this.evMovingFunds = new EvMovingFundsRepo(ctx);
    this.evDkgRequests = new EvDkgRequestsRepo(ctx);
    this.depositStatus = new DepositStatusRepo(ctx);
    this.keyShares = new KeySharesRepo(ctx);
    this.signingNonceMarks = new SigningNonceMarksRepo(ctx);
    this.dkgSessions = new DkgSessionsRepo(ctx);
  }

  /**
   * Opens `<dataDir>/wcoord.sqlite`: lock, pragmas, quick_check, migrations (reliability.md §5
   * step 1). Throws StoreError LOCKED, CORRUPT or NEWER_SCHEMA. Call checkIdentity next.
   */
  static open(dataDir: string, opts: OpenOptions = {}): Store {
    return new Store({ database: openDatabase(dataDir, opts) });
  }

  /** A fresh migrated in-memory store (no lock). */
  static openMemory(opts: Pick<OpenOptions, "migrationsDir"> = {}): Store {
    return new Store({ database: openMemoryDatabase(opts) });
  }

  /** The connection, for tools and tests (pragmas, raw checks); application code uses the repositories. */
  get db(): Database {
    return this.database;
  }

  /** Absolute database file, or ":memory:". */
  get file(): string {
    return this.database.file;
  }

  get isOpen(): boolean {
    return this.database.isOpen;
  }

  get schemaVersion(): number {
    return userVersion(this.database.raw);
  }

  /**
   * Runs `fn` in one transaction (BEGIN IMMEDIATE … COMMIT; ROLLBACK if it throws). A nested call
   * joins the outer transaction as a savepoint: its writes are undone if it throws, and
   * committed only with the outer transaction. `fn` must be synchronous.
   */
  transaction<T>(fn: () => T): T {
    const raw = this.database.raw;
    const outer = this.depth === 0 && !raw.isTransaction;
    const savepoint = `sp${this.depth}`;
    raw.exec(outer ? "BEGIN IMMEDIATE" : `SAVEPOINT ${savepoint}`);
    this.depth++;
    let result: T;
    try {
      result = fn();
      if (result instanceof Promise) {
        void result.catch(() => undefined);
        throw new TypeError("Store.transaction: fn must be synchronous (it returned a Promise)");
      }
    } catch (err) {
      this.depth--;
      this.undo(outer, savepoint);
      throw err;
    }
    this.depth--;
    try {
      raw.exec(outer ? "COMMIT" : `RELEASE ${savepoint}`);
    } catch (err) {
      this.undo(outer, savepoint);
      throw err;
    }
    return result;
  }

  private undo(outer: boolean, savepoint: string): void {
    const raw = this.database.raw;
    // SQLite may already have rolled back on its own (e.g. SQLITE_FULL); then there is nothing to undo.
    if (!raw.isTransaction) return;
    if (outer) raw.exec("ROLLBACK");
    else raw.exec(`ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
  }

  /**
   * Identity guard (reliability.md §4.1, coordination.md §2.3). The first run records chainId,
   * bridge and profileHash. Later runs throw StoreError IDENTITY_MISMATCH naming the differing
   * field, except for a profile change accepted with `acceptProfileChange`, which is recorded.
   */
  checkIdentity(id: StoreIdentity, opts: { acceptProfileChange?: boolean } = {}): IdentityCheckResult {
    const wanted = {
      chainId: BigInt(id.chainId).toString(10),
      bridge: getAddress(id.bridge),
      profileHash: id.profileHash.toLowerCase(),
    };
    return this.transaction(() => {
      const stored = {
        chainId: this.meta.get(META_KEYS.chainId),
        bridge: this.meta.get(META_KEYS.bridge),
        profileHash: this.meta.get(META_KEYS.profileHash),
      };
      let firstRun = false;
      for (const field of ["chainId", "bridge"] as const) {
        const have = stored[field];
        if (have === undefined) {
          this.meta.set(META_KEYS[field], wanted[field]);
          firstRun = true;
        } else if (have !== wanted[field]) {
          throw new StoreError(
            "IDENTITY_MISMATCH",
            `database ${this.file} belongs to another network: ${field} is ${have} in the database but ${wanted[field]} is configured; ` +
              `use the data directory of this network or a fresh one`,
            { field, stored: have, configured: wanted[field] },
          );
        }
      }
      const have = stored.profileHash;
      if (have === undefined) {
        this.meta.set(META_KEYS.profileHash, wanted.profileHash);
        return { firstRun: true, profileChanged: false };
      }
      if (have === wanted.profileHash) return { firstRun, profileChanged: false };
      if (opts.acceptProfileChange !== true) {
        throw new StoreError(
          "IDENTITY_MISMATCH",
          `database ${this.file} was created with another protocol profile: profileHash is ${have} in the database but ` +
            `${wanted.profileHash} is configured; every node of one network must share the profile. ` +
            `If the change is intended, start once with --accept-profile-change`,
          { field: "profileHash", stored: have, configured: wanted.profileHash },
        );
      }
      const changes = this.meta.getJson<ProfileChange[]>(META_KEYS.profileChanges) ?? [];
      changes.push({ from: have, to: wanted.profileHash, at: new Date().toISOString() });
      this.meta.setJson(META_KEYS.profileChanges, changes);
      this.meta.set(META_KEYS.profileHash, wanted.profileHash);
      return { firstRun, profileChanged: true };
    });
  }

  /** Full `PRAGMA integrity_check`; empty when the database is sound, else the problems. */
  integrityCheck(): string[] {
    return checkRows(this.database.raw, "integrity_check");
  }

  /**
   * Forgets the rebuildable Bridge event index (reliability.md §4.3): the ev_* tables, deposit_status
   * and the events cursor, in one transaction. The indexer rebuilds it from the deploy block at the
   * next start, before any coordination. Returns the number of rows removed.
   */
  clearEventIndex(): number {
    return this.transaction(() => {
      let rows = 0;
      for (const table of EVENT_INDEX_TABLES) rows += Number(this.database.raw.prepare(`DELETE FROM ${table}`).run().changes);
      this.cursors.delete(CURSOR.ethEvents);
      return rows;
    });
  }

  /** Online backup to `file` (SQLite backup API); resolves with the number of pages copied. */
  backup(file: string): Promise<number> {
    return sqliteBackup(this.database.raw, file);
  }

  /** Idempotent; releases the data-dir lock. */
  close(): void {
    this.database.close();
  }
}
