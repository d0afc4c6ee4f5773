// Fee rate and fee arithmetic of coordination.md §13.8, shared by every Bitcoin proposal task.

export interface FeePolicy {
  minSatPerVByte: number;
  bufferPercent: number;
}

/** Upstream's later fix for a sweep stuck at 1 sat/vB, applied to every action. */
export const DEFAULT_FEE_POLICY: FeePolicy = { minSatPerVByte: 5, bufferPercent: 25 };

/** A computed fee ≤ 0 (or a non-integer rate): the task throws rather than propose it. */
export class FeeInvalidError extends Error {
  override readonly name = "FeeInvalidError";
  readonly code = "FEE_INVALID";
}

/** max(min, ceil(satPerVByte × (100 + buffer) / 100)), in whole sat/vB. */
export function appliedFeeRate(satPerVByte: number, policy: FeePolicy): number {
  const scaled = satPerVByte * (100 + policy.bufferPercent);
  // Integer path avoids float rounding (e.g. 26 × 125 / 100 must give exactly 33).
  const buffered = Number.isSafeInteger(scaled) ? Math.floor((scaled + 99) / 100) : Math.ceil(scaled / 100);
  return Math.max(policy.minSatPerVByte, buffered);
}

export function feeFor(rate: number, vsize: number): bigint {
  if (!Number.isSafeInteger(rate) || !Number.isSafeInteger(vsize)) {
    throw new FeeInvalidError(`fee rate ${rate} and vsize ${vsize} must be integers`);
  }
  const fee = BigInt(rate) * BigInt(vsize);
  if (fee <= 0n) throw new FeeInvalidError(`fee ${fee} (rate ${rate} × vsize ${vsize}) is not positive`);
  return fee;
}

/** Equal split as the Bridge computes it: floor(fee / n) each, the remainder on the last share. */
export function equalShares(fee: bigint, n: number): bigint[] {
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`cannot split a fee into ${n} shares`);
  const each = fee / BigInt(n);
  const shares = Array.from({ length: n }, () => each);
  shares[n - 1] = each + (fee % BigInt(n));
  return shares;
}

/** §13.8: a `blockchain.estimatefee` answer (BTC/kB) as sat/vB = round(max(1, btcPerKb × 100 000)). */
export function feeRateFromEstimate(btcPerKb: number): number {
  return Math.round(Math.max(1, btcPerKb * 100_000));
}
