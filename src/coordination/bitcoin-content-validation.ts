// Follower content validation with a Bitcoin backend (coordination.md §10.3): deposit sweeps need
// the funding transactions and the reveal events, moving funds the main UTXO and the safety margin.
// Every other type goes to the on-chain validator. Failures to look something up are `unverified`
// (no fault); only deterministic defects of the proposal are `invalid`.
import { getBytes, zeroPadBytes } from "ethers";
import type { BitcoinChain } from "../bitcoin/bitcoin-chain.js";
import { findMainUtxo, toBitcoinUtxo } from "../bitcoin/main-utxo.js";
import { txHashOf, txInfoOf, txidFromHash } from "../bitcoin/tx.js";
import { bridgeInterface } from "../chain/abi.js";
import { signingSchemeAt, type BridgeClient } from "../chain/bridge-client.js";
import type { TaprootDepositExtraInfo } from "../chain/gen/validator.js";
import type { EthereumChain } from "../chain/ethereum-chain.js";
import type { BlockRef } from "../chain/pinned-call.js";
import type { BitcoinUtxo, DepositExtraInfo } from "../chain/types.js";
import type { ValidationOutcome, ValidatorClient } from "../chain/validator-client.js";
import { movingFundsMarginInForce } from "../proposals/moving-funds-margin.js";
import type { PayloadOf } from "../protocol/payloads.js";
import type { Store } from "../store/store.js";
import { bytesEqual, toHex } from "../util/hex.js";
import { ActionType, WINDOW_DURATION_BLOCKS } from "../protocol/constants.js";
import { onChainContentValidator, type ContentOutcome, type ContentValidationInput, type ContentValidator } from "./content-validation.js";
import type { ProtocolProfile } from "../protocol/profile.js";
import { errorMessage } from "../util/errors.js";

export interface BitcoinContentValidatorComponents {
  validator: ValidatorClient;
  bridge: BridgeClient;
  btc: BitcoinChain;
  chain: EthereumChain;
  /** The local event index (MovingFundsCommitmentSubmitted rows for the safety margin, §13.9.3). */
  store: Store;
}

export interface BitcoinContentValidatorInit {
  bridgeAddress: string;
  profile: Pick<ProtocolProfile, "fundingTxMinConfirmations">;
}

type BitcoinContentValidatorDeps = BitcoinContentValidatorComponents & BitcoinContentValidatorInit;

const ZERO_UTXO: BitcoinUtxo = { txHash: new Uint8Array(32), txOutputIndex: 0, txOutputValue: 0n };

function fromValidator(o: ValidationOutcome): ContentOutcome {
  if (o.outcome === "valid") return { class: "valid" };
  if (o.outcome === "invalid") return { class: "invalid", reason: o.reason };
  return { class: "unverified", error: o.error };
}

export function bitcoinContentValidator(components: BitcoinContentValidatorComponents, init: BitcoinContentValidatorInit): ContentValidator {
  const deps: BitcoinContentValidatorDeps = { ...components, ...init };
  const onChain = onChainContentValidator(deps.validator);
  return async (input, signal) => {
    try {
      switch (input.actionType) {
        case ActionType.DepositSweep:
          return await depositSweep(deps, input, signal);
        case ActionType.MovingFunds:
          return await movingFunds(deps, input, signal);
        default:
          return await onChain(input, signal);
      }
    } catch (err) {
      if (signal.aborted) throw err;
      return { class: "unverified", error: errorMessage(err) };
    }
  };
}

async function depositSweep(deps: BitcoinContentValidatorDeps, input: ContentValidationInput, signal: AbortSignal): Promise<ContentOutcome> {
  const p = input.payload as PayloadOf<ActionType.DepositSweep>;
  const { ctx, at } = input;
  if (p.depositsKeys.length !== p.depositsRevealBlocks.length) {
    return { class: "invalid", reason: "REVEAL_BLOCKS_MISMATCH", facts: { keys: p.depositsKeys.length, revealBlocks: p.depositsRevealBlocks.length } };
  }
  // A FROST wallet's sweep goes to the Taproot validator with each deposit's refundX (threshold.md §4.2).
  const scheme = await signingSchemeAt(deps.bridge, ctx.walletPkh, at, { signal });
  const extraInfo: DepositExtraInfo[] = [];
  const taprootInfo: TaprootDepositExtraInfo[] = [];
  for (const [i, key] of p.depositsKeys.entries()) {
    const txid = txidFromHash(key.fundingTxHash);
    const raw = await deps.btc.getTransaction(txid, { signal });
    if (raw === null) return { class: "invalid", reason: "FUNDING_TX_NOT_FOUND", facts: { index: i, txid } };

    const confirmations = await deps.btc.confirmations(txid, { signal });
    const min = deps.profile.fundingTxMinConfirmations;
    if (confirmations < min) {
      // Confirmations may still come: only a shortfall lasting to the window's end is a defect.
      if (at.blockNumber < ctx.W + WINDOW_DURATION_BLOCKS) {
        return { class: "unverified", error: `funding tx ${txid} has ${confirmations} of ${min} confirmations` };
      }
      const tip = deps.btc.tip()?.height ?? null;
      const txHeight = confirmations > 0 && tip !== null ? tip - confirmations + 1 : null;
      return { class: "invalid", reason: "FUNDING_TX_UNCONFIRMED", facts: { index: i, txid, confirmations, btcTip: tip, txHeight } };
    }

    let fundingTx;
    try {
      fundingTx = txInfoOf(raw);
      if (!bytesEqual(txHashOf(raw), key.fundingTxHash)) throw new Error("hash256 of the stripped transaction differs");
    } catch (err) {
      return { class: "invalid", reason: "FUNDING_TX_MISMATCH", facts: { index: i, txid, detail: (err as Error).message } };
    }

    const revealBlock = p.depositsRevealBlocks[i]!;
    const lookup = { walletPkh: ctx.walletPkh, revealBlock, fundingTxHash: key.fundingTxHash, fundingOutputIndex: key.fundingOutputIndex };
    const event = await revealEvent(deps, lookup, signal);
    if (event === null) {
      return { class: "invalid", reason: "REVEAL_EVENT_NOT_FOUND", facts: { index: i, txid, fundingOutputIndex: key.fundingOutputIndex, revealBlock } };
    }
    extraInfo.push({ fundingTx, ...event });
    if (scheme.scheme === "frost") {
      const refundX = await taprootRefundX(deps, lookup, signal);
      if (refundX === null) {
        return { class: "invalid", reason: "TAPROOT_REVEAL_EVENT_NOT_FOUND", facts: { index: i, txid, fundingOutputIndex: key.fundingOutputIndex, revealBlock } };
      }
      taprootInfo.push({ fundingTx, ...event, walletX: scheme.walletX, refundX });
    }
  }
  const proposal = {
    walletPubKeyHash: ctx.walletPkh,
    depositsKeys: p.depositsKeys,
    sweepTxFee: p.sweepTxFee,
    depositsRevealBlocks: p.depositsRevealBlocks.map(BigInt),
  };
  if (scheme.scheme === "frost") return fromValidator(await deps.validator.validateTaprootDepositSweep(proposal, taprootInfo, at));
  return fromValidator(await deps.validator.validateDepositSweep(proposal, extraInfo, at));
}

/** An outpoint's reveal event in exactly block `revealBlock`: where the node finds what it revealed. */
interface RevealLookup {
  walletPkh: Uint8Array;
  revealBlock: number;
  fundingTxHash: Uint8Array;
  fundingOutputIndex: number;
}

/**
 * The arguments of the outpoint's `name` event in exactly block `revealBlock`, filtered by the Bridge,
 * the event topic and the wallet topic. Read from the chain, not the lagging local index.
 */
async function outpointEvent(
  deps: BitcoinContentValidatorDeps,
  name: "DepositRevealed" | "TaprootDepositRevealed",
  q: RevealLookup,
  signal: AbortSignal,
): Promise<Record<string, unknown> | null> {
  const event = bridgeInterface.getEvent(name)!;
  // bytes20 indexed: the topic is the value left-aligned in 32 bytes; DepositRevealed indexes the depositor first.
  const walletTopic = zeroPadBytes(q.walletPkh, 32);
  const topics = name === "DepositRevealed" ? [event.topicHash, null, walletTopic] : [event.topicHash, walletTopic];
  const logs = await deps.chain.logs({ address: deps.bridgeAddress, topics, fromBlock: q.revealBlock, toBlock: q.revealBlock }, { signal, retry: false });
  for (const log of logs) {
    if (log.removed) continue;
    const parsed = bridgeInterface.parseLog({ topics: log.topics, data: log.data });
    if (parsed === null || parsed.name !== name) continue;
    const a = parsed.args;
    if (bytesEqual(getBytes(a.fundingTxHash as string), q.fundingTxHash) && Number(a.fundingOutputIndex) === q.fundingOutputIndex) return a.toObject();
  }
  return null;
}

/** The refundX of the outpoint's TaprootDepositRevealed, or null. */
async function taprootRefundX(deps: BitcoinContentValidatorDeps, q: RevealLookup, signal: AbortSignal): Promise<Uint8Array | null> {
  const a = await outpointEvent(deps, "TaprootDepositRevealed", q, signal);
  return a === null ? null : getBytes(a.refundX as string);
}

/** What the outpoint's DepositRevealed says of its deposit script, or null. */
async function revealEvent(deps: BitcoinContentValidatorDeps, q: RevealLookup, signal: AbortSignal): Promise<Omit<DepositExtraInfo, "fundingTx"> | null> {
  const a = await outpointEvent(deps, "DepositRevealed", q, signal);
  if (a === null) return null;
  return {
    blindingFactor: getBytes(a.blindingFactor as string),
    walletPubKeyHash: getBytes(a.walletPubKeyHash as string),
    refundPubKeyHash: getBytes(a.refundPubKeyHash as string),
    refundLocktime: getBytes(a.refundLocktime as string),
  };
}

async function movingFunds(deps: BitcoinContentValidatorDeps, input: ContentValidationInput, signal: AbortSignal): Promise<ContentOutcome> {
  const p = input.payload as PayloadOf<ActionType.MovingFunds>;
  const { ctx, at } = input;
  const wallet = await deps.bridge.wallets(ctx.walletPkh, at);
  // A FROST wallet's main UTXO is P2TR of walletX (threshold.md §4).
  const scheme = await signingSchemeAt(deps.bridge, ctx.walletPkh, at, { signal });
  let mainUtxo: BitcoinUtxo;
  try {
    const found = await findMainUtxo(deps.btc, ctx.walletPkh, wallet.mainUtxoHash, { signal }, scheme);
    mainUtxo = found === null ? ZERO_UTXO : toBitcoinUtxo(found);
  } catch (err) {
    if ((err as { code?: unknown }).code === "MAIN_UTXO_NOT_FOUND") {
      return { class: "invalid", reason: "MAIN_UTXO_NOT_FOUND", facts: { mainUtxoHash: "0x" + toHex(wallet.mainUtxoHash) } };
    }
    throw err;
  }
  const now = await timestampOf(deps.chain, at, signal);
  if (await movingFundsMarginInForce(deps, ctx.walletPkh, wallet, at, now)) {
    return { class: "invalid", reason: "SAFETY_MARGIN", facts: { movingFundsRequestedAt: wallet.movingFundsRequestedAt, now } };
  }
  return fromValidator(
    await deps.validator.validateMovingFunds(
      { walletPubKeyHash: ctx.walletPkh, targetWallets: p.targetWallets, movingFundsTxFee: p.movingFundsTxFee },
      mainUtxo,
      at,
    ),
  );
}

/** timestamp(V); the block must still be the pinned one. */
async function timestampOf(chain: EthereumChain, at: BlockRef, signal: AbortSignal): Promise<number> {
  const b = await chain.block(at.blockNumber, { signal, retry: false });
  if (b.hash.toLowerCase() !== at.blockHash.toLowerCase()) throw new Error(`block ${at.blockNumber} is no longer ${at.blockHash}`);
  return b.timestamp;
}
