/** The part of the block clock the routines use (implemented by chain/block-clock.ts). */
export interface ChainClock {
  readonly head: number;
  /** Resolves with the head once head ≥ n. */
  waitForBlock(n: number, options?: { signal?: AbortSignal }): Promise<number>;
  /** Aborts once head ≥ n. */
  signalAtBlock(n: number): AbortSignal;
}
