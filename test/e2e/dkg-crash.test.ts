// threshold.md §7, DKG crash rows: a real `hardhat node` with the Bridge and the FrostWalletRegistry,
// four members in this process (each its own Store, libp2p, chain, indexer, intents, DkgService) and a
// fifth as a child process (dkg-crash-runner.ts) that SIGKILLs itself after round 1 sent, after round 2
// sent, after its share is stored and after the result is signed, then restarts on the same Store.
// Each row ends with the wallet registered once (one DkgResultAccepted, the wallet Live), every member
// — the restarted one too — holding a share of the same walletX, and no member having seen a second
// version of any round (`conflicting` 0: the restarted member recomputes the same bytes).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Contract, JsonRpcProvider, Wallet, getAddress, getBytes, keccak256, toBeHex, toUtf8Bytes, type JsonRpcSigner } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployArtifact, readArtifact } from "../../deploy/link-libraries.js";
import { frostWalletRegistryInterface } from "../../src/chain/abi.js";
import { walletPkhFromPublicKey } from "../../src/coordination/seed.js";
import { WalletState } from "../../src/protocol/constants.js";
import type { DkgService, DkgServiceFault } from "../../src/threshold/dkg-service.js";
import { concatBytes, fromHex, to0x } from "../../src/util/hex.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { inspectStore, startTsx } from "../fixtures/crash-child.js";
import type { DkgRunnerConfig } from "../fixtures/dkg-crash-runner.js";
import { DKG_TEST_CHAIN_ID as CHAIN_ID, newDkgService, startDkgMemberParts, stopDkgMember, type DkgMemberParts } from "../fixtures/dkg-member.js";
import { deployBridge, sendBridge } from "../fixtures/indexer-bridge.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RUNNER = join(ROOT, "test/fixtures/dkg-crash-runner.ts");
const N = 5;
/** The member run as a child process. */
const VICTIM = 3;
const BLOCK_MS = 200;
/** Long enough for the victim's restart inside attempt 0 (20 s). */
const ATTEMPT_BLOCKS = 100;
const PASSWORD = "dkg-crash-test-password";

interface Member extends DkgMemberParts {
  index: number;
  wallet: Wallet;
  service: DkgService;
  faults: DkgServiceFault[];
}

let node: HardhatNode;
let provider: JsonRpcProvider;
let bridge: Contract;
let registry: Contract;
let bridgeAddress: string;
let registryAddress: string;
let deployBlock: number;
let gov: JsonRpcSigner;
let miner: NodeJS.Timeout;
let work: string;
let wallets: Wallet[];
const members: Member[] = [];

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  node = await startHardhatNode();
  provider = new JsonRpcProvider(node.url, CHAIN_ID, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  ({ bridge, address: bridgeAddress, deployBlock, governance: gov } = await deployBridge(provider));
  const reg = await deployArtifact(readArtifact("contracts/bridge/FrostWalletRegistry.sol", "FrostWalletRegistry"), gov, [bridgeAddress, 2000]);
  registry = reg.contract;
  registryAddress = getAddress(reg.address);
  await sendBridge(bridge, gov, "setFrostWalletRegistry", registryAddress);
  work = mkdtempSync(join(tmpdir(), "wcoord-dkg-crash-"));
  const keys = Array.from({ length: N }, (_, i) => keccak256(toUtf8Bytes(`dkg-crash-operator-${i}`)));
  wallets = keys.map((k) => new Wallet(k, provider)).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const info = { rpcUrl: node.url, bridge: bridgeAddress, registry: registryAddress, deployBlock };
  for (const [i, wallet] of wallets.entries()) {
    await provider.send("hardhat_setBalance", [wallet.address, toBeHex(10n ** 20n)]);
    if (i + 1 === VICTIM) continue;
    const parts = await startDkgMemberParts(wallet.privateKey, join(work, `member-${i + 1}`), info);
    const faults: DkgServiceFault[] = [];
    const service = newDkgService(parts, wallet.privateKey, info, { keystorePassword: PASSWORD, dkgAttemptBlocks: ATTEMPT_BLOCKS, onFault: (f) => faults.push(f) });
    members.push({ index: i + 1, wallet, ...parts, service, faults });
  }
  for (const a of members) for (const b of members) if (a.index < b.index) await a.libp2p.dial(b.libp2p.getMultiaddrs()[0]);
  for (const m of members) await m.service.start();
  miner = setInterval(() => void provider.send("evm_mine", []).catch(() => undefined), BLOCK_MS);
}, 120_000);

afterAll(async () => {
  clearInterval(miner);
  for (const m of members) await stopDkgMember(m, m.service);
  provider?.destroy();
  await node?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const ROWS = [
  { point: "dkg.after-round1", atCrash: "round1_sent" },
  { point: "dkg.after-round2", atCrash: "round2_sent" },
  { point: "dkg.after-share-stored", atCrash: "share_stored" },
  { point: "dkg.after-result-signed", atCrash: "result_signed" },
];

interface RunnerLine {
  ready?: boolean;
  state?: string;
  walletX?: string;
  attempt?: number;
}

describe("DKG crash rows (kill -9, threshold.md §7)", () => {
  for (const row of ROWS) {
    it(`${row.point}: restarted on its Store, the wallet is registered once`, async () => {
      const t0 = Date.now();
      const dataDir = join(work, `victim-${row.point}`);
      const cfg = (requestId: bigint): DkgRunnerConfig => ({
        rpcUrl: node.url,
        bridge: bridgeAddress,
        registry: registryAddress,
        deployBlock,
        operatorKey: wallets[VICTIM - 1].privateKey,
        dataDir,
        peers: members.map((m) => m.libp2p.getMultiaddrs()[0].toString()),
        password: PASSWORD,
        attemptBlocks: ATTEMPT_BLOCKS,
        requestId: requestId.toString(),
      });
      // The four start round 1 at once; the victim joins as soon as its child has booted and indexed the request.
      const receipt = await sendBridge(registry, gov, "requestNewWallet", wallets.map((w) => w.address), 3, 4);
      const ev = receipt.logs.map((l) => frostWalletRegistryInterface.parseLog({ topics: [...l.topics], data: l.data })).find((e) => e?.name === "DkgRequested")!;
      const requestId = ev.args.requestId as bigint;
      const first = startTsx(RUNNER, [JSON.stringify(cfg(requestId))], { crashAt: row.point });
      const died = await first.exit;
      expect(died.signal, died.stderr).toBe("SIGKILL");
      const tKill = Date.now() - t0;
      expect(inspectStore(dataDir, (s) => s.dkgSessions.get(requestId)?.state)).toBe(row.atCrash);

      const lines: RunnerLine[] = [];
      const second = startTsx(RUNNER, [JSON.stringify(cfg(requestId))], { onLine: (l) => lines.push(JSON.parse(l) as RunnerLine) });
      const back = await second.exit;
      expect(back.code, back.stderr).toBe(0);
      const end = lines.find((l) => l.state !== undefined)!;
      expect(end.state).toBe("registered");
      await waitUntil("the four others registered", () => members.every((m) => m.store.dkgSessions.get(requestId)?.state === "registered"));

      const walletX = members[0].store.dkgSessions.get(requestId)!.walletX!;
      expect(members.map((m) => m.store.dkgSessions.get(requestId)!.walletX)).toEqual(Array(N - 1).fill(walletX));
      expect(end.walletX).toBe(walletX);
      expect(end.attempt).toBe(0);
      // Registered once: one accepted result, the wallet Live; the victim holds one share of it.
      expect(members[0].store.evDkgRequests.byRequest(requestId).filter((e) => e.event === "DkgResultAccepted")).toHaveLength(1);
      const pkh = to0x(walletPkhFromPublicKey(concatBytes(Uint8Array.of(2), fromHex(walletX))));
      expect(Number(((await bridge.getFunction("wallets")(pkh)) as { state: bigint }).state)).toBe(WalletState.Live);
      inspectStore(dataDir, (s) => {
        const held = s.keyShares.list().filter((k) => k.requestId === requestId.toString());
        expect(held.map((k) => [k.walletX, k.memberIndex])).toEqual([[walletX, VICTIM]]);
      });
      for (const m of members) {
        expect(m.service.counts.conflicting, `member ${m.index}`).toBe(0);
        expect(m.faults, `member ${m.index}`).toEqual([]);
      }
      console.log(`[dkg-crash] ${row.point}: killed at ${tKill}ms in ${row.atCrash}; registered once in attempt 0; wall ${Date.now() - t0}ms`);
    }, 120_000);
  }
});
