// deployWalletCoordinator and devBootstrap on in-process Hardhat networks (the devnet path).
import { afterAll, describe, expect, it } from "vitest";
import hre from "hardhat";
import { deployWalletCoordinator } from "../../deploy/deploy-lib.js";
import { devBootstrap, devWallets } from "../../deploy/dev-bootstrap.js";
import { BridgeClient } from "../../src/chain/bridge-client.js";
import type { BlockRef } from "../../src/chain/pinned-call.js";
import { WalletState } from "../../src/protocol/constants.js";
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
  it("deploys the Bridge's eight libraries, then the Bridge, the validator and the FROST wallet registry at deterministic addresses, and gives their profile hash", async () => {
    const conn = await network();
    const d = await deployWalletCoordinator(conn);
    // Account 0's nonces 0-7 (blocks 1-8) create the libraries, nonce 8 the Bridge; the validator and
    // the registry follow.
    expect(d).toEqual({
      chainId: 31337,
      bridge: "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6",
      walletProposalValidator: "0x610178dA211FEF7D417bC0e6FeD39F05609AD788",
      frostWalletRegistry: "0x8A791620dd6260079BF849Dc5567aDC3F2FdC318",
      deployBlock: 9,
      profileHash: "0xe79c977d5f63a8bdd8560166b6306454375b2b7fc9434eec4bcad50efb326dee",
    });
    const [gov] = await conn.ethers.getSigners();
    expect(await new BridgeClient({ caller: conn.ethers.provider }, { address: d.bridge }).governance(await head(conn))).toBe(gov.address);
  });

  it("takes a governance override, and the deploy block is the Bridge's creation block", async () => {
    const conn = await network();
    const signers = await conn.ethers.getSigners();
    for (let i = 0; i < 3; i++) await conn.networkHelpers.mine();
    const d = await deployWalletCoordinator(conn, { governance: signers[3].address });
    // Blocks 1-3 mined above, 4-11 the libraries, 12 the Bridge.
    expect(d.deployBlock).toBe(12);
    expect(await conn.ethers.provider.getCode(d.bridge, d.deployBlock - 1)).toBe("0x");
    expect(await conn.ethers.provider.getCode(d.bridge, d.deployBlock)).not.toBe("0x");
    expect(await new BridgeClient({ caller: conn.ethers.provider }, { address: d.bridge }).governance(await head(conn))).toBe(signers[3].address);
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
    const bridge = new BridgeClient({ caller: conn.ethers.provider }, { address: d.bridge });
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
