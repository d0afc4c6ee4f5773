// The devnet's user activity between windows, so every action type shows up within a few windows:
// deposits revealed with real funding transactions on the Bitcoin test chain (P2SH/P2WSH to an ECDSA
// wallet, the Taproot deposit address to a FROST wallet; the nodes sweep them),
// redemption requests against the main UTXO the nodes' sweeps created (the nodes pay them), and
// moving funds started on wallet 0 (the nodes move its funds and the targets sweep them). Amounts come
// from a PRNG seeded with --seed, so the same seed plays the same scenario (planStep).
import { Contract, ZeroAddress, getBytes, keccak256, parseEther, solidityPacked, type JsonRpcSigner } from "ethers";
import seedrandom from "seedrandom";
import { setMaintainers, setRedemptionRequesters } from "../../deploy/dev-bootstrap.js";
import { p2wpkhScript as prefixedP2wpkhScript } from "../../deploy/dev-fixtures.js";
import { schnorr } from "@noble/curves/secp256k1.js";
import { findMainUtxo, toBitcoinUtxo } from "../bitcoin/main-utxo.js";
import { taprootDepositOutput, taprootRefundLeaf } from "../bitcoin/taproot.js";
import type { WalletSigningScheme } from "../chain/types.js";
import { depositLockingScripts, depositScript, type DepositScriptParts } from "../bitcoin/scripts.js";
import { txInfoOf } from "../bitcoin/tx.js";
import { bridgeAbi } from "../chain/abi.js";
import { WalletState } from "../protocol/constants.js";
import { toHex } from "../util/hex.js";
import type { DevnetWallet, LocalNetwork } from "./local-network.js";
import type { Printer } from "./timeline.js";

const REFUND_AFTER_SEC = 30 * 24 * 3600; // past the Bridge's 15-day reveal-ahead period
/** Short enough that the moving-funds safety margin (timeout / 2, coordination.md §13.9.3) ends by the next window. */
const DEVNET_MOVING_FUNDS_TIMEOUT_SEC = 4 * 3600;
/** Bitcoin blocks mined right after deposits are revealed: the funding transactions' confirmations. */
const FUNDING_CONFIRMATIONS = 6;

const btc = (sat: bigint): string => (Number(sat) / 1e8).toString();

/** What the scenario does at step n (pure, from the seed): the --seed reproducibility contract. */
export interface StepPlan {
  deposits: { wallet: number; sat: bigint; p2sh: boolean }[];
  redemptions: { wallet: number; sat: bigint }[];
  /** Wallet 0 is told to move its funds once it holds swept funds and owes no redemption. */
  moveWallet0: boolean;
}

/**
 * Step 0 runs before the first window, step n after window n. Every wallet gets a deposit at step 0.
 * With several wallets, wallet 0 then moves its funds to another wallet (which sweeps them); the
 * others are asked for redemptions at step 2, and from step 6 on, deposits and redemptions alternate.
 */
export function planStep(seed: string, n: number, wallets: number): StepPlan {
  const rng = seedrandom(`wcoord-devnet-scenario-${seed}-${n}`);
  const sat = (minSat: number, maxSat: number): bigint => BigInt(minSat + Math.floor(rng() * (maxSat - minSat)));
  const others = Array.from({ length: wallets }, (_, w) => w).filter((w) => wallets === 1 || w !== 0);
  const depositTo = n === 0 ? Array.from({ length: wallets }, (_, w) => w) : n >= 6 && n % 2 === 0 ? others : [];
  const redeemFrom = n === 2 || (n >= 6 && n % 2 === 1) ? others : [];
  return {
    deposits: depositTo.map((wallet) => ({ wallet, sat: sat(5_000_000, 20_000_000), p2sh: rng() < 0.3 })),
    redemptions: redeemFrom.map((wallet) => ({ wallet, sat: sat(1_000_000, 3_000_000) })),
    moveWallet0: n >= 1 && wallets > 1,
  };
}

export class Scenario {
  private nonce = 0;
  private readonly bridge: Contract;

  private constructor(
    private readonly net: LocalNetwork,
    private readonly user: JsonRpcSigner,
    private readonly print: Printer,
  ) {
    this.bridge = new Contract(net.deployment.bridge, bridgeAbi, user);
  }

  /**
   * Account 0 of the dev chain is governance, depositor and redeemer. The operators (funded by the
   * LocalNetwork) become maintainers: they record outcomes (reliability.md §3.8).
   */
  static async create(net: LocalNetwork, print: Printer): Promise<Scenario> {
    const user = await net.provider.getSigner(0);
    const s = new Scenario(net, user, print);
    const operators = net.operators.map((o) => o.address);
    await setMaintainers(net.deployment.bridge, user, operators);
    await setRedemptionRequesters(net.deployment.bridge, user, [await user.getAddress()]);
    const p = [...(await s.bridge.getFunction("movingFundsParameters")())] as bigint[];
    p[2] = 3600n; // reset delay must stay below the timeout
    p[3] = BigInt(DEVNET_MOVING_FUNDS_TIMEOUT_SEC);
    await (await s.bridge.getFunction("updateMovingFundsParameters")(...p)).wait();
    return s;
  }

  async step(n: number): Promise<void> {
    const plan = planStep(this.net.opts.seed, n, this.net.wallets.length);
    if (plan.moveWallet0) await this.beginMovingFunds(0);
    for (const d of plan.deposits) await this.deposit(d.wallet, d.sat, d.p2sh);
    if (plan.deposits.length > 0) this.net.bitcoin.mine(FUNDING_CONFIRMATIONS);
    for (const r of plan.redemptions) await this.redeem(r.wallet, r.sat);
  }

  private label(w: number): string {
    return `wallet 0x${this.net.walletHex(w).slice(0, 8)}…`;
  }

  private async wallet(w: number): Promise<{ state: WalletState; mainUtxoHash: string; pendingRedemptionsValue: bigint }> {
    const r = await this.bridge.getFunction("wallets")(this.net.wallets[w].walletPubKeyHash);
    return { state: Number(r.state) as WalletState, mainUtxoHash: r.mainUtxoHash as string, pendingRedemptionsValue: r.pendingRedemptionsValue as bigint };
  }

  /**
   * A funding transaction on the Bitcoin test chain paying the deposit script (to a FROST wallet: its
   * Taproot deposit address), revealed to the Bridge.
   */
  private async deposit(w: number, sat: bigint, p2sh: boolean): Promise<void> {
    if ((await this.wallet(w)).state !== WalletState.Live) return;
    const nonce = ++this.nonce;
    const seed = getBytes(keccak256(solidityPacked(["string", "string", "uint256"], ["wcoord-devnet-deposit", this.net.opts.seed, nonce])));
    const now = (await this.net.provider.getBlock("latest"))!.timestamp;
    const locktime = new Uint8Array(4);
    new DataView(locktime.buffer).setUint32(0, now + REFUND_AFTER_SEC, true);
    const wallet = this.net.wallets[w];
    if (wallet.scheme === "frost") return this.taprootDeposit(w, wallet.walletX, sat, seed, locktime);
    const parts: DepositScriptParts = {
      depositor: getBytes(await this.user.getAddress()),
      blindingFactor: seed.slice(0, 8),
      walletPubKeyHash: this.net.wallets[w].walletPubKeyHash,
      refundPubKeyHash: seed.slice(8, 28),
      refundLocktime: locktime,
    };
    const locking = depositLockingScripts(depositScript(parts));
    const funding = this.net.bitcoin.fund(p2sh ? locking.p2sh : locking.p2wsh, sat);
    const reveal = {
      fundingOutputIndex: 0,
      blindingFactor: parts.blindingFactor,
      walletPubKeyHash: parts.walletPubKeyHash,
      refundPubKeyHash: parts.refundPubKeyHash,
      refundLocktime: parts.refundLocktime,
      vault: ZeroAddress,
    };
    await (await this.bridge.getFunction("revealDeposit")(txInfoOf(funding.raw), reveal)).wait();
    this.print(`scenario: deposit of ${btc(sat)} BTC (${p2sh ? "P2SH" : "P2WSH"}, funding tx ${funding.txid.slice(0, 12)}…) revealed to ${this.label(w)}`);
  }

  /** The Taproot deposit address of a FROST wallet (threshold.md §4.2), funded and revealed. */
  private async taprootDeposit(w: number, walletX: Uint8Array, sat: bigint, seed: Uint8Array, refundLocktime: Uint8Array): Promise<void> {
    const depositor = getBytes(await this.user.getAddress());
    const blindingFactor = seed.slice(0, 8);
    const refundX = schnorr.getPublicKey(getBytes(keccak256(seed)));
    const leaf = taprootRefundLeaf({ depositor, blindingFactor, refundLocktime, refundX });
    const funding = this.net.bitcoin.fund(taprootDepositOutput(walletX, leaf).script, sat);
    const reveal = { fundingOutputIndex: 0, blindingFactor, walletPubKeyHash: this.net.wallets[w].walletPubKeyHash, refundX, refundLocktime, vault: ZeroAddress };
    await (await this.bridge.getFunction("revealTaprootDeposit")(txInfoOf(funding.raw), reveal)).wait();
    this.print(`scenario: deposit of ${btc(sat)} BTC (P2TR Taproot deposit address, funding tx ${funding.txid.slice(0, 12)}…) revealed to ${this.label(w)}`);
  }

  /** A redemption request against the wallet's main UTXO, read from the Bitcoin test chain. */
  private async redeem(w: number, sat: bigint): Promise<void> {
    const wallet = await this.wallet(w);
    if (wallet.state !== WalletState.Live || /^0x0+$/.test(wallet.mainUtxoHash)) {
      this.print(`scenario: ${this.label(w)} holds no swept funds yet; no redemption requested`);
      return;
    }
    const pkh = this.net.wallets[w].walletPubKeyHash;
    if (wallet.pendingRedemptionsValue > 0n) return;
    const main = await findMainUtxo(this.net.bitcoin, pkh, getBytes(wallet.mainUtxoHash), {}, schemeOf(this.net.wallets[w]));
    if (main === null || main.value <= sat) return;
    const redeemer = getBytes(keccak256(solidityPacked(["string", "string", "uint256"], ["wcoord-devnet-redeemer", this.net.opts.seed, ++this.nonce]))).slice(0, 20);
    await (await this.bridge.getFunction("requestRedemption")(pkh, toBitcoinUtxo(main), prefixedP2wpkhScript(redeemer), sat)).wait();
    this.print(`scenario: redemption of ${btc(sat)} BTC to P2WPKH ${toHex(redeemer).slice(0, 8)}… requested from ${this.label(w)}`);
  }

  /** Governance tells the wallet to move its funds to other live wallets (once it holds swept funds and owes nothing). */
  private async beginMovingFunds(w: number): Promise<void> {
    const wallet = await this.wallet(w);
    if (wallet.state !== WalletState.Live || /^0x0+$/.test(wallet.mainUtxoHash) || wallet.pendingRedemptionsValue > 0n) return;
    await (await this.bridge.getFunction("beginMovingFunds")(this.net.wallets[w].walletPubKeyHash)).wait();
    this.print(`scenario: governance moves ${this.label(w)} to MovingFunds (the nodes pick target wallets and move its BTC)`);
  }
}

function schemeOf(w: DevnetWallet): WalletSigningScheme {
  return w.scheme === "frost" ? { scheme: "frost", threshold: w.threshold, walletX: w.walletX } : { scheme: "ecdsa" };
}
