// The latest known seat list of every wallet (coordination.md §8.3 A10): written when the coordinator
// refreshes its wallets, read by gossip validation, missed-window records and the moving funds task.
// Event-derived hints only: every decision of a window re-reads the seats pinned at W−32.
import { toHex } from "../util/hex.js";

export class WalletSeats {
  private readonly seats = new Map<string, string[]>(); // wallet hex → EIP-55 operator per seat

  /** The wallet's seat list, or undefined when the wallet is not known yet. */
  seatsOf(walletPkh: Uint8Array): string[] | undefined {
    return this.seats.get(toHex(walletPkh));
  }

  set(walletPkh: Uint8Array, operators: string[]): void {
    this.seats.set(toHex(walletPkh), operators);
  }

  /** Hex PKHs of the wallets in which `operator` holds at least one seat. */
  walletsOf(operator: string): string[] {
    return [...this.seats].filter(([, seats]) => seats.includes(operator)).map(([wallet]) => wallet);
  }
}
