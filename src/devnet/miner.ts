// Drives the devnet chain: windows stay 900 blocks long, but the quiet stretch between windows is
// mined in one `hardhat_mine` burst and the blocks around a window come one at a time, so a window
// opens every few seconds while the nodes still see every block of its active and passive phases.
import { JsonRpcProvider, toQuantity } from "ethers";
import { ASSUMED_BLOCK_TIME_SEC, COORDINATION_FREQUENCY_BLOCKS, WINDOW_DURATION_BLOCKS } from "../protocol/constants.js";
import { sleep } from "../util/sleep.js";

export interface MinerOptions {
  /** Pause between single blocks around a window. */
  blockMs: number;
  /** Single blocks start this many blocks before W (the safe block W−32 is mined in the burst). */
  leadBlocks?: number;
  /**
   * ...and continue this many blocks after W+100, so results settle and actions started at W+100 get
   * signed (moving funds may sign only from W+132). Default 40.
   */
  tailBlocks?: number;
}

export type WindowHook = (W: number) => Promise<void> | void;

export interface WindowHooks {
  beforeWindow?: WindowHook;
  /** Before each single block `n` of window W: a test may hold the chain until its nodes caught up. */
  beforeBlock?: (n: number, W: number) => Promise<void> | void;
  afterWindow?: WindowHook;
}

export class Miner {
  constructor(
    private readonly provider: JsonRpcProvider,
    private readonly opts: MinerOptions,
  ) {}

  async head(): Promise<number> {
    return Number(await this.provider.send("eth_blockNumber", []));
  }

  /** Mines `blocks` blocks 12 s apart (mainnet's pace), so block-time rules (deposit age 2 h…) pass in a few windows. */
  async mine(blocks: number): Promise<void> {
    if (blocks > 0) await this.provider.send("hardhat_mine", [toQuantity(blocks), toQuantity(ASSUMED_BLOCK_TIME_SEC)]);
  }

  /**
   * Mines through the next window: burst to W−lead, `beforeWindow(W)`, single blocks to W+100+tail
   * (each after `beforeBlock`), then `afterWindow(W)`. Returns W.
   */
  async nextWindow(hooks: WindowHooks, signal: AbortSignal): Promise<number> {
    const lead = this.opts.leadBlocks ?? 8;
    const tail = this.opts.tailBlocks ?? 40;
    let head = await this.head();
    const W = (Math.floor((head + lead) / COORDINATION_FREQUENCY_BLOCKS) + 1) * COORDINATION_FREQUENCY_BLOCKS;
    // Hardhat serves no state at blocks strictly inside a hardhat_mine range, so the safe block W−32
    // (seat lists are read there) is mined on its own.
    const safe = W - 32;
    if (head < safe) {
      await this.mine(safe - 1 - head);
      await this.provider.send("evm_mine", []);
      head = safe;
    }
    await this.mine(W - lead - head);
    await hooks.beforeWindow?.(W);
    head = await this.head();
    while (head < W + WINDOW_DURATION_BLOCKS + tail) {
      signal.throwIfAborted();
      await hooks.beforeBlock?.(head + 1, W);
      await this.mine(1);
      head++;
      await sleep(this.opts.blockMs, signal);
    }
    await hooks.afterWindow?.(W);
    return W;
  }
}
