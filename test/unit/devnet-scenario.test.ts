// `wcoord devnet --seed S` plays the same scenario for the same S: operator keys, wallets and every
// step's deposits and redemptions are functions of the seed alone.
import { Wallet } from "ethers";
import { describe, expect, it } from "vitest";
import { devWallets } from "../../deploy/dev-bootstrap.js";
import { devnetOperatorKey } from "../../src/devnet/local-network.js";
import { planStep } from "../../src/devnet/scenario.js";

const steps = (seed: string): unknown[] => Array.from({ length: 12 }, (_, n) => planStep(seed, n, 3));

describe("devnet scenario seed", () => {
  it("the same seed gives the same operators, wallets and steps", () => {
    expect(steps("S")).toEqual(steps("S"));
    expect(devnetOperatorKey("S", 2)).toBe(devnetOperatorKey("S", 2));
    const wallets = (seed: string) =>
      devWallets({ count: 3, operatorsPerWallet: 4, operators: [0, 1, 2, 3, 4].map((i) => new Wallet(devnetOperatorKey(seed, i)).address), seed });
    expect(wallets("S")).toEqual(wallets("S"));
  });

  it("another seed gives other keys and amounts, but the same shape", () => {
    expect(steps("S")).not.toEqual(steps("T"));
    expect(devnetOperatorKey("S", 0)).not.toBe(devnetOperatorKey("T", 0));
    const shape = (seed: string) =>
      steps(seed).map((p) => {
        const plan = p as ReturnType<typeof planStep>;
        return { deposits: plan.deposits.map((d) => d.wallet), redemptions: plan.redemptions.map((r) => r.wallet), move: plan.moveWallet0 };
      });
    expect(shape("S")).toEqual(shape("T"));
  });

  it("deposits every wallet first, then moves wallet 0 and asks the others for redemptions", () => {
    expect(planStep("S", 0, 3).deposits.map((d) => d.wallet)).toEqual([0, 1, 2]);
    expect(planStep("S", 0, 3).moveWallet0).toBe(false);
    expect(planStep("S", 1, 3).moveWallet0).toBe(true);
    expect(planStep("S", 2, 3).redemptions.map((r) => r.wallet)).toEqual([1, 2]);
    for (const d of planStep("S", 0, 3).deposits) expect(d.sat >= 5_000_000n && d.sat < 20_000_000n).toBe(true);
    expect(planStep("S", 1, 1).moveWallet0).toBe(false);
  });
});
