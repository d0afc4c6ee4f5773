import { fromHex, toHex } from "../util/hex.js";

// One gossip topic per wallet (coordination.md §8.4). The profile hash is deliberately not part of it.
const TOPIC_RE = /^wcoord\/v1\/(\d+)\/([0-9a-f]{40})\/coordination$/;

export function coordinationTopic(chainId: bigint, walletPkh: Uint8Array): string {
  if (walletPkh.length !== 20) throw new Error(`wallet PKH must be 20 bytes, got ${walletPkh.length}`);
  return `wcoord/v1/${chainId.toString()}/${toHex(walletPkh)}/coordination`;
}

/** The wallet PKH of a coordination topic of this chain, or null for any other string. */
export function walletOfTopic(topic: string, chainId: bigint): Uint8Array | null {
  const m = TOPIC_RE.exec(topic);
  if (m === null || m[1] !== chainId.toString()) return null;
  return fromHex(m[2]);
}
