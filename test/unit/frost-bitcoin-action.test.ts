// A FROST wallet's Bitcoin action after `built` (issue #11, threshold.md §4): the digest keys from the
// persisted inputs (wallet key for the wallet's P2TR main UTXO, the refund leaf's tweak for a Taproot
// deposit), FrostDealerSigner's signatures under them, and the FROST witness accepted by the
// FakeBitcoinChain's BIP-340 checks. The persisted inputs keep the leaf across a restart.
import { describe, expect, it } from "vitest";
import { DepositSweepHandler } from "../../src/actions/handlers/deposit-sweep.js";
import { spentOutpointsOf, txInputsOf, type BitcoinActionComponents } from "../../src/actions/handlers/bitcoin-action.js";
import { bip340KeyOf, verifyBip340Signature } from "../../src/actions/signer.js";
import { p2trScript, tapLeafHash, taprootDepositOutput, taprootRefundLeaf } from "../../src/bitcoin/taproot.js";
import { buildUnsigned, depositSweepTx } from "../../src/bitcoin/tx-builder.js";
import { hashFromTxid } from "../../src/bitcoin/tx.js";
import type { WalletSigningScheme } from "../../src/chain/types.js";
import { ActionType } from "../../src/protocol/constants.js";
import { Store } from "../../src/store/store.js";
import { createDevFrostWallet } from "../../src/threshold/dev-wallet.js";
import { FrostDealerSigner } from "../../src/threshold/frost-dealer-signer.js";
import { toHex } from "../../src/util/hex.js";
import { FakeBitcoinChain } from "../fakes/fake-bitcoin-chain.js";

const WALLET = createDevFrostWallet(new TextEncoder().encode("frost-action-wallet"), 4, 3);
const scheme: WalletSigningScheme = { scheme: "frost", threshold: 3, walletX: WALLET.walletX };
const LEAF = taprootRefundLeaf({
  depositor: new Uint8Array(20).fill(0x11),
  blindingFactor: new Uint8Array(8).fill(0x22),
  refundLocktime: Uint8Array.of(0x80, 0x96, 0x98, 0x00),
  refundX: WALLET.walletX.slice().reverse().fill(7, 0, 1), // any 32 bytes do for the leaf
});

describe("FROST deposit sweep: digest keys, BIP-340 signatures, FROST witness", () => {
  it("signs the main UTXO under walletX and the Taproot deposit under its leaf's key; the fake chain accepts", async () => {
    const chain = new FakeBitcoinChain();
    const main = chain.fund(p2trScript(WALLET.walletX), 50_000n);
    const dep = chain.fund(taprootDepositOutput(WALLET.walletX, LEAF).script, 30_000n);
    chain.mine();
    const plan = depositSweepTx({
      walletPkh: WALLET.walletPkh,
      walletX: WALLET.walletX,
      mainUtxo: { txHash: hashFromTxid(main.txid), index: 0, value: 50_000n, script: p2trScript(WALLET.walletX) },
      deposits: [{ txHash: hashFromTxid(dep.txid), index: 0, value: 30_000n, taprootLeaf: LEAF }],
      fee: 1_000n,
    });
    const { unsignedTx, sighashes } = buildUnsigned(plan.inputs, plan.outputs);
    const outpoints = spentOutpointsOf(plan.inputs);
    expect(txInputsOf(outpoints).map((i) => i.taprootLeaf)).toEqual([undefined, LEAF]);
    // Persisted with `built` (the leaf included), read back as a restarted node would.
    const store = Store.openMemory();
    const a = store.actions.create({
      walletPkh: toHex(WALLET.walletPkh),
      W: 900,
      type: ActionType.DepositSweep,
      payload: Uint8Array.of(1),
      start: 1000,
      expiry: 2200,
      signingStart: 1000,
      signingDeadline: 1900,
    });
    store.actions.advance(a.id, "scheduled", "validating", { validationBlock: 1000 });
    store.actions.advance(a.id, "validating", "built", { unsignedTx, outpoints, sighashes, fee: 1_000n });
    const row = store.actions.get(a.id)!;
    store.close();
    expect(row.outpoints).toEqual(outpoints);
    expect(Object.keys(row.outpoints![0]!)).not.toContain("taprootLeaf");

    const handler = new DepositSweepHandler({} as BitcoinActionComponents);
    const keys = handler.digestKeys(row);
    expect(keys).toEqual([
      { scheme: "bip340", key: "wallet" },
      { scheme: "bip340", key: "tapLeaf", leafHash: tapLeafHash(LEAF) },
    ]);
    const signer = new FrostDealerSigner([WALLET], { chainId: 31337n });
    const sigs = await signer.sign({ walletPkh: WALLET.walletPkh, roundId: new Uint8Array(32), digests: sighashes, keys, startBlock: 1, deadlineBlock: 2 });
    sigs.forEach((s, i) => {
      const k = keys[i]!;
      if (k.scheme !== "bip340") throw new Error("bip340 expected");
      expect(verifyBip340Signature(sighashes[i]!, s, bip340KeyOf(WALLET.walletX, k))).toBe(true);
    });
    // Swapped keys do not verify (the deposit needs its tweak).
    expect(verifyBip340Signature(sighashes[1]!, sigs[1]!, WALLET.walletX)).toBe(false);

    const publicKey64 = new Uint8Array(64); // the signed step reads walletX from the scheme
    publicKey64.set(WALLET.walletX);
    const t = handler.signed(row, sigs, publicKey64, scheme);
    expect(t.to).toBe("signed");
    const outcome = chain.submit(t.data!.signedTx as Uint8Array);
    expect(outcome).toEqual({ kind: "accepted", txid: t.data!.txid });
  });
});
