// The DKG service end to end (threshold.md §3.2): a real `hardhat node` with the Bridge and the
// FrostWalletRegistry, five operators each with its own libp2p peer on 127.0.0.1, Store (temp dir),
// EthersChain, EventIndexer (lag 0), EthIntentSender (watching) and DkgService. Governance requests
// wallets; the services create them with no machine holding the key. Blocks are mined every
// BLOCK_MS so that the attempts' cut-offs pass. The tests share the chain and the peers, in file order.
// DKG_DEBUG=info (or debug) prints the services' logs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { schnorr, schnorr_FROST, secp256k1 } from "@noble/curves/secp256k1.js";
import { Contract, JsonRpcProvider, Wallet, getAddress, getBytes, keccak256, toBeHex, toUtf8Bytes, type JsonRpcSigner } from "ethers";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployArtifact, readArtifact } from "../../deploy/link-libraries.js";
import { frostWalletRegistryInterface } from "../../src/chain/abi.js";
import { WalletState } from "../../src/protocol/constants.js";
import { DkgAttempt } from "../../src/threshold/dkg/dkg-attempt.js";
import { encodeRound1, encodeRound2 } from "../../src/threshold/dkg/dkg-messages.js";
import { openKeyShare } from "../../src/threshold/dkg/key-share-store.js";
import { decodeTranscript } from "../../src/threshold/dkg/transcript.js";
import type { DkgService, DkgServiceFault, DkgStoredShare } from "../../src/threshold/dkg-service.js";
import { frostSignDigest } from "../../src/threshold/frost-rounds.js";
import { walletPkhFromPublicKey } from "../../src/coordination/seed.js";
import { concatBytes, fromHex, to0x, toHex } from "../../src/util/hex.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { newDkgService, startDkgMemberParts, stopDkgMember, type DkgChainInfo, type DkgMemberParts } from "../fixtures/dkg-member.js";
import { deployBridge, sendBridge } from "../fixtures/indexer-bridge.js";

const CHAIN_ID = 31337n;
const N = 5;
const BLOCK_MS = 200;
const ATTEMPT_BLOCKS = 40;
const DKG_TIMEOUT_BLOCKS = 2000;
const PASSWORD = "dkg-service-test-password";
const FROST_SCHEME = 1;
const ORDER = ["requested", "round1_sent", "round2_sent", "share_stored", "result_signed", "submitted", "registered"];

interface Member extends DkgMemberParts {
  index: number;
  wallet: Wallet;
  key: Uint8Array;
  publicKey: Uint8Array;
  dir: string;
  service: DkgService;
  faults: DkgServiceFault[];
  /** What the hooks reported: the requests joined and the shares stored (the node's signer takes these). */
  joined: bigint[];
  stored: DkgStoredShare[];
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
let chainInfo: DkgChainInfo;
const members: Member[] = [];

async function waitUntil(what: string, cond: () => boolean, timeoutMs = 30_000, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function openShare(m: Member, requestId: bigint) {
  const info = m.store.keyShares.list().find((k) => k.requestId === requestId.toString())!;
  return (await openKeyShare(new TextDecoder().decode(m.store.keyShares.get(info.walletPkh)!.sealed), PASSWORD)).keyShare;
}

function newService(m: Member): DkgService {
  const logger = process.env.DKG_DEBUG ? pino({ level: process.env.DKG_DEBUG, base: { m: m.index } }) : undefined;
  return newDkgService(
    m,
    to0x(m.key),
    chainInfo,
    {
      keystorePassword: PASSWORD,
      dkgAttemptBlocks: ATTEMPT_BLOCKS,
      onFault: (f) => m.faults.push(f),
      onRequestJoined: (r) => m.joined.push(r.requestId),
      onShareStored: (st) => m.stored.push(st),
    },
    logger,
  );
}

async function request(threshold: number, dkgQuorum: number): Promise<{ requestId: bigint; block: number; seed: string }> {
  const receipt = await sendBridge(registry, gov, "requestNewWallet", members.map((m) => m.wallet.address), threshold, dkgQuorum);
  const ev = receipt.logs.map((l) => frostWalletRegistryInterface.parseLog({ topics: [...l.topics], data: l.data })).find((e) => e?.name === "DkgRequested")!;
  return { requestId: ev.args.requestId as bigint, block: receipt.blockNumber, seed: ev.args.seed as string };
}

const stateOf = (m: Member, id: bigint) => m.store.dkgSessions.get(id)?.state;

async function bridgeWallet(walletX: string): Promise<{ pkh: string; state: number; scheme: number }> {
  const pkh = to0x(walletPkhFromPublicKey(concatBytes(Uint8Array.of(2), fromHex(walletX))));
  const w = (await bridge.getFunction("wallets")(pkh)) as { state: bigint };
  const s = (await bridge.getFunction("walletScheme")(pkh)) as { scheme: bigint };
  return { pkh, state: Number(w.state), scheme: Number(s.scheme) };
}

beforeAll(async () => {
  node = await startHardhatNode();
  provider = new JsonRpcProvider(node.url, CHAIN_ID, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  const d = await deployBridge(provider);
  ({ bridge, address: bridgeAddress, deployBlock, governance: gov } = d);
  const reg = await deployArtifact(readArtifact("contracts/bridge/FrostWalletRegistry.sol", "FrostWalletRegistry"), gov, [bridgeAddress, DKG_TIMEOUT_BLOCKS]);
  registry = reg.contract;
  registryAddress = getAddress(reg.address);
  await sendBridge(bridge, gov, "setFrostWalletRegistry", registryAddress);
  chainInfo = { rpcUrl: node.url, bridge: bridgeAddress, registry: registryAddress, deployBlock };

  const keys = Array.from({ length: N }, (_, i) => getBytes(keccak256(toUtf8Bytes(`dkg-service-operator-${i}`))));
  const wallets = keys.map((k) => new Wallet(to0x(k), provider)).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  for (const [i, wallet] of wallets.entries()) {
    await provider.send("hardhat_setBalance", [wallet.address, toBeHex(10n ** 20n)]);
    const key = getBytes(wallet.privateKey);
    const publicKey = secp256k1.getPublicKey(key, true);
    const dir = mkdtempSync(join(tmpdir(), "wcoord-dkgsvc-"));
    const parts = await startDkgMemberParts(wallet.privateKey, dir, chainInfo);
    const m = { index: i + 1, wallet, key, publicKey, dir, ...parts, faults: [], joined: [], stored: [] } as unknown as Member;
    m.service = newService(m);
    members.push(m);
  }
  // A full mesh on 127.0.0.1.
  for (const a of members) for (const b of members) if (a.index < b.index) await a.libp2p.dial(b.libp2p.getMultiaddrs()[0]);
  miner = setInterval(() => void provider.send("evm_mine", []).catch(() => undefined), BLOCK_MS);
}, 60_000);

afterAll(async () => {
  clearInterval(miner);
  for (const m of members) {
    await stopDkgMember(m, m.service);
    rmSync(m.dir, { recursive: true, force: true });
  }
  provider?.destroy();
  await node?.stop();
});

describe("DkgService on a hardhat node and real libp2p peers", () => {
  it("5 members, t=3, quorum 4: every member ends registered; the wallet is Live, FROST, under the walletX all computed; any 3 shares sign", async () => {
    for (const m of members) await m.service.start();
    const t0 = Date.now();
    const { requestId } = await request(3, 4);
    // When the first member reached round1_sent, and when the last reached share_stored and registered.
    const phases = new Map<string, number>();
    const seen = (state: string, all: boolean) => {
      const reached = members.filter((m) => {
        const st = stateOf(m, requestId);
        return st !== undefined && ORDER.indexOf(st) >= ORDER.indexOf(state);
      }).length;
      if (!phases.has(`${state}:${all}`) && (all ? reached === N : reached > 0)) phases.set(`${state}:${all}`, Date.now() - t0);
    };
    await waitUntil("every member registered", () => {
      seen("round1_sent", false);
      seen("share_stored", true);
      seen("registered", true);
      return members.every((m) => stateOf(m, requestId) === "registered");
    });
    console.log(
      `DKG 5 members t=3 quorum 4, ms after the request tx: first round 1 sent ${phases.get("round1_sent:false")}, ` +
        `every share stored ${phases.get("share_stored:true")}, every member registered ${phases.get("registered:true")}; ` +
        `intents sent: ${members.map((m) => m.store.ethIntents.byDedupeKey(`dkg_result:${requestId}`).map((r) => r.status).join("/") || "-").join(", ")}`,
    );

    const rows = members.map((m) => m.store.keyShares.get(m.store.keyShares.list().find((k) => k.requestId === requestId.toString())!.walletPkh)!);
    const walletX = rows[0].walletX;
    for (const [i, r] of rows.entries()) expect([r.walletX, r.memberIndex, r.threshold]).toEqual([walletX, i + 1, 3]);
    expect(members.map((m) => m.store.dkgSessions.get(requestId)!.walletX)).toEqual(Array(N).fill(walletX));
    expect(members.map((m) => m.store.dkgSessions.get(requestId)!.attempt)).toEqual(Array(N).fill(0));
    const w = await bridgeWallet(walletX);
    expect(w).toMatchObject({ state: WalletState.Live, scheme: FROST_SCHEME });
    expect(members.every((m) => m.store.evDkgRequests.request(requestId)!.status === "accepted")).toBe(true);
    // Exactly one result was accepted: one DkgResultAccepted for the request.
    expect(members[0].store.evDkgRequests.byRequest(requestId).filter((e) => e.event === "DkgResultAccepted")).toHaveLength(1);

    // Each store holds one sealed share: its own index; it opens to its own identifier only.
    const opened = await Promise.all(rows.map((r) => openKeyShare(new TextDecoder().decode(r.sealed), PASSWORD)));
    opened.forEach((o, i) => {
      expect(o.metadata.memberIndex).toBe(i + 1);
      expect(toHex(o.metadata.walletX)).toBe(walletX.slice(2));
    });
    for (const m of members) expect(m.store.keyShares.list()).toHaveLength(1);
    // Each service reported its request joined and its stored share, opened: the sealed one, in memory.
    members.forEach((m, i) => {
      expect(m.joined).toContain(requestId);
      const mine = m.stored.filter((st) => st.requestId === requestId);
      expect(mine).toHaveLength(1);
      expect([toHex(mine[0].walletPkh), mine[0].memberIndex, mine[0].members]).toEqual([rows[i].walletPkh.replace(/^0x/, ""), i + 1, rows[i].members]);
      expect(toHex(mine[0].keyShare.secret.signingShare)).toBe(toHex(opened[i].keyShare.secret.signingShare));
    });
    // No store's sealed blob or transcript carries another member's secret share in the clear.
    const secretHex = opened.map((o) => toHex(o.keyShare.secret.signingShare));
    for (const m of members) {
      const blobs = m.store.keyShares.list().map((k) => m.store.keyShares.get(k.walletPkh)!);
      for (const b of blobs) for (const s of secretHex) {
        expect(Buffer.from(b.sealed).toString("hex")).not.toContain(s);
        expect(new TextDecoder().decode(b.sealed)).not.toContain(s);
        expect(Buffer.from(b.transcript).toString("hex")).not.toContain(s);
      }
    }
    // Any 3 members sign a digest that verifies under walletX.
    const digest = getBytes(keccak256(toUtf8Bytes("dkg-service: a digest")));
    for (const subset of [[1, 2, 3], [2, 4, 5], [1, 3, 5]]) {
      const sig = frostSignDigest(schnorr_FROST, opened[0].keyShare.public, subset.map((i) => ({ member: i, secret: opened[i - 1].keyShare.secret })), digest);
      expect(schnorr.verify(sig, digest, fromHex(walletX))).toBe(true);
    }
    for (const m of members) expect(m.faults).toEqual([]);
  }, 60_000);

  it("one member offline with quorum 4: the others exclude it after attempt 0 and register the wallet", async () => {
    const offline = members[2];
    await offline.service.stop();
    const t0 = Date.now();
    const { requestId } = await request(3, 4);
    const online = members.filter((m) => m !== offline);
    await waitUntil("the four online members registered", () => online.every((m) => stateOf(m, requestId) === "registered"), 60_000);
    console.log(`DKG 5 members, 1 offline: registered after ${Date.now() - t0} ms (attempt window ${ATTEMPT_BLOCKS} blocks of ${BLOCK_MS} ms)`);
    const sessions = online.map((m) => m.store.dkgSessions.get(requestId)!);
    // Attempt 1 without member 3: the result names it excluded, and the four all signed.
    for (const s of sessions) expect([s.attempt, s.included]).toEqual([1, [1, 2, 4, 5]]);
    const walletX = sessions[0].walletX!;
    expect(sessions.map((s) => s.walletX)).toEqual(Array(4).fill(walletX));
    expect((await bridgeWallet(walletX)).state).toBe(WalletState.Live);
    expect(offline.store.dkgSessions.get(requestId)).toBeUndefined();
    // Every online member blamed member 3 alone for attempt 0.
    for (const m of online) expect(m.faults.map((f) => [f.code, f.accused, f.attempt])).toEqual([["DkgNoParticipation", 3, 0]]);
    // Back online: the accepted request is not one it takes part in any more.
    offline.service = newService(offline);
    await offline.service.start();
    await new Promise((r) => setTimeout(r, 500));
    expect(offline.store.dkgSessions.get(requestId)).toBeUndefined();
    for (const m of members) m.faults.length = 0;
  }, 90_000);

  it("a member restarted after round 1 recomputes the same round-1 package; the wallet is registered once", async () => {
    const restarted = members[1];
    const others = members.filter((m) => m !== restarted);
    for (const m of others) await m.service.stop();
    const t0 = Date.now();
    const req = await request(3, 4);
    await waitUntil("round 1 sent by the lone member", () => stateOf(restarted, req.requestId) === "round1_sent");
    await restarted.service.stop();
    for (const m of others) {
      m.service = newService(m);
      await m.service.start();
    }
    restarted.service = newService(restarted);
    await restarted.service.start();
    await waitUntil("every member registered", () => members.every((m) => stateOf(m, req.requestId) === "registered"), 60_000);
    console.log(`DKG with a restart after round 1: registered after ${Date.now() - t0} ms`);

    // The package it published before the restart is the one it recomputed: the deterministic round 1 of
    // attempt 0, and every member's transcript holds that one.
    const expected = new DkgAttempt({
      requestId: req.requestId,
      requestSeed: fromHex(req.seed),
      attempt: 0,
      members: members.map((m) => m.wallet.address),
      operatorPublicKeys: members.map((m) => m.publicKey),
      myIndex: restarted.index,
      myOperatorKey: restarted.key,
      threshold: 3,
      included: [1, 2, 3, 4, 5],
    }).round1().message;
    for (const m of members) {
      const row = m.store.keyShares.list().find((k) => k.requestId === req.requestId.toString())!;
      const t = decodeTranscript(m.store.keyShares.get(row.walletPkh)!.transcript);
      expect(t.attempt).toBe(0);
      expect(toHex(encodeRound1(t.round1[restarted.index - 1]))).toBe(toHex(encodeRound1(expected)));
      expect(m.service.counts.conflicting).toBe(0);
    }
    expect(members[0].store.evDkgRequests.byRequest(req.requestId).filter((e) => e.event === "DkgResultAccepted")).toHaveLength(1);
    const walletX = members[0].store.dkgSessions.get(req.requestId)!.walletX!;
    expect((await bridgeWallet(walletX)).state).toBe(WalletState.Live);
    for (const m of members) expect(m.faults).toEqual([]);
  }, 90_000);

  it("a member down after round 2 while the others register the wallet still computes its share from their republished rounds", async () => {
    const late = members[3];
    const others = members.filter((m) => m !== late);
    const req = await request(3, 4);
    await waitUntil("member 4 sent round 2", () => stateOf(late, req.requestId) !== undefined && ORDER.indexOf(stateOf(late, req.requestId)!) >= ORDER.indexOf("round2_sent"), 30_000, 5);
    await late.service.stop();
    const stoppedAt = stateOf(late, req.requestId);
    await waitUntil("the four others registered", () => others.every((m) => stateOf(m, req.requestId) === "registered"), 60_000);
    const t0 = Date.now();
    late.service = newService(late);
    await late.service.start();
    await waitUntil("member 4 registered", () => stateOf(late, req.requestId) === "registered", 60_000);
    console.log(`DKG member stopped at ${stoppedAt}, restarted after the wallet was registered: share stored and registered ${Date.now() - t0} ms after its restart`);

    const walletX = others[0].store.dkgSessions.get(req.requestId)!.walletX!;
    expect(late.store.dkgSessions.get(req.requestId)!.walletX).toBe(walletX);
    // Its share signs with two others under walletX; its round 2 is the one the others hold (no second version).
    const shares = [await openShare(late, req.requestId), await openShare(members[0], req.requestId), await openShare(members[4], req.requestId)];
    const digest = getBytes(keccak256(toUtf8Bytes("dkg-service: the late member signs")));
    const sig = frostSignDigest(schnorr_FROST, shares[1].public, [4, 1, 5].map((member, i) => ({ member, secret: shares[i].secret })), digest);
    expect(schnorr.verify(sig, digest, fromHex(walletX))).toBe(true);
    const transcripts = members.map((m) => decodeTranscript(m.store.keyShares.get(m.store.keyShares.list().find((k) => k.requestId === req.requestId.toString())!.walletPkh)!.transcript));
    for (const t of transcripts) expect(toHex(encodeRound2(t.round2[3]))).toBe(toHex(encodeRound2(transcripts[3].round2[3])));
    for (const m of members) expect(m.service.counts.conflicting).toBe(0);
    expect(members[0].store.evDkgRequests.byRequest(req.requestId).filter((e) => e.event === "DkgResultAccepted")).toHaveLength(1);
  }, 90_000);
});
