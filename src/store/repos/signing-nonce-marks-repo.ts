// Table `signing_nonce_marks` (threshold.md §5.2 step 3): the durable "nonces of (session, attempt)
// consumed" mark a member writes before its signature shares leave the node.
import { nowMs, type RepoContext } from "./repo-context.js";

export type NonceMarkOutcome =
  /** Newly marked: the shares for this package may be sent. */
  | { readonly marked: true }
  /** Marked before, for this same package (a resend after a crash): the nonces are gone; send nothing new. */
  | { readonly marked: false; readonly samePackage: true }
  /** Marked before for another package: never answer it (the nonces would sign twice). */
  | { readonly marked: false; readonly samePackage: false; readonly packageHash: string };

export class SigningNonceMarksRepo {
  constructor(private readonly ctx: RepoContext) {}

  /** Marks (session, attempt) consumed by the package with `packageHash` (0x-hex), once. */
  mark(sessionId: string, attempt: number, packageHash: string): NonceMarkOutcome {
    if (!Number.isSafeInteger(attempt) || attempt < 0) throw new RangeError(`invalid attempt ${attempt}`);
    const session = sessionId.toLowerCase();
    const pkg = packageHash.toLowerCase();
    return this.ctx.transaction(() => {
      const r = this.ctx.db
        .prepare("INSERT INTO signing_nonce_marks (session_id, attempt, package_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
        .run(session, attempt, pkg, nowMs());
      if (Number(r.changes) === 1) return { marked: true };
      const held = this.packageOf(session, attempt)!;
      return held === pkg ? { marked: false, samePackage: true } : { marked: false, samePackage: false, packageHash: held };
    });
  }

  /** The package (session, attempt)'s nonces answered, or undefined when they were never used. */
  packageOf(sessionId: string, attempt: number): string | undefined {
    const row = this.ctx.db.prepare("SELECT package_hash FROM signing_nonce_marks WHERE session_id = ? AND attempt = ?").get(sessionId.toLowerCase(), attempt) as
      | { package_hash: string }
      | undefined;
    return row?.package_hash;
  }
}
