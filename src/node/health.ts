// The node's health (reliability.md §5): `recovering` until boot is done, then `degraded` while a
// chain has been unreachable for more than 5 minutes, else `ready`.
import type { HealthStatus } from "../metrics/metrics.js";

export const DEGRADED_AFTER_MS = 5 * 60_000;

export interface HealthInputs {
  booted: boolean;
  now: number;
  /** Wall clock of the last successful Ethereum RPC call. */
  lastEthRpcOk: number;
  /** Wall clock of the first failed Electrum call since its last answer; null while it answers or without Electrum. */
  bitcoinUnreachableSince: number | null;
}

export function healthOf(h: HealthInputs): HealthStatus {
  if (!h.booted) return "recovering";
  const ethDown = h.now - h.lastEthRpcOk > DEGRADED_AFTER_MS;
  const btcDown = h.bitcoinUnreachableSince !== null && h.now - h.bitcoinUnreachableSince > DEGRADED_AFTER_MS;
  return ethDown || btcDown ? "degraded" : "ready";
}
