// A signing fault as the fault store keeps it (JSON, bytes as 0x-hex) and its check from that JSON
// alone (threshold.md §5.3): the evidence carries the public facts it is checked against — chain,
// wallet, the members' operator addresses and the wallet's public package — so `wcoord faults verify`
// needs nothing else. Whoever reads it should also compare the package's group key with the wallet's
// walletX on the Bridge; the check says so.
import type { FrostPublic } from "@noble/curves/abstract/frost.js";
import { isAddress } from "ethers";
import type { EvidenceCheck } from "../../coordination/fault-evidence.js";
import { fromHex, to0x } from "../../util/hex.js";
import { verifySigningEvidence, type SigningFault, type SigningPublicInfo } from "./evidence.js";
import { walletXOf } from "./package-keys.js";

/** The fault store's evidence object for `fault`, self-contained. */
export function signingFaultEvidence(fault: SigningFault, info: SigningPublicInfo): Record<string, unknown> {
  const facts = {
    chainId: info.domain.chainId.toString(),
    walletPkh: to0x(info.domain.walletPkh),
    operators: [...info.operators],
    public: {
      signers: { ...info.public.signers },
      commitments: info.public.commitments.map(to0x),
      verifyingShares: Object.fromEntries(Object.entries(info.public.verifyingShares).map(([id, v]) => [id, to0x(v)])),
    },
  };
  switch (fault.kind) {
    case "SigningInvalidShare":
      return { kind: fault.kind, member: fault.member, digestIndex: fault.digestIndex, packageWire: to0x(fault.packageWire), sharesWire: to0x(fault.sharesWire), verifyingShare: to0x(fault.verifyingShare), ...facts };
    case "SigningCoordinatorEquivocation":
      return { kind: fault.kind, coordinator: fault.coordinator, firstPackageWire: to0x(fault.firstPackageWire), secondPackageWire: to0x(fault.secondPackageWire), ...facts };
    case "SigningNoShare":
      return { kind: fault.kind, member: fault.member, attempt: fault.attempt, ...(fault.packageWire ? { packageWire: to0x(fault.packageWire) } : {}), ...facts };
  }
}

/** Checks stored evidence; never throws. */
export function checkSigningFaultEvidence(evidence: Record<string, unknown>): EvidenceCheck {
  try {
    const info = publicInfoOf(evidence);
    const checks = [`wallet ${to0x(info.domain.walletPkh)} on chain ${info.domain.chainId}, group key x ${to0x(walletXOf(info.public))} (compare with walletScheme/walletPublicKey on the Bridge)`];
    const kind = evidence.kind;
    if (kind === "SigningNoShare") {
      return { verdict: "unverifiable", reason: "a missing share leaves no signed trace (the network may have lost it); recorded, not an accusation", checks };
    }
    const fault: SigningFault =
      kind === "SigningInvalidShare"
        ? { kind, member: int(evidence.member), digestIndex: int(evidence.digestIndex), packageWire: bytes(evidence.packageWire), sharesWire: bytes(evidence.sharesWire), verifyingShare: bytes(evidence.verifyingShare) }
        : kind === "SigningCoordinatorEquivocation"
          ? { kind, coordinator: int(evidence.coordinator), firstPackageWire: bytes(evidence.firstPackageWire), secondPackageWire: bytes(evidence.secondPackageWire) }
          : fail(`unknown evidence kind ${JSON.stringify(kind)}`);
    const verdict = verifySigningEvidence(fault, info);
    if (!verdict.valid) return { verdict: "not_proven", reason: verdict.reason, checks };
    checks.push(
      kind === "SigningInvalidShare"
        ? `the package is signed by its coordinator, the shares by member ${int(evidence.member)}, and share ${int(evidence.digestIndex)} fails RFC 9591 verification against its verifying share`
        : `member ${int(evidence.coordinator)} signed two different packages for one session and attempt`,
    );
    return { verdict: "proven", reason: kind === "SigningInvalidShare" ? "a signature share that does not verify" : "a coordinator that signed two packages", checks };
  } catch (e) {
    return { verdict: "not_proven", reason: `malformed evidence: ${(e as Error).message}`, checks: [] };
  }
}

function publicInfoOf(e: Record<string, unknown>): SigningPublicInfo {
  const operators = e.operators;
  if (!Array.isArray(operators) || !operators.every((o) => typeof o === "string" && isAddress(o))) fail("operators must be addresses");
  const pub = e.public as { signers?: { min?: unknown; max?: unknown }; commitments?: unknown; verifyingShares?: unknown } | undefined;
  if (pub === undefined || !Array.isArray(pub.commitments) || typeof pub.verifyingShares !== "object" || pub.verifyingShares === null) fail("no public package");
  const walletPkh = bytes(e.walletPkh);
  if (walletPkh.length !== 20) fail("walletPkh must be 20 bytes");
  const publicPackage: FrostPublic = {
    signers: { min: int(pub!.signers?.min), max: int(pub!.signers?.max) },
    commitments: (pub!.commitments as unknown[]).map(bytes),
    verifyingShares: Object.fromEntries(Object.entries(pub!.verifyingShares as Record<string, unknown>).map(([id, v]) => [id, bytes(v)])),
  };
  return { domain: { chainId: BigInt(String(e.chainId)), walletPkh }, operators: operators as string[], public: publicPackage };
}

function bytes(v: unknown): Uint8Array<ArrayBuffer> {
  if (typeof v !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(v)) fail(`expected 0x-hex, got ${JSON.stringify(v)?.slice(0, 24)}`);
  return Uint8Array.from(fromHex((v as string).slice(2)));
}

function int(v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) fail(`expected a non-negative integer, got ${JSON.stringify(v)}`);
  return v as number;
}

function fail(message: string): never {
  throw new Error(message);
}
