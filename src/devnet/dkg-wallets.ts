// The devnet's wait for its DKG wallets (threshold.md §6): governance has requested them, the operator
// nodes create each one by DKG among its members over libp2p and one member submits the result.
// Ethereum blocks keep coming meanwhile (the nodes' event index, DKG attempt cut-offs and the
// submitters' rank delays all count blocks).
import { Contract, type JsonRpcProvider } from "ethers";
import type { DevFrostWalletRequest } from "../../deploy/dev-frost-wallets.js";
import { frostWalletRegistryInterface } from "../chain/abi.js";
import { fromHex } from "../util/hex.js";
import type { DevnetFrostWallet } from "./local-network.js";
import type { Miner } from "./miner.js";

/** A request whose wallet is registered, and how long after the wait began. */
export interface DkgProgress {
  readonly request: DevFrostWalletRequest;
  readonly ms: number;
  readonly wallet: DevnetFrostWallet;
}

export interface DkgChain {
  readonly provider: JsonRpcProvider;
  readonly miner: Miner;
  readonly registry: string;
  /** The nodes' event index lag: this many blocks are mined at once first, so they see the requests at once. */
  readonly indexerLagBlocks: number;
}

const enum DkgState {
  Accepted = 2,
  TimedOut = 3,
}

/** One Ethereum block per poll while the DKGs run: an attempt of 100 blocks lasts 50 s. */
const POLL_MS = 500;

/** Resolves with every requested wallet once registered; throws on a timed-out request or after `timeoutMs`. */
export async function awaitDkgWallets(
  chain: DkgChain,
  requests: readonly DevFrostWalletRequest[],
  onProgress: (p: DkgProgress) => void,
  timeoutMs: number,
): Promise<DevnetFrostWallet[]> {
  const registry = new Contract(chain.registry, frostWalletRegistryInterface, chain.provider);
  const started = Date.now();
  const created = new Map<bigint, DevnetFrostWallet>();
  await chain.miner.mine(chain.indexerLagBlocks + 1);
  while (created.size < requests.length) {
    for (const r of requests) {
      if (created.has(r.requestId)) continue;
      const state = Number((await registry.getFunction("getDkgRequest")(r.requestId)).state);
      if (state === DkgState.TimedOut) throw new Error(`DKG request ${r.requestId} (wallet ${r.index}) timed out on chain`);
      if (state !== DkgState.Accepted) continue;
      const wallet = await acceptedWallet(chain, r);
      created.set(r.requestId, wallet);
      onProgress({ request: r, ms: Date.now() - started, wallet });
    }
    if (created.size === requests.length) break;
    if (Date.now() - started > timeoutMs) {
      const left = requests.filter((r) => !created.has(r.requestId)).map((r) => r.requestId.toString());
      throw new Error(`DKG requests ${left.join(", ")} not registered after ${timeoutMs / 1000} s`);
    }
    await chain.miner.mine(1);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return requests.map((r) => created.get(r.requestId)!);
}

async function acceptedWallet(chain: DkgChain, r: DevFrostWalletRequest): Promise<DevnetFrostWallet> {
  const topic = frostWalletRegistryInterface.getEvent("DkgResultAccepted")!.topicHash;
  const logs = await chain.provider.getLogs({ address: chain.registry, fromBlock: r.block, topics: [topic, "0x" + r.requestId.toString(16).padStart(64, "0")] });
  if (logs.length !== 1) throw new Error(`DKG request ${r.requestId}: ${logs.length} DkgResultAccepted events`);
  const e = frostWalletRegistryInterface.parseLog({ topics: [...logs[0]!.topics], data: logs[0]!.data })!;
  return {
    scheme: "frost",
    index: r.index,
    walletPubKeyHash: fromHex((e.args.walletPubKeyHash as string).slice(2)),
    operators: r.members,
    walletX: fromHex((e.args.walletX as string).slice(2)),
    threshold: r.threshold,
  };
}
