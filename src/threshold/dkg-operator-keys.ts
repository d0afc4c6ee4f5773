// Where a DKG member finds the other members' operator public keys (the ECDH keys of the encrypted
// shares, threshold.md §1): a directory the node is given (the devnet's operators, a configured list),
// else the identity of a connected libp2p peer, since the operator key is the libp2p identity
// (coordination.md §8.1). A member whose key is known by neither blocks the attempt from starting
// (DkgAttempt needs every member's key), so a production network should give the directory.
import type { Libp2p } from "@libp2p/interface";
import { computeAddress, getAddress } from "ethers";
import { to0x } from "../util/hex.js";

/** A lookup for DkgServiceInit.operatorPublicKey: 33-byte compressed keys by address (the service knows its own). */
export function operatorKeyDirectory(known: ReadonlyMap<string, Uint8Array>, libp2p?: Pick<Libp2p, "getPeers">): (address: string) => Uint8Array | undefined {
  const byAddress = new Map<string, Uint8Array>();
  for (const [address, key] of known) {
    if (key.length !== 33 || computeAddress(to0x(key)) !== getAddress(address)) throw new Error(`the operator key given for ${address} is not its key`);
    byAddress.set(getAddress(address), key.slice());
  }
  const learn = (): void => {
    for (const peer of libp2p?.getPeers() ?? []) {
      if (peer.type !== "secp256k1") continue;
      const raw = peer.publicKey.raw;
      byAddress.set(computeAddress(to0x(raw)), raw.slice());
    }
  };
  return (address) => {
    const a = getAddress(address);
    if (!byAddress.has(a)) learn();
    return byAddress.get(a);
  };
}
