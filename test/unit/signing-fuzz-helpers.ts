// Shared by the signing decoder fuzz tests: a reproducible PRNG, one small valid message of each kind
// (real nonce commitments of a dev wallet), and the byte mutations applied to them.
import { schnorr_FROST } from "@noble/curves/secp256k1.js";
import { SigningKey } from "ethers";
import { createDevFrostWallet } from "../../src/threshold/dev-wallet.js";
import type { SigningDomain } from "../../src/threshold/signing/signing-envelope.js";
import type { SigningMessage } from "../../src/threshold/signing/signing-messages.js";

export { prng, type Prng } from "./helpers/prng.js";
import type { Prng } from "./helpers/prng.js";

const wallet = createDevFrostWallet(new TextEncoder().encode("signing-fuzz"), 3, 2);
const pair = (m: number) => {
  const c = schnorr_FROST.commit(wallet.shares.get(m)!).commitments;
  return { hiding: c.hiding, binding: c.binding };
};
const h = (n: number, b: number) => new Uint8Array(n).fill(b);

export const FUZZ_DOMAIN: SigningDomain = { chainId: 31337n, walletPkh: wallet.walletPkh };
export const FUZZ_KEY = new SigningKey("0x" + "42".repeat(32));

/** One small valid message per kind (small so that fully decodable mutations stay cheap). */
export const SAMPLES: Record<SigningMessage["kind"], SigningMessage> = {
  commitments: { kind: "commitments", sessionId: h(32, 1), attempt: 3, commitments: [pair(1)] },
  package: {
    kind: "package",
    sessionId: h(32, 1),
    attempt: 3,
    coordinator: 2,
    subset: [1, 2],
    commitments: [[pair(1)], [pair(2)]],
    digests: [h(32, 9)],
    keys: [{ scheme: "bip340", key: "tapLeaf", leafHash: h(32, 5) }],
  },
  shares: { kind: "shares", sessionId: h(32, 1), attempt: 3, packageHash: h(32, 7), shares: [h(32, 3), h(32, 4)] },
  signatures: { kind: "signatures", sessionId: h(32, 1), attempt: 3, packageHash: h(32, 7), signatures: [h(64, 6)] },
};

/** A random structural mutation of `valid`: bit flip, byte set, truncation, extension, insertion, deletion. */
export function mutate(r: Prng, valid: Uint8Array): Uint8Array {
  const b = valid.slice();
  const at = r.int(b.length);
  switch (r.int(6)) {
    case 0:
      b[at] ^= 1 << r.int(8);
      return b;
    case 1:
      b[at] = r.int(256);
      return b;
    case 2:
      return b.slice(0, at);
    case 3: {
      const tail = r.bytes(1 + r.int(40));
      const out = new Uint8Array(b.length + tail.length);
      out.set(b);
      out.set(tail, b.length);
      return out;
    }
    case 4: {
      const out = new Uint8Array(b.length + 1);
      out.set(b.subarray(0, at));
      out[at] = r.int(256);
      out.set(b.subarray(at), at + 1);
      return out;
    }
    default: {
      const out = new Uint8Array(b.length - 1);
      out.set(b.subarray(0, at));
      out.set(b.subarray(at + 1), at);
      return out;
    }
  }
}

/** Random bytes, half of them starting with a valid kind byte. */
export function randomInput(r: Prng): Uint8Array {
  const b = r.bytes(r.int(260));
  if (b.length > 0 && r.int(2) === 0) b[0] = 1 + r.int(4);
  return b;
}
