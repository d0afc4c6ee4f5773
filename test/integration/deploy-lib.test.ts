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
  it("deploys at the deterministic addresses of coordination.md §15.5 and gives its profile hash", async () => {
    const conn = await network();
    const d = await deployWalletCoordinator(conn);
    expect(d).toEqual({
      chainId: 31337,
      bridge: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      walletProposalValidator: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
      deployBlock: 1,
      profileHash: "0xf7078f19dbcc594437c685d977fd985e5e729e22214aa69d81b40398d92a00ca",
    });
    const [gov] = await conn.ethers.getSigners();
    expect(await new BridgeClient({ caller: conn.ethers.provider }, { address: d.bridge }).governance(await head(conn))).toBe(gov.address);
  });

  it("takes a governance override, and the deploy block is the Bridge's creation block", async () => {
    const conn = await network();
    const signers = await conn.ethers.getSigners();
    for (let i = 0; i < 3; i++) await conn.networkHelpers.mine();
    const d = await deployWalletCoordinator(conn, { governance: signers[3].address });
    expect(d.deployBlock).toBe(4);
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
