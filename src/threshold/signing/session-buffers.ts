// The two memories of the signing shell (threshold.md §5.2), both bounded whatever members send:
// - PendingMessages: messages of sessions this node has not started yet. Every member's node calls
//   sign() on its own, from its own executor, so a peer's commitments (or even its package) can come
//   first; they are kept per session and replayed when sign() starts, and dropped after a time.
// - FinishedSessions: the ids of sessions that ended here, so their late messages are ignored rather
//   than buffered as if for a session still to come.

/** Why a pending message was dropped (counted by the shell). */
export type PendingDrop = "pending_session_full" | "pending_bytes_full" | "pending_evicted" | "pending_expired";

export interface PendingLimits {
  /** Sessions buffered at once (per wallet); the oldest is evicted for a new one. */
  readonly maxSessions: number;
  /** Messages kept per session; further ones are dropped. */
  readonly maxMessages: number;
  /** A session's messages are dropped this long after its first one arrived. */
  readonly ttlMs: number;
  /** Bytes kept over all sessions (a message may be 256 KiB); further messages are dropped. */
  readonly maxBytes: number;
}

interface Pending {
  readonly since: number;
  readonly wires: Uint8Array[];
  bytes: number;
}

export class PendingMessages {
  private readonly bySession = new Map<string, Pending>();
  private bytes = 0;

  constructor(
    private readonly limits: PendingLimits,
    private readonly onDrop: (reason: PendingDrop, count: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps `wire` for `session`; false when it was dropped. */
  add(session: string, wire: Uint8Array): boolean {
    this.sweep();
    let held = this.bySession.get(session);
    if (held === undefined) {
      if (this.bySession.size >= this.limits.maxSessions) {
        const [oldest, dropped] = this.bySession.entries().next().value!;
        this.forget(oldest, dropped);
        this.onDrop("pending_evicted", dropped.wires.length);
      }
      held = { since: this.now(), wires: [], bytes: 0 };
      this.bySession.set(session, held);
    }
    if (held.wires.length >= this.limits.maxMessages) {
      this.onDrop("pending_session_full", 1);
      return false;
    }
    if (this.bytes + wire.length > this.limits.maxBytes) {
      this.onDrop("pending_bytes_full", 1);
      return false;
    }
    held.wires.push(wire);
    held.bytes += wire.length;
    this.bytes += wire.length;
    return true;
  }

  /** Removes and returns the messages kept for `session`, in arrival order. */
  take(session: string): Uint8Array[] {
    this.sweep();
    const held = this.bySession.get(session);
    if (held === undefined) return [];
    this.forget(session, held);
    return held.wires;
  }

  /** Sessions with messages kept. */
  get size(): number {
    return this.bySession.size;
  }

  /** Bytes kept over all sessions. */
  get heldBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.bySession.clear();
    this.bytes = 0;
  }

  private forget(session: string, held: Pending): void {
    this.bySession.delete(session);
    this.bytes -= held.bytes;
  }

  private sweep(): void {
    const cutoff = this.now() - this.limits.ttlMs;
    // Insertion order is arrival order of each session's first message: stop at the first young one.
    for (const [session, held] of this.bySession) {
      if (held.since > cutoff) break;
      this.forget(session, held);
      this.onDrop("pending_expired", held.wires.length);
    }
  }
}

/** A bounded set of session ids (the oldest forgotten first). */
export class FinishedSessions {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** A new sign() of a finished session (a retry by the executor) makes it live again. */
  delete(id: string): void {
    this.ids.delete(id);
  }
}
