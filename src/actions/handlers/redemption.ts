// Redemption (reliability.md §3.4 table): the main UTXO pays each pending request in proposal order
// (requested − treasury fee − an equal share of the fee), with the change to the wallet first.
// The request amounts are pinned reads of the Bridge's pending requests.
import { redemptionTx, type RedemptionToPay } from "../../bitcoin/tx-builder.js";
import { ActionType } from "../../protocol/constants.js";
import { toHex } from "../../util/hex.js";
import { redemptionKey } from "../../protocol/bridge-keys.js";
import { prefixScript } from "../../protocol/bridge-keys.js";
import { BitcoinActionHandler, type BitcoinActionComponents, type BitcoinActionInit } from "./bitcoin-action.js";

export class RedemptionHandler extends BitcoinActionHandler<ActionType.Redemption> {
  constructor(components: BitcoinActionComponents, init: BitcoinActionInit = {}) {
    super(components, init, {
      type: ActionType.Redemption,
      needsMainUtxo: true,
      plan: async ({ components, walletPkh, payload, mainUtxo, scheme, at }) => {
        const requests: RedemptionToPay[] = [];
        for (const script of payload.redeemersOutputScripts) {
          const r = await components.bridge.pendingRedemptions(redemptionKey(prefixScript(script), walletPkh), at);
          if (r.requestedAt === 0) throw new Error(`redemption to ${toHex(script)} is no longer pending`);
          requests.push({ script, requestedAmount: r.requestedAmount, treasuryFee: r.treasuryFee });
        }
        const walletX = scheme.scheme === "frost" ? { walletX: scheme.walletX } : {};
        return redemptionTx({ walletPkh, ...walletX, mainUtxo: mainUtxo!, requests, fee: payload.redemptionTxFee });
      },
    });
  }
}
