import { noise } from "@chainsafe/libp2p-noise";
import { privateKeyFromRaw } from "@libp2p/crypto/keys";
import { gossipsub, StrictSign, type GossipSub } from "@libp2p/gossipsub";
import { identify, type Identify } from "@libp2p/identify";
import type { ConnectionGater, PeerId } from "@libp2p/interface";
import { mdns } from "@libp2p/mdns";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { tcp } from "@libp2p/tcp";
import { yamux } from "@libp2p/yamux";
import { computeAddress, hexlify } from "ethers";
import { createLibp2p, type Libp2p, type Libp2pOptions } from "libp2p";

export const DEFAULT_LISTEN = ["/ip4/0.0.0.0/tcp/3919"];
export const DEFAULT_GOSSIP_HEARTBEAT_MS = 1000;

/**
 * The largest message a threshold-protocol topic may carry (member-topics.ts). The largest known one is
 * a signing package: t × k commitments of 66 bytes, i.e. t = 51 members × 20 digests ≈ 67 KB, twice that
 * at t = 100; a DKG round-2 message at n = 100 is ≈ 5 KB. 256 KiB leaves room for both with a margin.
 */
export const MAX_THRESHOLD_MESSAGE_BYTES = 256 * 1024;

/**
 * gossipsub's `maxInboundDataLength`: the limit of one length-prefixed RPC frame, not of one message. A
 * frame carries a message plus its envelope (key, signature, seqno, topic) and piggybacked control, and
 * an IWANT answer bundles several messages in one frame; a frame over the limit makes the receiver drop
 * its whole gossip stream with the sender. Hence four of the largest threshold messages. The per-topic
 * size limits are enforced by the topic validators: MAX_MESSAGE_BYTES (16 KiB) for coordination
 * messages (check A1), each member topic's own `maxBytes` (≤ MAX_THRESHOLD_MESSAGE_BYTES).
 */
export const MAX_GOSSIP_FRAME_BYTES = 4 * MAX_THRESHOLD_MESSAGE_BYTES;

export type CoordinationServices = { pubsub: GossipSub; identify: Identify };
export type CoordinationLibp2p = Libp2p<CoordinationServices>;

export interface Libp2pNodeInit {
  /** 32-byte secp256k1 operator key; it is also the libp2p identity (coordination.md §8.1). */
  operatorPrivateKey: Uint8Array;
  /** Listen multiaddrs. Default DEFAULT_LISTEN. */
  listen?: string[];
  /** Local-network discovery. Default false. */
  mdns?: boolean;
  /** Gossipsub heartbeat. Default 1000 ms; tests may use 200 ms. */
  gossipHeartbeatMs?: number;
  /** Optional connection policy (§8.1 SHOULD). */
  connectionGater?: ConnectionGater;
  /** Start the node immediately. Default true. */
  start?: boolean;
}

function operatorKey(raw: Uint8Array) {
  // A 32-byte input is taken as secp256k1; anything else would silently become another key type.
  if (raw.length !== 32) throw new Error(`operator private key must be 32 bytes, got ${raw.length}`);
  return privateKeyFromRaw(raw);
}

export async function createLibp2pNode(init: Libp2pNodeInit): Promise<CoordinationLibp2p> {
  const peerDiscovery: NonNullable<Libp2pOptions["peerDiscovery"]> = [];
  if (init.mdns === true) peerDiscovery.push(mdns());
  return createLibp2p<CoordinationServices>({
    privateKey: operatorKey(init.operatorPrivateKey),
    addresses: { listen: init.listen ?? DEFAULT_LISTEN },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    ...(init.connectionGater !== undefined ? { connectionGater: init.connectionGater } : {}),
    services: {
      identify: identify(),
      pubsub: gossipsub({
        globalSignaturePolicy: StrictSign,
        emitSelf: false,
        // Publishing never throws for lack of peers; the leader waits for subscribers itself (§9.3).
        allowPublishToZeroTopicPeers: true,
        // Not MAX_MESSAGE_BYTES any more: threshold messages are larger. Coordination topics still
        // refuse anything over MAX_MESSAGE_BYTES in their validator (A1).
        maxInboundDataLength: MAX_GOSSIP_FRAME_BYTES,
        heartbeatInterval: init.gossipHeartbeatMs ?? DEFAULT_GOSSIP_HEARTBEAT_MS,
        // msgIdFn left at the default (publisher + seqno): every republish is a new gossip message.
      }),
    },
    start: init.start ?? true,
  });
}

/** EIP-55 operator address of a secp256k1 peer; null for any other key type. */
export function operatorAddressOfPeer(peerId: PeerId): string | null {
  if (peerId.type !== "secp256k1") return null;
  try {
    // raw is the 33-byte compressed key, which computeAddress accepts.
    return computeAddress(hexlify(peerId.publicKey.raw));
  } catch {
    return null;
  }
}

/** The libp2p peer id string (16Uiu2…) that belongs to an operator key. */
export function peerIdOfOperatorKey(privateKey32: Uint8Array): string {
  return peerIdFromPrivateKey(operatorKey(privateKey32)).toString();
}
