// The inbound transcript (reliability.md R8): every accepted coordination message is written before
// the follower can see it. A write that throws keeps the message out of the wallet's queue.
import type { Store } from "../store/store.js";
import { toHex } from "../util/hex.js";
import type { InboundItem } from "./coordination-network.js";

export interface InboundTranscript {
  /** Synchronous; throws when the message could not be written. */
  record(item: InboundItem): void;
}

export interface StoreTranscriptComponents {
  store: Store;
  /** The Ethereum head, recorded as the block at which the message arrived. */
  clock: { readonly head: number };
}

/** The transcript in the node's database (`inbound_messages`). */
export class StoreTranscript implements InboundTranscript {
  constructor(private readonly components: StoreTranscriptComponents) {}

  record(item: InboundItem): void {
    this.components.store.inboundMessages.append({
      wire: item.wire,
      fromPeer: item.fromPeer,
      walletPkh: toHex(item.message.walletPubKeyHash),
      W: item.message.coordinationBlock,
      receivedAtBlock: this.components.clock.head,
      verdict: "accept",
      reason: "ok",
    });
  }
}
