// Typed, pinned calls of the WalletProposalValidator (contracts.md §3.3, §5) with the outcome
// classes of coordination.md §10.3: valid / invalid (revert or false) / unverified (transport).
import { getAddress } from "ethers";
import { validatorInterface } from "./abi.js";
import { toPinnedCaller, type BlockRef, type CallSource, type PinnedCallOptions, type PinnedCaller } from "./pinned-call.js";
import { classifyCallError } from "./revert.js";
import type {
  BitcoinUtxo,
  DepositExtraInfo,
  DepositSweepProposal,
  HeartbeatProposal,
  MovedFundsSweepProposal,
  MovingFundsProposal,
  RedemptionProposal,
} from "./types.js";

export type ValidationOutcome =
  | { outcome: "valid" }
  | { outcome: "invalid"; reason: string }
  | { outcome: "unverified"; error: string };

/** The validator returned `false` (impossible for this contract; still a defect). */
export const RETURNED_FALSE = "RETURNED_FALSE";

export interface ValidatorConstants {
  DEPOSIT_MIN_AGE: number;
  DEPOSIT_REFUND_SAFETY_MARGIN: number;
  DEPOSIT_SWEEP_MAX_SIZE: number;
  REDEMPTION_REQUEST_MIN_AGE: number;
  REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN: number;
  REDEMPTION_MAX_SIZE: number;
}

const CONSTANT_NAMES: (keyof ValidatorConstants)[] = [
  "DEPOSIT_MIN_AGE",
  "DEPOSIT_REFUND_SAFETY_MARGIN",
  "DEPOSIT_SWEEP_MAX_SIZE",
  "REDEMPTION_REQUEST_MIN_AGE",
  "REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN",
  "REDEMPTION_MAX_SIZE",
];

export class ValidatorClient {
  readonly address: string;
  private readonly caller: PinnedCaller;
  // Immutable contract code: the constants and bridge() cannot change for one address.
  private constantsCache: Promise<ValidatorConstants> | undefined;
  private bridgeCache: Promise<string> | undefined;

  constructor(source: CallSource, address: string, options: PinnedCallOptions = {}) {
    this.address = getAddress(address);
    this.caller = toPinnedCaller(source, options);
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
      return Object.fromEntries(CONSTANT_NAMES.map((n, i) => [n, Number(values[i] as bigint)])) as unknown as ValidatorConstants;
    })();
    this.constantsCache.catch(() => (this.constantsCache = undefined));
    return this.constantsCache;
  }

  /** The Bridge address the validator was deployed with (EIP-55). */
  bridge(at: BlockRef): Promise<string> {
    this.bridgeCache ??= this.read("bridge", at).then((a) => getAddress(a as string));
    this.bridgeCache.catch(() => (this.bridgeCache = undefined));
    return this.bridgeCache;
  }

  private async read(fn: string, at: BlockRef): Promise<unknown> {
    const result = await this.caller.call({ to: this.address, data: validatorInterface.encodeFunctionData(fn, []) }, at);
    if (result === "0x") throw new Error(`${fn}: empty result from ${this.address} at block ${at.blockNumber}`);
    return validatorInterface.decodeFunctionResult(fn, result)[0];
  }

  private async validate(fn: string, args: unknown[], at: BlockRef): Promise<ValidationOutcome> {
    // Encoding errors are programming errors (lengths are enforced at decode time): let them throw.
    const data = validatorInterface.encodeFunctionData(fn, args);
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
    let ok: unknown;
    try {
      [ok] = validatorInterface.decodeFunctionResult(fn, result);
    } catch (err) {
      return { outcome: "unverified", error: `undecodable result ${result.slice(0, 74)}: ${(err as Error).message}` };
    }
    return ok === true ? { outcome: "valid" } : { outcome: "invalid", reason: RETURNED_FALSE };
  }
}
