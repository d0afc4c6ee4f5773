// MovedFundsSweep (reliability.md §3.4 table): the moved-funds outpoint (its value read from the
// moving-funds transaction) first, then the main UTXO if any, into one P2WPKH(wallet) output.
import { p2pkhScript, p2wpkhScript } from "../../bitcoin/scripts.js";
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
      plan: async ({ components, walletPkh, payload, mainUtxo, signal }) => {
        const where = `${to0x(payload.movingFundsTxHash)}:${payload.movingFundsTxOutputIndex}`;
        const raw = await components.btc.getTransaction(txidFromHash(payload.movingFundsTxHash), { signal });
        if (raw === null) throw new Error(`moving-funds transaction of ${where} not found`);
        const out = txOutputs(raw)[payload.movingFundsTxOutputIndex];
        if (out === undefined) throw new Error(`moving-funds transaction has no output ${where}`);
        if (!bytesEqual(out.script, p2wpkhScript(walletPkh)) && !bytesEqual(out.script, p2pkhScript(walletPkh))) {
          throw new Error(`moved funds ${where} do not pay this wallet`);
        }
        return movedFundsSweepTx({
          walletPkh,
          movedFunds: { txHash: payload.movingFundsTxHash, index: payload.movingFundsTxOutputIndex, value: out.value, script: out.script },
          mainUtxo,
          fee: payload.sweepTxFee,
        });
      },
    });
  }
}
