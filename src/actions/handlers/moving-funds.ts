// MovingFunds (reliability.md §3.4 table and step 4): the main UTXO split over the committed target
// wallets, P2WPKH to an ECDSA target and P2TR(walletX) to a FROST one (threshold.md §4.1). Before building, the commitment must be final: the MovingFundsCommitmentSubmitted event
// in the event index (which lags 32 blocks) matching the Bridge's commitment hash; then the
// proposal is re-validated once more.
import { targetWalletKeys } from "../../chain/bridge-client.js";
import { movingFundsTx } from "../../bitcoin/tx-builder.js";
import { targetsCommitmentHash } from "../../protocol/bridge-keys.js";
import { ActionType } from "../../protocol/constants.js";
import { bytesEqual, fromHex, toHex } from "../../util/hex.js";
import type { StartValidation } from "../state-machine.js";
import { BitcoinActionHandler, type BitcoinActionComponents, type BitcoinActionInit, type PlanContext } from "./bitcoin-action.js";

async function commitmentFinal(ctx: PlanContext<ActionType.MovingFunds>): Promise<StartValidation | null> {
  const wallet = await ctx.components.bridge.wallets(ctx.walletPkh, ctx.at);
  const hash = wallet.movingFundsTargetWalletsCommitmentHash;
  if (hash.every((b) => b === 0)) return { class: "unverified", error: "moving-funds commitment not submitted yet" };
  const row = ctx.components.store.evMovingFunds.latestCommitment(toHex(ctx.walletPkh));
  const indexed = row?.targetWallets?.map((t) => fromHex(t));
  if (indexed === undefined || !bytesEqual(targetsCommitmentHash(indexed), hash)) {
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
      plan: async ({ components, payload, mainUtxo, at, signal }) => {
        const targetKeys = await targetWalletKeys(components.bridge, payload.targetWallets, at, { signal });
        return movingFundsTx({ mainUtxo: mainUtxo!, targets: payload.targetWallets, targetKeys, fee: payload.movingFundsTxFee });
      },
    });
  }
}
