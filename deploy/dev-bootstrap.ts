// Development networks only (contracts.md §7.4): registers wallets from deterministic test keys with
// overlapping operator sets, and sets maintainers, redemption requesters, a trusted vault and
// optionally a redemption watchtower. Everything here is governance-only on the Bridge.
import { Contract, SigningKey, getAddress, getBytes, keccak256, toUtf8Bytes, type Signer } from "ethers";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bridgeAbi } from "../src/chain/abi.js";

/** Chain ids of local development chains (Hardhat, Anvil/Ganache). */
export const DEV_CHAIN_IDS: ReadonlySet<number> = new Set([31337, 1337]);

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface DevWallet {
  index: number;
  /** 32 bytes; a published test key, never for real funds. */
  privateKey: Uint8Array;
  /** 33-byte compressed secp256k1 key. */
  compressedPublicKey: Uint8Array;
  /** 64 bytes X ‖ Y, as registered on the Bridge. */
  uncompressedPublicKey: Uint8Array;
  /** HASH160 of the compressed key. */
  walletPubKeyHash: Uint8Array;
  /** Seat list (seat k is index k−1), EIP-55. */
  operators: string[];
}

export interface DevWalletOptions {
  count: number;
  operatorsPerWallet: number;
  /** Pool the seats are drawn from; wallet i gets operators[(i + k) mod n] for seat k+1. */
  operators: string[];
  /** Changes the keys; the same seed always gives the same wallets. */
  seed?: string;
}

/** Wallet i's test key: keccak256("wcoord-dev-wallet-<seed>-<i>"). */
export function devWalletPrivateKey(index: number, seed = "0"): Uint8Array {
  const key = getBytes(keccak256(toUtf8Bytes(`wcoord-dev-wallet-${seed}-${index}`)));
  const k = BigInt("0x" + Buffer.from(key).toString("hex"));
  if (k === 0n || k >= SECP256K1_N) throw new Error(`dev wallet key ${index} is outside the curve order; pick another seed`);
  return key;
}

/** The wallets `registerDevWallets` registers, without touching the chain. */
export function devWallets(options: DevWalletOptions): DevWallet[] {
  const { count, operatorsPerWallet, operators } = options;
  if (operators.length === 0) throw new Error("operators must not be empty");
  if (operatorsPerWallet < 1 || operatorsPerWallet > 255) throw new Error("operatorsPerWallet must be in 1..255");
  const pool = operators.map((a) => getAddress(a));
  return Array.from({ length: count }, (_, index) => {
    const privateKey = devWalletPrivateKey(index, options.seed);
    const signingKey = new SigningKey(privateKey);
    const compressedPublicKey = getBytes(signingKey.compressedPublicKey);
    return {
      index,
      privateKey,
      compressedPublicKey,
      uncompressedPublicKey: getBytes(signingKey.publicKey).slice(1),
      walletPubKeyHash: ripemd160(sha256(compressedPublicKey)),
      // Consecutive wallets share all but one operator; a short pool repeats operators across seats.
      operators: Array.from({ length: operatorsPerWallet }, (_, k) => pool[(index + k) % pool.length]),
    };
  });
}

function bridgeAt(bridge: string, signer: Signer): Contract {
  return new Contract(bridge, bridgeAbi, signer);
}

async function send(contract: Contract, fn: string, args: unknown[]): Promise<void> {
  const tx = await contract.getFunction(fn)(...args);
  await tx.wait();
}

/** Registers the wallets from `devWallets(options)`; `governance` signs. */
export async function registerDevWallets(bridge: string, governance: Signer, options: DevWalletOptions): Promise<DevWallet[]> {
  const wallets = devWallets(options);
  const contract = bridgeAt(bridge, governance);
  for (const w of wallets) {
    await send(contract, "registerWallet", [w.uncompressedPublicKey.slice(0, 32), w.uncompressedPublicKey.slice(32), w.operators]);
  }
  return wallets;
}

export async function setMaintainers(bridge: string, governance: Signer, accounts: string[], status = true): Promise<void> {
  const contract = bridgeAt(bridge, governance);
  for (const a of accounts) await send(contract, "setMaintainerStatus", [a, status]);
}

export async function setRedemptionRequesters(bridge: string, governance: Signer, accounts: string[], status = true): Promise<void> {
  const contract = bridgeAt(bridge, governance);
  for (const a of accounts) await send(contract, "setRedemptionRequesterStatus", [a, status]);
}

export async function trustVault(bridge: string, governance: Signer, vault: string, trusted = true): Promise<void> {
  await send(bridgeAt(bridge, governance), "setVaultStatus", [vault, trusted]);
}

/** Can be done once per Bridge. */
export async function setWatchtower(bridge: string, governance: Signer, watchtower: string): Promise<void> {
  await send(bridgeAt(bridge, governance), "setRedemptionWatchtower", [watchtower]);
}

/** A fixed, code-less address used as the trusted test vault. */
export const DEV_VAULT = getAddress("0x" + keccak256(toUtf8Bytes("wcoord-dev-vault")).slice(-40));

export interface DevBootstrapOptions extends DevWalletOptions {
  maintainers?: string[];
  redemptionRequesters?: string[];
  /** Default DEV_VAULT; null trusts none. */
  vault?: string | null;
  /** Address of a watchtower (e.g. a deployed RedemptionWatchtowerStub); none by default. */
  watchtower?: string;
}

export interface DevBootstrapResult {
  wallets: DevWallet[];
  vault: string | null;
  watchtower: string | null;
}

/** Everything a devnet needs on a fresh Bridge. Refuses chains that are not local dev chains. */
export async function devBootstrap(bridge: string, governance: Signer, options: DevBootstrapOptions): Promise<DevBootstrapResult> {
  const network = await governance.provider?.getNetwork();
  const chainId = Number(network?.chainId ?? -1);
  if (!DEV_CHAIN_IDS.has(chainId)) throw new Error(`dev bootstrap refuses chain ${chainId}: development chains only`);
  const wallets = await registerDevWallets(bridge, governance, options);
  await setMaintainers(bridge, governance, options.maintainers ?? []);
  await setRedemptionRequesters(bridge, governance, options.redemptionRequesters ?? []);
  const vault = options.vault === undefined ? DEV_VAULT : options.vault;
  if (vault !== null) await trustVault(bridge, governance, vault);
  if (options.watchtower !== undefined) await setWatchtower(bridge, governance, options.watchtower);
  return { wallets, vault, watchtower: options.watchtower ?? null };
}
