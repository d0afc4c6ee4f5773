// The WalletSigner compliance suite run against every implementation: LocalKeySigner built from keys
// and from its key file, the RandomizedSigner test double (fresh nonces on every run),
// FrostDealerSigner with a dev FROST wallet (BIP-340 signatures through the real FROST rounds), and a
// WalletSignerSet of both (the devnet's signer) for an ECDSA and for a FROST wallet.
import { schnorr } from "@noble/curves/secp256k1.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SigningKey } from "ethers";
import { LocalKeySigner } from "../../src/actions/signer.js";
import { walletPkhFromPublicKey } from "../../src/coordination/seed.js";
import { createDevFrostWallet } from "../../src/threshold/dev-wallet.js";
import { FrostDealerSigner } from "../../src/threshold/frost-dealer-signer.js";
import { WalletSignerSet } from "../../src/threshold/signer-set.js";
import { fromHex, to0x, toHex } from "../../src/util/hex.js";
import { RandomizedSigner } from "../fakes/randomized-signer.js";
import { describeWalletSignerCompliance, type WalletSignerHarness } from "./wallet-signer-suite.js";

const WALLET_KEY = "0x" + "0".repeat(63) + "7";
const SECOND_KEY = "0x" + "0".repeat(63) + "9";
const FOREIGN_KEY = "0x" + "0".repeat(63) + "8";

const pkhOf = (key: string): Uint8Array => walletPkhFromPublicKey(fromHex(new SigningKey(key).publicKey));
/** X ‖ Y of the uncompressed public key, as the Bridge's walletPublicKey returns it. */
const xyOf = (key: string): Uint8Array => fromHex(new SigningKey(key).publicKey).subarray(1);

function harness(signer: WalletSignerHarness["signer"], close = async (): Promise<void> => {}): WalletSignerHarness {
  return { signer, wallet: { pkh: pkhOf(WALLET_KEY), publicKey: xyOf(WALLET_KEY) }, foreignWalletPkh: pkhOf(FOREIGN_KEY), close };
}

describeWalletSignerCompliance("LocalKeySigner", async () => harness(new LocalKeySigner([SECOND_KEY, WALLET_KEY])));

describeWalletSignerCompliance("LocalKeySigner.fromFile", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wcoord-signer-"));
  const file = join(dir, "wallet-keys.json");
  writeFileSync(file, JSON.stringify({ [toHex(pkhOf(WALLET_KEY))]: WALLET_KEY, [toHex(pkhOf(SECOND_KEY))]: SECOND_KEY }));
  return harness(LocalKeySigner.fromFile(file), async () => rmSync(dir, { recursive: true, force: true }));
});

describeWalletSignerCompliance("RandomizedSigner (test double)", async () => harness(new RandomizedSigner(fromHex(WALLET_KEY))));

const FROST_WALLET = createDevFrostWallet(new TextEncoder().encode("compliance-wallet"), 4, 3);
const FROST_FOREIGN = createDevFrostWallet(new TextEncoder().encode("compliance-foreign"), 3, 2);

function frostHarness(signer: WalletSignerHarness["signer"]): WalletSignerHarness {
  /** The Bridge's walletPublicKey of a FROST wallet: (walletX, even y). */
  const publicKey = schnorr.utils.lift_x(BigInt(to0x(FROST_WALLET.walletX))).toBytes(false).subarray(1);
  return { signer, wallet: { pkh: FROST_WALLET.walletPkh, publicKey, walletX: FROST_WALLET.walletX }, foreignWalletPkh: FROST_FOREIGN.walletPkh, close: async () => {} };
}

describeWalletSignerCompliance("FrostDealerSigner (dev FROST wallet, 3 of 4)", async () => frostHarness(new FrostDealerSigner([FROST_WALLET], { chainId: 31337n })));

const devnetSigner = (): WalletSignerSet =>
  new WalletSignerSet([new LocalKeySigner([SECOND_KEY, WALLET_KEY]), new FrostDealerSigner([FROST_WALLET], { chainId: 31337n })]);

describeWalletSignerCompliance("WalletSignerSet (local keys + dealer shares), ECDSA wallet", async () => harness(devnetSigner()));

describeWalletSignerCompliance("WalletSignerSet (local keys + dealer shares), FROST wallet", async () => frostHarness(devnetSigner()));
