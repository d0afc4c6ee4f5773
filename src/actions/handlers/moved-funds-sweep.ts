// MovedFundsSweep (reliability.md §3.4 table): the moved-funds outpoint (its value read from the
// moving-funds transaction) first, then the main UTXO if any, into one P2WPKH(wallet) output.
import { p2pkhScript, p2wpkhScript } from "../../bitcoin/scripts.js";
import { p2trScript } from "../../bitcoin/taproot.js";
import { movedFundsSweepTx } from "../../bitcoin/tx-builder.js";
import { txidFromHash, txOutputs } from "../../bitcoin/tx.js";
import { ActionType } from "../../protocol/constants.js";
import { bytesEqual, to0x } from "../../util/hex.js";
import { BitcoinActionHandler, type BitcoinActionComponents, type BitcoinActionInit } from "./bitcoin-action.js";

export class MovedFundsSweepHandler extends BitcoinActionHandler<ActionType.MovedFundsSweep> {
  constructor(components: BitcoinActionComponents, init: BitcoinActionInit = {}) {
    super(components, init, {
      type: ActionType.MovedFundsSweep,
      needsMainUtxo: false,
      plan: async ({ components, walletPkh, payload, mainUtxo, scheme, signal }) => {
        const where = `${to0x(payload.movingFundsTxHash)}:${payload.movingFundsTxOutputIndex}`;
        const raw = await components.btc.getTransaction(txidFromHash(payload.movingFundsTxHash), { signal });
        if (raw === null) throw new Error(`moving-funds transaction of ${where} not found`);
        const out = txOutputs(raw)[payload.movingFundsTxOutputIndex];
        if (out === undefined) throw new Error(`moving-funds transaction has no output ${where}`);
        const own = scheme.scheme === "frost" ? [p2trScript(scheme.walletX)] : [p2wpkhScript(walletPkh), p2pkhScript(walletPkh)];
        if (!own.some((s) => bytesEqual(out.script, s))) {
          throw new Error(`moved funds ${where} do not pay this wallet`);
        }
        return movedFundsSweepTx({
          walletPkh,
          ...(scheme.scheme === "frost" ? { walletX: scheme.walletX } : {}),
          movedFunds: { txHash: payload.movingFundsTxHash, index: payload.movingFundsTxOutputIndex, value: out.value, script: out.script },
          mainUtxo,
          fee: payload.sweepTxFee,
        });
      },
    });
  }
}
