// Crash-point matrix rows 6–11 and 15 (reliability.md §7.2) for the DepositSweep action: a real child
// process (test/fixtures/bitcoin-action-crash-runner.ts) runs the real executor, responder, tip
// tracker, intent sender and recorder over a SQLite store on disk; it is killed by SIGKILL at each
// crash point and restarted without the variable. The chains live in this process: a `hardhat node`
// (one Bridge + validator for the whole file) and a FakeBitcoinChain served over TCP by the fake
// Electrum server, so both survive the kill. This process mines Ethereum and Bitcoin blocks as the
// child's reported state calls for, and counts every broadcast the Bitcoin server receives.
//
// Asserted for every row: the terminal state and path of the clean reference run, contiguous
// transitions whose fold equals the row, one action row, one tracker, one record intent (and one
// operator nonce) per dedupe key, every signer call with the stored round id, the server accepting
// exactly one version of the sweep, and the row's own invariant from the §7.2 table.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256 } from "@noble/hashes/sha2.js";
import { ContractFactory, JsonRpcProvider, SigningKey, Wallet, getBytes, toBeHex, toQuantity, zeroPadValue, type Contract, type JsonRpcSigner } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { txInputsOf } from "../../src/actions/handlers/bitcoin-action.js";
import { foldTranscript } from "../../src/actions/recovery.js";
import { signingRoundId } from "../../src/actions/signer.js";
import { finalizeSigned } from "../../src/bitcoin/tx-builder.js";
import { txHashOf, txidFromHash, txInputs } from "../../src/bitcoin/tx.js";
import { CURSOR } from "../../src/store/repos/cursors-repo.js";
import { ActionType } from "../../src/protocol/constants.js";
import { actionSchedule } from "../../src/coordination/result-processor.js";
import { startElectrumServer, type ElectrumServerHandle } from "../../src/devnet/electrum-server.js";
import { encodePayload } from "../../src/protocol/payloads.js";
import type { Store } from "../../src/store/store.js";
import { fromHex, toHex } from "../../src/util/hex.js";
import { FakeBitcoinChain, type AcceptResult } from "../fakes/fake-bitcoin-chain.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import type { RunnerConfig } from "../fixtures/bitcoin-action-crash-runner.js";
import { inspectStore, jsonLines, startTsx, type ChildExit } from "../fixtures/crash-child.js";
import { revealDeposit } from "../fixtures/deposit-chain.js";
import { deployBridge, sendBridge, walletKey, type WalletKey } from "../fixtures/indexer-bridge.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const RUNNER = join(ROOT, "test", "fixtures", "bitcoin-action-crash-runner.ts");
const VALIDATOR_ARTIFACT = join(ROOT, "artifacts", "contracts", "bridge", "WalletProposalValidator.sol", "WalletProposalValidator.json");
const DAY = 86_400;
const DEPOSIT_SAT = 10_000_000n;
const FEE = 2000n;
const OPERATOR_KEY = "0x" + "7c".repeat(32);
const operator = new Wallet(OPERATOR_KEY);
/** The runner's fixture-level crash point (importing the runner would run it): built in memory, not committed. */
const BUILD_RETURNED = "fixture.build.returned";
const REFERENCE_PATH = ["scheduled", "validating", "built", "signing", "signed", "broadcast_pending", "in_mempool", "confirmed", "recording", "settled", "final"];
/** §3.5 adoption: the other member's transaction is taken over from `signing`. */
/** The reorg edge confirmed → in_mempool, then confirmed again on the new branch. */
const REORG_PATH = ["scheduled", "validating", "built", "signing", "signed", "broadcast_pending", "in_mempool", "confirmed", "in_mempool", "confirmed", "recording", "settled", "final"];
const ADOPTED_PATH = ["scheduled", "validating", "built", "signing", "in_mempool", "confirmed", "recording", "settled", "final"];

// ---- the matrix ----------------------------------------------------------------------------------

interface Counts {
  /** Signer calls (all runs). */
  signer: number;
  /** Builds of the unsigned transaction (all runs). */
  builds: number;
  /** Broadcast calls the Bitcoin server received from the node (all runs). */
  broadcasts: number;
}

interface Case {
  title: string;
  crashAt?: string;
  /** Deposits: a P2WSH one, plus a P2SH one when set. */
  p2sh?: boolean;
  /** Fresh nonce randomness per signing run (P2SH: another run gives another txid). */
  randomized?: boolean;
  /** The confirming block is reorged out (the transaction is re-mined in the new branch). */
  reorg?: boolean;
  /** Another member broadcasts the version signed before the crash (§3.5 adoption). */
  adoptOther?: boolean;
  atCrash?: { state: string } & Counts;
  after: Counts;
  path?: string[];
  checkAtCrash?: (s: Store, c: CaseRun) => void;
  checkAfter?: (s: Store, c: CaseRun) => void;
}

interface CaseRun {
  cfg: RunnerConfig;
  wallet: WalletKey;
  outpoints: string[];
  /** Broadcasts seen by the server during this case. */
  broadcasts: () => BroadcastSeen[];
  /** Signer calls of the crashed run (before the restart). */
  firstSignerCalls: SignerCall[];
}

const MATRIX: Case[] = [
  { title: "reference run without a crash", after: { signer: 1, builds: 1, broadcasts: 1 } },
  {
    title: "row 6 action.validated: re-validates and builds after the restart",
    crashAt: "action.validated",
    atCrash: { state: "validating", signer: 0, builds: 0, broadcasts: 0 },
    after: { signer: 1, builds: 1, broadcasts: 1 },
  },
  {
    title: `row 6 ${BUILD_RETURNED} (built in memory, not committed): rebuilds identical unsigned bytes`,
    crashAt: BUILD_RETURNED,
    atCrash: { state: "validating", signer: 0, builds: 1, broadcasts: 0 },
    after: { signer: 1, builds: 2, broadcasts: 1 },
  },
  {
    title: "row 7 action.signing.committed: rejoins the same round, one signed version broadcast",
    crashAt: "action.signing.committed",
    atCrash: { state: "signing", signer: 0, builds: 1, broadcasts: 0 },
    after: { signer: 1, builds: 1, broadcasts: 1 },
  },
  {
    title: "row 7 action.signer.before: rejoins the same round, one signed version broadcast",
    crashAt: "action.signer.before",
    atCrash: { state: "signing", signer: 0, builds: 1, broadcasts: 0 },
    after: { signer: 1, builds: 1, broadcasts: 1 },
  },
  {
    title: "row 8 action.signed.received (P2WSH): signs again in the same round",
    crashAt: "action.signed.received",
    atCrash: { state: "signing", signer: 1, builds: 1, broadcasts: 0 },
    after: { signer: 2, builds: 1, broadcasts: 1 },
  },
  {
    title: "row 8 action.signed.received (P2SH, randomized signer): only the committed version is own",
    crashAt: "action.signed.received",
    p2sh: true,
    randomized: true,
    atCrash: { state: "signing", signer: 1, builds: 1, broadcasts: 0 },
    after: { signer: 2, builds: 1, broadcasts: 1 },
    checkAfter: (s, c) => {
      const row = s.actions.list()[0];
      const lost = versionOf(row, c.firstSignerCalls[0].signatures, c.cfg.walletKey);
      // The P2SH scriptSig carries the signature: the uncommitted signing run had another txid.
      expect(lost.txid).not.toBe(row.txid);
      expect(s.btcTrackers.get(lost.txid)).toBeUndefined();
      expect(c.broadcasts().map((b) => b.txid)).not.toContain(lost.txid);
    },
  },
  {
    title: "row 8 action.signed.received (P2SH): another member broadcast the uncommitted version, which is adopted",
    crashAt: "action.signed.received",
    p2sh: true,
    randomized: true,
    adoptOther: true,
    atCrash: { state: "signing", signer: 1, builds: 1, broadcasts: 0 },
    after: { signer: 1, builds: 1, broadcasts: 0 },
    path: ADOPTED_PATH,
    checkAfter: (s, c) => {
      const row = s.actions.list()[0];
      expect(row.txid).toBe(versionOf(row, c.firstSignerCalls[0].signatures, c.cfg.walletKey).txid);
      expect(s.actions.history(row.id).find((t) => t.to === "in_mempool")!.detail).toMatchObject({ adopted: true });
    },
  },
  {
    title: "row 9 action.broadcast_pending.committed: broadcasts the stored raw, confirms once",
    crashAt: "action.broadcast_pending.committed",
    atCrash: { state: "broadcast_pending", signer: 1, builds: 1, broadcasts: 0 },
    after: { signer: 1, builds: 1, broadcasts: 1 },
    checkAtCrash: (s) => {
      const row = s.actions.list()[0];
      // The tracker row is the intent, committed with the state.
      expect(s.btcTrackers.byAction(row.id).map((t) => [t.txid, t.status])).toEqual([[row.txid, "broadcast_pending"]]);
    },
  },
  {
    title: "row 10 action.in_mempool.before-commit (Electrum accepted): looked up at boot, not sent again, no duplicate tracker",
    crashAt: "action.in_mempool.before-commit",
    atCrash: { state: "broadcast_pending", signer: 1, builds: 1, broadcasts: 1 },
    after: { signer: 1, builds: 1, broadcasts: 1 },
    checkAtCrash: (s, c) => {
      const row = s.actions.list()[0];
      expect(c.broadcasts().map((b) => b.result)).toEqual(["accepted"]);
      expect(btc.inMempool(row.txid!)).toBe(true);
    },
    checkAfter: (s, c) => {
      // Recovery watches before acting (§5 step 5): the stored raw was found in the mempool, so it was
      // never sent a second time; the transition that recorded it says so.
      expect(c.broadcasts().map((b) => b.result)).toEqual(["accepted"]);
      const row = s.actions.list()[0];
      expect(s.actions.history(row.id).find((t) => t.from === "broadcast_pending")?.detail).toMatchObject({ recovery: true });
    },
  },
  {
    title: "row 11 btc.tip.before-commit on the confirming block: block replayed, tracker and cursor consistent",
    // Hit 1 is the boot tip; the first block this test mines (the confirming one) is hit 2.
    crashAt: "btc.tip.before-commit:2",
    atCrash: { state: "in_mempool", signer: 1, builds: 1, broadcasts: 1 },
    after: { signer: 1, builds: 1, broadcasts: 1 },
    checkAtCrash: (s) => {
      const row = s.actions.list()[0];
      const confirmedAt = btc.txHeight(row.txid!)!;
      // Nothing of the confirming block was committed: cursor and headers end one block below it.
      expect(s.cursors.get(CURSOR.btcTip)!.height).toBe(confirmedAt - 1);
      expect(s.btcHeaders.tip()!.height).toBe(confirmedAt - 1);
      expect(s.btcTrackers.get(row.txid!)).toMatchObject({ status: "in_mempool", confHeight: null });
    },
  },
  { title: "reorg reference run without a crash", reorg: true, path: REORG_PATH, after: { signer: 1, builds: 1, broadcasts: 1 } },
  {
    title: "row 11 btc.tip.before-commit on a reorg tip: the tracker flip is replayed once with the cursor",
    // Hit 1 boot tip, hit 2 the confirming block, hit 3 the tip of the branch that replaces it.
    crashAt: "btc.tip.before-commit:3",
    reorg: true,
    path: REORG_PATH,
    atCrash: { state: "confirmed", signer: 1, builds: 1, broadcasts: 1 },
    after: { signer: 1, builds: 1, broadcasts: 1 },
    checkAtCrash: (s) => {
      const row = s.actions.list()[0];
      const tracker = s.btcTrackers.get(row.txid!)!;
      // The flip and the cursor move were one transaction: neither is there; the old block is.
      expect(tracker).toMatchObject({ status: "confirmed", reorged: false, confHeight: row.stateHeight });
      expect(s.cursors.get(CURSOR.btcTip)).toMatchObject({ height: row.stateHeight, hash: tracker.confHash });
      expect(tracker.confHash).not.toBe(toHex(hash256Display(btc.rawHeader(row.stateHeight!))));
    },
    checkAfter: (s) => {
      const row = s.actions.list()[0];
      const reorgs = s.actions.history(row.id).filter((t) => t.from === "confirmed" && t.to === "in_mempool");
      expect(reorgs).toHaveLength(1);
      expect(s.btcTrackers.get(row.txid!)).toMatchObject({ reorged: false, waitingInputs: false });
    },
  },
  {
    title: "row 15 action.settled.before-commit (record mined): settlement observed, no second record call",
    crashAt: "action.settled.before-commit",
    atCrash: { state: "recording", signer: 1, builds: 1, broadcasts: 1 },
    after: { signer: 1, builds: 1, broadcasts: 1 },
    checkAtCrash: (s) => {
      const row = s.actions.list()[0];
      expect(s.ethIntents.byDedupeKey(`record:deposit_sweep:${row.txid}`)).toHaveLength(1);
    },
  },
];

// ---- shared chains -------------------------------------------------------------------------------

let node: HardhatNode;
let provider: JsonRpcProvider;
let bridge: Contract;
let bridgeAddress: string;
let validatorAddress: string;
let deployBlock: number;
let gov: JsonRpcSigner;
let depositor: JsonRpcSigner;
let member: JsonRpcSigner;
let btc: FakeBitcoinChain;
let electrum: ElectrumServerHandle;
let work: string;

interface BroadcastSeen {
  txid: string;
  raw: string;
  result: string;
  /** Sent by this test process (another member), not by the node. */
  external: boolean;
}
const seen: BroadcastSeen[] = [];
let externalBroadcast = false;

interface Deposit {
  fundingTxHash: Uint8Array;
  block: number;
}
const deposits = new Map<number, Deposit[]>();

const walletPrivateKey = (n: number): string => zeroPadValue(toBeHex(n), 32);
const WALLET_BASE = 60;

/** Funds a deposit script (left in the mempool; the caller mines) and reveals that funding transaction. */
async function deposit(w: WalletKey, p2sh: boolean): Promise<Deposit> {
  const now = (await provider.getBlock("latest"))!.timestamp;
  const d = await revealDeposit({ provider, btc, bridge, depositor }, { wallet: w, locktime: now + 30 * DAY, amount: DEPOSIT_SAT, p2sh });
  return { fundingTxHash: getBytes(d.fundingTxHash), block: d.block };
}

beforeAll(async () => {
  node = await startHardhatNode();
  provider = new JsonRpcProvider(node.url, 31337n, { staticNetwork: true, cacheTimeout: -1 });
  ({ bridge, address: bridgeAddress, deployBlock, governance: gov } = await deployBridge(provider));
  const artifact = JSON.parse(readFileSync(VALIDATOR_ARTIFACT, "utf8")) as { abi: unknown[]; bytecode: string };
  const validator = await new ContractFactory(artifact.abi as never, artifact.bytecode, gov).deploy(bridgeAddress);
  await validator.deploymentTransaction()!.wait();
  validatorAddress = await validator.getAddress();
  [depositor, member] = await Promise.all([3, 4].map((i) => provider.getSigner(i)));
  await provider.send("hardhat_setBalance", [operator.address, toQuantity(10n ** 20n)]);
  await sendBridge(bridge, gov, "setMaintainerStatus", operator.address, true);

  btc = new FakeBitcoinChain();
  // Every broadcast the server receives, whoever sent it (the electrum server calls acceptRaw).
  const acceptRaw = btc.acceptRaw.bind(btc);
  btc.acceptRaw = (raw: Uint8Array): AcceptResult => {
    const r = acceptRaw(raw);
    seen.push({ txid: txidFromHash(txHashOf(raw)), raw: toHex(raw), result: "txid" in r ? "accepted" : r.error, external: externalBroadcast });
    return r;
  };
  electrum = await startElectrumServer(btc);

  // One fresh wallet and fresh deposits per row, all revealed up front (one 3 h wait for all).
  const member4 = await member.getAddress();
  for (let i = 0; i < MATRIX.length; i++) {
    const w = walletKey(WALLET_BASE + i);
    await sendBridge(bridge, gov, "registerWallet", w.x, w.y, [operator.address, member4]);
    const ds = [await deposit(w, false)];
    if (MATRIX[i].p2sh === true) ds.push(await deposit(w, true));
    deposits.set(i, ds);
  }
  btc.mine(1);
  await provider.send("evm_increaseTime", [3 * 3600]); // past the validator's 2 h minimum deposit age
  await provider.send("evm_mine", []);
  work = mkdtempSync(join(tmpdir(), "wcoord-btc-action-crash-"));
}, 120_000);

afterAll(async () => {
  await electrum?.close();
  provider?.destroy();
  await node?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---- child processes and the scenario driver -----------------------------------------------------

interface Live {
  state: string | null;
  txid: string | null;
  /** The child's processed Bitcoin tip (its `btc.tip` cursor). */
  cursor: number | null;
  exited: boolean;
}

/** Reorg scenario: once the child has processed the confirming block, that block is replaced. */
interface Scenario {
  reorg: boolean;
  forked: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function depthOf(txid: string): number {
  const h = btc.txHeight(txid);
  return h === null ? 0 : btc.tip().height - h + 1;
}

/**
 * Moves the chains while the child lives: one Ethereum block per tick (heads for the stall monitor
 * and the intent look-ups), and Bitcoin blocks only as far as the child's committed state asks for —
 * never while the child is dead, so what a restart finds is what the crash left.
 */
async function drive(live: Live, scenario: Scenario): Promise<void> {
  while (!live.exited) {
    await sleep(100);
    if (live.exited || live.state === null) continue;
    await provider.send("evm_mine", []);
    if (live.exited || live.txid === null) continue;
    const depth = depthOf(live.txid);
    if (scenario.reorg && !scenario.forked && live.state === "confirmed" && depth === 1) {
      // Wait until the child's cursor is on the confirming block, then reorg it out: the new
      // branch re-mines the transaction at the same height in another block and is one block longer.
      if (live.cursor !== btc.tip().height) continue;
      btc.forkAt(btc.tip().height - 1);
      btc.mine(2);
      scenario.forked = true;
    } else if (live.state === "in_mempool" && depth === 0 && btc.inMempool(live.txid)) btc.mine(1);
    else if ((live.state === "confirmed" || live.state === "recording") && depth >= 1 && depth < 6) btc.mine(1);
    else if (live.state === "settled" && depth >= 1 && depth < 100) btc.mine(100 - depth);
  }
}

async function runChild(cfg: RunnerConfig, scenario: Scenario, crashAt?: string): Promise<ChildExit> {
  const live: Live = { state: null, txid: null, cursor: null, exited: false };
  const child = startTsx(RUNNER, [JSON.stringify(cfg)], {
    crashAt,
    onLine: (line) => {
      const e = JSON.parse(line) as { event: string; state?: string; to?: string; txid?: string | null; height?: number | null };
      if (e.event === "tip") {
        live.cursor = e.height ?? null;
        return;
      }
      live.state = e.event === "transition" ? e.to! : e.state!;
      live.txid = e.txid ?? live.txid;
    },
  });
  const closed = child.exit.then((exit) => {
    live.exited = true;
    return exit;
  });
  const driving = drive(live, scenario).catch((err: unknown) => {
    child.kill("SIGKILL");
    throw err;
  });
  const exit = await closed;
  await driving;
  return exit;
}

interface SignerCall {
  pid: number;
  roundId: string;
  digests: string[];
  signatures: string[];
}


/** The signed version a set of signatures makes of the stored built transaction. */
function versionOf(row: ReturnType<Store["actions"]["list"]>[number], signatures: string[], walletKeyHex: string): { txid: string; raw: Uint8Array } {
  const pub = fromHex(new SigningKey(walletKeyHex).compressedPublicKey);
  return finalizeSigned(row.unsignedTx!, txInputsOf(row.outpoints!), signatures.map(fromHex), pub);
}

/** Whether a broadcast transaction spends one of the case's deposit outpoints. */
function spendsAny(raw: string, outpoints: string[]): boolean {
  return txInputs(fromHex(raw)).some((i) => outpoints.includes(`${toHex(i.txHash)}:${i.index}`));
}

// ---- the rows ------------------------------------------------------------------------------------

let reference: { state: string; path: string[] } | undefined;

describe("DepositSweep crash-point matrix (kill -9, §7.2 rows 6–11, 15)", () => {
  MATRIX.forEach((c, i) => {
    it(c.title, async () => {
      const wallet = walletKey(WALLET_BASE + i);
      const ds = deposits.get(i)!;
      const outpoints = ds.map((d) => `${toHex(d.fundingTxHash)}:0`);
      const dir = mkdtempSync(join(work, `case-${i}-`));
      const W = (await provider.getBlockNumber()) + 1;
      const payload = encodePayload(ActionType.DepositSweep, {
        depositsKeys: ds.map((d) => ({ fundingTxHash: d.fundingTxHash, fundingOutputIndex: 0 })),
        sweepTxFee: FEE,
        depositsRevealBlocks: ds.map((d) => d.block),
      });
      const cfg: RunnerConfig = {
        rpcUrl: node.url,
        electrumUrl: electrum.url,
        bridge: bridgeAddress,
        validator: validatorAddress,
        deployBlock,
        dataDir: join(dir, "data"),
        walletKey: walletPrivateKey(WALLET_BASE + i),
        operatorKey: OPERATOR_KEY,
        signerLog: join(dir, "signer-calls.jsonl"),
        buildLog: join(dir, "builds.jsonl"),
        randomizedSigner: c.randomized === true,
        walletPkh: wallet.pkhKey,
        W,
        payload: toHex(payload),
      };
      // Head at the action's start (W+100): the child validates as soon as it is up.
      const { start } = actionSchedule(W, ActionType.DepositSweep);
      await provider.send("hardhat_mine", [toQuantity(start - (await provider.getBlockNumber()))]);
      const nonceBefore = await provider.getTransactionCount(operator.address, "latest");
      const mark = seen.length;
      const caseSeen = (): BroadcastSeen[] => seen.slice(mark).filter((b) => spendsAny(b.raw, outpoints));
      const nodeBroadcasts = (): BroadcastSeen[] => caseSeen().filter((b) => !b.external);
      const scenario: Scenario = { reorg: c.reorg === true, forked: false };
      const run: CaseRun = { cfg, wallet, outpoints, broadcasts: nodeBroadcasts, firstSignerCalls: [] };

      let last: ChildExit;
      if (c.crashAt === undefined) {
        last = await runChild(cfg, scenario);
      } else {
        const crashed = await runChild(cfg, scenario, c.crashAt);
        expect(crashed.signal, crashed.stderr).toBe("SIGKILL");
        run.firstSignerCalls = jsonLines<SignerCall>(cfg.signerLog);
        inspectStore(cfg.dataDir, (s) => {
          const rows = s.actions.list();
          expect(rows).toHaveLength(1);
          // Whatever was committed is whole: the fold of the log equals the row.
          expect(foldTranscript(s.actions.history(rows[0].id)).get(rows[0].id)!.state).toBe(rows[0].state);
          expect(rows[0].state).toBe(c.atCrash!.state);
          expect(run.firstSignerCalls).toHaveLength(c.atCrash!.signer);
          expect(jsonLines(cfg.buildLog)).toHaveLength(c.atCrash!.builds);
          expect(nodeBroadcasts()).toHaveLength(c.atCrash!.broadcasts);
          c.checkAtCrash?.(s, run);
          if (c.adoptOther === true) {
            // Another member publishes the version of the round this node signed but never committed.
            const other = versionOf(rows[0], run.firstSignerCalls[0].signatures, cfg.walletKey);
            externalBroadcast = true;
            try {
              expect(btc.acceptRaw(other.raw)).toEqual({ txid: other.txid });
            } finally {
              externalBroadcast = false;
            }
          }
        });
        last = await runChild(cfg, scenario);
      }
      expect(last.code, last.stderr).toBe(0);
      const done = JSON.parse(last.stdout.trim().split("\n").at(-1)!) as { event: string; state: string };
      expect(done).toMatchObject({ event: "done" });

      inspectStore(cfg.dataDir, (s) => {
        const rows = s.actions.list();
        expect(rows).toHaveLength(1);
        const row = rows[0];
        const history = s.actions.history(row.id);
        const path = history.map((t) => t.to);
        // No gaps, the fold equals the row, and the same end (and path) as the run without a crash.
        expect(history.map((t) => t.seq)).toEqual(path.map((_, k) => k + 1));
        expect(foldTranscript(history).get(row.id)).toMatchObject({ state: row.state, holdsLock: false });
        if (reference === undefined) {
          expect(path).toEqual(REFERENCE_PATH);
          reference = { state: row.state, path };
        }
        expect(row.state).toBe(reference.state);
        expect(done.state).toBe(reference.state);
        expect(path).toEqual(c.path ?? reference.path);
        expect(s.actions.lockHolder(wallet.pkhKey)).toBeUndefined();

        // Signing: every call in the one deterministic round of the built sighashes.
        const roundId = toHex(signingRoundId(fromHex(wallet.pkhKey), W, row.sighashes!));
        expect(toHex(row.roundId!)).toBe(roundId);
        const calls = jsonLines<SignerCall>(cfg.signerLog);
        expect(calls).toHaveLength(c.after.signer);
        for (const call of calls) expect(call).toMatchObject({ roundId, digests: row.sighashes!.map(toHex) });
        // Row 6: every build gave the same unsigned bytes, the ones committed with `built`.
        const builds = jsonLines<{ unsignedTx: string }>(cfg.buildLog);
        expect(builds).toHaveLength(c.after.builds);
        for (const b of builds) expect(b.unsignedTx).toBe(toHex(row.unsignedTx!));

        // Bitcoin: one version of the sweep accepted by the server, the action's own; at most that
        // version broadcast by the node; one tracker, confirmed in the block the chain shows, final.
        const txid = row.txid!;
        expect(caseSeen().filter((b) => b.result === "accepted").map((b) => b.txid)).toEqual([txid]);
        const mine = nodeBroadcasts();
        expect(mine).toHaveLength(c.after.broadcasts);
        for (const b of mine) expect(b.raw).toBe(toHex(row.signedTx!));
        const trackers = s.btcTrackers.byAction(row.id);
        expect(trackers.map((t) => t.txid)).toEqual([txid]);
        expect(s.btcTrackers.byOutpoints(row.outpoints!.map((o) => ({ txHash: o.txHash, index: o.index })))).toHaveLength(1);
        const height = btc.txHeight(txid)!;
        expect(trackers[0]).toMatchObject({ status: "final", confHeight: height, rebroadcasts: 0 });
        expect(row.stateHeight).toBe(height);

        // The Bitcoin cursor: the server's tip, and the stored headers are the server's chain.
        const tip = btc.tip();
        expect(s.cursors.get(CURSOR.btcTip)).toMatchObject({ height: tip.height, hash: tip.hash });
        expect(s.btcHeaders.tip()).toMatchObject({ height: tip.height, hash: tip.hash });
        for (let h = height - 1; h <= tip.height; h++) {
          expect(s.btcHeaders.get(h)?.hash).toBe(toHex(hash256Display(btc.rawHeader(h))));
        }
        expect(trackers[0].confHash).toBe(s.btcHeaders.get(height)!.hash);

        // Recording: one intent for the dedupe key, mined, and one operator transaction.
        const intents = s.ethIntents.byDedupeKey(`record:deposit_sweep:${txid}`);
        expect(intents.map((x) => x.status)).toEqual(["mined"]);
        expect(row.ethIntentId).toBe(intents[0].id);
        c.checkAfter?.(s, run);
      });
      expect(await provider.getTransactionCount(operator.address, "latest")).toBe(nonceBefore + 1);
    }, 60_000);
  });
});

/** Display-order block hash of a raw 80-byte header. */
function hash256Display(header: Uint8Array): Uint8Array {
  return sha256(sha256(header)).reverse();
}
