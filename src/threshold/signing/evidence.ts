// Signing faults with evidence that anyone can check offline (threshold.md §5.3), from signed wire
// messages and the wallet's public information alone. The check never throws: hostile evidence is
// just invalid evidence.
import { schnorr_FROST } from "@noble/curves/secp256k1.js";
import type { FrostPublic } from "@noble/curves/abstract/frost.js";
import { bytesEqual } from "../../util/hex.js";
import { frostIdentifier } from "../dev-wallet.js";
import { commitmentListOf, publicForKey } from "./package-keys.js";
import { memberOfAddress } from "./session-context.js";
import { openSigningMessageOf, type SigningDomain } from "./signing-envelope.js";
import { packageHashOf } from "./signing-messages.js";

/** A share that fails RFC 9591 share verification for the package its sender signed it for. */
export interface SigningInvalidShareEvidence {
  readonly kind: "SigningInvalidShare";
  /** The accused member index. */
  readonly member: number;
  /** The first digest whose share fails. */
  readonly digestIndex: number;
  /** The package, signed by its coordinator. */
  readonly packageWire: Uint8Array;
  /** The shares message, signed by the accused; it names the package by hash. */
  readonly sharesWire: Uint8Array;
  /** The member's (untweaked) verifying share from the wallet's public package. */
  readonly verifyingShare: Uint8Array;
}

/** Two different packages signed by one coordinator for one (session, attempt). */
export interface SigningCoordinatorEquivocationEvidence {
  readonly kind: "SigningCoordinatorEquivocation";
  readonly coordinator: number;
  readonly firstPackageWire: Uint8Array;
  readonly secondPackageWire: Uint8Array;
}

export type SigningEvidence = SigningInvalidShareEvidence | SigningCoordinatorEquivocationEvidence;

/** A subset member that sent no share: recorded with the package, never an accusation. */
export interface SigningNoShareRecord {
  readonly kind: "SigningNoShare";
  readonly member: number;
  readonly attempt: number;
  /** Absent when the member was a coordinator that sent no package. */
  readonly packageWire?: Uint8Array;
}

export type SigningFault = SigningEvidence | SigningNoShareRecord;

/** The public facts evidence is checked against. */
export interface SigningPublicInfo {
  readonly domain: SigningDomain;
  /** Operator address of member i at position i − 1. */
  readonly operators: readonly string[];
  /** The wallet's public package (the form whose group key is the wallet key). */
  readonly public: FrostPublic;
}

export type EvidenceVerdict = { readonly valid: true } | { readonly valid: false; readonly reason: string };

const invalid = (reason: string): EvidenceVerdict => ({ valid: false, reason });

/** Checks `evidence` against `info`; never throws. */
export function verifySigningEvidence(evidence: SigningEvidence, info: SigningPublicInfo): EvidenceVerdict {
  try {
    if (evidence.kind === "SigningInvalidShare") return verifyInvalidShare(evidence, info);
    if (evidence.kind === "SigningCoordinatorEquivocation") return verifyEquivocation(evidence, info);
    return invalid(`unknown evidence kind`);
  } catch (err) {
    return invalid(`malformed evidence: ${(err as Error)?.message ?? String(err)}`.split("\n")[0]);
  }
}

function verifyInvalidShare(e: SigningInvalidShareEvidence, info: SigningPublicInfo): EvidenceVerdict {
  const pkg = openSigningMessageOf(e.packageWire, info.domain, "package");
  const shares = openSigningMessageOf(e.sharesWire, info.domain, "shares");
  const p = pkg.message;
  const s = shares.message;
  if (memberOfAddress(info.operators, pkg.sender) !== p.coordinator) return invalid("package not signed by its coordinator");
  if (memberOfAddress(info.operators, shares.sender) !== e.member) return invalid("shares not signed by the accused member");
  if (!bytesEqual(s.sessionId, p.sessionId) || s.attempt !== p.attempt) return invalid("shares and package of different attempts");
  if (!bytesEqual(s.packageHash, packageHashOf(p))) return invalid("shares answer another package");
  const j = p.subset.indexOf(e.member);
  if (j < 0) return invalid("accused member not in the package's subset");
  if (s.shares.length !== p.digests.length) return invalid("share count differs from digest count");
  if (!Number.isInteger(e.digestIndex) || e.digestIndex < 0 || e.digestIndex >= p.digests.length) return invalid("digest index out of range");
  const id = frostIdentifier(e.member);
  const held = info.public.verifyingShares[id];
  if (held === undefined || !bytesEqual(held, e.verifyingShare)) return invalid("verifying share differs from the wallet's");
  const i = e.digestIndex;
  const ok = schnorr_FROST.verifyShare(publicForKey(info.public, p.keys[i]), commitmentListOf(p, i), p.digests[i], id, s.shares[i]);
  return ok ? invalid("the share verifies") : { valid: true };
}

function verifyEquivocation(e: SigningCoordinatorEquivocationEvidence, info: SigningPublicInfo): EvidenceVerdict {
  const a = openSigningMessageOf(e.firstPackageWire, info.domain, "package");
  const b = openSigningMessageOf(e.secondPackageWire, info.domain, "package");
  if (bytesEqual(a.body, b.body)) return invalid("the two packages are the same");
  if (!bytesEqual(a.message.sessionId, b.message.sessionId) || a.message.attempt !== b.message.attempt) return invalid("packages of different attempts");
  if (a.message.coordinator !== e.coordinator || b.message.coordinator !== e.coordinator) return invalid("packages name another coordinator");
  if (memberOfAddress(info.operators, a.sender) !== e.coordinator || memberOfAddress(info.operators, b.sender) !== e.coordinator) {
    return invalid("a package is not signed by the coordinator");
  }
  return { valid: true };
}
