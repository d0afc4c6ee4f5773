// Development-only fixtures: real deposits, sweeps and redemption requests on a dev Bridge, built
// byte for byte per contracts.md §1.3–1.4 (used by the gas bench, integration tests and devnets).
import { schnorr } from "@noble/curves/secp256k1.js";
import { Contract, getBytes, keccak256, solidityPacked, type Signer } from "ethers";
import { bridgeAbi } from "../src/chain/abi.js";
import { depositLockingScripts, depositScript, p2wpkhScript as bareP2wpkhScript, type DepositScriptParts } from "../src/bitcoin/scripts.js";
import { taprootDepositOutput, taprootRefundLeaf, xOnlyPubKeyHash } from "../src/bitcoin/taproot.js";
import { hash256 } from "../src/bitcoin/tx.js";
import { outpointKey } from "../src/protocol/bridge-keys.js";
import type { BitcoinTxInfo, BitcoinUtxo, DepositExtraInfo, DepositKey } from "../src/chain/types.js";
import { concatBytes, fromHex } from "../src/util/hex.js";

// Moved to src/bitcoin; re-exported for the bench, devnet scenario and tests.
export { hash160, depositScript, type DepositScriptParts } from "../src/bitcoin/scripts.js";
export { hash256 } from "../src/bitcoin/tx.js";
export { outpointKey as depositKey, redemptionKey } from "../src/protocol/bridge-keys.js";

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function u64le(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

/** One-input, one-output funding transaction paying `amount` sat to the script (P2WSH or P2SH). */
export function fundingTx(script: Uint8Array, amount: bigint, prevTxHash: Uint8Array, p2sh = false): BitcoinTxInfo {
  const locking = depositLockingScripts(script);
  const bare = p2sh ? locking.p2sh : locking.p2wsh;
  const lockingScript = concatBytes(Uint8Array.of(bare.length), bare);
  return {
    version: fromHex("01000000"),
    inputVector: concatBytes(fromHex("01"), prevTxHash, fromHex("00000000"), fromHex("00"), fromHex("ffffffff")),
    outputVector: concatBytes(fromHex("01"), u64le(amount), lockingScript),
    locktime: fromHex("00000000"),
  };
}

export function txHash(tx: BitcoinTxInfo): Uint8Array {
  return hash256(concatBytes(tx.version, tx.inputVector, tx.outputVector, tx.locktime));
}



/** Length-prefixed P2WPKH output script paying `pkh`. */
export function p2wpkhScript(pkh: Uint8Array): Uint8Array {
  const bare = bareP2wpkhScript(pkh);
  return concatBytes(Uint8Array.of(bare.length), bare);
}

export interface RevealedDeposit {
  key: DepositKey;
  depositKey: bigint;
  extraInfo: DepositExtraInfo;
  amount: bigint;
}

async function send(contract: Contract, fn: string, args: unknown[]): Promise<void> {
  await (await contract.getFunction(fn)(...args)).wait();
}

/** Calldata-ready arguments of a reveal; `nonce` makes the funding transaction unique. */
export async function depositRevealArgs(
  depositor: Signer,
  walletPubKeyHash: Uint8Array,
  amount: bigint,
  refundLocktime: number,
  nonce: number,
): Promise<{ fundingTx: BitcoinTxInfo; reveal: Record<string, unknown>; deposit: RevealedDeposit }> {
  const seed = getBytes(keccak256(solidityPacked(["string", "uint256"], ["wcoord-dev-deposit", nonce])));
  const parts: DepositScriptParts = {
    depositor: getBytes(await depositor.getAddress()),
    blindingFactor: seed.slice(0, 8),
    walletPubKeyHash,
    refundPubKeyHash: seed.slice(8, 28),
    refundLocktime: u32le(refundLocktime),
  };
  const tx = fundingTx(depositScript(parts), amount, hash256(seed), nonce % 2 === 1);
  const fundingTxHash = txHash(tx);
  const reveal = {
    fundingOutputIndex: 0,
    blindingFactor: parts.blindingFactor,
    walletPubKeyHash,
    refundPubKeyHash: parts.refundPubKeyHash,
    refundLocktime: parts.refundLocktime,
    vault: "0x0000000000000000000000000000000000000000",
  };
  const deposit: RevealedDeposit = {
    key: { fundingTxHash, fundingOutputIndex: 0 },
    depositKey: outpointKey(fundingTxHash, 0),
    extraInfo: { fundingTx: tx, ...parts },
    amount,
  };
  return { fundingTx: tx, reveal, deposit };
}

/** Reveals a deposit of `amount` sat to the wallet; the depositor is the signer. */
export async function revealDevDeposit(
  bridge: string,
  depositor: Signer,
  walletPubKeyHash: Uint8Array,
  amount: bigint,
  refundLocktime: number,
  nonce: number,
): Promise<RevealedDeposit> {
  const { fundingTx: tx, reveal, deposit } = await depositRevealArgs(depositor, walletPubKeyHash, amount, refundLocktime, nonce);
  await send(new Contract(bridge, bridgeAbi, depositor), "revealDeposit", [tx, reveal]);
  return deposit;
}

/** Records a sweep of the deposits (maintainer) and returns the wallet's new main UTXO. */
export async function recordDevSweep(
  bridge: string,
  maintainer: Signer,
  walletPubKeyHash: Uint8Array,
  deposits: DepositKey[],
  mainUtxoValue: bigint,
  nonce: number,
): Promise<BitcoinUtxo> {
  const sweepTxHash = hash256(getBytes(solidityPacked(["string", "uint256"], ["wcoord-dev-sweep", nonce])));
  const mainUtxo: BitcoinUtxo = { txHash: sweepTxHash, txOutputIndex: 0, txOutputValue: mainUtxoValue };
  await send(new Contract(bridge, bridgeAbi, maintainer), "recordDepositSweep", [walletPubKeyHash, sweepTxHash, deposits, mainUtxo]);
  return mainUtxo;
}

/** Requests a redemption to a P2WPKH script derived from `nonce`; returns the length-prefixed script. */
export async function requestDevRedemption(
  bridge: string,
  requester: Signer,
  walletPubKeyHash: Uint8Array,
  mainUtxo: BitcoinUtxo,
  amount: bigint,
  nonce: number,
): Promise<Uint8Array> {
  const script = p2wpkhScript(getBytes(keccak256(solidityPacked(["string", "uint256"], ["wcoord-dev-redeemer", nonce]))).slice(0, 20));
  await send(new Contract(bridge, bridgeAbi, requester), "requestRedemption", [walletPubKeyHash, mainUtxo, script, amount]);
  return script;
}

// --- Taproot deposits to FROST wallets (threshold.md §4.2–4.3) ---

/** The refund leaf of a Taproot deposit (moved to src/bitcoin/taproot.ts; re-exported for the bench and tests). */
export { taprootRefundLeaf } from "../src/bitcoin/taproot.js";

export interface RevealedTaprootDeposit {
  key: DepositKey;
  extraInfo: {
    fundingTx: BitcoinTxInfo;
    blindingFactor: Uint8Array;
    walletPubKeyHash: Uint8Array;
    walletX: Uint8Array;
    refundPubKeyHash: Uint8Array;
    refundX: Uint8Array;
    refundLocktime: Uint8Array;
  };
}

/** Calldata-ready arguments of a Taproot reveal to the FROST wallet `walletX`; `nonce` makes it unique. */
export async function taprootDepositRevealArgs(
  depositor: Signer,
  walletX: Uint8Array,
  amount: bigint,
  refundLocktime: number,
  nonce: number,
): Promise<{ fundingTx: BitcoinTxInfo; reveal: Record<string, unknown>; deposit: RevealedTaprootDeposit }> {
  const seed = getBytes(keccak256(solidityPacked(["string", "uint256"], ["wcoord-dev-taproot-deposit", nonce])));
  const refundX = schnorr.getPublicKey(seed);
  const blindingFactor = seed.slice(0, 8);
  const locktime = u32le(refundLocktime);
  const leaf = taprootRefundLeaf({ depositor: getBytes(await depositor.getAddress()), blindingFactor, refundLocktime: locktime, refundX });
  const output = taprootDepositOutput(walletX, leaf).script;
  const tx: BitcoinTxInfo = {
    version: fromHex("01000000"),
    inputVector: concatBytes(fromHex("01"), hash256(seed), fromHex("00000000"), fromHex("00"), fromHex("ffffffff")),
    outputVector: concatBytes(fromHex("01"), u64le(amount), Uint8Array.of(output.length), output),
    locktime: fromHex("00000000"),
  };
  const walletPubKeyHash = xOnlyPubKeyHash(walletX);
  const reveal = { fundingOutputIndex: 0, blindingFactor, walletPubKeyHash, refundX, refundLocktime: locktime, vault: "0x" + "00".repeat(20) };
  const extraInfo = {
    fundingTx: tx,
    blindingFactor,
    walletPubKeyHash,
    walletX,
    refundPubKeyHash: xOnlyPubKeyHash(refundX),
    refundX,
    refundLocktime: locktime,
  };
  return { fundingTx: tx, reveal, deposit: { key: { fundingTxHash: txHash(tx), fundingOutputIndex: 0 }, extraInfo } };
}
