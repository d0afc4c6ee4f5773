// One DKG request as this member runs it (threshold.md §3.2): the persisted state machine of
// `dkg_sessions` (reliability.md §3: each step is written before what it publishes or sends), driven by
// the blocks (`step`) and the members' messages (`deliver`). The FROST work is DkgAttempt's; the
// transport, the request list and the lifecycle are DkgService's.
import { getAddress, hashMessage, recoverAddress } from "ethers";
import { dkgResultDigest, signDkgResult, submitDkgResultCalldata } from "../chain/dkg-result.js";
import type { GossipSignature } from "../network/gossip-signature.js";
import type { DeliverVerdict } from "../network/member-topics.js";
import type { DkgSessionRow } from "../store/repos/dkg-sessions-repo.js";
import type { EthIntentRow } from "../store/repos/eth-intents-repo.js";
import type { DkgRequestState } from "../store/repos/ev-dkg-requests-repo.js";
import type { Store } from "../store/store.js";
import { crashPoint } from "../util/crash-point.js";
import { bytesEqual, fromHex, to0x, toHex } from "../util/hex.js";
import { DkgAttempt, type DkgAcceptResult } from "./dkg/dkg-attempt.js";
import { encodeComplaint, encodeResultSignature, encodeRound1, encodeRound2 } from "./dkg/dkg-messages.js";
import { dkgFaultEvidence, type DkgFaultProof } from "./dkg/evidence-json.js";
import { DkgEvidenceBook } from "./dkg-evidence-book.js";
import { attemptFeasible, excludedMembers, nextIncluded } from "./dkg/exclusion.js";
import { sealKeyShare } from "./dkg/key-share-store.js";
import { encodeTranscript } from "./dkg/transcript.js";
import type { DkgRunContext } from "./dkg-run-context.js";
import { decodeDkgMessage, type DkgMessage } from "./dkg-service-messages.js";

export type { DkgRunContext, DkgServiceFault } from "./dkg-run-context.js";

const PRE_SHARE = new Set(["requested", "round1_sent", "round2_sent"]);

export class DkgRequestRun {
  readonly requestId: bigint;
  private req: DkgRequestState;
  private readonly myIndex: number;
  private attempt: DkgAttempt | null = null;
  private buffer: { from: number; msg: DkgMessage }[] = [];
  private keysMissingLogged = false;
  /** The members' operator keys, once all known (the attempt's and the evidence's). */
  private keys: Uint8Array[] = [];
  private readonly book: DkgEvidenceBook;
  /** The head at which the last submit was refused: tried again on a later block only. */
  private submitRefusedAt = -1;

  constructor(
    private readonly ctx: DkgRunContext,
    req: DkgRequestState,
  ) {
    this.req = req;
    this.requestId = req.requestId;
    this.myIndex = req.members.indexOf(getAddress(ctx.myAddress)) + 1;
    if (this.myIndex === 0) throw new Error(`${ctx.myAddress} is not a member of DKG request ${req.requestId}`);
    this.book = new DkgEvidenceBook(ctx.chainId, req.requestId, ctx.operatorKey, 4 * ctx.maxBuffered + 4 * req.members.length);
  }

  /** The session row, opened at `requested` with every member included on first sight. */
  session(): DkgSessionRow {
    const s = this.ctx.store.dkgSessions;
    return s.get(this.requestId) ?? s.open(this.requestId, this.myIndex, this.req.members.map((_, i) => i + 1));
  }

  /**
   * Runs every step possible at `head` with `req` (the indexed request as it is now). Returns true once
   * the session is final (registered or failed).
   */
  async step(req: DkgRequestState, head: number): Promise<boolean> {
    this.req = req;
    const sessions = this.ctx.store.dkgSessions;
    for (;;) {
      const row = this.session();
      if (row.state === "registered" || row.state === "failed") return true;
      const accepted = req.status === "accepted";
      if (accepted && row.walletX !== null) {
        if (req.walletX === row.walletX) this.advance("registered", {}, "wallet registered");
        else this.fail(`another key was registered: ${req.walletX}`);
        continue;
      }
      // Accepted before this member stored its share (it was down, or slow): it still completes its
      // attempt while the others republish their messages (lingerBlocks), without signing or submitting.
      if (accepted && head > req.settledAt!.blockNumber + this.ctx.lingerBlocks) {
        this.fail("a result was accepted without this member's share");
        continue;
      }
      if (req.status === "timed_out" || (!accepted && head > req.deadline)) {
        // Past the deadline no result is accepted any more (notifyDkgTimeout is anyone's to send).
        this.fail(req.status === "timed_out" ? "request timed out" : `deadline ${req.deadline} passed`);
        continue;
      }
      if (!accepted && PRE_SHARE.has(row.state) && head >= this.attemptStart(row.attempt + 1)) {
        this.nextAttempt(row, head);
        continue;
      }
      switch (row.state) {
        case "requested": {
          const a = this.ensureAttempt(row);
          if (a === null) return false;
          const { message } = a.round1();
          this.advance("round1_sent", {}, "round 1 sent", { attempt: row.attempt, included: row.included });
          // Gossip keeps no history: a first publish before the others subscribe reaches no one (the
          // periodic republish would repair it, a second later).
          await this.ctx.waitForSubscribers(this.requestId, row.included.length - 1);
          await this.ctx.publish(this.requestId, encodeRound1(message));
          crashPoint("dkg.after-round1"); // threshold.md §7 crash rows
          continue;
        }
        case "round1_sent": {
          const a = this.ensureAttempt(row);
          if (a === null || a.missingRound1().length > 0 || a.provenBad().length > 0) return false;
          const r2 = a.round2();
          this.advance("round2_sent", {}, "round 2 sent", { attempt: row.attempt });
          await this.ctx.publish(this.requestId, encodeRound2(r2));
          crashPoint("dkg.after-round2");
          continue;
        }
        case "round2_sent": {
          const held = this.ctx.store.keyShares.list().find((k) => k.requestId === this.requestId.toString());
          if (held) {
            // Stored before a crash, not yet marked: the share is the outcome.
            this.advance("share_stored", { walletX: held.walletX, walletPkh: held.walletPkh }, "key share found stored");
            continue;
          }
          const a = this.ensureAttempt(row);
          if (a === null || a.missingRound1().length > 0) return false;
          if (a.round2Of(this.myIndex) === undefined) await this.ctx.publish(this.requestId, encodeRound2(a.round2())); // recomputed after a restart: the same bytes
          if (a.missingRound2().length > 0 || a.provenBad().length > 0) return false;
          await this.storeShare(a, row);
          continue;
        }
        case "share_stored": {
          // The signature is deterministic (RFC 6979): kept first, so a crash before the state change
          // finds it held, the same, when the step runs again.
          const sig = this.resultSignature(row);
          sessions.addSignatures(this.requestId, { [this.myIndex]: to0x(sig) });
          this.advance("result_signed", { signedBlock: head }, "result signed", { walletX: row.walletX });
          await this.publishSignature(row, sig);
          crashPoint("dkg.after-result-signed");
          this.retryBuffer();
          continue;
        }
        case "result_signed": {
          const signers = Object.keys(row.resultSignatures).map(Number).sort((x, y) => x - y);
          if (signers.length < req.dkgQuorum) return false;
          // Rank among the attempt's members (the expected signers), the same at every member: the lowest
          // submits at once, the others after 2 · rank blocks. (Rank among the signatures held would let
          // two members both see themselves lowest while a lower one's signature is in flight.)
          const rank = row.included.indexOf(this.myIndex);
          if (rank < 0 || head < (row.signedBlock ?? 0) + 2 * rank || head === this.submitRefusedAt) return false;
          const calldata = submitDkgResultCalldata({
            requestId: this.requestId,
            walletX: fromHex(row.walletX!),
            excluded: excludedMembers(req.members.length, row.included),
            signerIndices: signers,
            signatures: signers.map((i) => fromHex(row.resultSignatures[i])),
          });
          let intent: EthIntentRow;
          try {
            intent = await this.ctx.submit(this.requestId, calldata);
          } catch (err) {
            this.submitRefusedAt = head;
            this.ctx.log.warn({ requestId: this.requestId.toString(), err: String(err) }, "DKG result submit refused; retrying on a later block");
            return false;
          }
          this.advance("submitted", { intentId: intent.id }, "result submitted", { signers, rank, intentId: intent.id });
          continue;
        }
        default:
          return false; // submitted: waits for DkgResultAccepted
      }
    }
  }

  /** Publishes again what this member has sent in the current state (restarted or late members need it). */
  async republish(): Promise<void> {
    const row = this.ctx.store.dkgSessions.get(this.requestId);
    if (row === undefined || row.state === "failed") return;
    const a = this.attempt;
    if (a !== null && a.session.attempt === row.attempt && row.state !== "requested") {
      await this.ctx.publish(this.requestId, encodeRound1(a.round1().message));
      const r2 = a.round2Of(this.myIndex);
      if (r2 !== undefined) await this.ctx.publish(this.requestId, encodeRound2(r2));
    }
    const mine = row.resultSignatures[this.myIndex];
    if (mine !== undefined) await this.publishSignature(row, fromHex(mine));
  }

  /** A member's message (validated by MemberTopics: the publisher is `fromAddress`, a member; `signed` its gossip signature). */
  deliver(data: Uint8Array, fromAddress: string, signed?: GossipSignature): DeliverVerdict {
    const from = this.req.members.indexOf(fromAddress) + 1;
    const msg = decodeDkgMessage(data);
    if (from === 0 || msg === null || msg.body.requestId !== this.requestId) return this.reject();
    const row = this.session();
    if (row.state === "registered" || row.state === "failed") return "ignore";
    if (msg.body.attempt < row.attempt) return "ignore";
    // Kept only under its own author's signature (a member relaying another's bytes proves nothing).
    const author = msg.kind === "complaint" ? msg.body.complainer : msg.kind === "result" ? 0 : msg.body.sender;
    if (author === from) this.book.note(data, signed);
    if (msg.body.attempt > row.attempt) return this.hold(from, msg);
    const verdict = this.process(from, msg, row);
    this.ctx.log.debug({ requestId: this.requestId.toString(), from, kind: msg.kind, attempt: msg.body.attempt, verdict }, "DKG message");
    return verdict;
  }

  private process(from: number, msg: DkgMessage, row: DkgSessionRow): DeliverVerdict {
    if (msg.kind === "result") return this.acceptSignature(from, msg.body, row);
    const a = PRE_SHARE.has(row.state) || this.attempt?.session.attempt === row.attempt ? this.ensureAttempt(row) : null;
    if (a === null) return PRE_SHARE.has(row.state) ? this.hold(from, msg) : "ignore";
    let r: DkgAcceptResult;
    if (msg.kind === "round1") r = a.acceptRound1(from, msg.body);
    else if (msg.kind === "round2") r = a.acceptRound2(from, msg.body);
    else {
      const c = a.acceptComplaint(from, msg.body);
      if (c.kind === "ignored") return c.reason === "NO_EVIDENCE" ? this.hold(from, msg) : "ignore";
      this.fault(row.attempt, this.book.shareProof(a, c.culprit, msg.body, this.myIndex));
      this.ctx.kick();
      return "accept";
    }
    if (r.kind === "accepted") {
      // A held round 2 or complaint may count now.
      if (this.buffer.length > 0) queueMicrotask(() => this.retryBuffer());
      this.ctx.kick();
      return "accept";
    }
    if (r.kind === "fault") {
      const f = r.fault;
      if (f.code === "DkgInvalidShare") void this.ctx.publish(this.requestId, encodeComplaint(f.complaint));
      const proof: DkgFaultProof =
        f.code === "DkgInvalidProof" ? { kind: f.code, culprit: f.accused, round1: this.book.signed(encodeRound1(f.evidence), false) } : this.book.shareProof(a, f.accused, f.complaint, this.myIndex);
      this.fault(row.attempt, proof);
      return "reject";
    }
    if (r.reason === "NO_ROUND1") return this.hold(from, msg);
    if (r.reason === "CONFLICTING") this.ctx.counts.conflicting++;
    return r.reason === "SENDER_MISMATCH" || r.reason === "WRONG_RECIPIENTS" ? this.reject() : "ignore";
  }

  private acceptSignature(from: number, m: Extract<DkgMessage, { kind: "result" }>["body"], row: DkgSessionRow): DeliverVerdict {
    if (m.signer !== from) return this.reject();
    if (row.walletX === null) return this.hold(from, { kind: "result", body: m });
    if (row.resultSignatures[from] !== undefined) return "ignore";
    const excluded = excludedMembers(this.req.members.length, row.included);
    // A different key or excluded list is another member's view of the attempt: not a signature of ours.
    if (!bytesEqual(m.walletX, fromHex(row.walletX)) || m.excluded.join() !== excluded.join()) return "ignore";
    const digest = this.digest(row.walletX, excluded);
    let signer: string;
    try {
      signer = recoverAddress(hashMessage(digest), to0x(m.signature));
    } catch {
      return this.reject();
    }
    if (signer !== this.req.members[from - 1]) return this.reject();
    this.ctx.store.dkgSessions.addSignatures(this.requestId, { [from]: to0x(m.signature) });
    this.ctx.kick();
    return "accept";
  }

  /** Keeps a message that may count later (a later attempt, a round 2 before its round 1, …), bounded. */
  private hold(from: number, msg: DkgMessage): DeliverVerdict {
    this.buffer.push({ from, msg });
    if (this.buffer.length > this.ctx.maxBuffered) this.buffer.shift();
    this.ctx.counts.buffered++;
    return "ignore";
  }

  private retryBuffer(): void {
    const held = this.buffer;
    this.buffer = [];
    const row = this.ctx.store.dkgSessions.get(this.requestId);
    if (row === undefined) return;
    for (const { from, msg } of held) {
      if (msg.body.attempt > row.attempt) this.buffer.push({ from, msg });
      else if (msg.body.attempt === row.attempt) this.process(from, msg, row);
    }
  }

  private reject(): DeliverVerdict {
    this.ctx.counts.rejected++;
    return "reject";
  }

  /** The DkgAttempt of the row's attempt; null when this member is not included or a key is unknown. */
  private ensureAttempt(row: DkgSessionRow): DkgAttempt | null {
    if (this.attempt !== null && this.attempt.session.attempt === row.attempt) return this.attempt;
    if (!row.included.includes(this.myIndex)) return null;
    const mine = fromHex(this.ctx.signingKey.compressedPublicKey);
    const keys = this.req.members.map((m, i) => (i + 1 === this.myIndex ? mine : this.ctx.operatorPublicKey(m)));
    const missing = this.req.members.filter((_, i) => keys[i] === undefined);
    if (missing.length === 0) this.keys = keys as Uint8Array[];
    if (missing.length > 0) {
      // Expected until the members have connected (their libp2p identity is their operator key): info, once.
      if (!this.keysMissingLogged) this.ctx.log.info({ requestId: this.requestId.toString(), missing }, "DKG waits for members' operator public keys");
      this.keysMissingLogged = true;
      return null;
    }
    this.attempt = new DkgAttempt({
      requestId: this.requestId,
      requestSeed: fromHex(this.req.seed),
      attempt: row.attempt,
      members: this.req.members,
      operatorPublicKeys: keys as Uint8Array[],
      myIndex: this.myIndex,
      myOperatorKey: this.ctx.operatorKey,
      threshold: this.req.threshold,
      included: row.included,
    });
    queueMicrotask(() => this.retryBuffer());
    return this.attempt;
  }

  /** Past the cut-off: the silent and the proven bad leave; the next attempt starts, or the request fails. */
  private nextAttempt(row: DkgSessionRow, head: number): void {
    const a = this.attempt?.session.attempt === row.attempt ? this.attempt : null;
    const bad = a?.provenBad() ?? [];
    const missing1 = (a?.missingRound1() ?? []).filter((m) => !bad.includes(m));
    // Round-2 silence counts only when every round 1 was in and no one was proven bad: else everyone
    // waited for the silent or stopped at the cheater, and nobody could send round 2.
    const silent = missing1.length > 0 || bad.length > 0 ? missing1 : (a?.missingRound2() ?? []);
    const cutoff = this.attemptStart(row.attempt + 1);
    for (const m of silent) this.fault(row.attempt, { kind: "DkgNoParticipation", culprit: m, cutoffBlock: cutoff, missing: missing1.length > 0 ? "round1" : "round2" });
    const next = nextIncluded(row.included, silent, bad);
    if (!next.includes(this.myIndex) || !attemptFeasible(next, this.req.threshold, this.req.dkgQuorum)) {
      this.fail(`attempt ${row.attempt + 1} cannot succeed: included ${next.join(",")}`);
      return;
    }
    this.ctx.store.dkgSessions.nextAttempt(this.requestId, row.attempt + 1, next);
    this.attempt = null;
    this.ctx.log.info({ requestId: this.requestId.toString(), attempt: row.attempt + 1, included: next, head }, "DKG attempt started");
    this.retryBuffer();
  }

  private async storeShare(a: DkgAttempt, row: DkgSessionRow): Promise<void> {
    const out = a.finish();
    const sealed = await sealKeyShare(out.keyShare, this.ctx.keystorePassword, this.ctx.scryptN === undefined ? {} : { scryptN: this.ctx.scryptN });
    const walletX = to0x(out.walletX);
    const walletPkh = toHex(out.walletPkh);
    this.ctx.store.keyShares.put({
      walletPkh,
      walletX,
      requestId: this.requestId.toString(),
      memberIndex: this.myIndex,
      threshold: this.req.threshold,
      members: [...this.req.members],
      sealed: new TextEncoder().encode(sealed),
      transcript: encodeTranscript(out.transcript),
    });
    this.advance("share_stored", { walletX, walletPkh }, "key share stored", { attempt: row.attempt, walletX });
    crashPoint("dkg.after-share-stored");
    this.ctx.shareStored?.({ requestId: this.requestId, walletPkh: out.walletPkh, memberIndex: this.myIndex, members: this.req.members, keyShare: out.keyShare });
  }

  private digest(walletX: string, excluded: readonly number[]): Uint8Array {
    const c = this.ctx;
    return dkgResultDigest({
      chainId: c.chainId,
      registry: c.registryAddress,
      bridge: c.bridgeAddress,
      requestId: this.requestId,
      seed: fromHex(this.req.seed),
      walletX: fromHex(walletX),
      members: this.req.members,
      excluded,
    });
  }

  private resultSignature(row: DkgSessionRow): Uint8Array {
    return signDkgResult(this.ctx.signingKey, this.digest(row.walletX!, excludedMembers(this.req.members.length, row.included)));
  }

  private async publishSignature(row: DkgSessionRow, signature: Uint8Array): Promise<void> {
    const excluded = excludedMembers(this.req.members.length, row.included);
    const bytes = encodeResultSignature({ requestId: this.requestId, attempt: row.attempt, signer: this.myIndex, walletX: fromHex(row.walletX!), excluded, signature });
    await this.ctx.publish(this.requestId, bytes);
  }

  private attemptStart(attempt: number): number {
    return this.req.requestedAt.blockNumber + attempt * this.ctx.attemptBlocks;
  }

  private advance(to: DkgSessionRow["state"], fields: Parameters<Store["dkgSessions"]["advance"]>[2], what: string, extra: Record<string, unknown> = {}): void {
    this.ctx.store.dkgSessions.advance(this.requestId, to, fields);
    this.ctx.log.info({ requestId: this.requestId.toString(), member: this.myIndex, state: to, ...extra }, `DKG ${what}`);
  }

  private fail(error: string): void {
    this.ctx.store.dkgSessions.fail(this.requestId, error);
    this.ctx.log.warn({ requestId: this.requestId.toString(), member: this.myIndex, error }, "DKG failed");
  }

  private fault(attempt: number, proof: DkgFaultProof): void {
    const evidence = dkgFaultEvidence(proof, {
      chainId: this.ctx.chainId,
      requestId: this.requestId,
      requestSeed: fromHex(this.req.seed),
      attempt,
      threshold: this.req.threshold,
      members: this.req.members,
      operatorPublicKeys: this.keys,
    });
    this.ctx.onFault({ requestId: this.requestId, attempt, code: proof.kind, accused: proof.culprit, accusedAddress: this.req.members[proof.culprit - 1], evidence });
  }
}
