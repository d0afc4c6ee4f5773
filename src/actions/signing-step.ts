// §3.5 signing (reliability.md): the intent to sign (round id, attempt, start block) committed before
// the signer is called (R1); a transaction another member already broadcast adopted instead; the
// signer raced against the signing deadline; every signature verified against the Bridge's wallet
// key before the result is committed. A newer attempt or a frozen state ignores a late result (R13).
import type { BlockRef } from "../chain/ethereum-chain.js";
import type { WalletSchemeView, WalletSigningScheme } from "../chain/types.js";
import { WalletSchemeId } from "../chain/types.js";
import type { ActionData, ActionRow } from "../store/repos/actions-repo.js";
import { crashPoint } from "../util/crash-point.js";
import { fromHex, toHex } from "../util/hex.js";
import type { HandlerTransition } from "./handlers/handler.js";
import { bip340KeyOf, signingRoundId, UnknownWalletError, verifyBip340Signature, verifyWalletSignature, type DigestKey, type WalletSigner } from "./signer.js";
import type { Heights } from "./state-machine.js";
import { actionIds, errorInfo, type RunHooks, type StepHost } from "./step-host.js";

/** The Bridge's `walletPublicKey(pkh)` pinned at a block: 64 bytes X ‖ Y, empty for an unknown wallet. */
export interface WalletKeySource {
  walletPublicKey(walletPkh: Uint8Array, at: BlockRef): Promise<Uint8Array>;
  /** The Bridge's `walletScheme(pkh)` (threshold.md §2); a source without it knows ECDSA wallets only. */
  walletScheme?(walletPkh: Uint8Array, at: BlockRef): Promise<WalletSchemeView>;
}

const ECDSA: WalletSigningScheme = { scheme: "ecdsa" };

export interface SigningStepComponents {
  host: StepHost;
  signer: WalletSigner;
  bridge: WalletKeySource;
}

/** Thrown when a signing attempt's compare-and-set on the attempt number fails. */
export class StaleAttemptError extends Error {
  override readonly name = "StaleAttemptError";
}

export class SigningStep {
  private readonly host: StepHost;
  private readonly signer: WalletSigner;
  private readonly bridge: WalletKeySource;
  /** Signing attempt this process already handed to the signer, per action; empty after a restart (rejoin). */
  private readonly calledAttempt = new Map<number, number>();
  /** Wallet public keys from the Bridge (fixed for a PKH). */
  private readonly walletKeys = new Map<string, { publicKey: Uint8Array; scheme: WalletSigningScheme }>();

  constructor(components: SigningStepComponents) {
    this.host = components.host;
    this.signer = components.signer;
    this.bridge = components.bridge;
  }

  /** Intent to sign (R1): round id, attempt 1 and start block committed before the signer is called. */
  enterSigning(row: ActionRow, digests: readonly Uint8Array[], storedRoundId: Uint8Array | null, data: ActionData): void {
    if (digests.length === 0) throw new Error(`action ${row.id}: nothing to sign`);
    const roundId = storedRoundId ?? signingRoundId(fromHex(row.walletPkh), row.W, digests);
    const head = this.host.clock.head;
    this.host.transition(
      row,
      "signing",
      { ...data, roundId, signingAttempt: 1, signingStartedBlock: head, sighashes: digests },
      { roundId: toHex(roundId), attempt: 1, ...(data.validationBlock != null ? { validationBlock: data.validationBlock } : {}) },
    );
    crashPoint("action.signing.committed");
  }

  /** §3.5: sign, verify every signature against the Bridge's wallet key, then commit. */
  async sign(row: ActionRow, heights: Heights, hooks: RunHooks): Promise<boolean> {
    const { host } = this;
    const handler = host.handlerOf(row);
    if (handler === undefined) return host.missing(row, "handler");
    const roundId = row.roundId;
    if (roundId === null) throw new Error(`action ${row.id} is signing without a round id`);
    const digests = row.sighashes ?? handler.digests(row);
    const walletPkh = fromHex(row.walletPkh);

    // A read before the effect: nothing is signed for a wallet whose key cannot be checked.
    let publicKey: Uint8Array;
    let scheme: WalletSigningScheme;
    try {
      ({ publicKey, scheme } = await this.walletKey(row, heights));
    } catch (err) {
      if (host.lifeSignal().aborted) return false;
      host.log.warn({ ...actionIds(row), ...errorInfo(err) }, "wallet public key unavailable; retry next block");
      return false;
    }

    // §3.5: a transaction another member already broadcast is adopted, not signed again.
    const bitcoin = handler.bitcoin;
    if (bitcoin?.adopt !== undefined) {
      let adopted: HandlerTransition | null = null;
      try {
        adopted = await bitcoin.adopt(row, await host.callContext(row, heights, row.signingDeadline));
      } catch (err) {
        if (host.lifeSignal().aborted) return false;
        host.log.info({ ...actionIds(row), ...errorInfo(err) }, "adoption check failed; signing");
      }
      if (adopted !== null) {
        host.transition(row, adopted.to, adopted.data ?? {}, { ...adopted.detail, adopted: true }, adopted.writes);
        return true;
      }
    }

    let current = row;
    let attempt = row.signingAttempt ?? 1;
    if (this.calledAttempt.get(row.id) === attempt) {
      // This process already used this attempt: commit the next one before calling again (R1).
      current = this.nextAttempt(row, attempt);
      attempt += 1;
      crashPoint("action.signing.committed");
    }
    this.calledAttempt.set(row.id, attempt);

    const deadline = host.clock.signalAtBlock(row.signingDeadline);
    const signal = AbortSignal.any([host.lifeSignal(), deadline]);
    const logIds = { ...actionIds(row), roundId: toHex(roundId), attempt };
    // A FROST wallet (threshold.md §4): a BIP-340 key per digest; ECDSA requests carry no `keys`.
    let keys: DigestKey[] | undefined;
    if (scheme.scheme === "frost") {
      try {
        keys = handler.digestKeys?.(row) ?? digests.map((): DigestKey => ({ scheme: "bip340", key: "wallet" }));
      } catch (err) {
        host.log.error({ ...logIds, ...errorInfo(err) }, "digest keys unavailable; retry next block");
        return false;
      }
    }
    hooks.effectStarted();
    crashPoint("action.signer.before");
    let signatures: Uint8Array[];
    try {
      signatures = await raceAbort(
        this.signer.sign({
          walletPkh,
          roundId,
          digests,
          ...(keys !== undefined ? { keys } : {}),
          ...leaderOf(host.store.windows.get(row.walletPkh, row.W)?.leader),
          startBlock: current.signingStartedBlock ?? heights.ethHead,
          deadlineBlock: row.signingDeadline,
          signal,
        }),
        signal,
        (outcome) => host.log.info({ ...logIds, outcome }, "late signer result ignored"),
      );
    } catch (err) {
      if (host.lifeSignal().aborted) return false;
      if (deadline.aborted) return true; // decide again: the deadline expires the action
      host.log.warn({ ...logIds, ...errorInfo(err) }, "signer failed; retry next block");
      return false;
    }
    crashPoint("action.signed.received");

    const bad = scheme.scheme === "frost" ? badBip340Signatures(digests, signatures, scheme.walletX, keys!) : badSignatures(digests, signatures, publicKey);
    if (bad !== null) {
      host.log.error({ ...logIds, code: "BAD_SIGNATURE", detail: bad }, "signature verification failed; retry next block");
      return false;
    }
    // Frozen states ignore late results (R13); a newer attempt supersedes this one.
    const now = host.store.actions.get(row.id);
    if (now === undefined || now.state !== "signing" || now.signingAttempt !== attempt) {
      host.log.info({ ...logIds, state: now?.state }, "signatures for a superseded attempt ignored");
      return true;
    }
    const t = scheme.scheme === "frost" ? handler.signed(now, signatures, publicKey, scheme) : handler.signed(now, signatures, publicKey);
    host.transition(now, t.to, { ...t.data, stateHeight: host.clock.head }, { ...t.detail, roundId: toHex(roundId), attempt }, t.writes);
    crashPoint(`action.${t.to}.committed`);
    return true;
  }

  /** `signing → signing` with attempt + 1, compare-and-set on the attempt number. */
  private nextAttempt(row: ActionRow, attempt: number): ActionRow {
    const { store, clock } = this.host;
    return store.transaction(() => {
      const cur = store.actions.get(row.id);
      if (cur === undefined || cur.state !== "signing" || cur.signingAttempt !== attempt) {
        throw new StaleAttemptError(`action ${row.id}: expected signing attempt ${attempt}, found ${cur?.state}/${cur?.signingAttempt}`);
      }
      return this.host.transition(
        cur,
        "signing",
        { signingAttempt: attempt + 1, signingStartedBlock: clock.head },
        { roundId: cur.roundId === null ? null : toHex(cur.roundId), attempt: attempt + 1, retry: true },
      );
    });
  }

  private async walletKey(row: ActionRow, heights: Heights): Promise<{ publicKey: Uint8Array; scheme: WalletSigningScheme }> {
    const cached = this.walletKeys.get(row.walletPkh);
    if (cached !== undefined) return cached;
    const { at } = await this.host.callContext(row, heights, null);
    const key = await this.bridge.walletPublicKey(fromHex(row.walletPkh), at);
    if (key.length !== 64) throw new UnknownWalletError(row.walletPkh, `the Bridge has no public key for wallet ${row.walletPkh} at ${at.blockNumber}`);
    let scheme = ECDSA;
    if (this.bridge.walletScheme !== undefined) {
      const view = await this.bridge.walletScheme(fromHex(row.walletPkh), at);
      // FROST: walletX is the X half of the Bridge's wallet key (threshold.md §2).
      if (view.scheme === WalletSchemeId.FROST) scheme = { scheme: "frost", threshold: Number(view.threshold), walletX: key.slice(0, 32) };
    }
    const entry = { publicKey: key, scheme };
    this.walletKeys.set(row.walletPkh, entry);
    return entry;
  }
}

function badSignatures(digests: readonly Uint8Array[], sigs: readonly Uint8Array[], publicKey: Uint8Array): string | null {
  if (!Array.isArray(sigs) || sigs.length !== digests.length) {
    return `expected ${digests.length} signatures, got ${Array.isArray(sigs) ? sigs.length : typeof sigs}`;
  }
  for (let i = 0; i < digests.length; i++) {
    if (!(sigs[i] instanceof Uint8Array) || !verifyWalletSignature(digests[i], sigs[i], publicKey)) return `signature ${i} does not verify`;
  }
  return null;
}

/** BIP-340 signatures of a FROST wallet, each under the key its digest names (bip340KeyOf). */
function badBip340Signatures(digests: readonly Uint8Array[], sigs: readonly Uint8Array[], walletX: Uint8Array, keys: readonly DigestKey[]): string | null {
  if (!Array.isArray(sigs) || sigs.length !== digests.length) {
    return `expected ${digests.length} signatures, got ${Array.isArray(sigs) ? sigs.length : typeof sigs}`;
  }
  for (let i = 0; i < digests.length; i++) {
    const k = keys[i];
    if (k === undefined || k.scheme !== "bip340") return `digest ${i} has no BIP-340 key`;
    if (!(sigs[i] instanceof Uint8Array) || !verifyBip340Signature(digests[i]!, sigs[i]!, bip340KeyOf(walletX, k))) return `signature ${i} does not verify`;
  }
  return null;
}

/** Rejects with the signal's reason on abort; a late result of `p` is handed to `late`. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal, late: (outcome: "resolved" | "rejected") => void): Promise<T> {
  if (signal.aborted) {
    p.then(() => late("resolved"), () => late("rejected"));
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      settled = true;
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        if (settled) late("resolved");
        else resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (settled) late("rejected");
        else reject(err);
      },
    );
  });
}

/** The window's leader coordinates a FROST signing session's first attempt (threshold.md §5.2). */
function leaderOf(leader: string | null | undefined): { leader?: string } {
  return leader ? { leader } : {};
}
