// Checks a recorded fault's evidence (coordination.md §11.2) with nothing but the evidence and the
// protocol profile: the seed and leader recomputed from (wallet, W−32 hash, seats), the wire messages
// decoded strictly and their EIP-712 signatures recovered. What the evidence cannot prove offline is
// said, not guessed: LeaderIdleness is a local observation, and an on-chain validator revert needs
// the chain at the validation block.
import { getAddress, hexlify, isAddress } from "ethers";
import { ActionType, FaultType } from "../protocol/constants.js";
import { decodeCoordinationMessage } from "../protocol/codec.js";
import type { CoordinationMessage } from "../protocol/message.js";
import { decodePayload } from "../protocol/payloads.js";
import { profileHash, type ProtocolProfile } from "../protocol/profile.js";
import { coordinationDomain, messageDigest, recoverSender } from "../network/eip712.js";
import { bytesEqual, fromHex, toHex } from "../util/hex.js";
import { checklist } from "./checklist.js";
import { selectLeader } from "./leader.js";
import { computeSeed } from "./seed.js";

/** What a check of the evidence concluded. */
export type EvidenceVerdict =
  /** The evidence alone shows the culprit did it. */
  | "proven"
  /** The evidence does not show it (a bad signature, the culprit was the leader, …). */
  | "not_proven"
  /** This kind of fault carries no proof that can be checked offline. */
  | "unverifiable";

export interface EvidenceCheck {
  readonly verdict: EvidenceVerdict;
  /** One line: why. */
  readonly reason: string;
  /** Each step that held, in order, for the reader. */
  readonly checks: readonly string[];
}

/** A window fault (coordination or signing); DKG faults (null wallet and window) are not checked here. */
export interface RecordedFault {
  readonly walletPkh: string | null;
  readonly W: number | null;
  readonly type: FaultType;
  readonly culprit: string;
  readonly reason: string;
  readonly evidence: Record<string, unknown>;
}

type WindowFault = RecordedFault & { readonly walletPkh: string; readonly W: number };

class NotProven extends Error {}

/** Checks `fault`'s evidence against `profile`, which must be the profile the evidence names. Never throws. */
export function verifyFaultEvidence(fault: RecordedFault, profile: ProtocolProfile): EvidenceCheck {
  const checks: string[] = [];
  try {
    return check(fault, profile, checks);
  } catch (e) {
    const reason = e instanceof NotProven ? e.message : `malformed evidence: ${(e as Error).message}`;
    return { verdict: "not_proven", reason, checks };
  }
}

function check(recorded: RecordedFault, profile: ProtocolProfile, checks: string[]): EvidenceCheck {
  const { walletPkh, W: faultW } = recorded;
  if (walletPkh === null || faultW === null) throw new NotProven("not a fault of a wallet's window");
  const fault = { ...recorded, walletPkh, W: faultW };
  const ev = fault.evidence;
  const expectedProfile = profileHash(profile);
  if (text(ev, "profileHash").toLowerCase() !== expectedProfile.toLowerCase()) {
    return { verdict: "unverifiable", reason: `the evidence names profile ${text(ev, "profileHash")}, but the given profile hashes to ${expectedProfile}`, checks };
  }
  checks.push(`profile ${expectedProfile} matches`);
  const W = ev.W;
  if (W !== fault.W) throw new NotProven(`the evidence is for window ${String(W)}, the fault for ${fault.W}`);
  const wallet = fromHex(fault.walletPkh.replace(/^0x/, ""));
  const safeBlockHash = fromHex(text(ev, "safeBlockHash").replace(/^0x/, ""));
  if (wallet.length !== 20 || safeBlockHash.length !== 32) throw new NotProven("wallet or safe block hash has the wrong length");
  const seats = ev.seats;
  if (!Array.isArray(seats) || seats.length === 0 || !seats.every((s) => typeof s === "string" && isAddress(s))) throw new NotProven("seats must be a list of addresses");
  const seed = computeSeed(wallet, safeBlockHash);
  const { leader } = selectLeader(seats as string[], seed, profile.rngScheme);
  checks.push(`seed ${toHex(seed)} from block W−32 ${toHex(safeBlockHash)}; leader ${leader}`);
  const culprit = getAddress(fault.culprit);

  switch (fault.type) {
    case FaultType.LeaderImpersonation: {
      const m = signedMessage(text(ev, "message"), fault, profile, checks);
      if (m.signer !== culprit) throw new NotProven(`the message is signed by ${m.signer}, not the culprit ${culprit}`);
      if (m.signer === leader) throw new NotProven(`the signer ${m.signer} is the window's leader`);
      checks.push(`${culprit} signed a leader statement but is not the leader`);
      return { verdict: "proven", reason: "a proposal signed by an operator who is not the leader", checks };
    }
    case FaultType.LeaderEquivocation: {
      const list = ev.messages;
      if (!Array.isArray(list) || list.length !== 2) throw new NotProven("equivocation evidence holds two messages");
      const [a, b] = list.map((w) => signedMessage(String(w), fault, profile, checks));
      for (const m of [a!, b!]) if (m.signer !== leader || m.signer !== culprit) throw new NotProven(`a message is signed by ${m.signer}, not the leader and culprit`);
      if (bytesEqual(a!.digest, b!.digest)) throw new NotProven("the two messages are the same statement");
      checks.push(`the leader signed two different statements for W=${fault.W}`);
      return { verdict: "proven", reason: "two different proposals signed by the leader for one window", checks };
    }
    case FaultType.LeaderMistake: {
      const m = leaderMessage(text(ev, "message"), fault, profile, leader, checks);
      const allowed = checklist(fault.W, seed, profile);
      const type = m.message.proposal.actionType;
      if (type === ActionType.Noop || allowed.includes(type)) throw new NotProven(`action ${ActionType[type]} is on the checklist [${allowed.map((t) => ActionType[t]).join(", ")}]`);
      checks.push(`action ${ActionType[type]} is not on the recomputed checklist [${allowed.map((t) => ActionType[t]).join(", ")}]`);
      return { verdict: "proven", reason: "the leader proposed an action that is not on the window's checklist", checks };
    }
    case FaultType.InvalidProposal: {
      const m = leaderMessage(text(ev, "message"), fault, profile, leader, checks);
      if (fault.reason === "PAYLOAD_INVALID") {
        const decoded = decodePayload(m.message.proposal.actionType, m.message.proposal.payload);
        if (decoded.ok) throw new NotProven("the payload decodes");
        checks.push(`the payload does not decode: ${decoded.reason}`);
        return { verdict: "proven", reason: "the leader signed a proposal whose payload does not decode", checks };
      }
      const at = ev.validationBlock as { number?: unknown; hash?: unknown } | undefined;
      return {
        verdict: "unverifiable",
        reason: `the leader signed it (checked); that the validator reverts "${fault.reason}" needs the chain at block ${String(at?.number)} ${String(at?.hash)}`,
        checks,
      };
    }
    case FaultType.LeaderIdleness:
      return { verdict: "unverifiable", reason: "an idle leader leaves no signed trace: the evidence is this node's own observation", checks };
    default:
      return { verdict: "unverifiable", reason: `no offline check for fault type ${FaultType[fault.type] ?? fault.type}`, checks };
  }
}

interface Signed {
  readonly message: CoordinationMessage;
  readonly signer: string;
  readonly digest: Uint8Array;
}

/** A wire message of this fault's wallet and window, decoded strictly, with its recovered signer. */
function signedMessage(wireHex: string, fault: WindowFault, profile: ProtocolProfile, checks: string[]): Signed {
  const decoded = decodeCoordinationMessage(fromHex(wireHex.replace(/^0x/, "")));
  if (!decoded.ok) throw new NotProven(`the message does not decode (${decoded.reason})`);
  const message = decoded.message;
  if (message.coordinationBlock !== fault.W || toHex(message.walletPubKeyHash) !== fault.walletPkh.replace(/^0x/, "").toLowerCase()) {
    throw new NotProven("the message is for another window or wallet");
  }
  if (message.chainId !== profile.chainId) throw new NotProven(`the message is for chain ${message.chainId}`);
  const domain = coordinationDomain(profile.chainId, profile.bridge);
  const signer = recoverSender(message, domain);
  if (signer === null) throw new NotProven("the message's signature does not recover");
  if (signer !== getAddress(hexlify(message.sender))) throw new NotProven(`the message names sender ${getAddress(hexlify(message.sender))} but is signed by ${signer}`);
  checks.push(`message signed by ${signer} (EIP-712, chain ${profile.chainId}, Bridge ${profile.bridge})`);
  return { message, signer, digest: messageDigest(message, domain) };
}

function leaderMessage(wireHex: string, fault: WindowFault, profile: ProtocolProfile, leader: string, checks: string[]): Signed {
  const m = signedMessage(wireHex, fault, profile, checks);
  if (m.signer !== leader || m.signer !== getAddress(fault.culprit)) throw new NotProven(`the message is signed by ${m.signer}; leader ${leader}, culprit ${fault.culprit}`);
  return m;
}

function text(ev: Record<string, unknown>, key: string): string {
  const v = ev[key];
  if (typeof v !== "string") throw new NotProven(`the evidence has no ${key}`);
  return v;
}
