// MovingFunds (reliability.md §3.4 table and step 4): the main UTXO split over the committed target
// wallets. Before building, the commitment must be final: the MovingFundsCommitmentSubmitted event
// in the event index (which lags 32 blocks) matching the Bridge's commitment hash; then the
// proposal is re-validated once more.
import { keccak256 } from "ethers";
import { movingFundsTx } from "../../bitcoin/tx-builder.js";
import { ActionType } from "../../protocol/constants.js";
import { bytesEqual, concatBytes, fromHex, toHex } from "../../util/hex.js";
import type { StartValidation } from "../state-machine.js";
import { BitcoinActionHandler, type BitcoinActionComponents, type BitcoinActionInit, type PlanContext } from "./bitcoin-action.js";

/** keccak256 of the targets, each padded to 32 bytes (contracts.md §1.3). */
export function targetsCommitment(targets: readonly Uint8Array[]): Uint8Array {
  return fromHex(keccak256(concatBytes(...targets.map((t) => concatBytes(t, new Uint8Array(12))))));
}

async function commitmentFinal(ctx: PlanContext<ActionType.MovingFunds>): Promise<StartValidation | null> {
  const wallet = await ctx.components.bridge.wallets(ctx.walletPkh, ctx.at);
  const hash = wallet.movingFundsTargetWalletsCommitmentHash;
  if (hash.every((b) => b === 0)) return { class: "unverified", error: "moving-funds commitment not submitted yet" };
  const row = ctx.components.store.evMovingFunds.latestCommitment(toHex(ctx.walletPkh));
  const indexed = row?.targetWallets?.map((t) => fromHex(t));
  if (indexed === undefined || !bytesEqual(targetsCommitment(indexed), hash)) {
    return { class: "unverified", error: "moving-funds commitment not yet 32 blocks deep" };
  }
  return null;
}

export class MovingFundsHandler extends BitcoinActionHandler<ActionType.MovingFunds> {
  constructor(components: BitcoinActionComponents, init: BitcoinActionInit = {}) {
    super(components, init, {
      type: ActionType.MovingFunds,
      needsMainUtxo: true,
      preconditions: commitmentFinal,
      revalidateAfterPreconditions: true,
      plan: async ({ payload, mainUtxo }) => movingFundsTx({ mainUtxo: mainUtxo!, targets: payload.targetWallets, fee: payload.movingFundsTxFee }),
    });
  }
}
