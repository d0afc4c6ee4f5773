// Real-Bridge fixtures for the Bridge tests (contracts.md §6.4): deployment with
// roles, deterministic test wallets, deposits revealed through the real reveal
// path and main UTXOs set through maintainer recording.
import hre from "hardhat";
import { SigningKey, dataSlice, keccak256, toBeHex, zeroPadValue, type Contract, type ContractTransactionReceipt, type Signer } from "ethers";
import { deployArtifact, readArtifact } from "../../../deploy/link-libraries.js";
import { concatBytes, fromHex, to0x } from "../../../src/util/hex.js";
import {
  DAY,
  ZERO_BYTES32,
  buildDepositScript,
  depositKey,
  fundingTxHash,
  hash160,
  locktimeLE,
  p2shOutputScript,
  p2wshOutputScript,
  randomHex,
  singleInputVector,
  txOutput,
  vector,
  type BitcoinTxInfo,
  type BitcoinUtxo,
} from "./bitcoin-fixtures.js";
import type { Net } from "./evm.js";

export const ZERO_ADDRESS = "0x" + "00".repeat(20);

export interface BridgeFixture {
  net: Net;
  bridge: Contract;
  governance: Signer;
  maintainer: Signer;
  requester: Signer;
  /** Accounts with no role. */
  others: Signer[];
}

/**
 * A fresh in-process chain with a real Bridge (its libraries deployed and linked first); account 1 is a
 * maintainer, account 2 a redemption requester.
 */
export async function deployBridgeFixture(): Promise<BridgeFixture> {
  const net = await hre.network.create();
  const [governance, maintainer, requester, ...others] = await net.ethers.getSigners();
  const { contract: bridge } = await deployArtifact(readArtifact("contracts/bridge/Bridge.sol", "Bridge"), governance, [await governance.getAddress()]);
  await (await bridge.setMaintainerStatus(await maintainer.getAddress(), true)).wait();
  await (await bridge.setRedemptionRequesterStatus(await requester.getAddress(), true)).wait();
  return { net, bridge, governance, maintainer, requester, others };
}

export interface TestWallet {
  privateKey: string;
  /** 32-byte X coordinate. */
  x: string;
  /** 32-byte Y coordinate. */
  y: string;
  /** 33-byte compressed public key. */
  compressed: string;
  /** hash160 of the compressed key. */
  pubKeyHash: string;
  /** keccak256(X ‖ Y). */
  ecdsaWalletID: string;
}

/** Wallet key material from a small integer private key (1, 2, 3, …). */
export function testWallet(n: number | bigint): TestWallet {
  const privateKey = zeroPadValue(toBeHex(n), 32);
  const sk = new SigningKey(privateKey);
  const uncompressed = sk.publicKey; // 0x04 ‖ X ‖ Y
  const x = dataSlice(uncompressed, 1, 33);
  const y = dataSlice(uncompressed, 33, 65);
  const compressed = sk.compressedPublicKey;
  return {
    privateKey,
    x,
    y,
    compressed,
    pubKeyHash: to0x(hash160(fromHex(compressed))),
    ecdsaWalletID: keccak256(concatBytes(fromHex(x), fromHex(y))),
  };
}

/** `count` distinct test wallets starting at private key `first`, sorted by public key hash. */
export function sortedTestWallets(first: number, count: number): TestWallet[] {
  const ws: TestWallet[] = [];
  for (let i = 0; i < count; i++) ws.push(testWallet(first + i));
  return ws.sort((a, b) => (BigInt(a.pubKeyHash) < BigInt(b.pubKeyHash) ? -1 : 1));
}

/** Awaits a contract transaction and its receipt. */
export async function send(tx: Promise<unknown>): Promise<ContractTransactionReceipt> {
  const sent = (await tx) as { wait(): Promise<ContractTransactionReceipt | null> };
  const receipt = await sent.wait();
  if (receipt === null) throw new Error("no receipt");
  return receipt;
}

/** Registers `w` with the given operators (default: the governance alone). */
export async function registerWallet(f: BridgeFixture, w: TestWallet, operators?: string[]): Promise<ContractTransactionReceipt> {
  const ops = operators ?? [await f.governance.getAddress()];
  return send(f.bridge.connect(f.governance).getFunction("registerWallet")(w.x, w.y, ops));
}

export interface TestFunding {
  fundingTx: BitcoinTxInfo;
  reveal: {
    fundingOutputIndex: number;
    blindingFactor: string;
    walletPubKeyHash: string;
    refundPubKeyHash: string;
    refundLocktime: string;
    vault: string;
  };
  extraData: string;
  script: Uint8Array;
  fundingTxHash: string;
  /** uint256 deposit key as a 0x hex string. */
  key: string;
  amount: bigint;
}

export interface TestFundingOptions {
  depositor: string;
  walletPubKeyHash: string;
  amount?: bigint;
  /** Refund locktime integer; default now + 30 days. */
  refundLocktime?: number;
  witness?: boolean;
  extraData?: string;
  vault?: string;
  /** Outputs placed before the deposit output. */
  outputsBefore?: Uint8Array[];
}

/** A funding transaction paying the deposit script of §1.4 (P2WSH by default). */
export function testFunding(now: number, o: TestFundingOptions): TestFunding {
  const extraData = o.extraData ?? ZERO_BYTES32;
  const blindingFactor = randomHex(8);
  const refundPubKeyHash = randomHex(20);
  const refundLocktime = locktimeLE(o.refundLocktime ?? now + 30 * DAY);
  const script = buildDepositScript({
    depositor: o.depositor,
    blindingFactor,
    walletPubKeyHash: o.walletPubKeyHash,
    refundPubKeyHash,
    refundLocktime,
    extraData,
  });
  const amount = o.amount ?? 10_000_000n;
  const before = o.outputsBefore ?? [];
  const out = txOutput(amount, (o.witness ?? true) ? p2wshOutputScript(script) : p2shOutputScript(script));
  const fundingTx: BitcoinTxInfo = {
    version: "0x01000000",
    inputVector: singleInputVector(),
    outputVector: to0x(vector([...before, out])),
    locktime: "0x00000000",
  };
  const txHash = fundingTxHash(fundingTx);
  return {
    fundingTx,
    reveal: {
      fundingOutputIndex: before.length,
      blindingFactor,
      walletPubKeyHash: o.walletPubKeyHash,
      refundPubKeyHash,
      refundLocktime,
      vault: o.vault ?? ZERO_ADDRESS,
    },
    extraData,
    script,
    fundingTxHash: txHash,
    key: depositKey(txHash, before.length),
    amount,
  };
}

/** Reveals a fresh deposit of `amount` for the wallet through the real reveal path, sent by `depositor`. */
export async function revealTestDeposit(
  f: BridgeFixture,
  depositor: Signer,
  walletPubKeyHash: string,
  amount: bigint = 10_000_000n,
): Promise<TestFunding> {
  const now = await f.net.networkHelpers.time.latest();
  const d = testFunding(now, { depositor: await depositor.getAddress(), walletPubKeyHash, amount });
  await send(f.bridge.connect(depositor).getFunction("revealDeposit")(d.fundingTx, d.reveal));
  return d;
}

/**
 * Gives the wallet a main UTXO of `value` sat: reveals a deposit and records
 * its sweep with `{sweepTxHash, 0, value}` as the new main UTXO.
 */
export async function fundWallet(f: BridgeFixture, walletPubKeyHash: string, value: bigint): Promise<BitcoinUtxo> {
  const d = await revealTestDeposit(f, f.others[0], walletPubKeyHash);
  const utxo: BitcoinUtxo = { txHash: randomHex(32), txOutputIndex: 0, txOutputValue: value };
  await send(
    f.bridge
      .connect(f.maintainer)
      .getFunction("recordDepositSweep")(
        walletPubKeyHash,
        utxo.txHash,
        [{ fundingTxHash: d.fundingTxHash, fundingOutputIndex: d.reveal.fundingOutputIndex }],
        utxo,
      ),
  );
  return utxo;
}

/** Decoded events of a receipt emitted by `contract`, in log order. */
export function eventsOf(contract: Contract, receipt: ContractTransactionReceipt): { name: string; args: unknown[] }[] {
  const out: { name: string; args: unknown[] }[] = [];
  for (const log of receipt.logs) {
    const parsed = contract.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed !== null) out.push({ name: parsed.name, args: [...parsed.args] });
  }
  return out;
}

/** Plain array of a struct result (ethers Result → unknown[]). */
export function tuple(r: unknown): unknown[] {
  return [...(r as unknown[])].map((v) => (Array.isArray(v) ? tuple(v) : v));
}

/** Length-prefixed P2WPKH output script paying `pkh`. */
export function p2wpkhScript(pkh: string): string {
  return to0x(concatBytes(fromHex("160014"), fromHex(pkh)));
}

/** Length-prefixed P2PKH output script paying `pkh`. */
export function p2pkhScript(pkh: string): string {
  return to0x(concatBytes(fromHex("1976a914"), fromHex(pkh), fromHex("88ac")));
}

/** Length-prefixed P2SH output script for the 20-byte script hash `h`. */
export function p2shScript(h: string): string {
  return to0x(concatBytes(fromHex("17a914"), fromHex(h), fromHex("87")));
}

/** Length-prefixed P2WSH output script for the 32-byte script hash `h`. */
export function p2wshScript(h: string): string {
  return to0x(concatBytes(fromHex("220020"), fromHex(h)));
}
