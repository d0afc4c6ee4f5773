// The onTip listeners of a BitcoinChain, shared by the Electrum adapter and the fake chain: every
// listener hears every tip, and one that throws stops neither the others nor the chain.
import type { BtcHeader } from "./bitcoin-chain.js";

export type TipListener = (tip: BtcHeader) => void;

export class TipListeners {
  private readonly listeners = new Set<TipListener>();

  /** `onError` is told of a listener that threw (ignored by default). */
  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  /** BitcoinChain.onTip: returns the unsubscribe function. */
  add(listener: TipListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit(tip: BtcHeader): void {
    for (const l of [...this.listeners]) {
      try {
        l(tip);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
