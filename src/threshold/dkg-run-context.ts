// What a DkgRequestRun needs from its service (dkg-service.ts) and what it reports: the store, keys and
// chain identity, the transport (publish, subscribers), the intents (submit), and faults with evidence.
import type { Key } from "@noble/curves/abstract/frost.js";
import type { SigningKey } from "ethers";
import type { EthIntentRow } from "../store/repos/eth-intents-repo.js";
import type { Store } from "../store/store.js";
import type { Logger } from "../util/logger.js";

/** A member's fault with its evidence (threshold.md §5.3); the service hands it to `onFault`. */
export interface DkgServiceFault {
  readonly requestId: bigint;
  readonly attempt: number;
  readonly code: "DkgInvalidProof" | "DkgInvalidShare" | "DkgNoParticipation";
  /** Member index and address of the accused. */
  readonly accused: number;
  readonly accusedAddress: string;
  /**
   * The fault store's self-contained evidence (dkg/evidence-json.ts): the signed messages it rests on
   * and the request's public facts; for DkgNoParticipation the attempt's cut-off block and what was missing.
   */
  readonly evidence: Record<string, unknown>;
}

/**
 * A key share this member has just sealed and stored: the opened share, handed to the node's signer in
 * this process (never logged, never sent), so that the new wallet is signed for without a restart.
 */
export interface DkgStoredShare {
  readonly requestId: bigint;
  readonly walletPkh: Uint8Array;
  /** This member's index (1-based) among `members`. */
  readonly memberIndex: number;
  /** The request's members, EIP-55, in seat order. */
  readonly members: readonly string[];
  readonly keyShare: Key;
}

export interface DkgRunContext {
  readonly store: Store;
  readonly log: Logger;
  readonly chainId: bigint;
  readonly registryAddress: string;
  readonly bridgeAddress: string;
  readonly operatorKey: Uint8Array;
  readonly signingKey: SigningKey;
  readonly myAddress: string;
  readonly keystorePassword: string;
  readonly scryptN: number | undefined;
  readonly attemptBlocks: number;
  /** Blocks after DkgResultAccepted during which a member still republishes its rounds and a late member may still finish. */
  readonly lingerBlocks: number;
  readonly maxBuffered: number;
  operatorPublicKey(address: string): Uint8Array | undefined;
  publish(requestId: bigint, bytes: Uint8Array): Promise<void>;
  /** Waits (bounded) until `count` other peers subscribe to the request's topic; never throws. */
  waitForSubscribers(requestId: bigint, count: number): Promise<void>;
  submit(requestId: bigint, calldata: string): Promise<EthIntentRow>;
  onFault(f: DkgServiceFault): void;
  /** Called once the share is stored (durably: a crash after the store finds it at the next start). */
  shareStored?(s: DkgStoredShare): void;
  /** Asks for a step soon (a message made progress possible). */
  kick(): void;
  /** Counters, for tests and metrics. */
  readonly counts: { conflicting: number; rejected: number; buffered: number };
}
