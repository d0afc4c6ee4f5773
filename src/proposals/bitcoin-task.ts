// What the proposal tasks that build a Bitcoin transaction share (coordination.md §13): their
// components and options, the `proposals` logger, and the line that says why a task yields nothing.
import type { WalletRecord } from "../chain/types.js";
import { actionName, WalletState, type ActionType } from "../protocol/constants.js";
import type { Logger } from "../util/logger.js";
import type { ProposalTask, ProposalTaskContext } from "./generator.js";
import type { BitcoinTaskComponents, BitcoinTaskInit } from "./wallet-preconditions.js";

/** The components every Bitcoin task reads; MovingFunds also sends and needs its own seat. */
export type BitcoinTaskBaseComponents = Omit<BitcoinTaskComponents, "intents" | "ownLowestSeat">;

export abstract class BitcoinTask<C extends BitcoinTaskBaseComponents = BitcoinTaskComponents> implements ProposalTask {
  abstract readonly action: Exclude<ActionType, ActionType.Noop>;
  protected readonly log: Logger;

  constructor(
    protected readonly components: C,
    protected readonly init: BitcoinTaskInit = {},
  ) {
    this.log = components.logger.child({ module: "proposals" });
  }

  abstract propose(ctx: ProposalTaskContext): Promise<Uint8Array | null>;

  /** The wallet at L if it may move funds (Live or MovingFunds); null, logged as WALLET_STATE, otherwise. */
  protected async walletThatMayMove(ctx: ProposalTaskContext): Promise<WalletRecord | null> {
    const wallet = await this.components.bridge.wallets(ctx.walletPkh, ctx.L);
    if (wallet.state === WalletState.Live || wallet.state === WalletState.MovingFunds) return wallet;
    return this.skip(ctx, "WALLET_STATE", { state: wallet.state });
  }

  /** Logs why the task proposes nothing for this wallet and window (`redemption task yields nothing`). */
  protected skip(ctx: ProposalTaskContext, reason: string, extra: Record<string, unknown> = {}): null {
    const task = actionName(this.action);
    const words = task.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
    this.log.info({ task, wallet: ctx.wallet, W: ctx.W, reason, ...extra }, `${words} task yields nothing`);
    return null;
  }
}
