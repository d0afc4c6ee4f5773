// The node's health (reliability.md §5): `recovering` until boot is done, then `degraded` while a
// chain has been unreachable for more than 5 minutes, else `ready`.
import type { Chain, HealthStatus } from "../metrics/metrics.js";

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

export interface NodeHealthComponents {
  /** The Electrum client (its silence since), or null without Bitcoin. */
  bitcoin: { readonly unreachableSince?: number | null } | null;
}

/** The live inputs of healthOf: when the Ethereum RPC last answered, and whether boot is done. */
export class NodeHealth {
  private booted = false;
  private lastEthRpcOk = Date.now();

  constructor(private readonly components: NodeHealthComponents) {}

  /** An Ethereum RPC call succeeded. */
  ethereumAnswered(): void {
    this.lastEthRpcOk = Date.now();
  }

  /** Boot and recovery are done (step 8). */
  bootDone(): void {
    this.booted = true;
  }

  status(): HealthStatus {
    return healthOf({ booted: this.booted, now: Date.now(), lastEthRpcOk: this.lastEthRpcOk, bitcoinUnreachableSince: this.bitcoinUnreachableSince() });
  }

  /** Seconds since each chain last answered (Electrum: 0 while it answers; no entry without Electrum). */
  chainUnreachableSeconds(): Partial<Record<Chain, number>> {
    const now = Date.now();
    const btcSince = this.bitcoinUnreachableSince();
    return { eth: (now - this.lastEthRpcOk) / 1000, ...(this.components.bitcoin ? { btc: btcSince === null ? 0 : (now - btcSince) / 1000 } : {}) };
  }

  private bitcoinUnreachableSince(): number | null {
    return this.components.bitcoin?.unreachableSince ?? null;
  }
}
