// Development networks only: FROST wallets (threshold.md §2, §3.1) requested from the
// FrostWalletRegistry by governance. The operator nodes then create each one by DKG among its members;
// or, for tests that need a registered wallet without running nodes, the library's trusted dealer
// keys it and the members' signatures over the result are made here (the dealer saw each whole key:
// such wallets never hold real funds).
import { Contract, getAddress, getBytes, keccak256, parseEther, toUtf8Bytes, type Signer, type Wallet } from "ethers";
import { bridgeAbi, frostWalletRegistryInterface } from "../src/chain/abi.js";
import { dkgResultDigest, signDkgResult, submitDkgResultCalldata } from "../src/chain/dkg-result.js";
import { createDevFrostWallet, type DevFrostWallet } from "../src/threshold/dev-wallet.js";

export interface DevFrostWalletEntry {
  /** The wallet's position in the devnet's wallet list. */
  index: number;
  walletPubKeyHash: Uint8Array;
  /** Seat list = the registry request's members, ascending (seat k is member index k, FROST identifier k). */
  operators: string[];
  /** The dealer's public package and every member's share. */
  frost: DevFrostWallet;
}

/** A wallet asked of the registry: its members will create it by DKG. */
export interface DevFrostWalletRequest {
  index: number;
  requestId: bigint;
  /** Ascending: member index k is position k − 1. */
  members: string[];
  threshold: number;
  /** The block the request was made in. */
  block: number;
}

export interface DevFrostWalletOptions {
  /** Positions of the wallets (their seats follow from the position). */
  indices: number[];
  /** Members per wallet before duplicates are dropped; wallet i gets members[(i + k) mod n]. */
  membersPerWallet: number;
  /** Operator keys of the pool (with the dealer, a member submits the result and pays gas). */
  members: Wallet[];
  seed: string;
  /** Signers per signature; default devThreshold(members). */
  threshold?: number;
}

/** t = ⌊m/2⌋ + 1 of m members (at least 2), the devnet's default (threshold.md §6). */
export function devThreshold(members: number): number {
  return Math.max(2, Math.floor(members / 2) + 1);
}

/** Wallet `index`'s members: members[(index + k) mod n] for k < membersPerWallet, ascending by address (the registry's rule). */
export function devFrostMembers<T extends { address: string }>(index: number, membersPerWallet: number, pool: readonly T[]): T[] {
  const picked = new Map<string, T>();
  for (let k = 0; k < membersPerWallet; k++) {
    const m = pool[(index + k) % pool.length]!;
    picked.set(getAddress(m.address), m);
  }
  return [...picked.values()].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

async function registryOf(bridge: string, governance: Signer): Promise<Contract> {
  const address = getAddress(await new Contract(bridge, bridgeAbi, governance).getFunction("frostWalletRegistry")());
  if (/^0x0{40}$/i.test(address)) throw new Error("the Bridge has no FrostWalletRegistry; deploy it with the contracts");
  return new Contract(address, frostWalletRegistryInterface, governance);
}

/** Governance asks the registry for one wallet per index (quorum: every member signs the result). */
export async function requestDevFrostWallets(bridge: string, governance: Signer, options: DevFrostWalletOptions): Promise<DevFrostWalletRequest[]> {
  const registry = await registryOf(bridge, governance);
  const requests: DevFrostWalletRequest[] = [];
  for (const index of options.indices) {
    const members = devFrostMembers(index, options.membersPerWallet, options.members).map((m) => getAddress(m.address));
    const threshold = options.threshold ?? devThreshold(members.length);
    const { requestId, block } = await request(registry, members, threshold);
    requests.push({ index, requestId, members, threshold, block });
  }
  return requests;
}

async function request(registry: Contract, members: string[], threshold: number): Promise<{ requestId: bigint; seed: Uint8Array; block: number }> {
  const receipt = await (await registry.getFunction("requestNewWallet")(members, threshold, members.length)).wait();
  const requested = receipt.logs
    .map((l: { topics: string[]; data: string }) => frostWalletRegistryInterface.parseLog({ topics: [...l.topics], data: l.data }))
    .find((e: { name: string } | null) => e?.name === "DkgRequested");
  if (!requested) throw new Error("requestNewWallet emitted no DkgRequested");
  return { requestId: requested.args.requestId as bigint, seed: getBytes(requested.args.seed as string), block: receipt.blockNumber as number };
}

/** Requests, then keys by the trusted dealer, signs and submits one FROST wallet per index; `governance` signs the requests. */
export async function registerDevFrostWallets(bridge: string, governance: Signer, options: DevFrostWalletOptions): Promise<DevFrostWalletEntry[]> {
  const registry = await registryOf(bridge, governance);
  const registryAddress = await registry.getAddress();
  const entries: DevFrostWalletEntry[] = [];
  for (const index of options.indices) {
    const members = devFrostMembers(index, options.membersPerWallet, options.members);
    const threshold = options.threshold ?? devThreshold(members.length);
    const frost = createDevFrostWallet(getBytes(keccak256(toUtf8Bytes(`wcoord-dev-frost-wallet-${options.seed}-${index}`))), members.length, threshold);
    const addresses = members.map((m) => getAddress(m.address));
    const { requestId, seed } = await request(registry, addresses, threshold);
    const digest = dkgResultDigest({
      chainId: (await governance.provider!.getNetwork()).chainId,
      registry: registryAddress,
      bridge,
      requestId,
      seed,
      walletX: frost.walletX,
      members: addresses,
      excluded: [],
    });
    const signatures = members.map((m) => signDkgResult(m.signingKey, digest));
    const submitter = members[0]!.connect(governance.provider);
    if ((await governance.provider!.getBalance(submitter.address)) === 0n) {
      await (await governance.sendTransaction({ to: submitter.address, value: parseEther("1") })).wait();
    }
    const data = submitDkgResultCalldata({ requestId, walletX: frost.walletX, excluded: [], signerIndices: members.map((_, i) => i + 1), signatures });
    await (await submitter.sendTransaction({ to: registryAddress, data })).wait();
    entries.push({ index, walletPubKeyHash: frost.walletPkh, operators: addresses, frost });
  }
  return entries;
}
