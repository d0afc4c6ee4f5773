// The WalletSigner compliance suite run against every implementation: LocalKeySigner built from keys
// and from its key file, and the RandomizedSigner test double (fresh nonces on every run).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SigningKey } from "ethers";
import { LocalKeySigner } from "../../src/actions/signer.js";
import { walletPkhFromPublicKey } from "../../src/coordination/seed.js";
import { fromHex, toHex } from "../../src/util/hex.js";
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
