// Connection policy (coordination.md §8.1, SHOULD): an inbound connection is accepted from a configured
// (bootstrap) peer, or from a peer whose operator address holds a seat in a wallet this node takes part
// in; every other one is refused and counted. Judged after the noise handshake, when the remote peer
// id is authenticated. Outbound dials are never gated: the node only dials peers it was told to.
import type { ConnectionGater, MultiaddrConnection, PeerId } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import type { ConnectionRefusal } from "../metrics/metrics.js";
import type { Logger } from "../util/logger.js";
import { operatorAddressOfPeer } from "./libp2p.js";
import type { NetworkEventTarget } from "./network-events.js";

export type InboundVerdict = { accept: true; via: "configured" | "seated" } | { accept: false; reason: ConnectionRefusal };

export interface GatePolicy {
  /** Peer id strings of the configured peers (`network.bootstrapPeers`), always accepted. */
  configuredPeers: ReadonlySet<string>;
  /** EIP-55 operator addresses currently accepted. */
  seatedOperators: ReadonlySet<string>;
}

/** The decision for an authenticated inbound peer; `operator` is its EIP-55 address, or null for a non-operator key. */
export function decideInbound(peerId: string, operator: string | null, policy: GatePolicy): InboundVerdict {
  if (policy.configuredPeers.has(peerId)) return { accept: true, via: "configured" };
  if (operator === null) return { accept: false, reason: "not_operator_key" };
  return policy.seatedOperators.has(operator) ? { accept: true, via: "seated" } : { accept: false, reason: "not_seated" };
}

/** Peer ids named by `/p2p/<id>` in the multiaddrs; entries without one, or invalid, are skipped. */
export function configuredPeerIds(addrs: readonly string[]): Set<string> {
  const ids = new Set<string>();
  for (const a of addrs) {
    try {
      const id = multiaddr(a).getComponents().findLast((c) => c.name === "p2p")?.value;
      if (id !== undefined) ids.add(id);
    } catch {
      // The network logs invalid bootstrap entries already.
    }
  }
  return ids;
}

/** A set of EIP-55 operator addresses that changes at run time, read afresh at every use. */
export interface OperatorSource {
  readonly current: ReadonlySet<string>;
}

/**
 * The operators of either source, read afresh at every use: e.g. the wallets' seats together with the
 * members of pending DKG requests, who may share no wallet with this node yet (threshold.md §3.2).
 */
export function unionOperators(a: OperatorSource, b: OperatorSource): OperatorSource {
  return {
    get current(): ReadonlySet<string> {
      const [x, y] = [a.current, b.current];
      if (y.size === 0) return x;
      if (x.size === 0) return y;
      return new Set([...x, ...y]);
    },
  };
}

export interface ConnectionGateComponents {
  /** The operators accepted right now (read at every inbound connection, so updates apply at once); see unionOperators. */
  seated: OperatorSource;
  /** Receives `connection:refused` for every refusal. */
  events: NetworkEventTarget;
  logger: Logger;
}

export interface ConnectionGateInit {
  /** Configured peer multiaddrs (with `/p2p/<peerId>`): accepted whatever their seats. */
  configuredPeers: readonly string[];
}

/** The libp2p ConnectionGater of the policy above. */
export function createConnectionGate(components: ConnectionGateComponents, init: ConnectionGateInit): ConnectionGater {
  const configuredPeers = configuredPeerIds(init.configuredPeers);
  const log = components.logger.child({ module: "network" });
  return {
    denyInboundEncryptedConnection(peerId: PeerId, maConn: MultiaddrConnection): boolean {
      const peer = peerId.toString();
      const operator = operatorAddressOfPeer(peerId);
      const verdict = decideInbound(peer, operator, { configuredPeers, seatedOperators: components.seated.current });
      if (verdict.accept) return false;
      components.events.safeDispatchEvent<ConnectionRefusal>("connection:refused", { detail: verdict.reason });
      // Strangers are expected on a public port: debug only, so no rate limit is needed.
      log.debug({ peer, operator, reason: verdict.reason, remoteAddr: maConn.remoteAddr.toString() }, "inbound connection refused");
      return true;
    },
  };
}
