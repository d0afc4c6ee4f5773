// The threshold side of a node (threshold.md §5, §6): the members-only gossip topics on the node's
// libp2p, the DkgService that creates wallets with the other members, and the NetworkSigner that signs
// with this node's own shares together with them. The signer exists whenever the node can hold shares
// (a chain id and the keystore password), even with none yet: the shares sealed in the database are
// opened with the password when the node is built, and a share the DkgService stores while the node
// runs is handed to the signer at once (the wallet is signed for without a restart). Opened shares live
// only in this process's memory.
import { SigningKey } from "ethers";
import { report } from "../coordination/coordination-events.js";
import type { FaultRecorder } from "../coordination/faults.js";
import { actionName, FaultType } from "../protocol/constants.js";
import type { CoordinationNetwork } from "../network/coordination-network.js";
import type { CoordinationLibp2p } from "../network/libp2p.js";
import { MemberTopics } from "../network/member-topics.js";
import { openKeyShare } from "../threshold/dkg/key-share-store.js";
import { signingFaultEvidence } from "../threshold/signing/evidence-json.js";
import type { SigningFault } from "../threshold/signing/evidence.js";
import { NetworkSigner } from "../threshold/signing/network-signer.js";
import { DkgService, type DkgStoredShare } from "../threshold/dkg-service.js";
import { operatorKeyDirectory } from "../threshold/dkg-operator-keys.js";
import type { HeldWalletShare, SigningFaultContext, SigningSessionSummary } from "../threshold/signing/network-signer-types.js";
import type { ActionRow } from "../store/repos/actions-repo.js";
import { fromHex, toHex } from "../util/hex.js";
import type { EthereumSide } from "./build-ethereum.js";
import type { NodeBase } from "./node-base.js";

export interface ThresholdSide {
  memberTopics: MemberTopics;
  /** Null when the node can hold no FROST key share: no chain id, or no keystore password and no share. */
  networkSigner: NetworkSigner | null;
  /** Null without a FrostWalletRegistry, or without a keystore password to seal new shares with. */
  dkgService: DkgService | null;
}

/** What the threshold side uses of the coordination side. */
export interface ThresholdNetworking {
  libp2p: CoordinationLibp2p;
  network: Pick<CoordinationNetwork, "dialSoon">;
  faults: FaultRecorder;
}

export async function buildThresholdSide(base: NodeBase, eth: EthereumSide, net: ThresholdNetworking): Promise<ThresholdSide> {
  const { logger, events } = base;
  const memberTopics = new MemberTopics({ libp2p: net.libp2p, logger, events }, {});
  // Read by the fault and session hooks at each call: it grows when a DKG stores a share.
  const wallets = await heldShares(base);
  const networkSigner = networkSignerOf(base, eth, memberTopics, net.faults, wallets);
  const dkgService = dkgServiceOf(base, eth, memberTopics, net, (stored) => {
    if (networkSigner === null) return;
    const share = heldShareOf(stored);
    if (networkSigner.addWallet(share)) wallets.push(share);
  });
  return { memberTopics, networkSigner, dkgService };
}

function networkSignerOf(base: NodeBase, eth: EthereumSide, memberTopics: MemberTopics, faults: FaultRecorder, wallets: HeldWalletShare[]): NetworkSigner | null {
  const { config, store, logger, keySharePassword } = base;
  if (config.eth.chainId === undefined) {
    if (wallets.length > 0) throw new Error("eth.chainId (or bridge.deploymentFile) is required to sign with FROST key shares");
    return null;
  }
  if (wallets.length === 0 && keySharePassword === undefined) return null;
  return new NetworkSigner(
    {
      topics: memberTopics,
      operatorKey: new SigningKey(base.operatorKey.privateKey),
      nonceMarks: store.signingNonceMarks,
      logger,
      onFault: (fault, ctx) => recordSigningFault(base, eth.clock.head, faults, wallets, fault, ctx),
      onSessionEnd: (summary) => reportSession(base, wallets, summary),
    },
    { chainId: BigInt(config.eth.chainId), wallets: [...wallets], signingAttemptMs: config.threshold.signingAttemptMs },
  );
}

/**
 * This node's side of every DKG request it is a member of (threshold.md §3.2); the other members'
 * operator keys are learnt from their libp2p identities. When it joins a request, the other members
 * (whom the connection gate admits from then on) are dialled at once; a share it stores goes to
 * `shareStored`, i.e. to the NetworkSigner.
 */
function dkgServiceOf(base: NodeBase, eth: EthereumSide, memberTopics: MemberTopics, net: ThresholdNetworking, shareStored: (s: DkgStoredShare) => void): DkgService | null {
  const { config, keySharePassword, store, logger, operator } = base;
  const registry = config.bridge.frostWalletRegistry;
  if (registry === undefined || keySharePassword === undefined || config.eth.chainId === undefined) return null;
  return new DkgService(
    { store, memberTopics, chain: eth.ethereum, intents: eth.intents, logger },
    {
      chainId: BigInt(config.eth.chainId),
      registryAddress: registry,
      bridgeAddress: config.bridge.address,
      operatorPrivateKey: fromHex(base.operatorKey.privateKey.replace(/^0x/, "")),
      keystorePassword: keySharePassword,
      dkgAttemptBlocks: config.threshold.dkgAttemptBlocks,
      operatorPublicKey: operatorKeyDirectory(new Map(), net.libp2p),
      onRequestJoined: ({ members }) => net.network.dialSoon(members.filter((m) => m !== operator)),
      onShareStored: shareStored,
      // Into the fault store, keyed by request and attempt (no wallet yet); logged there once, a silent member at info.
      onFault: (f) =>
        net.faults.recordDkg({
          requestId: f.requestId,
          attempt: f.attempt,
          type: FaultType[f.code],
          culprit: f.accusedAddress,
          reason: f.code === "DkgNoParticipation" ? `silent in attempt ${f.attempt}` : f.code,
          detectedBlock: Math.max(0, eth.ethereum.head()),
          evidence: f.evidence,
        }),
    },
  );
}

/** A share the DkgService stored, in the signer's form (the same as heldShares' of a sealed share). */
function heldShareOf(s: DkgStoredShare): HeldWalletShare {
  return { walletPkh: s.walletPkh, public: s.keyShare.public, memberIndex: s.memberIndex, secret: s.keyShare.secret, members: s.members };
}

/** Every sealed key share of the database, opened; refuses to go on with shares it cannot open. */
async function heldShares({ store, keySharePassword }: NodeBase): Promise<HeldWalletShare[]> {
  const rows = store.keyShares.list();
  if (rows.length === 0) return [];
  if (keySharePassword === undefined) {
    throw new Error(`the database holds ${rows.length} sealed FROST key share(s) but no password opens them: run with keys.keystore and its password`);
  }
  const held: HeldWalletShare[] = [];
  for (const info of rows) {
    const row = store.keyShares.get(info.walletPkh)!;
    const { keyShare } = await openKeyShare(new TextDecoder().decode(row.sealed), keySharePassword);
    held.push({ walletPkh: fromHex(row.walletPkh), public: keyShare.public, memberIndex: row.memberIndex, secret: keyShare.secret, members: row.members });
  }
  return held;
}

const FAULT_TYPES: Record<SigningFault["kind"], FaultType> = {
  SigningInvalidShare: FaultType.SigningInvalidShare,
  SigningCoordinatorEquivocation: FaultType.SigningCoordinatorEquivocation,
  SigningNoShare: FaultType.SigningNoShare,
};

/**
 * A signing fault into the fault store, under the window of the action whose session it is (one row
 * per wallet, window, type and culprit, so a peer's report of the same fault is the same row).
 */
function recordSigningFault(base: NodeBase, head: number, faults: FaultRecorder, wallets: readonly HeldWalletShare[], fault: SigningFault, ctx: SigningFaultContext): void {
  const wallet = walletOf(wallets, ctx.walletPkh);
  const action = actionOf(base, ctx.sessionId);
  if (wallet === undefined || action === undefined) {
    base.logger.debug({ wallet: ctx.walletPkh, session: ctx.sessionId, fault: fault.kind }, "signing fault of no action of this node; not recorded");
    return;
  }
  const culprit = wallet.members[(fault.kind === "SigningCoordinatorEquivocation" ? fault.coordinator : fault.member) - 1];
  if (culprit === undefined) return;
  faults.record({
    walletPkh: wallet.walletPkh,
    W: action.W,
    type: FAULT_TYPES[fault.kind],
    culprit,
    reason: fault.kind === "SigningNoShare" ? `no share in attempt ${fault.attempt}` : fault.kind,
    detectedBlock: Math.max(head, action.W),
    evidence: signingFaultEvidence(fault, { domain: { chainId: BigInt(base.config.eth.chainId!), walletPkh: wallet.walletPkh }, operators: wallet.members, public: wallet.public }),
  });
}

/** The end of an action's signing session, on the node's event bus (the devnet's summary reads it). */
function reportSession(base: NodeBase, wallets: readonly HeldWalletShare[], summary: SigningSessionSummary): void {
  const action = actionOf(base, summary.sessionId);
  const wallet = walletOf(wallets, summary.walletPkh);
  if (action === undefined || wallet === undefined) return;
  report(base.events, {
    type: "signing",
    W: action.W,
    wallet: action.walletPkh,
    action: actionName(action.type),
    actionId: action.id,
    outcome: summary.outcome,
    attempts: summary.attempts,
    signers: summary.signers.map((m) => wallet.members[m - 1] ?? String(m)),
    ms: Math.round(summary.ms),
  });
}

function walletOf(wallets: readonly HeldWalletShare[], walletPkhHex: string): HeldWalletShare | undefined {
  const key = walletPkhHex.replace(/^0x/, "").toLowerCase();
  return wallets.find((w) => toHex(w.walletPkh) === key);
}

/** The action whose signing session this is (its round id is the session id). */
function actionOf({ store }: NodeBase, sessionIdHex: string): ActionRow | undefined {
  return store.actions.byRoundId(fromHex(sessionIdHex.replace(/^0x/, "")));
}
