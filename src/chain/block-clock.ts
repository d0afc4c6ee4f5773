// "What block is it" for the node (style.md §1.6): turns the chain's heads into ordered `block`
// events (gaps back-filled), window crossings (coordination.md §3.2) and block deadlines.
//
// Events use EventTarget + CustomEvent (the libp2p TypedEventTarget style) with typed overloads.
// Node's EventTarget reports a throwing listener as an uncaught exception; `on()` wraps listeners
// so a throw is logged instead.
import { silentLogger, type Logger } from "../util/logger.js";
import type { EthereumChain } from "./ethereum-chain.js";
import type { Startable } from "../util/lifecycle.js";
import { freshWindowCursor, scanWindows } from "./window-scan.js";
import { errorMessage } from "../util/errors.js";

export interface WindowOpened {
  W: number;
  /** Head at which the window was detected; `joinedAtBlock` for a late join. */
  head: number;
  /** True when detected after W itself (W < head < W+80): catch-up, section 3.2 "late join". */
  lateJoin: boolean;
}

export interface WindowMissed {
  W: number;
  head: number;
}

export type WindowEvent = ({ type: "windowOpened" } & WindowOpened) | ({ type: "windowMissed" } & WindowMissed);

/**
 * Persistence of `eth.windowWatch`. `commit` runs synchronously before the windows are emitted, so the
 * consumer writes the window rows and the cursor in one DB transaction (reliability.md R5). If it
 * throws, nothing is emitted and the cursor stays where it was.
 */
export interface WindowCursorStore {
  load(): number | undefined;
  commit(windows: WindowEvent[], cursor: number): void;
}

export interface BlockClockEvents {
  block: number;
  windowOpened: WindowOpened;
  windowMissed: WindowMissed;
}

export type BlockClockListener<K extends keyof BlockClockEvents> = (evt: CustomEvent<BlockClockEvents[K]>) => void;

export interface BlockClockComponents {
  chain: EthereumChain;
  cursorStore: WindowCursorStore;
  logger?: Logger;
}

export interface BlockClockInit {
  /** Window queue capacity (coordination.md §3.2). Default 64. */
  windowQueueCapacity?: number;
}

export const WINDOW_QUEUE_CAPACITY = 64;

type NativeListener = Parameters<EventTarget["addEventListener"]>[1];
type NativeAddOptions = Parameters<EventTarget["addEventListener"]>[2];
type NativeRemoveOptions = Parameters<EventTarget["removeEventListener"]>[2];

interface Waiter {
  n: number;
  resolve: (head: number) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class BlockClock extends EventTarget implements Startable {
  private readonly chain: EthereumChain;
  private readonly store: WindowCursorStore;
  private readonly log: Logger;
  private readonly capacity: number;
  private current = -1;
  private cursor: number | undefined;
  /** Committed windows not yet handed to listeners. */
  private readonly queue: WindowEvent[] = [];
  private pendingHead = -1;
  private processing = false;
  private unsubscribe: (() => void) | undefined;
  private waiters: Waiter[] = [];
  private readonly deadlines = new Map<number, AbortController>();

  constructor(components: BlockClockComponents, init: BlockClockInit = {}) {
    super();
    this.chain = components.chain;
    this.store = components.cursorStore;
    this.log = (components.logger ?? silentLogger).child({ module: "block-clock" });
    this.capacity = init.windowQueueCapacity ?? WINDOW_QUEUE_CAPACITY;
  }

  override addEventListener<K extends keyof BlockClockEvents>(type: K, listener: BlockClockListener<K> | null, options?: NativeAddOptions): void;
  override addEventListener(type: string, listener: NativeListener | null, options?: NativeAddOptions): void;
  override addEventListener(type: string, listener: unknown, options?: NativeAddOptions): void {
    super.addEventListener(type, listener as NativeListener, options);
  }

  override removeEventListener<K extends keyof BlockClockEvents>(type: K, listener: BlockClockListener<K> | null, options?: NativeRemoveOptions): void;
  override removeEventListener(type: string, listener: NativeListener | null, options?: NativeRemoveOptions): void;
  override removeEventListener(type: string, listener: unknown, options?: NativeRemoveOptions): void {
    super.removeEventListener(type, listener as NativeListener, options);
  }

  /** Subscribes to `type` with the event's detail; a throwing listener is logged. Returns the unsubscribe function. */
  on<K extends keyof BlockClockEvents>(type: K, fn: (detail: BlockClockEvents[K]) => void): () => void {
    const listener: BlockClockListener<K> = (evt) => {
      try {
        fn(evt.detail);
      } catch (err) {
        this.log.error({ err: errorMessage(err), event: type }, "block clock listener threw");
      }
    };
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  /** Highest head processed; -1 before the first. */
  get head(): number {
    return this.current;
  }

  /** The persisted window cursor as last committed (undefined until the first pass on a fresh store). */
  get windowCursor(): number | undefined {
    return this.cursor;
  }

  async start(): Promise<void> {
    if (this.unsubscribe !== undefined) return;
    this.cursor = this.store.load();
    this.unsubscribe = this.chain.onHead((h) => this.onChainHead(h));
    const h = this.chain.head();
    if (h >= 0) this.onChainHead(h);
  }

  async stop(): Promise<void> {
    if (this.unsubscribe === undefined) return;
    this.unsubscribe();
    this.unsubscribe = undefined;
    const reason = new DOMException("block clock stopped", "AbortError");
    for (const w of this.waiters.splice(0)) {
      if (w.onAbort !== undefined) w.signal?.removeEventListener("abort", w.onAbort);
      w.reject(reason);
    }
    for (const c of this.deadlines.values()) c.abort(reason);
    this.deadlines.clear();
  }

  /** Resolves with the head once head >= n; rejects with the signal's reason on abort (or on stop). */
  waitForBlock(n: number, o: { signal?: AbortSignal } = {}): Promise<number> {
    if (this.current >= n) return Promise.resolve(this.current);
    const signal = o.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { n, resolve, reject, signal };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /**
   * A signal that aborts once head >= n, with a "TimeoutError" DOMException (so `isAbortError` loops exit
   * normally). Signals for the same n are shared. Aborted with an "AbortError" on stop().
   */
  signalAtBlock(n: number): AbortSignal {
    if (this.current >= n) return AbortSignal.abort(blockReached(n));
    let c = this.deadlines.get(n);
    if (c === undefined) {
      c = new AbortController();
      this.deadlines.set(n, c);
    }
    return c.signal;
  }

  private onChainHead(h: number): void {
    if (h > this.pendingHead) this.pendingHead = h;
    // A listener that makes the chain report a head re-enters here; the loop below picks it up.
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.pendingHead > this.current) this.process(this.pendingHead);
    } finally {
      this.processing = false;
    }
  }

  private process(h: number): void {
    const prev = this.current;
    this.current = h;
    this.scan(h);
    for (let b = prev < 0 ? h : prev + 1; b <= h; b++) this.emit("block", b);
    this.drainWindows();
    this.wake(h);
  }

  /** coordination.md §3.2: visit the boundaries crossed since the cursor; commit, then queue them. */
  private scan(h: number): void {
    if (this.cursor === undefined) {
      this.cursor = freshWindowCursor(h);
      this.log.info({ head: h, cursor: this.cursor }, "fresh window cursor");
    }
    if (h <= this.cursor) return;
    const free = this.capacity - this.queue.length;
    const scan = scanWindows(this.cursor, h, free);
    const windows: WindowEvent[] = [
      ...scan.missed.map((W): WindowEvent => ({ type: "windowMissed", W, head: h })),
      ...scan.opened.map((W): WindowEvent => ({ type: "windowOpened", W, head: h, lateJoin: h > W })),
    ];
    try {
      this.store.commit(windows, scan.newCursor);
    } catch (err) {
      this.log.error({ err: errorMessage(err), head: h, cursor: this.cursor }, "window cursor commit failed");
      return;
    }
    this.cursor = scan.newCursor;
    this.queue.push(...windows);
    if (scan.truncated) {
      this.log.error(
        { head: h, cursor: scan.newCursor, undelivered: scan.newCursor + 1, capacity: this.capacity },
        "window queue full; cursor held below the undelivered window",
      );
    }
  }

  private drainWindows(): void {
    for (let w = this.queue.shift(); w !== undefined; w = this.queue.shift()) {
      if (w.type === "windowOpened") this.emit("windowOpened", { W: w.W, head: w.head, lateJoin: w.lateJoin });
      else this.emit("windowMissed", { W: w.W, head: w.head });
    }
  }

  private wake(h: number): void {
    if (this.waiters.length > 0) {
      const due = this.waiters.filter((w) => w.n <= h);
      if (due.length > 0) {
        this.waiters = this.waiters.filter((w) => w.n > h);
        for (const w of due) {
          if (w.onAbort !== undefined) w.signal?.removeEventListener("abort", w.onAbort);
          w.resolve(h);
        }
      }
    }
    for (const [n, c] of this.deadlines) {
      if (n <= h) {
        this.deadlines.delete(n);
        c.abort(blockReached(n));
      }
    }
  }

  private emit<K extends keyof BlockClockEvents>(type: K, detail: BlockClockEvents[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

function blockReached(n: number): DOMException {
  return new DOMException(`block ${n} reached`, "TimeoutError");
}
