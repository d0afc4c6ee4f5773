// Table `meta`: key/value facts about the database (reliability.md §4.2).
import type { RepoContext } from "./repo-context.js";

export const META_KEYS = {
  schemaVersion: "schema_version",
  chainId: "chainId",
  bridge: "bridge",
  profileHash: "profileHash",
  createdAt: "createdAt",
  /** Ethereum head at which the node started from an empty database (reliability.md §4.3). */
  freshSince: "freshSince",
  /** JSON list of accepted profile-hash changes (coordination.md §2.3). */
  profileChanges: "profileChanges",
  /** The FrostWalletRegistry whose events the event index holds (EIP-55), "none" when it holds none. */
  indexedFrostWalletRegistry: "indexedFrostWalletRegistry",
} as const;

/** Meta key of a protocol profile the node ran under, by its hash (JSON; what `wcoord faults verify` checks evidence against). */
export function profileMetaKey(profileHash: string): string {
  return `profile:${profileHash.toLowerCase()}`;
}

export class MetaRepo {
  constructor(private readonly ctx: RepoContext) {}

  get(key: string): string | undefined {
    const row = this.ctx.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return row?.value;
  }

  set(key: string, value: string): void {
    this.ctx.db
      .prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      .run(key, value);
  }

  delete(key: string): boolean {
    return Number(this.ctx.db.prepare("DELETE FROM meta WHERE key = ?").run(key).changes) === 1;
  }

  getJson<T>(key: string): T | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  setJson(key: string, value: unknown): void {
    this.set(key, JSON.stringify(value));
  }

  getNumber(key: string): number | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : Number(v);
  }

  all(): Record<string, string> {
    const rows = this.ctx.db.prepare("SELECT key, value FROM meta ORDER BY key").all() as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }
}
