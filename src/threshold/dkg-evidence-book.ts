// The gossip signatures of one DKG request's messages, kept so that a fault's evidence can show who
// published what (threshold.md §5.3, dkg/evidence-json.ts). Messages are looked up by their canonical
// bytes (the decoders accept only those, so re-encoding a held message gives the bytes received). Not
// cleared at a new attempt: messages of the next attempt may already be held; the bound is the LRU's.
// This member's own messages never come back from gossip: it signs them as gossipsub would.
import { signGossipMessage, type GossipSignature } from "../network/gossip-signature.js";
import { dkgTopic } from "../network/topics.js";
import { toHex } from "../util/hex.js";
import type { DkgAttempt } from "./dkg/dkg-attempt.js";
import { encodeComplaint, encodeRound1, encodeRound2, type DkgComplaint } from "./dkg/dkg-messages.js";
import type { DkgFaultProof, SignedDkgWire } from "./dkg/evidence-json.js";

export class DkgEvidenceBook {
  private readonly signatures = new Map<string, GossipSignature>();
  private readonly topic: string;

  constructor(
    chainId: bigint,
    requestId: bigint,
    private readonly operatorKey: Uint8Array,
    /** Most signatures held; the oldest are forgotten first (a flood cannot grow memory). */
    private readonly capacity: number,
  ) {
    this.topic = dkgTopic(chainId, requestId);
  }

  /** Keeps the signature a message arrived with. */
  note(wire: Uint8Array, signed: GossipSignature | undefined): void {
    if (signed === undefined || signed.topic !== this.topic) return;
    const key = toHex(wire);
    this.signatures.delete(key);
    this.signatures.set(key, signed);
    if (this.signatures.size > this.capacity) this.signatures.delete(this.signatures.keys().next().value!);
  }

  /** A received message with its signature (null when it came without one), or one of mine, signed now. */
  signed(wire: Uint8Array, mine: boolean): SignedDkgWire {
    if (mine) return { wire, gossip: signGossipMessage(this.operatorKey, this.topic, wire) };
    return { wire, gossip: this.signatures.get(toHex(wire)) ?? null };
  }

  /** A judged complaint's proof: the complaint and the accused sender's two messages, each with its signature. */
  shareProof(a: DkgAttempt, culprit: number, c: DkgComplaint, myIndex: number): DkgFaultProof {
    const wire = (m: Uint8Array | undefined, sender: number) => this.signed(m ?? new Uint8Array(0), sender === myIndex);
    const r1 = a.round1Of(c.accused);
    const r2 = a.round2Of(c.accused);
    return {
      kind: "DkgInvalidShare",
      culprit,
      complaint: wire(encodeComplaint(c), c.complainer),
      round1: wire(r1 && encodeRound1(r1), c.accused),
      round2: wire(r2 && encodeRound2(r2), c.accused),
    };
  }
}
