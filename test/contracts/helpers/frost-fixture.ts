// A real Bridge wired to a real FrostWalletRegistry (threshold.md §3.1), members with their own keys,
// the DKG result digest computed independently with ethers' AbiCoder, and FROST wallets registered
// through the registry.
import { AbiCoder, Wallet, getAddress, getBytes, hashMessage, keccak256, type Contract, type ContractTransactionReceipt, type Signer } from "ethers";
import { deployArtifact, readArtifact } from "../../../deploy/link-libraries.js";
import { concatBytes, fromHex, to0x } from "../../../src/util/hex.js";
import { deployBridgeFixture, send, type BridgeFixture } from "./bridge-fixture.js";
import { randomXOnlyKey } from "./taproot-fixtures.js";

export const DKG_TIMEOUT_BLOCKS = 40;

export interface FrostFixture extends BridgeFixture {
  registry: Contract;
}

/** `deployBridgeFixture` plus a FrostWalletRegistry(bridge, DKG_TIMEOUT_BLOCKS) set on the Bridge. */
export async function deployFrostFixture(): Promise<FrostFixture> {
  const f = await deployBridgeFixture();
  const { contract: registry } = await deployArtifact(
    readArtifact("contracts/bridge/FrostWalletRegistry.sol", "FrostWalletRegistry"),
    f.governance,
    [await f.bridge.getAddress(), DKG_TIMEOUT_BLOCKS],
  );
  await send(f.bridge.connect(f.governance).getFunction("setFrostWalletRegistry")(await registry.getAddress()));
  return { ...f, registry };
}

/** `count` member keys derived from `seed`, sorted by address (a request's members are ascending), funded. */
export async function memberWallets(f: BridgeFixture, count: number, seed: string): Promise<Wallet[]> {
  const ws = Array.from({ length: count }, (_, i) => new Wallet(keccak256(new TextEncoder().encode(`${seed}-${i}`)), f.net.ethers.provider));
  ws.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  for (const w of ws) await f.net.networkHelpers.setBalance(w.address, 10n ** 20n);
  return ws;
}

/**
 * threshold.md §3.1 digest: keccak256(abi.encode("wcoord-frost-dkg-v1", chainid, registry, bridge,
 * requestId, seed, walletX, keccak256(abi.encode(members)), keccak256(abi.encode(excluded)))).
 */
export function dkgDigest(d: {
  chainId: bigint;
  registry: string;
  bridge: string;
  requestId: bigint;
  seed: string;
  walletX: string;
  members: string[];
  excluded: number[];
}): string {
  const coder = AbiCoder.defaultAbiCoder();
  return keccak256(
    coder.encode(
      ["string", "uint256", "address", "address", "uint256", "bytes32", "bytes32", "bytes32", "bytes32"],
      [
        "wcoord-frost-dkg-v1",
        d.chainId,
        d.registry,
        d.bridge,
        d.requestId,
        d.seed,
        d.walletX,
        keccak256(coder.encode(["address[]"], [d.members])),
        keccak256(coder.encode(["uint8[]"], [d.excluded])),
      ],
    ),
  );
}

/** EIP-191 signatures of `digest`, 65 bytes (r ‖ s ‖ v) each, concatenated in signer order. */
export function signDigest(signers: Wallet[], digest: string): string {
  return to0x(concatBytes(...signers.map((w) => fromHex(w.signingKey.sign(hashMessage(getBytes(digest))).serialized))));
}

export interface DkgRequest {
  requestId: bigint;
  seed: string;
  deadline: bigint;
  members: Wallet[];
  receipt: ContractTransactionReceipt;
}

/** Governance requests a wallet from `members`; returns the request as the DkgRequested event gave it. */
export async function requestWallet(f: FrostFixture, members: Wallet[], threshold: number, dkgQuorum: number): Promise<DkgRequest> {
  const receipt = await send(f.registry.connect(f.governance).getFunction("requestNewWallet")(members.map((m) => m.address), threshold, dkgQuorum));
  const log = receipt.logs.map((l) => f.registry.interface.parseLog({ topics: [...l.topics], data: l.data })).find((e) => e?.name === "DkgRequested")!;
  return { requestId: log.args.requestId as bigint, seed: log.args.seed as string, deadline: log.args.deadline as bigint, members, receipt };
}

export interface DkgResult {
  requestId: bigint;
  walletX: string;
  excluded: number[];
  signerIndices: number[];
  signatures: string;
}

/** A result for `request` signed by the members at `signerIndices` (1-based), over the independently computed digest. */
export async function signedResult(f: FrostFixture, request: DkgRequest, walletX: string, signerIndices: number[], excluded: number[] = []): Promise<DkgResult> {
  const digest = dkgDigest({
    chainId: (await f.net.ethers.provider.getNetwork()).chainId,
    registry: getAddress(await f.registry.getAddress()),
    bridge: getAddress(await f.bridge.getAddress()),
    requestId: request.requestId,
    seed: request.seed,
    walletX,
    members: request.members.map((m) => m.address),
    excluded,
  });
  return { requestId: request.requestId, walletX, excluded, signerIndices, signatures: signDigest(signerIndices.map((i) => request.members[i - 1]), digest) };
}

/** Submits `result` as `submitter` (default: the first signer). */
export function submit(f: FrostFixture, request: DkgRequest, result: DkgResult, submitter?: Signer): Promise<unknown> {
  const from = submitter ?? request.members[result.signerIndices[0] - 1];
  return f.registry.connect(from).getFunction("submitDkgResult")(result);
}

/** A FROST wallet with a fresh key registered through the registry by `n` members, all signing. */
export async function registerFrostWallet(
  f: FrostFixture,
  n = 3,
  threshold = 2,
  seed = `frost-${Math.random()}`,
): Promise<{ walletX: string; members: Wallet[]; request: DkgRequest }> {
  const members = await memberWallets(f, n, seed);
  const request = await requestWallet(f, members, threshold, n);
  const walletX = randomXOnlyKey().x;
  const result = await signedResult(f, request, walletX, members.map((_, i) => i + 1));
  await send(submit(f, request, result));
  return { walletX, members, request };
}
