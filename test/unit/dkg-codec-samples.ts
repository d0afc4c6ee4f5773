// Valid samples of every DKG binary form, from one real 4-member DKG, for the codec tests and the fuzz.
import { makeComplaint } from "../../src/threshold/dkg/complaint.js";
import {
  decodeComplaint,
  decodeResultSignature,
  decodeRound1,
  decodeRound2,
  encodeComplaint,
  encodeResultSignature,
  encodeRound1,
  encodeRound2,
} from "../../src/threshold/dkg/dkg-messages.js";
import { decodeKeyShare, encodeKeyShare } from "../../src/threshold/dkg/key-share-codec.js";
import { decodeTranscript, encodeTranscript } from "../../src/threshold/dkg/transcript.js";
import { runHonestDkg, sessionOf, testOperators } from "./dkg-fixture.js";

export const ops = testOperators(4, "codec");
export const outcome = runHonestDkg(ops, 3, [1, 2, 3, 4]).get(1)!;
export const t = outcome.transcript;
export const complaint = makeComplaint(sessionOf(0), 3, 1, ops[2].privateKey, ops[0].publicKey);
export const result = { requestId: 42n, attempt: 0, signer: 2, walletX: outcome.walletX, excluded: [5, 9], signature: new Uint8Array(65).fill(0x1b) };

export type Codec = { name: string; decode: (b: Uint8Array) => unknown; encode: (m: never) => Uint8Array; samples: Uint8Array[] };
export const CODECS: Codec[] = [
  { name: "round 1", decode: decodeRound1, encode: encodeRound1 as Codec["encode"], samples: t.round1.map(encodeRound1) },
  { name: "round 2", decode: decodeRound2, encode: encodeRound2 as Codec["encode"], samples: t.round2.map(encodeRound2) },
  { name: "complaint", decode: decodeComplaint, encode: encodeComplaint as Codec["encode"], samples: [encodeComplaint(complaint)] },
  { name: "result signature", decode: decodeResultSignature, encode: encodeResultSignature as Codec["encode"], samples: [encodeResultSignature(result), encodeResultSignature({ ...result, excluded: [] })] },
  { name: "transcript", decode: decodeTranscript, encode: encodeTranscript as Codec["encode"], samples: [encodeTranscript(t)] },
  { name: "key share", decode: decodeKeyShare, encode: encodeKeyShare as Codec["encode"], samples: [encodeKeyShare(outcome.keyShare)] },
];

