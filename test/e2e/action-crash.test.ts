// Crash-point matrix rows that apply to the Heartbeat (reliability.md §7.2 rows 6–8 analogues): a real
// child process killed by SIGKILL right after each intent write and right before/after the signer
// call, restarted without the variable. Asserted: the same terminal state `done`, contiguous
// transitions with the fold equal to the table, one action row, the signer called once per committed
// round except where §7.2 row 8 says the round is signed again, and always with the stored round id.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ContractFactory, JsonRpcProvider, SigningKey, type Contract } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkedBytecode } from "../../deploy/link-libraries.js";
import { hash256 } from "../../src/bitcoin/tx.js";
import { foldTranscript } from "../../src/actions/recovery.js";
import { signingRoundId, verifyWalletSignature } from "../../src/actions/signer.js";
import { heartbeatMessage } from "../../src/protocol/heartbeat.js";
import { walletPkhFromPublicKey } from "../../src/coordination/seed.js";
import { fromHex, to0x, toHex } from "../../src/util/hex.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import type { RunnerConfig } from "../fixtures/action-crash-runner.js";
import { inspectStore, jsonLines, runTsx, type ChildExit } from "../fixtures/crash-child.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const RUNNER = join(ROOT, "test", "fixtures", "action-crash-runner.ts");
const ARTIFACTS = join(ROOT, "artifacts", "contracts", "bridge");

const WALLET_KEY = "0x" + "00".repeat(31) + "3b";
const PUB = fromHex(new SigningKey(WALLET_KEY).publicKey);
const XY = PUB.subarray(1);
const PKH = walletPkhFromPublicKey(PUB);
const W = 900;
const MESSAGE = heartbeatMessage(PKH, W);
const DIGEST = hash256(MESSAGE);
const ROUND = toHex(signingRoundId(PKH, W, [DIGEST]));

let node: HardhatNode;
let provider: JsonRpcProvider;
let bridgeAddress: string;
let validatorAddress: string;
let work: string;

function artifact(name: string): { abi: unknown[]; bytecode: string } {
  return JSON.parse(readFileSync(join(ARTIFACTS, `${name}.sol`, `${name}.json`), "utf8")) as { abi: unknown[]; bytecode: string };
}

beforeAll(async () => {
  node = await startHardhatNode();
  provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const gov = await provider.getSigner(0);
  const govAddress = await gov.getAddress();
  const b = artifact("Bridge");
  const bridge = (await new ContractFactory(b.abi as never, await linkedBytecode(b, gov), gov).deploy(govAddress)) as unknown as Contract;
  await bridge.waitForDeployment();
  bridgeAddress = await bridge.getAddress();
  const v = artifact("WalletProposalValidator");
  const validator = (await new ContractFactory(v.abi as never, v.bytecode, gov).deploy(bridgeAddress)) as unknown as Contract;
  await validator.waitForDeployment();
  validatorAddress = await validator.getAddress();
  await (await bridge.getFunction("registerWallet")(to0x(XY.subarray(0, 32)), to0x(XY.subarray(32)), [govAddress])).wait();
  // Head inside the heartbeat's validation/signing span: start W+100 = 1000, deadline W+400 = 1300.
  const head = await provider.getBlockNumber();
  await provider.send("hardhat_mine", ["0x" + (W + 150 - head).toString(16)]);
  work = mkdtempSync(join(tmpdir(), "wcoord-action-crash-"));
}, 120_000);

afterAll(async () => {
  provider?.destroy();
  await node?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function runChild(cfg: RunnerConfig, crashAt?: string): Promise<ChildExit> {
  return runTsx(RUNNER, [JSON.stringify(cfg)], crashAt);
}

interface SignerCall {
  pid: number;
  roundId: string;
  digests: string[];
}

const signerCalls = (file: string): SignerCall[] => jsonLines<SignerCall>(file);

interface Row {
  point: string;
  /** State persisted when the process died. */
  atCrash: string;
  callsAtCrash: number;
  /** Total signer calls after the restart finished. */
  callsAfter: number;
  why: string;
}

const MATRIX: Row[] = [
  { point: "action.validating", atCrash: "validating", callsAtCrash: 0, callsAfter: 1, why: "re-validates, then signs once" },
  { point: "action.validated", atCrash: "validating", callsAtCrash: 0, callsAfter: 1, why: "validated but nothing committed: re-validates" },
  { point: "action.signing.committed", atCrash: "signing", callsAtCrash: 0, callsAfter: 1, why: "row 7: rejoins with the same round id" },
  { point: "action.signer.before", atCrash: "signing", callsAtCrash: 0, callsAfter: 1, why: "row 7: the signer was never reached" },
  { point: "action.signed.received", atCrash: "signing", callsAtCrash: 1, callsAfter: 2, why: "row 8: signs again in the same round" },
  { point: "action.done.committed", atCrash: "done", callsAtCrash: 1, callsAfter: 1, why: "terminal: frozen, nothing repeated" },
];

describe("heartbeat crash-point matrix (kill -9)", () => {
  for (const row of MATRIX) {
    it(`${row.point}: ${row.why}`, async () => {
      const dir = mkdtempSync(join(work, "case-"));
      const dataDir = join(dir, "data");
      const keyFile = join(dir, "wallet-keys.json");
      writeFileSync(keyFile, JSON.stringify({ [toHex(PKH)]: WALLET_KEY }));
      const cfg: RunnerConfig = {
        rpcUrl: node.url,
        bridge: bridgeAddress,
        validator: validatorAddress,
        dataDir,
        keyFile,
        signerLog: join(dir, "signer-calls.jsonl"),
        walletPkh: toHex(PKH),
        W,
        message: to0x(MESSAGE),
      };

      const crashed = await runChild(cfg, row.point);
      expect(crashed.signal, crashed.stderr).toBe("SIGKILL");
      const atCrash = inspectStore(dataDir, (s) => {
        const rows = s.actions.list();
        expect(rows).toHaveLength(1);
        // Whatever was committed is whole: the fold of the log equals the row.
        expect(foldTranscript(s.actions.history(rows[0].id)).get(rows[0].id)!.state).toBe(rows[0].state);
        return rows[0];
      });
      expect(atCrash.state).toBe(row.atCrash);
      expect(signerCalls(cfg.signerLog)).toHaveLength(row.callsAtCrash);
      if (atCrash.state === "signing") {
        expect(toHex(atCrash.roundId!)).toBe(ROUND);
        expect(atCrash.signingAttempt).toBe(1);
      }

      const restarted = await runChild(cfg);
      expect(restarted.code, restarted.stderr).toBe(0);
      expect(JSON.parse(restarted.stdout.trim())).toEqual({ id: atCrash.id, state: "done" });

      const calls = signerCalls(cfg.signerLog);
      expect(calls).toHaveLength(row.callsAfter);
      for (const c of calls) expect(c).toMatchObject({ roundId: ROUND, digests: [toHex(DIGEST)] });

      inspectStore(dataDir, (s) => {
        const rows = s.actions.list();
        expect(rows).toHaveLength(1);
        const done = rows[0];
        const history = s.actions.history(done.id);
        // No gaps, no repeated intent: one pass through the heartbeat path.
        expect(history.map((t) => t.seq)).toEqual([1, 2, 3, 4]);
        expect(history.map((t) => t.to)).toEqual(["scheduled", "validating", "signing", "done"]);
        expect(foldTranscript(history).get(done.id)).toMatchObject({ state: "done", holdsLock: false, roundId: ROUND, signingAttempt: 1 });
        expect(done).toMatchObject({ state: "done", holdsLock: false, signingAttempt: 1 });
        expect(toHex(done.roundId!)).toBe(ROUND);
        const sig = fromHex((done.extra as { signatures: string[] }).signatures[0]);
        expect(verifyWalletSignature(DIGEST, sig, XY)).toBe(true);
        expect(s.actions.lockHolder(toHex(PKH))).toBeUndefined();
      });
    });
  }
});
