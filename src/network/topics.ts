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

// The threshold protocols' members-only topics (threshold.md §3.2, §5.2): one per DKG request, one per
// wallet for signing. Numbers are canonical decimals (no sign, no leading zero), the PKH lowercase hex,
// so that one request or wallet has exactly one topic string.
const UINT256_MAX = (1n << 256n) - 1n;
const DECIMAL = "(0|[1-9]\\d{0,77})";
const DKG_TOPIC_RE = new RegExp(`^wcoord/v1/${DECIMAL}/dkg/${DECIMAL}$`);
const SIGNING_TOPIC_RE = new RegExp(`^wcoord/v1/${DECIMAL}/([0-9a-f]{40})/signing$`);

/** What a threshold topic is about. */
export type MemberTopicRef = { kind: "dkg"; chainId: bigint; requestId: bigint } | { kind: "signing"; chainId: bigint; walletPkh: Uint8Array };

function uint256(n: bigint, what: string): string {
  if (n < 0n || n > UINT256_MAX) throw new Error(`${what} must be a uint256, got ${n}`);
  return n.toString();
}

/** `wcoord/v1/<chainId>/dkg/<requestId>`: the topic of one DKG request (threshold.md §3.2). */
export function dkgTopic(chainId: bigint, requestId: bigint): string {
  return `wcoord/v1/${uint256(chainId, "chain id")}/dkg/${uint256(requestId, "DKG request id")}`;
}

/** `wcoord/v1/<chainId>/<walletPKH hex>/signing`: the signing topic of one wallet (threshold.md §5.2). */
export function signingTopic(chainId: bigint, walletPkh: Uint8Array): string {
  if (walletPkh.length !== 20) throw new Error(`wallet PKH must be 20 bytes, got ${walletPkh.length}`);
  return `wcoord/v1/${uint256(chainId, "chain id")}/${toHex(walletPkh)}/signing`;
}

/** The chain and request of a DKG topic, or null for any string dkgTopic would not produce. */
export function parseDkgTopic(topic: string): { chainId: bigint; requestId: bigint } | null {
  const m = DKG_TOPIC_RE.exec(topic);
  if (m === null) return null;
  const chainId = BigInt(m[1]);
  const requestId = BigInt(m[2]);
  return chainId <= UINT256_MAX && requestId <= UINT256_MAX ? { chainId, requestId } : null;
}

/** The chain and wallet of a signing topic, or null for any string signingTopic would not produce. */
export function parseSigningTopic(topic: string): { chainId: bigint; walletPkh: Uint8Array } | null {
  const m = SIGNING_TOPIC_RE.exec(topic);
  if (m === null) return null;
  const chainId = BigInt(m[1]);
  return chainId <= UINT256_MAX ? { chainId, walletPkh: fromHex(m[2]) } : null;
}

/** A DKG or signing topic, parsed; null for anything else (coordination topics included). */
export function parseMemberTopic(topic: string): MemberTopicRef | null {
  const dkg = parseDkgTopic(topic);
  if (dkg !== null) return { kind: "dkg", ...dkg };
  const signing = parseSigningTopic(topic);
  return signing !== null ? { kind: "signing", ...signing } : null;
}
