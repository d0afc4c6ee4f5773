// What the network reads about the node it runs in: the chain and protocol profile it coordinates on
// (known once the chain has first answered, boot step 3; read from start() on) and the wallets' seats.
import type { CoordinationDomain } from "./eip712.js";

export interface NetworkIdentity {
  readonly chainId: bigint;
  /** The protocol profile's hash (coordination.md §2.2), 0x-hex. */
  readonly profileHash: string;
  readonly domain: CoordinationDomain;
}

/** The latest known seat list of a wallet (gossip check A10). */
export interface SeatLookup {
  seatsOf(walletPkh: Uint8Array): string[] | undefined;
}
