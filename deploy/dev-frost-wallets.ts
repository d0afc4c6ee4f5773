// Development networks only: FROST wallets (threshold.md §2, §3.1) keyed by the library's trusted dealer
// (createDevFrostWallet) and registered the way real ones are, through the FrostWalletRegistry:
// governance requests the wallet, every member signs the DKG result digest (EIP-191) and one member
// submits it. The dealer saw each whole key: these wallets never hold real funds.
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

export interface DevFrostWalletOptions {
  /** Positions of the wallets to register (their keys and seats follow from the position and the seed). */
  indices: number[];
  /** Members per wallet before duplicates are dropped; wallet i gets members[(i + k) mod n]. */
  membersPerWallet: number;
  /** Operator keys of the pool; a member submits the result and must be able to pay gas. */
  members: Wallet[];
  seed: string;
}

/** t = ⌊m/2⌋ + 1 of m members (at least 2), the devnet's default (threshold.md §6). */
export function devThreshold(members: number): number {
  return Math.max(2, Math.floor(members / 2) + 1);
}

/** Requests, signs and submits one FROST wallet per index; `governance` signs the requests. */
export async function registerDevFrostWallets(bridge: string, governance: Signer, options: DevFrostWalletOptions): Promise<DevFrostWalletEntry[]> {
  const registryAddress = getAddress(await new Contract(bridge, bridgeAbi, governance).getFunction("frostWalletRegistry")());
  if (/^0x0{40}$/i.test(registryAddress)) throw new Error("the Bridge has no FrostWalletRegistry; deploy it with the contracts");
  const registry = new Contract(registryAddress, frostWalletRegistryInterface, governance);
  const pool = options.members;
  const entries: DevFrostWalletEntry[] = [];
  for (const index of options.indices) {
    const picked = new Map<string, Wallet>();
    for (let k = 0; k < options.membersPerWallet; k++) {
      const m = pool[(index + k) % pool.length]!;
      picked.set(getAddress(m.address), m);
    }
    // Members strictly ascending by address (the registry's rule; member index = position + 1).
    const members = [...picked.values()].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    const threshold = devThreshold(members.length);
    const frost = createDevFrostWallet(getBytes(keccak256(toUtf8Bytes(`wcoord-dev-frost-wallet-${options.seed}-${index}`))), members.length, threshold);
    const addresses = members.map((m) => getAddress(m.address));
    const receipt = await (await registry.getFunction("requestNewWallet")(addresses, threshold, members.length)).wait();
    const requested = receipt.logs
      .map((l: { topics: string[]; data: string }) => frostWalletRegistryInterface.parseLog({ topics: [...l.topics], data: l.data }))
      .find((e: { name: string } | null) => e?.name === "DkgRequested");
    if (!requested) throw new Error(`requestNewWallet for dev FROST wallet ${index} emitted no DkgRequested`);
    const requestId = requested.args.requestId as bigint;
    const digest = dkgResultDigest({
      chainId: (await governance.provider!.getNetwork()).chainId,
      registry: registryAddress,
      bridge,
      requestId,
      seed: getBytes(requested.args.seed as string),
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
