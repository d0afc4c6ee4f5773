// The DKG topic's messages as DkgService receives them: one of the four kinds of dkg-messages.ts,
// told apart by their first byte and decoded strictly. Anything else is null (the sender is rejected).
import {
  DkgMessageKind,
  decodeComplaint,
  decodeResultSignature,
  decodeRound1,
  decodeRound2,
  type DkgComplaint,
  type DkgResultSignatureMessage,
  type DkgRound1Message,
  type DkgRound2Message,
} from "./dkg/dkg-messages.js";

export type DkgMessage =
  | { readonly kind: "round1"; readonly body: DkgRound1Message }
  | { readonly kind: "round2"; readonly body: DkgRound2Message }
  | { readonly kind: "complaint"; readonly body: DkgComplaint }
  | { readonly kind: "result"; readonly body: DkgResultSignatureMessage };

/** Largest DKG message accepted on the topic: a round 2 to 254 members is about 12.5 KiB. */
export const MAX_DKG_MESSAGE_BYTES = 32 * 1024;

/** The message, or null when the bytes are not exactly one well-formed DKG message. */
export function decodeDkgMessage(data: Uint8Array): DkgMessage | null {
  if (data.length === 0) return null;
  try {
    switch (data[0]) {
      case DkgMessageKind.Round1:
        return { kind: "round1", body: decodeRound1(data) };
      case DkgMessageKind.Round2:
        return { kind: "round2", body: decodeRound2(data) };
      case DkgMessageKind.Complaint:
        return { kind: "complaint", body: decodeComplaint(data) };
      case DkgMessageKind.ResultSignature:
        return { kind: "result", body: decodeResultSignature(data) };
      default:
        return null;
    }
  } catch {
    return null;
  }
}
