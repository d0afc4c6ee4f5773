// Wallet preconditions of every task that produces a Bitcoin transaction (coordination.md §13.1):
// no local action holds the wallet lock (§12, reliability.md §3.3) and the wallet is synced
// between chains (§13.9.2). The lock is checked first: it is local and costs no Electrum call.
// Also the components and options those tasks share.
import type { WalletSigningScheme } from "../chain/types.js";
import type { EthereumChain } from "../chain/ethereum-chain.js";
import type { AbortOptions } from "../util/lifecycle.js";
import type { BridgeClient } from "../chain/bridge-client.js";
import type { EthIntentSender } from "../chain/eth-intents.js";
import type { BlockRef } from "../chain/pinned-call.js";
import type { ValidatorClient } from "../chain/validator-client.js";
import type { BitcoinChain } from "../bitcoin/bitcoin-chain.js";
import { walletSynced } from "../bitcoin/main-utxo.js";
import type { Logger } from "../util/logger.js";
import type { Store } from "../store/store.js";
import { toHex } from "../util/hex.js";
import type { FeePolicy } from "../bitcoin/fees.js";

export type WalletPreconditionFailure = "WALLET_NOT_SYNCED" | "WALLET_BUSY";

export interface BitcoinTaskComponents {
  bridge: BridgeClient;
  validator: ValidatorClient;
  btc: BitcoinChain;
  store: Store;
  logger: Logger;
  /** Block timestamps (W) and the latest block. */
  chain: EthereumChain;
  /** MovingFunds only: sends the commitment (§13.6 step 7). */
  intents?: EthIntentSender;
  /** MovingFunds only: this node's lowest seat (1-based) in the wallet. */
  ownLowestSeat?: (walletPkh: Uint8Array) => number;
}

export interface BitcoinTaskInit {
  /** Default fees.ts DEFAULT_FEE_POLICY. */
  fee?: FeePolicy;
  /** Added to tHigh (§13.1); default DEFAULT_EXTRA_SAFETY_MARGIN_SEC (3600). */
  extraSafetyMarginSec?: number;
  /** MovingFunds only: the operator address the intents are sent from. */
  operator?: string;
  /** DepositSweep and MovingFunds: the profile's fundingTxMinConfirmations (default 6) for the sweepable-deposit check. */
  fundingTxMinConfirmations?: number;
}

export const DEFAULT_EXTRA_SAFETY_MARGIN_SEC = 3600;

export async function checkWalletPreconditions(
  deps: { btc: BitcoinChain; bridge: BridgeClient; store: Store },
  walletPkh: Uint8Array,
  at: BlockRef,
  o: AbortOptions = {},
  scheme: WalletSigningScheme = { scheme: "ecdsa" },
): Promise<null | WalletPreconditionFailure> {
  if (deps.store.actions.lockHolder(toHex(walletPkh)) !== undefined) return "WALLET_BUSY";
  const synced = await walletSynced({ btc: deps.btc, bridge: deps.bridge }, walletPkh, at, o, scheme);
  return synced.synced ? null : "WALLET_NOT_SYNCED";
}
