// The devnet's user activity between windows: deposits revealed to the wallets (with real deposit
// scripts and funding transactions), and, once a wallet holds funds, a maintainer-recorded sweep and
// redemption requests. It fills the Bridge state and event stream the nodes index. (The nodes propose
// sweeps and redemptions once the Bitcoin backend is in; until then they only index them.)
import type { JsonRpcSigner } from "ethers";
import { recordDevSweep, requestDevRedemption, revealDevDeposit, type RevealedDeposit } from "../../deploy/dev-fixtures.js";
import { setMaintainers, setRedemptionRequesters } from "../../deploy/dev-bootstrap.js";
import type { DepositKey, BitcoinUtxo } from "../chain/types.js";
import type { LocalNetwork } from "./local-network.js";
import type { Printer } from "./timeline.js";

const DEPOSIT_SAT = 10_000_000n; // 0.1 BTC
const REDEMPTION_SAT = 2_000_000n; // 0.02 BTC
const REFUND_AFTER_SEC = 30 * 24 * 3600; // past the Bridge's 15-day reveal-ahead period

const btc = (sat: bigint): string => (Number(sat) / 1e8).toString();

export class Scenario {
  private nonce = 0;
  private readonly unswept = new Map<number, DepositKey[]>();
  private readonly mainUtxo = new Map<number, BitcoinUtxo>();

  private constructor(
    private readonly net: LocalNetwork,
    private readonly user: JsonRpcSigner,
    private readonly print: Printer,
  ) {}

  /** Account 0 of the dev chain is governance; it also acts as maintainer, depositor and redeemer. */
  static async create(net: LocalNetwork, print: Printer): Promise<Scenario> {
    const user = await net.provider.getSigner(0);
    await setMaintainers(net.deployment.bridge, user, [await user.getAddress()]);
    await setRedemptionRequesters(net.deployment.bridge, user, [await user.getAddress()]);
    return new Scenario(net, user, print);
  }

  /** Step n: reveal a deposit to wallet n mod W; every second step sweep it and request a redemption. */
  async step(n: number): Promise<void> {
    const w = n % this.net.wallets.length;
    const pkh = this.net.wallets[w].walletPubKeyHash;
    const wallet = `0x${this.net.walletHex(w).slice(0, 8)}…`;
    const now = (await this.net.provider.getBlock("latest"))!.timestamp;
    const deposit: RevealedDeposit = await revealDevDeposit(this.net.deployment.bridge, this.user, pkh, DEPOSIT_SAT, now + REFUND_AFTER_SEC, ++this.nonce);
    this.unswept.set(w, [...(this.unswept.get(w) ?? []), deposit.key]);
    this.print(`scenario: deposit of ${btc(DEPOSIT_SAT)} BTC revealed to wallet ${wallet}`);
    if (n % 2 === 1) return;

    const keys = this.unswept.get(w)!;
    const balance = (this.mainUtxo.get(w)?.txOutputValue ?? 0n) + DEPOSIT_SAT * BigInt(keys.length);
    const utxo = await recordDevSweep(this.net.deployment.bridge, this.user, pkh, keys, balance, ++this.nonce);
    this.mainUtxo.set(w, utxo);
    this.unswept.set(w, []);
    this.print(`scenario: maintainer recorded a sweep of ${keys.length} deposit(s); wallet ${wallet} holds ${btc(balance)} BTC`);
    await requestDevRedemption(this.net.deployment.bridge, this.user, pkh, utxo, REDEMPTION_SAT, ++this.nonce);
    this.print(`scenario: redemption of ${btc(REDEMPTION_SAT)} BTC requested from wallet ${wallet}`);
  }
}
