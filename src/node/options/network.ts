// libp2p options (`network`): where to listen and whom to dial.
import { multiaddr } from "@multiformats/multiaddr";
import { z } from "zod";
import { bool, leaf, section } from "./leaf.js";

export const defaultNetworkOptions = { listen: ["/ip4/0.0.0.0/tcp/3919"], bootstrapPeers: [] as string[], mdns: false };

function isMultiaddr(v: string, needPeerId: boolean): boolean {
  try {
    const ma = multiaddr(v);
    return !needPeerId || ma.getComponents().some((c) => c.name === "p2p");
  } catch {
    return false;
  }
}

function multiaddrList(def: string[], needPeerId: boolean, doc: string) {
  const expected = needPeerId ? "expected a list of multiaddrs ending in /p2p/<peerId>" : "expected a list of multiaddrs";
  const item = z.string({ error: expected }).refine((v) => isMultiaddr(v, needPeerId), { error: expected });
  return leaf(z.array(item, { error: expected }).default(def), { kind: "list", expected, doc, default: def });
}

export const networkOptions = section({
  listen: multiaddrList(defaultNetworkOptions.listen, false, "libp2p listen multiaddrs."),
  bootstrapPeers: multiaddrList(defaultNetworkOptions.bootstrapPeers, true, "Peers dialled at startup and every 30 s while disconnected; every second for 20 s after the node joins a DKG request (its members become admissible)."),
  mdns: bool(defaultNetworkOptions.mdns, "Discover peers on the local network with mDNS."),
});
export type NetworkOptions = z.output<typeof networkOptions>;
