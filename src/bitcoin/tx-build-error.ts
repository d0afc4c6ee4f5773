// The error of the transaction builder (tx-builder.ts, taproot-tx.ts): the plan or the data to
// finalize is inconsistent, and building it would give an invalid transaction.

export type TxBuildErrorCode = "TX_NEGATIVE_OUTPUT" | "TX_INVALID_INPUT" | "TX_INVALID_OUTPUT" | "TX_MISMATCH";

export class TxBuildError extends Error {
  override readonly name = "TxBuildError";
  constructor(
    readonly code: TxBuildErrorCode,
    message: string,
  ) {
    super(message);
  }
}
