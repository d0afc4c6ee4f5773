// A FROST wallet created by the operator nodes themselves (threshold.md §3.2): 4 real nodes (createNode,
// libp2p on loopback, each its own database) on a `hardhat node` with the project's contracts;
// governance requests a wallet of the 4 operators (t = 3, quorum 4) and the nodes' DKG services run the
// DKG and register it. Each node ends with its own sealed share only, and signs for the new wallet at
// once, in the same process (no restart): its NetworkSigner took the share when the DKG stored it. Then
// one node is down for a second request: the others record its silence in their fault stores
// (DkgNoParticipation, with the cut-off block: `wcoord faults verify` says unverifiable, not an
// accusation), leave it out and register the wallet.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, getAddress, parseEther } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeAbi, frostWalletRegistryInterface } from "../../src/chain/abi.js";
import { LocalNetwork } from "../../src/devnet/local-network.js";
import { runFaultsCommand } from "../../src/node/faults-command.js";
import { FaultType, WalletState } from "../../src/protocol/constants.js";
import type { Bip340DigestKey } from "../../src/threshold/signing/signing-messages.js";
import { bip340KeyOf, verifyBip340Signature } from "../../src/threshold/taproot.js";
import type { SignRequest } from "../../src/threshold/wallet-signer.js";
import { fromHex } from "../../src/util/hex.js";

const NODES = 4;
const ATTEMPT_BLOCKS = 400;
let net: LocalNetwork;
let dir: string;

async function until(what: string, f: () => Promise<boolean> | boolean, timeoutMs: number, mine = true): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    if (mine) await net.miner.mine(1);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wcoord-node-dkg-"));
  net = await LocalNetwork.start({ nodes: NODES, wallets: 1, seed: "node-dkg", dataDir: dir, blockMs: 0 });
  for (let i = 0; i < NODES; i++) await net.startNode(i, {}, { indexer: { lagBlocks: 2 }, threshold: { dkgAttemptBlocks: ATTEMPT_BLOCKS } });
}, 120_000);

afterAll(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("DKG run by the nodes", () => {
  it("governance requests a wallet; the members' nodes create it by DKG and register it; each holds its own share only", async () => {
    const governance = await net.provider.getSigner(0);
    // The submitting member pays for submitDkgResult.
    for (const o of net.operators) await (await governance.sendTransaction({ to: o.address, value: parseEther("10") })).wait();
    const registry = new Contract(net.deployment.frostWalletRegistry!, frostWalletRegistryInterface, governance);
    const members = net.operators.map((o) => getAddress(o.address)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const receipt = await (await registry.getFunction("requestNewWallet")(members, 3, 4)).wait();
    const requested = receipt!.logs.map((l: { topics: string[]; data: string }) => frostWalletRegistryInterface.parseLog({ topics: [...l.topics], data: l.data })).find((e: { name: string } | null) => e?.name === "DkgRequested");
    const requestId = requested!.args.requestId as bigint;
    const started = Date.now();
    await until("the wallet registered", async () => (await registry.getFunction("getDkgRequest")(requestId)).state === 2n, 100_000);
    const ms = Date.now() - started;
    const accepted = (await net.provider.getLogs({ address: net.deployment.frostWalletRegistry!, fromBlock: receipt!.blockNumber }))
      .map((l) => frostWalletRegistryInterface.parseLog({ topics: [...l.topics], data: l.data }))
      .filter((e) => e?.name === "DkgResultAccepted");
    expect(accepted).toHaveLength(1);
    const walletPkh = (accepted[0]!.args.walletPubKeyHash as string).slice(2).toLowerCase();
    const bridge = new Contract(net.deployment.bridge, bridgeAbi, net.provider);
    expect(Number((await bridge.getFunction("wallets")("0x" + walletPkh)).state)).toBe(WalletState.Live);
    // Every member's node stored its own share (member index = its position among the members).
    await until("every share stored", () => net.nodes.every((n) => n!.store.keyShares.get(walletPkh) !== undefined), 30_000);
    for (let i = 0; i < NODES; i++) {
      const share = net.nodes[i]!.store.keyShares.get(walletPkh)!;
      expect(share.memberIndex).toBe(members.indexOf(net.operatorAddress(i)) + 1);
      expect(share.walletX).toBe((accepted[0]!.args.walletX as string).toLowerCase());
      expect(net.nodes[i]!.store.keyShares.list()).toHaveLength(1);
    }
    // The wall time, for the README. A member's first inbound connection was refused until its node had
    // indexed the request that makes the dialler a peer; joining the request now redials at once (and
    // every second for a while) instead of at the next 30 s bootstrap redial (it took ~33 s before;
    // now ~8 s alone, ~15 s beside other test files: the four nodes' scrypt sealing shares one thread).
    // Any wait for the 30 s redial would break the bound.
    console.log(`DKG among ${NODES} nodes: registered ${ms} ms after the request`);
    expect(ms).toBeLessThan(25_000);

    // Every member signs for the new wallet through the executor's signer, without a restart.
    for (const n of net.nodes) expect(n!.networkSigner?.heldWallets()).toContain(walletPkh);
    const walletX = fromHex((accepted[0]!.args.walletX as string).slice(2));
    const req: SignRequest = {
      walletPkh: fromHex(walletPkh),
      roundId: randomBytes(32),
      digests: [randomBytes(32), randomBytes(32)],
      keys: [{ scheme: "bip340", key: "wallet" }, { scheme: "bip340", key: "tapLeaf", leafHash: randomBytes(32) }],
      startBlock: 0,
      deadlineBlock: 1_000_000,
    };
    const signedAt = Date.now();
    const results = await Promise.all(net.nodes.map((n) => n!.walletSigner.sign(req)));
    console.log(`DKG wallet signed by ${NODES} running nodes in ${Date.now() - signedAt} ms`);
    for (const sigs of results) {
      expect(sigs).toHaveLength(req.digests.length);
      sigs.forEach((sig, i) => expect(verifyBip340Signature(req.digests[i]!, sig, bip340KeyOf(walletX, req.keys![i] as Bip340DigestKey)), `signature ${i}`).toBe(true));
    }
  }, 150_000);

  it("a member's node down: the others record its silence as DkgNoParticipation (unverifiable), leave it out and register the wallet", async () => {
    const governance = await net.provider.getSigner(0);
    const registry = new Contract(net.deployment.frostWalletRegistry!, frostWalletRegistryInterface, governance);
    const members = net.operators.map((o) => getAddress(o.address)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    // Its key was learnt from its libp2p identity in the first test: the attempt can start without it.
    await net.stopNode(3);
    const receipt = await (await registry.getFunction("requestNewWallet")(members, 3, 3)).wait();
    const requested = receipt!.logs.map((l: { topics: string[]; data: string }) => frostWalletRegistryInterface.parseLog({ topics: [...l.topics], data: l.data })).find((e: { name: string } | null) => e?.name === "DkgRequested");
    const requestId = requested!.args.requestId as bigint;
    const running = [0, 1, 2];
    await until("attempt 0 under way", () => running.every((i) => net.nodes[i]!.store.dkgSessions.get(requestId)?.state === "round1_sent"), 60_000);
    // round1_sent says a member sent its round 1, not that the others' reached it: a first publish may
    // precede a subscription, and the republish (every 2 s) repairs that. Let it, then jump past attempt
    // 0's cut-off at once (in real time the attempt lasts 400 blocks).
    await new Promise((r) => setTimeout(r, 5000));
    await net.miner.mine(ATTEMPT_BLOCKS);
    await until("the wallet registered without node 3", async () => (await registry.getFunction("getDkgRequest")(requestId)).state === 2n, 100_000);
    const silent = getAddress(net.operatorAddress(3));
    for (const i of running) {
      const rows = net.nodes[i]!.store.faults.list({ type: FaultType.DkgNoParticipation });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ walletPkh: null, W: null, requestId: requestId.toString(), attempt: 0, culprit: silent });
      expect(rows[0]!.evidence).toMatchObject({ kind: "DkgNoParticipation", cutoffBlock: receipt!.blockNumber + ATTEMPT_BLOCKS, missing: "round1" });
      expect(net.nodes[i]!.store.dkgSessions.get(requestId)).toMatchObject({ attempt: 1, included: members.map((_, k) => k + 1).filter((k) => members[k - 1] !== silent) });
    }
    // `wcoord faults verify` on a running node's data directory: recorded, not an accusation.
    let out = "";
    const sink = { write: (t: string) => (out += t) };
    const id = net.nodes[0]!.store.faults.list({ type: FaultType.DkgNoParticipation })[0]!.id;
    expect(await runFaultsCommand(["verify", String(id), "--data-dir", join(dir, "node0")], sink, sink, {})).toBe(3);
    expect(out).toContain(`DkgNoParticipation by ${silent} (DKG request ${requestId}, attempt 0): unverifiable`);
  }, 150_000);
});
