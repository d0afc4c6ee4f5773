// Moving-funds safety margin (coordination.md §13.9.3): a wallet that just entered MovingFunds waits
// before moving, longer when it is itself the target of another wallet still moving funds to it.
import type { BridgeClient } from "../chain/bridge-client.js";
import type { BlockRef } from "../chain/pinned-call.js";
import type { WalletRecord } from "../chain/types.js";
import { WalletState } from "../protocol/constants.js";
import type { Store } from "../store/store.js";
import { fromHex, toHex } from "../util/hex.js";

/** Commitments older than this many blocks (about 30 days) are not considered. */
export const COMMITMENT_LOOKBACK_BLOCKS = 216_000;
const DEFAULT_MARGIN_SEC = 24 * 3600;
const TARGET_MARGIN_SEC = 14 * 24 * 3600;

/** The margin in seconds for the wallet at `at` (steps 1–3). */
export async function movingFundsMarginSec(
  deps: { bridge: BridgeClient; store: Store },
  walletPkh: Uint8Array,
  at: BlockRef,
): Promise<number> {
  const fromBlock = Math.max(0, at.blockNumber - COMMITMENT_LOOKBACK_BLOCKS);
  const targeting = deps.store.evMovingFunds.commitmentsTargeting(toHex(walletPkh), fromBlock);
  // Several commitments may come from one source; read each source once, in a fixed order.
  const sources = [...new Set(targeting.filter((t) => t.row.blockNumber <= at.blockNumber).map((t) => t.row.walletPkh))].sort();
  let margin = DEFAULT_MARGIN_SEC;
  for (const source of sources) {
    const w = await deps.bridge.wallets(fromHex(source), at);
    if (w.state === WalletState.MovingFunds) {
      margin = TARGET_MARGIN_SEC;
      break;
    }
  }
  const { movingFundsTimeout } = await deps.bridge.movingFundsParameters(at);
  return Math.min(margin, Math.floor(movingFundsTimeout / 2));
}

/**
 * True while `now < movingFundsRequestedAt + margin` (step 4). `now` is tLow for the leader and
 * timestamp(V) for a follower.
 */
export async function movingFundsMarginInForce(
  deps: { bridge: BridgeClient; store: Store },
  walletPkh: Uint8Array,
  wallet: WalletRecord,
  at: BlockRef,
  now: number,
): Promise<boolean> {
  const margin = await movingFundsMarginSec(deps, walletPkh, at);
  return now < wallet.movingFundsRequestedAt + margin;
}
