import { FOLLOWER_QUEUE_CAPACITY } from "../protocol/constants.js";

/** Consecutive immediately-served shifts before the consumer yields to the event loop. */
const YIELD_EVERY = 16;

interface Waiter<T> {
  resolve(item: T): void;
  reject(err: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * Bounded FIFO between the network and one wallet's follower (style.md §1.7): drop-on-full, so a flood
 * on one wallet cannot grow memory or starve another.
 */
export class WalletQueue<T> {
  readonly capacity: number;
  private items: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private served = 0;
  private droppedCount = 0;

  constructor(capacity: number = FOLLOWER_QUEUE_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`queue capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get length(): number {
    return this.items.length;
  }

  /** True when push() would drop (no waiting consumer and no room). */
  get isFull(): boolean {
    return this.waiters.length === 0 && this.items.length >= this.capacity;
  }

  /** Items refused because the queue was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Returns false (and drops the item) when the queue is full. */
  push(item: T): boolean {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      if (waiter.signal !== undefined && waiter.onAbort !== undefined) waiter.signal.removeEventListener("abort", waiter.onAbort);
      waiter.resolve(item);
      return true;
    }
    if (this.items.length >= this.capacity) {
      this.droppedCount++;
      return false;
    }
    this.items.push(item);
    return true;
  }

  /** Next item in arrival order; waits while empty; rejects with the signal's reason on abort. */
  async shift(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw signal.reason;
    if (this.items.length > 0) {
      // A consumer that always finds work would otherwise never let I/O run.
      if (++this.served >= YIELD_EVERY) {
        this.served = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (signal?.aborted) throw signal.reason;
      }
      if (this.items.length > 0) return this.items.shift()!;
    }
    this.served = 0;
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject };
      if (signal !== undefined) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** Drops every queued item; pending shift() calls keep waiting. */
  clear(): void {
    this.items = [];
  }
}
