// deployWalletCoordinator and devBootstrap on in-process Hardhat networks (the devnet path).
import { afterAll, describe, expect, it } from "vitest";
import hre from "hardhat";
import { deployWalletCoordinator } from "../../deploy/deploy-lib.js";
import { devBootstrap, devWallets } from "../../deploy/dev-bootstrap.js";
import { BridgeClient } from "../../src/chain/bridge-client.js";
import type { BlockRef } from "../../src/chain/pinned-call.js";
import { WalletState } from "../../src/coordination/constants.js";
import { toHex } from "../../src/util/hex.js";

type Conn = Awaited<ReturnType<typeof hre.network.create>>;
const open: Conn[] = [];
async function network(chainId?: number): Promise<Conn> {
  const conn = chainId === undefined ? await hre.network.create() : await hre.network.create({ override: { chainId } });
  open.push(conn);
  return conn;
}
afterAll(async () => {
  for (const c of open) await c.close();
});

async function head(conn: Conn): Promise<BlockRef> {
  const b = (await conn.ethers.provider.getBlock("latest"))!;
  return { blockHash: b.hash!, blockNumber: b.number };
}

describe("deployWalletCoordinator (in-process)", () => {
  it("deploys the Bridge's six libraries, then the Bridge and the validator at deterministic addresses, and gives their profile hash", async () => {
    const conn = await network();
    const d = await deployWalletCoordinator(conn);
    // Account 0's nonces 0-5 (blocks 1-6) create the libraries, nonce 6 the Bridge and nonce 7 the validator.
    expect(d).toEqual({
      chainId: 31337,
      bridge: "0x0165878A594ca255338adfa4d48449f69242Eb8F",
      walletProposalValidator: "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853",
      deployBlock: 7,
      profileHash: "0xb8fdb1dea97aa4ef4f1a7f5090c38b99ad3a8de16869ced02f7ee9eba9373039",
    });
    const [gov] = await conn.ethers.getSigners();
    expect(await new BridgeClient(conn.ethers.provider, d.bridge).governance(await head(conn))).toBe(gov.address);
  });

  it("takes a governance override, and the deploy block is the Bridge's creation block", async () => {
    const conn = await network();
    const signers = await conn.ethers.getSigners();
    for (let i = 0; i < 3; i++) await conn.networkHelpers.mine();
    const d = await deployWalletCoordinator(conn, { governance: signers[3].address });
    // Blocks 1-3 mined above, 4-9 the libraries, 10 the Bridge.
    expect(d.deployBlock).toBe(10);
    expect(await conn.ethers.provider.getCode(d.bridge, d.deployBlock - 1)).toBe("0x");
    expect(await conn.ethers.provider.getCode(d.bridge, d.deployBlock)).not.toBe("0x");
    expect(await new BridgeClient(conn.ethers.provider, d.bridge).governance(await head(conn))).toBe(signers[3].address);
  });
});

describe("devBootstrap (in-process)", () => {
  it("registers deterministic wallets whose PKH the Bridge derives identically", async () => {
    const conn = await network();
    const d = await deployWalletCoordinator(conn);
    const signers = await conn.ethers.getSigners();
    const operators = signers.slice(1, 3).map((s) => s.address);
    const { wallets } = await devBootstrap(d.bridge, signers[0], { count: 4, operatorsPerWallet: 3, operators, seed: "x" });
    // Same seed, same wallets; another seed, other keys.
    expect(devWallets({ count: 4, operatorsPerWallet: 3, operators, seed: "x" })).toEqual(wallets);
    expect(toHex(devWallets({ count: 1, operatorsPerWallet: 1, operators, seed: "y" })[0].privateKey)).not.toBe(toHex(wallets[0].privateKey));
    // A pool shorter than the seat count repeats operators across seats.
    expect(wallets[1].operators).toEqual([operators[1], operators[0], operators[1]]);
    const bridge = new BridgeClient(conn.ethers.provider, d.bridge);
    const at = await head(conn);
    for (const w of wallets) {
      // The Bridge computes the PKH from X ‖ Y itself; a wrong derivation here would read Unknown.
      expect((await bridge.wallets(w.walletPubKeyHash, at)).state).toBe(WalletState.Live);
      expect(await bridge.walletOperators(w.walletPubKeyHash, at)).toEqual(w.operators);
    }
    expect(await bridge.liveWalletsCount(at)).toBe(4);
  });

  it("refuses a chain that is not a development chain", async () => {
    const conn = await network(5);
    const d = await deployWalletCoordinator(conn);
    const signers = await conn.ethers.getSigners();
    await expect(devBootstrap(d.bridge, signers[0], { count: 1, operatorsPerWallet: 1, operators: [signers[1].address] })).rejects.toThrow(
      /refuses chain 5/,
    );
  });
});
