// operatorKeyDirectory: the members' operator public keys from a given directory, else from the
// connected peers' libp2p identities.
import { privateKeyFromRaw } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { getAddress } from "ethers";
import { describe, expect, it } from "vitest";
import { operatorKeyDirectory } from "../../src/threshold/dkg-operator-keys.js";
import { testOperators } from "./dkg-fixture.js";

const [a, b, c] = testOperators(3, "keys");

describe("operatorKeyDirectory", () => {
  it("answers from the directory (any address case), then from the connected peers; unknown stays undefined", () => {
    let peers = [peerIdFromPrivateKey(privateKeyFromRaw(b.privateKey))];
    const lookup = operatorKeyDirectory(new Map([[a.address, a.publicKey]]), { getPeers: () => peers });
    expect(lookup(getAddress(a.address))).toEqual(a.publicKey);
    expect(lookup(b.address)).toEqual(b.publicKey);
    expect(lookup(c.address)).toBeUndefined();
    peers = [];
    expect(lookup(b.address)).toEqual(b.publicKey); // learnt once, kept
  });

  it("refuses a directory entry that is not the address's key", () => {
    expect(() => operatorKeyDirectory(new Map([[a.address, b.publicKey]]))).toThrow(/is not its key/);
  });
});
