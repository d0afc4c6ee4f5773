// Why a proposal task could not produce a proposal (style.md §1.9): one code union, counted by the
// generator per code (wcoord_proposal_task_errors_total) and logged with the task's reasons.
export type ProposalTaskErrorCode =
  /** The validator's eth_call gave no verdict (transport failure): no proposal this window. */
  | "VALIDATION_UNVERIFIED"
  /** Moving funds: governance set walletMaxBtcTransfer to 0. */
  | "WALLET_MAX_BTC_TRANSFER_ZERO"
  /** Moving funds: fewer Live target wallets than the wallet's balance needs. */
  | "NOT_ENOUGH_TARGET_WALLETS"
  /** Moving funds: this operator holds no seat of the wallet, so it cannot submit the commitment. */
  | "NOT_A_MEMBER"
  /** Moving funds: the commitment intent has no sender account configured. */
  | "COMMITMENT_SENDER_MISSING"
  /** Moving funds: the commitment transaction reverted. */
  | "COMMITMENT_REVERTED"
  /** Moving funds: the commitment was mined but is not in the event index yet. */
  | "COMMITMENT_NOT_INDEXED"
  /** Moving funds: the commitment was not mined in time. */
  | "COMMITMENT_NOT_INCLUDED"
  /** Moving funds: the Bridge holds a commitment to other target wallets. */
  | "COMMITMENT_MISMATCH";

export class ProposalTaskError extends Error {
  override readonly name = "ProposalTaskError";
  constructor(
    readonly code: ProposalTaskErrorCode,
    message: string,
  ) {
    super(message);
  }
}
