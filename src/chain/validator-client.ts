// Typed, pinned calls of the WalletProposalValidator (contracts.md §3.3, §5) with the outcome
// classes of coordination.md §10.3: valid / invalid (revert or false) / unverified (transport).
import { getAddress } from "ethers";
import { validatorViews, type ValidatorViews } from "./abi.js";
import { callView, toPinnedCaller, type BlockRef, type CallSource, type PinnedCaller } from "./pinned-call.js";
import { classifyCallError } from "./revert.js";
import type { TaprootDepositExtraInfo } from "./gen/validator.js";
import type { BitcoinUtxo, DepositExtraInfo, DepositSweepProposal, HeartbeatProposal, MovedFundsSweepProposal, MovingFundsProposal, RedemptionProposal } from "./types.js";

export type ValidationOutcome =
  | { outcome: "valid" }
  | { outcome: "invalid"; reason: string }
  | { outcome: "unverified"; error: string };

/** The validator returned `false` (impossible for this contract; still a defect). */
export const RETURNED_FALSE = "RETURNED_FALSE";

const CONSTANT_NAMES = [
  "DEPOSIT_MIN_AGE",
  "DEPOSIT_REFUND_SAFETY_MARGIN",
  "DEPOSIT_SWEEP_MAX_SIZE",
  "REDEMPTION_REQUEST_MIN_AGE",
  "REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN",
  "REDEMPTION_MAX_SIZE",
] as const;

/** The six public constants of §3.2. */
export type ValidatorConstants = Pick<ValidatorViews, (typeof CONSTANT_NAMES)[number]>;

export interface ValidatorClientComponents {
  /** The node's EthereumChain, or any JSON-RPC sender (a provider). */
  caller: CallSource;
}

export interface ValidatorClientInit {
  /** The WalletProposalValidator's address (any case). */
  address: string;
  /** Per-call time limit when `caller` is a JSON-RPC sender. Default DEFAULT_CALL_TIMEOUT_MS (10 s). */
  timeoutMs?: number;
}

type ValidateFunction = keyof ValidatorViews & `validate${string}`;

export class ValidatorClient {
  readonly address: string;
  private readonly caller: PinnedCaller;
  // Immutable contract code: the constants and bridge() cannot change for one address.
  private constantsCache: Promise<ValidatorConstants> | undefined;
  private bridgeCache: Promise<string> | undefined;

  constructor(components: ValidatorClientComponents, init: ValidatorClientInit) {
    this.address = getAddress(init.address);
    this.caller = toPinnedCaller(components.caller, { timeoutMs: init.timeoutMs });
  }

  validateHeartbeat(proposal: HeartbeatProposal, at: BlockRef): Promise<ValidationOutcome> {
    return this.validate("validateHeartbeatProposal", [proposal], at);
  }

  /** Scripts must already be length-prefixed (contracts.md §5). */
  validateRedemption(proposal: RedemptionProposal, at: BlockRef): Promise<ValidationOutcome> {
    return this.validate("validateRedemptionProposal", [proposal], at);
  }

  validateDepositSweep(
    proposal: DepositSweepProposal,
    depositsExtraInfo: DepositExtraInfo[],
    at: BlockRef,
  ): Promise<ValidationOutcome> {
    return this.validate("validateDepositSweepProposal", [proposal, depositsExtraInfo], at);
  }

  /** A FROST wallet's sweep of Taproot deposits (threshold.md §4.2). */
  validateTaprootDepositSweep(proposal: DepositSweepProposal, depositsExtraInfo: TaprootDepositExtraInfo[], at: BlockRef): Promise<ValidationOutcome> {
    return this.validate("validateTaprootDepositSweepProposal", [proposal, depositsExtraInfo], at);
  }

  validateMovingFunds(proposal: MovingFundsProposal, walletMainUtxo: BitcoinUtxo, at: BlockRef): Promise<ValidationOutcome> {
    return this.validate("validateMovingFundsProposal", [proposal, walletMainUtxo], at);
  }

  validateMovedFundsSweep(proposal: MovedFundsSweepProposal, at: BlockRef): Promise<ValidationOutcome> {
    return this.validate("validateMovedFundsSweepProposal", [proposal], at);
  }

  /** The six public constants (§3.2); read once per client, retried after a failure. */
  constants(at: BlockRef): Promise<ValidatorConstants> {
    this.constantsCache ??= (async () => {
      const values = await Promise.all(CONSTANT_NAMES.map((n) => this.read(n, at)));
      return Object.fromEntries(CONSTANT_NAMES.map((n, i) => [n, values[i]])) as ValidatorConstants;
    })();
    this.constantsCache.catch(() => (this.constantsCache = undefined));
    return this.constantsCache;
  }

  /** The Bridge address the validator was deployed with (EIP-55). */
  bridge(at: BlockRef): Promise<string> {
    this.bridgeCache ??= this.read("bridge", at);
    this.bridgeCache.catch(() => (this.bridgeCache = undefined));
    return this.bridgeCache;
  }

  private read<K extends keyof ValidatorViews & string>(fn: K, at: BlockRef): Promise<ValidatorViews[K]> {
    return callView(this.caller, this.address, validatorViews, fn, [], at);
  }

  private async validate(fn: ValidateFunction, args: unknown[], at: BlockRef): Promise<ValidationOutcome> {
    // Encoding errors are programming errors (lengths are enforced at decode time): let them throw.
    const data = validatorViews.encode(fn, args);
    let result: string;
    try {
      result = await this.caller.call({ to: this.address, data }, at);
    } catch (err) {
      const failure = classifyCallError(err);
      return failure.kind === "revert"
        ? { outcome: "invalid", reason: failure.reason }
        : { outcome: "unverified", error: failure.error };
    }
    // No code at the address at that block: a configuration problem, not the leader's defect.
    if (result === "0x") return { outcome: "unverified", error: `empty result from ${this.address} at block ${at.blockNumber}` };
    let ok: boolean;
    try {
      ok = validatorViews.decode(fn, result);
    } catch (err) {
      return { outcome: "unverified", error: `undecodable result ${result.slice(0, 74)}: ${(err as Error).message}` };
    }
    return ok === true ? { outcome: "valid" } : { outcome: "invalid", reason: RETURNED_FALSE };
  }
}
