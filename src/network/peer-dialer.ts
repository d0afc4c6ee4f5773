// The node's outbound dials (coordination.md §8.1): the configured (bootstrap) peers at start and every
// `intervalMs` while disconnected, and, after `dialSoon()`, every second for a short while. A dial that
// the remote's connection gate refuses looks like a success here (the gate closes the connection after
// the handshake); the remote admits this node only once it has seen the same event (e.g. the DKG request
// that makes both members), a moment later or earlier, so one prompt dial is not enough: the short burst
// of retries is.
import type { PeerId } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import type { Libp2p } from "libp2p";
import type { Logger } from "../util/logger.js";
import { operatorAddressOfPeer } from "./libp2p.js";

export const DEFAULT_REDIAL_INTERVAL_MS = 30_000;
/** Cadence and length of the burst of retries after dialSoon(). */
const SOON_INTERVAL_MS = 1000;
const SOON_PERIOD_MS = 20_000;
const DIAL_TIMEOUT_MS = 10_000;

interface DialTarget {
  addr: Multiaddr | PeerId;
  peerId?: PeerId;
}

export class PeerDialer {
  private readonly bootstrap: DialTarget[] = [];
  /** Operators to reach besides the bootstrap peers, at the addresses the peer store knows; until soonUntil. */
  private wanted: ReadonlySet<string> = new Set();
  private soonUntil = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly libp2p: Pick<Libp2p, "peerId" | "dial" | "getConnections" | "peerStore">,
    private readonly log: Logger,
    bootstrapPeers: readonly string[],
    private readonly intervalMs = DEFAULT_REDIAL_INTERVAL_MS,
  ) {
    for (const s of bootstrapPeers) {
      try {
        const addr = multiaddr(s);
        const p2p = addr.getComponents().find((c) => c.name === "p2p")?.value;
        this.bootstrap.push({ addr, ...(p2p !== undefined ? { peerId: peerIdFromString(p2p) } : {}) });
      } catch (err) {
        this.log.warn({ addr: s, err: String(err) }, "ignoring invalid bootstrap multiaddr");
      }
    }
  }

  get bootstrapCount(): number {
    return this.bootstrap.length;
  }

  /**
   * Dials now, and every second for a while, the bootstrap peers not connected and the peers of
   * `operators` (EIP-55) whose addresses the peer store holds: they have just become peers to admit.
   */
  dialSoon(operators: Iterable<string> = []): void {
    this.wanted = new Set([...(Date.now() < this.soonUntil ? this.wanted : []), ...operators]);
    this.soonUntil = Date.now() + SOON_PERIOD_MS;
    this.wake?.();
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.dialAll(signal);
      const soon = Date.now() < this.soonUntil;
      if (!soon) this.wanted = new Set();
      await this.nap(soon ? SOON_INTERVAL_MS : this.intervalMs, signal);
    }
  }

  /** Sleeps `ms`, or less when dialSoon() wakes it; resolves (never rejects) on abort. */
  private nap(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.wake = done;
    });
  }

  private async dialAll(signal: AbortSignal): Promise<void> {
    const targets = [...this.bootstrap, ...(await this.wantedTargets())];
    await Promise.all(targets.map((t) => this.dial(t, signal)));
  }

  /** The wanted operators' peers the peer store knows (an operator's peer id is its key). */
  private async wantedTargets(): Promise<DialTarget[]> {
    if (this.wanted.size === 0) return [];
    const bootstrap = (id: PeerId): boolean => this.bootstrap.some((b) => b.peerId?.equals(id) === true);
    const known = await this.libp2p.peerStore.all({ filters: [(p) => p.addresses.length > 0 && !bootstrap(p.id)] });
    return known.filter((p) => this.wanted.has(operatorAddressOfPeer(p.id) ?? "")).map((p) => ({ addr: p.id, peerId: p.id }));
  }

  private async dial(t: DialTarget, signal: AbortSignal): Promise<void> {
    const self = this.libp2p.peerId;
    if (t.peerId !== undefined && (t.peerId.equals(self) || this.libp2p.getConnections(t.peerId).length > 0)) return;
    try {
      await this.libp2p.dial(t.addr, { signal: AbortSignal.any([signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) });
      this.log.debug({ addr: t.addr.toString() }, "peer dialled");
    } catch (err) {
      if (signal.aborted) return;
      this.log.debug({ addr: t.addr.toString(), err: String(err) }, "peer dial failed");
    }
  }
}
