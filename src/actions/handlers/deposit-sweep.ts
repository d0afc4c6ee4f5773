// DepositSweep (reliability.md §3.4 table): the main UTXO if any, then each deposit in proposal
// order, swept into one P2WPKH(wallet) output. The deposit scripts are rebuilt from the reveal
// (the event index: blinding factor, refund PKH, locktime) and the Bridge (depositor, extra data).
import { depositScript, fundingOutputKind } from "../../bitcoin/scripts.js";
import { isTaprootDepositOutput, taprootRefundLeaf } from "../../bitcoin/taproot.js";
import { depositSweepTx, type DepositToSweep } from "../../bitcoin/tx-builder.js";
import { txidFromHash, txOutputs } from "../../bitcoin/tx.js";
import { outpointKey } from "../../protocol/bridge-keys.js";
import { ActionType } from "../../protocol/constants.js";
import type { DepositKeyPayload } from "../../protocol/payloads.js";
import type { EvDepositRow } from "../../store/repos/ev-deposits-repo.js";
import { fromHex, to0x } from "../../util/hex.js";
import type { StartValidation } from "../state-machine.js";
import { BitcoinActionHandler, type BitcoinActionComponents, type BitcoinActionInit, type PlanContext } from "./bitcoin-action.js";

type Ctx = PlanContext<ActionType.DepositSweep>;

function revealOf(ctx: Ctx, k: DepositKeyPayload): EvDepositRow | undefined {
  return ctx.components.store.evDeposits.byFundingOutpoint(to0x(k.fundingTxHash), k.fundingOutputIndex);
}

/** The index lags the head by 32 blocks; a reveal not in it yet is retried, never guessed. */
async function revealsIndexed(ctx: Ctx): Promise<StartValidation | null> {
  for (const k of ctx.payload.depositsKeys) {
    if (revealOf(ctx, k) === undefined) {
      return { class: "unverified", error: `deposit ${to0x(k.fundingTxHash)}:${k.fundingOutputIndex} not in the event index yet` };
    }
  }
  return null;
}

async function fundingOutput(ctx: Ctx, k: DepositKeyPayload, where: string): Promise<{ script: Uint8Array; value: bigint }> {
  const raw = await ctx.components.btc.getTransaction(txidFromHash(k.fundingTxHash), { signal: ctx.signal });
  if (raw === null) throw new Error(`funding transaction of deposit ${where} not found`);
  const out = txOutputs(raw)[k.fundingOutputIndex];
  if (out === undefined) throw new Error(`funding transaction of deposit ${where} has no such output`);
  return out;
}

async function depositInput(ctx: Ctx, k: DepositKeyPayload): Promise<DepositToSweep> {
  const where = `${to0x(k.fundingTxHash)}:${k.fundingOutputIndex}`;
  const ev = revealOf(ctx, k);
  if (ev === undefined) throw new Error(`deposit ${where} not in the event index`);
  const onChain = await ctx.components.bridge.deposits(outpointKey(k.fundingTxHash, k.fundingOutputIndex), ctx.at);
  if (ev.refundX != null) {
    // A Taproot deposit (threshold.md §4.2): P2TR of walletX with the one refund leaf, rebuilt from the reveal.
    if (ctx.scheme.scheme !== "frost") throw new Error(`deposit ${where}: a Taproot deposit to an ECDSA wallet`);
    const taprootLeaf = taprootRefundLeaf({
      depositor: fromHex(onChain.depositor),
      blindingFactor: fromHex(ev.blindingFactor),
      refundLocktime: fromHex(ev.refundLocktime),
      refundX: fromHex(ev.refundX),
      extraData: onChain.extraData,
    });
    const out = await fundingOutput(ctx, k, where);
    if (!isTaprootDepositOutput(out.script, ctx.scheme.walletX, taprootLeaf)) {
      throw new Error(`deposit ${where}: the funding output is not the wallet's Taproot deposit of this leaf`);
    }
    return { txHash: k.fundingTxHash, index: k.fundingOutputIndex, value: out.value, taprootLeaf };
  }
  const redeemScript = depositScript({
    depositor: fromHex(onChain.depositor),
    blindingFactor: fromHex(ev.blindingFactor),
    walletPubKeyHash: ctx.walletPkh,
    refundPubKeyHash: fromHex(ev.refundPkh),
    refundLocktime: fromHex(ev.refundLocktime),
    extraData: onChain.extraData,
  });
  const out = await fundingOutput(ctx, k, where);
  const kind = fundingOutputKind(out.script, redeemScript);
  if (kind === null) throw new Error(`deposit ${where}: the funding output does not lock the deposit script`);
  return { txHash: k.fundingTxHash, index: k.fundingOutputIndex, value: out.value, redeemScript, p2sh: kind === "p2sh" };
}

export class DepositSweepHandler extends BitcoinActionHandler<ActionType.DepositSweep> {
  constructor(components: BitcoinActionComponents, init: BitcoinActionInit = {}) {
    super(components, init, {
      type: ActionType.DepositSweep,
      needsMainUtxo: false,
      preconditions: revealsIndexed,
      plan: async (ctx) => {
        const deposits: DepositToSweep[] = [];
        for (const k of ctx.payload.depositsKeys) deposits.push(await depositInput(ctx, k));
        const walletX = ctx.scheme.scheme === "frost" ? { walletX: ctx.scheme.walletX } : {};
        return depositSweepTx({ walletPkh: ctx.walletPkh, ...walletX, mainUtxo: ctx.mainUtxo, deposits, fee: ctx.payload.sweepTxFee });
      },
    });
  }
}
