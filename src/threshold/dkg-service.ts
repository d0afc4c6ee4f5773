// A node's side of creating FROST wallets (threshold.md §3.2): for every indexed `DkgRequested` that
// names this operator, join the request's members-only topic, run the DKG attempts (dkg-request-run.ts)
// until the wallet is registered or the request fails, and leave. No machine ever holds the key: each
// member keeps only its own share, sealed under the operator keystore's password.
//
// Progress is driven by a timer (every `tickMs`, and at once when a message makes progress possible);
// the request list comes from the store's event index, the block height from the chain's head. Gossip
// keeps no history, so what a member published is published again every `republishMs` until its session
// is final, and for `lingerBlocks` after the wallet is registered: a restarted, late or not-yet-subscribed
// member catches up from that. Messages that cannot count yet (a later attempt, a round 2 before its
// round 1, a complaint before its evidence, a result signature before this member's share) are held,
// at most `maxBuffered` per request, and tried again when the state moves. The operator public keys of
// the members come from `operatorPublicKey` (dkg-operator-keys.ts). Submitting goes through the
// Ethereum intents, which the node polls (`EthIntentSender.watch()`).
import type { Startable } from "@libp2p/interface";
import { SigningKey, computeAddress } from "ethers";
import type { EthIntentSender } from "../chain/eth-intents.js";
import type { EthereumChain } from "../chain/ethereum-chain.js";
import { frostWalletRegistryViews } from "../chain/abi.js";
import type { MemberTopicHandle, MemberTopics } from "../network/member-topics.js";
import { dkgTopic } from "../network/topics.js";
import type { DkgRequestState } from "../store/repos/ev-dkg-requests-repo.js";
import type { Store } from "../store/store.js";
import { errorMessage } from "../util/errors.js";
import { to0x } from "../util/hex.js";
import type { Logger } from "../util/logger.js";
import { DkgRequestRun, type DkgRunContext, type DkgServiceFault } from "./dkg-request-run.js";
import type { DkgStoredShare } from "./dkg-run-context.js";
import { MAX_DKG_MESSAGE_BYTES } from "./dkg-service-messages.js";

export type { DkgServiceFault } from "./dkg-request-run.js";
export type { DkgStoredShare } from "./dkg-run-context.js";

/** FrostWalletRegistry.DkgState.Accepted. */
const DKG_STATE_ACCEPTED = 2;

export interface DkgServiceComponents {
  store: Store;
  memberTopics: MemberTopics;
  /** Block heights (`head()`) and the registry view behind the intents' goal. */
  chain: EthereumChain;
  /** Sends `submitDkgResult` (reliability.md §3.7); the node polls it (`watch()`). */
  intents: EthIntentSender;
  logger: Logger;
}

export interface DkgServiceInit {
  chainId: bigint;
  registryAddress: string;
  bridgeAddress: string;
  /** The 32-byte operator key (the libp2p identity, the ECDH key of the shares, the result signer). */
  operatorPrivateKey: Uint8Array;
  /** The operator keystore's password: key shares are sealed under it. */
  keystorePassword: string;
  /** Blocks per attempt: attempt a starts at the request block + a · dkgAttemptBlocks. */
  dkgAttemptBlocks: number;
  /** A member's 33-byte compressed operator public key by its EIP-55 address; undefined while unknown. */
  operatorPublicKey(address: string): Uint8Array | undefined;
  /**
   * Blocks after the wallet is registered during which this member keeps republishing its round-1 and
   * round-2 messages, so that a member that was down still computes its share. Default dkgAttemptBlocks.
   */
  lingerBlocks?: number;
  /** Faults with self-contained evidence, for the fault store (logged here when absent). */
  onFault?: (f: DkgServiceFault) => void;
  /** A share this member stored (the node's signer takes it up: the wallet is signed for at once). */
  onShareStored?: (s: DkgStoredShare) => void;
  /**
   * A request naming this member was joined: its other members are peers now (the node's connection
   * gate admits them), so the node can dial them at once rather than at its next periodic redial.
   */
  onRequestJoined?: (req: { requestId: bigint; members: readonly string[] }) => void;
  /** Default 500 ms. */
  tickMs?: number;
  /** Default 2000 ms. */
  republishMs?: number;
  /** Longest wait for the other members to subscribe before round 1 is first published. Default 1500 ms. */
  subscribersWaitMs?: number;
  /** Messages held per request for later (a later attempt, out of order). Default 256. */
  maxBuffered?: number;
  /** scrypt cost of the sealed shares; default key-share-store's (2^17). Tests lower it. */
  scryptN?: number;
}

interface RunEntry {
  run: DkgRequestRun;
  handle: MemberTopicHandle;
  /** The head at which the session was seen final: the run lingers (republishing) lingerBlocks more. */
  finishedAt?: number;
}

export class DkgService implements Startable {
  readonly operatorAddress: string;
  private readonly store: Store;
  private readonly topics: MemberTopics;
  private readonly chain: EthereumChain;
  private readonly intents: EthIntentSender;
  private readonly log: Logger;
  private readonly init: DkgServiceInit;
  private readonly ctx: DkgRunContext;
  private readonly runs = new Map<bigint, RunEntry>();
  readonly counts = { conflicting: 0, rejected: 0, buffered: 0 };
  private timer: NodeJS.Timeout | undefined;
  /** Aborted by stop(): ends the waits of a tick in progress. */
  private lifecycle: AbortController | undefined;
  private ticking: Promise<void> | null = null;
  private again = false;
  private lastRepublish = 0;

  constructor(components: DkgServiceComponents, init: DkgServiceInit) {
    if (!Number.isSafeInteger(init.dkgAttemptBlocks) || init.dkgAttemptBlocks < 1) throw new Error(`dkgAttemptBlocks must be a positive integer, got ${init.dkgAttemptBlocks}`);
    this.store = components.store;
    this.topics = components.memberTopics;
    this.chain = components.chain;
    this.intents = components.intents;
    this.log = components.logger.child({ module: "dkg" });
    this.init = init;
    const signingKey = new SigningKey(to0x(init.operatorPrivateKey));
    this.operatorAddress = computeAddress(signingKey.publicKey);
    this.ctx = {
      store: this.store,
      log: this.log,
      chainId: init.chainId,
      registryAddress: init.registryAddress,
      bridgeAddress: init.bridgeAddress,
      operatorKey: init.operatorPrivateKey,
      signingKey,
      myAddress: this.operatorAddress,
      keystorePassword: init.keystorePassword,
      scryptN: init.scryptN,
      attemptBlocks: init.dkgAttemptBlocks,
      lingerBlocks: init.lingerBlocks ?? init.dkgAttemptBlocks,
      maxBuffered: init.maxBuffered ?? 256,
      operatorPublicKey: (a) => init.operatorPublicKey(a),
      publish: (id, bytes) => this.publish(id, bytes),
      waitForSubscribers: (id, count) => this.waitForSubscribers(id, count),
      submit: (id, calldata) => this.submit(id, calldata),
      onFault: (f) => {
        // Logged once: by the fault store's recorder when there is one, else here.
        if (init.onFault !== undefined) return init.onFault(f);
        const line = { requestId: f.requestId.toString(), attempt: f.attempt, code: f.code, accused: f.accused };
        if (f.code === "DkgNoParticipation") this.log.info(line, "DKG member left out");
        else this.log.warn(line, "DKG fault");
      },
      shareStored: (stored) => this.hook("onShareStored", () => init.onShareStored?.(stored)),
      kick: () => this.kick(),
      counts: this.counts,
    };
  }

  get isStarted(): boolean {
    return this.lifecycle !== undefined;
  }

  private get started(): boolean {
    return this.lifecycle !== undefined;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.lifecycle = new AbortController();
    this.log.info({ operator: this.operatorAddress, sessions: this.store.dkgSessions.list({ active: true }).length }, "DKG service started");
    this.schedule();
  }

  async stop(): Promise<void> {
    const lifecycle = this.lifecycle;
    if (lifecycle === undefined) return;
    this.lifecycle = undefined;
    lifecycle.abort(new DOMException("DKG service stopped", "AbortError"));
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    // Leaving forgets the topics' duplicate memory: after a restart, republished messages count again.
    for (const { handle } of this.runs.values()) handle.leave();
    this.runs.clear();
    this.log.info("DKG service stopped");
  }

  /** The runs in progress (request IDs), for status. */
  active(): bigint[] {
    return [...this.runs.keys()];
  }

  private schedule(delayMs = this.init.tickMs ?? 500): void {
    if (!this.started) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private kick(): void {
    if (this.ticking !== null) this.again = true;
    else this.schedule(0);
  }

  private async tick(): Promise<void> {
    if (!this.started || this.ticking !== null) return;
    this.ticking = this.tickNow()
      .catch((err: unknown) => this.log.error({ err: errorMessage(err) }, "DKG tick failed"))
      .finally(() => {
        this.ticking = null;
        const now = this.again;
        this.again = false;
        this.schedule(now ? 0 : undefined);
      });
    await this.ticking;
  }

  private async tickNow(): Promise<void> {
    const head = this.chain.head();
    const republish = Date.now() - this.lastRepublish >= (this.init.republishMs ?? 2000);
    if (republish) this.lastRepublish = Date.now();
    for (const req of this.store.evDkgRequests.requests({ member: this.operatorAddress })) {
      if (!this.started) return;
      const session = this.store.dkgSessions.get(req.requestId);
      const final = session !== undefined && (session.state === "registered" || session.state === "failed");
      if (final || (session === undefined && req.status !== "requested")) {
        const lingering = this.runs.get(req.requestId);
        if (lingering !== undefined && session?.state === "registered") {
          lingering.finishedAt ??= head;
          if (head < lingering.finishedAt + this.ctx.lingerBlocks) {
            if (republish) await lingering.run.republish();
            continue;
          }
        }
        this.drop(req.requestId);
        continue;
      }
      const entry = this.runs.get(req.requestId) ?? this.open(req);
      try {
        if (await entry.run.step(req, head)) entry.finishedAt = head;
        else if (republish) await entry.run.republish();
      } catch (err) {
        this.log.error({ requestId: req.requestId.toString(), err: errorMessage(err) }, "DKG step failed; retrying");
      }
    }
  }

  private open(req: DkgRequestState): RunEntry {
    const run = new DkgRequestRun(this.ctx, req);
    const members = new Set(req.members);
    const handle = this.topics.join(dkgTopic(this.init.chainId, req.requestId), {
      members: () => members,
      maxBytes: MAX_DKG_MESSAGE_BYTES,
      deliver: (data, from, signed) => run.deliver(data, from, signed),
    });
    const entry: RunEntry = { run, handle };
    this.runs.set(req.requestId, entry);
    this.log.info({ requestId: req.requestId.toString(), members: req.members.length, threshold: req.threshold, dkgQuorum: req.dkgQuorum }, "DKG request joined");
    this.hook("onRequestJoined", () => this.init.onRequestJoined?.({ requestId: req.requestId, members: req.members }));
    return entry;
  }

  /** Runs an owner's hook; its failure is logged and never stops the DKG. */
  private hook(name: string, f: () => void): void {
    try {
      f();
    } catch (err) {
      this.log.error({ hook: name, err: errorMessage(err) }, "DKG hook threw");
    }
  }

  private drop(requestId: bigint): void {
    const entry = this.runs.get(requestId);
    if (entry === undefined) return;
    entry.handle.leave();
    this.runs.delete(requestId);
  }

  private async publish(requestId: bigint, bytes: Uint8Array): Promise<void> {
    const entry = this.runs.get(requestId);
    if (entry === undefined) return;
    // Never throws; a failure is logged by MemberTopics and the periodic republish tries again.
    await entry.handle.publish(bytes);
  }

  private async waitForSubscribers(requestId: bigint, count: number): Promise<void> {
    const entry = this.runs.get(requestId);
    if (entry === undefined || count < 1) return;
    const timeout = AbortSignal.timeout(this.init.subscribersWaitMs ?? 1500);
    const signal = this.lifecycle === undefined ? timeout : AbortSignal.any([this.lifecycle.signal, timeout]);
    await entry.handle.waitForPeers({ minSubscribers: count, preferMesh: false, signal }).catch(() => undefined);
  }

  private submit(requestId: bigint, calldata: string) {
    const registry = this.init.registryAddress;
    return this.intents.submit({
      purpose: "dkg_result",
      dedupeKey: `dkg_result:${requestId}`,
      to: registry,
      data: calldata,
      goalReached: async (at) => {
        const raw = await this.chain.call({ to: registry, data: frostWalletRegistryViews.encode("getDkgRequest", [requestId]) }, at);
        return frostWalletRegistryViews.decode("getDkgRequest", raw).state === DKG_STATE_ACCEPTED;
      },
    });
  }
}
