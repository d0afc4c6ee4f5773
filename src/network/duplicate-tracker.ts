import { COORDINATION_FREQUENCY_BLOCKS } from "../protocol/constants.js";
import { toHex } from "../util/hex.js";

interface WindowEntry {
  /** digest hex → times seen (first arrival included). */
  digests: Map<string, number>;
  /** sender address (lowercase) → distinct accepted digests. */
  perSender: Map<string, number>;
}

/**
 * State behind checks A11 (duplicates) and A12 (per-sender cap) of coordination.md §8.3.
 * A digest commits to its window, so entries live under (wallet, W) and a whole window is pruned at once.
 * The sender cap is scoped to the wallet topic being validated: an honest operator may lead several
 * wallets in the same window.
 */
export class DuplicateTracker {
  private readonly wallets = new Map<string, Map<number, WindowEntry>>();
  private prunedAt: number | undefined;

  /** Times this digest has been seen for the wallet (0 = new). */
  timesSeen(wallet: Uint8Array, window: number, digest: Uint8Array): number {
    return this.entry(wallet, window, false)?.digests.get(toHex(digest)) ?? 0;
  }

  /** Counts one more arrival of an already recorded digest. */
  recordRepeat(wallet: Uint8Array, window: number, digest: Uint8Array): number {
    const e = this.entry(wallet, window, true)!;
    const key = toHex(digest);
    const n = (e.digests.get(key) ?? 0) + 1;
    e.digests.set(key, n);
    return n;
  }

  /** Distinct digests accepted from this sender for (wallet, W). */
  distinctFromSender(wallet: Uint8Array, window: number, sender: string): number {
    return this.entry(wallet, window, false)?.perSender.get(sender.toLowerCase()) ?? 0;
  }

  /** Records the first acceptance of a digest. */
  recordNew(wallet: Uint8Array, window: number, sender: string, digest: Uint8Array): void {
    const e = this.entry(wallet, window, true)!;
    const key = toHex(digest);
    if (e.digests.has(key)) return;
    e.digests.set(key, 1);
    const s = sender.toLowerCase();
    e.perSender.set(s, (e.perSender.get(s) ?? 0) + 1);
  }

  /** Undoes recordNew, so that a later republish gets another chance (e.g. the transcript write failed). */
  forget(wallet: Uint8Array, window: number, sender: string, digest: Uint8Array): void {
    const e = this.entry(wallet, window, false);
    if (e === undefined || !e.digests.delete(toHex(digest))) return;
    const s = sender.toLowerCase();
    const n = (e.perSender.get(s) ?? 1) - 1;
    if (n <= 0) e.perSender.delete(s);
    else e.perSender.set(s, n);
  }

  /** Drops windows older than current − 900; cheap when the window has not moved. */
  prune(currentWindow: number): void {
    if (this.prunedAt === currentWindow) return;
    this.prunedAt = currentWindow;
    const oldest = currentWindow - COORDINATION_FREQUENCY_BLOCKS;
    for (const [wallet, windows] of this.wallets) {
      for (const w of windows.keys()) if (w < oldest) windows.delete(w);
      if (windows.size === 0) this.wallets.delete(wallet);
    }
  }

  forgetWallet(wallet: Uint8Array): void {
    this.wallets.delete(toHex(wallet));
  }

  /** Number of (wallet, window) entries held; for tests and diagnostics. */
  get windowCount(): number {
    let n = 0;
    for (const windows of this.wallets.values()) n += windows.size;
    return n;
  }

  private entry(wallet: Uint8Array, window: number, create: boolean): WindowEntry | undefined {
    const wk = toHex(wallet);
    let windows = this.wallets.get(wk);
    if (windows === undefined) {
      if (!create) return undefined;
      windows = new Map();
      this.wallets.set(wk, windows);
    }
    let e = windows.get(window);
    if (e === undefined && create) {
      e = { digests: new Map(), perSender: new Map() };
      windows.set(window, e);
    }
    return e;
  }
}
