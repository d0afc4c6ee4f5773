// A FROST wallet's main UTXO and "synced between chains" (coordination.md §13.9, threshold.md §4):
// its outputs are P2TR of walletX; its P2WPKH/P2PKH scripts are never considered. ECDSA is the default.
import { describe, expect, it } from "vitest";
import { findMainUtxo, MainUtxoNotFoundError, walletSynced } from "../../src/bitcoin/main-utxo.js";
import { p2pkhScript, p2wpkhScript } from "../../src/bitcoin/scripts.js";
import { p2trScript } from "../../src/bitcoin/taproot.js";
import { hashFromTxid } from "../../src/bitcoin/tx.js";
import type { BridgeClient } from "../../src/chain/bridge-client.js";
import type { WalletSigningScheme } from "../../src/chain/types.js";
import { utxoHash } from "../../src/protocol/bridge-keys.js";
import { FakeBitcoinChain } from "../fakes/fake-bitcoin-chain.js";

const pkh = new Uint8Array(20).fill(7);
const walletX = new Uint8Array(32).fill(9);
const frost: WalletSigningScheme = { scheme: "frost", threshold: 3, walletX };
const at = { blockNumber: 1, blockHash: "0x" + "00".repeat(32) };

function bridgeWith(mainUtxoHash: Uint8Array): BridgeClient {
  return { wallets: async () => ({ mainUtxoHash }) } as unknown as BridgeClient;
}

describe("main UTXO of a FROST wallet", () => {
  it("is the P2TR output of walletX; the wallet's P2WPKH/P2PKH outputs are not its own", async () => {
    const chain = new FakeBitcoinChain();
    const tr = chain.fund(p2trScript(walletX), 8_000n);
    const wpkh = chain.fund(p2wpkhScript(pkh), 9_000n);
    const trHash = utxoHash(hashFromTxid(tr.txid), 0, 8_000n);
    expect(await findMainUtxo(chain, pkh, trHash, {}, frost)).toEqual({
      txHash: hashFromTxid(tr.txid),
      index: 0,
      value: 8_000n,
      script: p2trScript(walletX),
    });
    // The ECDSA default does not look at P2TR outputs, and FROST does not look at P2WPKH.
    await expect(findMainUtxo(chain, pkh, trHash)).rejects.toBeInstanceOf(MainUtxoNotFoundError);
    await expect(findMainUtxo(chain, pkh, utxoHash(hashFromTxid(wpkh.txid), 0, 9_000n), {}, frost)).rejects.toBeInstanceOf(MainUtxoNotFoundError);
    expect((await findMainUtxo(chain, pkh, utxoHash(hashFromTxid(wpkh.txid), 0, 9_000n)))!.script).toEqual(p2wpkhScript(pkh));
    expect(await findMainUtxo(chain, pkh, new Uint8Array(32), {}, frost)).toBeNull();
  });

  it("walletSynced looks for the recorded main UTXO among the P2TR unspent outputs", async () => {
    const chain = new FakeBitcoinChain();
    const tr = chain.fund(p2trScript(walletX), 8_000n);
    const legacy = chain.fund(p2pkhScript(pkh), 5_000n);
    chain.mine();
    const trHash = utxoHash(hashFromTxid(tr.txid), 0, 8_000n);
    const legacyHash = utxoHash(hashFromTxid(legacy.txid), 0, 5_000n);
    const btc = chain;
    expect(await walletSynced({ btc, bridge: bridgeWith(trHash) }, pkh, at, {}, frost)).toEqual({ synced: true });
    expect((await walletSynced({ btc, bridge: bridgeWith(trHash) }, pkh, at)).synced).toBe(false);
    expect((await walletSynced({ btc, bridge: bridgeWith(legacyHash) }, pkh, at, {}, frost)).synced).toBe(false);
    expect(await walletSynced({ btc, bridge: bridgeWith(legacyHash) }, pkh, at)).toEqual({ synced: true });
  });
});
