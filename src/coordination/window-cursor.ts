// The block clock's window cursor (`eth.windowWatch`, reliability.md R5): a missed window (coordination.md
// §3.2) is recorded for every wallet this operator holds a seat in, in the transaction that moves the cursor.
import type { WindowCursorStore, WindowEvent } from "../chain/block-clock.js";
import type { Metrics } from "../metrics/metrics.js";
import { CURSOR } from "../store/repos/cursors-repo.js";
import type { Store } from "../store/store.js";
import type { Logger } from "../util/logger.js";
import type { WalletSeats } from "./wallet-seats.js";

export interface WindowCursorComponents {
  store: Store;
  seats: WalletSeats;
  metrics: Metrics | null;
  logger: Logger;
}

export interface WindowCursorInit {
  /** EIP-55 address of this node's operator. */
  operator: string;
}

export class WindowCursor implements WindowCursorStore {
  private readonly log: Logger;

  constructor(
    private readonly components: WindowCursorComponents,
    private readonly init: WindowCursorInit,
  ) {
    this.log = components.logger.child({ module: "coordination" });
  }

  load(): number | undefined {
    return this.components.store.cursors.get(CURSOR.ethWindowWatch)?.height;
  }

  commit(windows: WindowEvent[], cursor: number): void {
    const { store } = this.components;
    store.transaction(() => {
      for (const w of windows) if (w.type === "windowMissed") this.recordMissed(w.W);
      store.cursors.set(CURSOR.ethWindowWatch, { height: cursor, hash: "" });
    });
  }

  private recordMissed(W: number): void {
    this.components.metrics?.windows.inc({ outcome: "missed" });
    for (const wallet of this.components.seats.walletsOf(this.init.operator)) this.components.store.windows.recordMissed(wallet, W);
    this.log.warn({ W }, "window missed: its active phase was over when detected");
  }
}
