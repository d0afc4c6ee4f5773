// Heartbeat execution end to end (reliability.md §3.1, §3.4, §3.5, §8) against a real in-process
// Hardhat chain with the real Bridge and WalletProposalValidator, and a real temp-file Store.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SigningKey, type Contract } from "ethers";
import hre from "hardhat";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployArtifact, readArtifact } from "../../deploy/link-libraries.js";
import { ActionExecutor, type BlockSource } from "../../src/actions/executor.js";
import { HeartbeatHandler } from "../../src/actions/handlers/heartbeat.js";
import { hash256 } from "../../src/bitcoin/tx.js";
import { recoverActions } from "../../src/actions/recovery.js";
import { LocalKeySigner, signingRoundId, verifyWalletSignature, type SignRequest, type WalletSigner } from "../../src/actions/signer.js";
import { BridgeClient } from "../../src/chain/bridge-client.js";
import type { RpcSender } from "../../src/chain/pinned-call.js";
import { ValidatorClient } from "../../src/chain/validator-client.js";
import { ActionType } from "../../src/protocol/constants.js";
import { onChainContentValidator, type ContentValidator } from "../../src/coordination/content-validation.js";
import { heartbeatMessage } from "../../src/protocol/heartbeat.js";
import { actionSchedule } from "../../src/coordination/result-processor.js";
import { walletPkhFromPublicKey } from "../../src/coordination/seed.js";
import { encodePayload } from "../../src/protocol/payloads.js";
import { createMetrics, type Metrics } from "../../src/metrics/metrics.js";
import type { ActionRow } from "../../src/store/repos/actions-repo.js";
import { Store } from "../../src/store/store.js";
import { fromHex, toHex } from "../../src/util/hex.js";
import { ManualClock } from "../fixtures/manual-clock.js";

type Net = Awaited<ReturnType<typeof hre.network.create>>;

const WALLET_KEY = "0x" + "00".repeat(31) + "2a";
const PUB = fromHex(new SigningKey(WALLET_KEY).publicKey);
const XY = PUB.subarray(1);
const PKH = walletPkhFromPublicKey(PUB);
const WALLET = toHex(PKH);

let net: Net;
let bridge: Contract;
let bridgeClient: BridgeClient;
let validatorClient: ValidatorClient;
let rpc: RpcSender;
let blocks: BlockSource;
let store: Store;
let dir: string;
const clock = new ManualClock();

beforeAll(async () => {
  net = await hre.network.create();
  const [governance] = await net.ethers.getSigners();
  const gov = await governance.getAddress();
  ({ contract: bridge } = await deployArtifact(readArtifact("contracts/bridge/Bridge.sol", "Bridge"), governance, [gov]));
  const validator = (await net.ethers.deployContract("WalletProposalValidator", [await bridge.getAddress()])) as unknown as Contract;
  await (await bridge.getFunction("registerWallet")("0x" + toHex(XY.subarray(0, 32)), "0x" + toHex(XY.subarray(32)), [gov])).wait();
  rpc = net.ethers.provider as unknown as RpcSender;
  bridgeClient = new BridgeClient({ caller: rpc }, { address: await bridge.getAddress() });
  validatorClient = new ValidatorClient({ caller: rpc }, { address: await validator.getAddress() });
  blocks = {
    block: async (n) => {
      const b = await net.ethers.provider.getBlock(n);
      if (b === null || b.hash === null) throw new Error(`no block ${n}`);
      return { number: b.number, hash: b.hash };
    },
  };
  dir = mkdtempSync(join(tmpdir(), "wcoord-hb-action-"));
  store = Store.open(dir);
  clock.setHead(await net.ethers.provider.getBlockNumber());
});

afterAll(async () => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await (net as unknown as { close?: () => Promise<void> } | undefined)?.close?.();
});

/** Mines up to block n (inclusive) and tells the clock. */
async function mineTo(n: number): Promise<void> {
  const head = await net.ethers.provider.getBlockNumber();
  if (n > head) await net.networkHelpers.mine(n - head);
  clock.setHead(await net.ethers.provider.getBlockNumber());
  // Let the stall monitor wake on the new head.
  await new Promise((r) => setImmediate(r));
}

async function until<T>(what: string, f: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The next window strictly after the current head. */
function nextWindow(): number {
  return (Math.floor(clock.head / 900) + 1) * 900;
}

function schedule(W: number, message = heartbeatMessage(PKH, W)): ActionRow {
  return store.actions.create({
    walletPkh: WALLET,
    W,
    type: ActionType.Heartbeat,
    payload: encodePayload(ActionType.Heartbeat, { message }),
    ...actionSchedule(W, ActionType.Heartbeat),
  });
}

interface Harness {
  executor: ActionExecutor;
  lines: Record<string, unknown>[];
  metrics: Metrics;
}

function harness(signer: WalletSigner, contentValidator: ContentValidator = onChainContentValidator(validatorClient)): Harness {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const metrics = createMetrics({ processMetrics: false });
  const executor = new ActionExecutor({
    store,
    clock,
    blocks,
    bridge: bridgeClient,
    signer,
    handlers: new Map([[ActionType.Heartbeat, new HeartbeatHandler({ contentValidator })]]),
    logger,
    metrics,
  });
  return { executor, lines, metrics };
}

class CountingSigner implements WalletSigner {
  readonly calls: SignRequest[] = [];
  constructor(private readonly inner: WalletSigner) {}
  sign(req: SignRequest): Promise<Uint8Array[]> {
    this.calls.push(req);
    return this.inner.sign(req);
  }
}

const states = (id: number): string[] => store.actions.history(id).map((t) => t.to);

describe("Heartbeat action", () => {
  it("a scheduled heartbeat reaches done with a verified signature and releases the wallet lock", async () => {
    const signer = new CountingSigner(new LocalKeySigner([WALLET_KEY]));
    const { executor, lines, metrics } = harness(signer);
    await executor.start();
    try {
      const W = nextWindow();
      const created = schedule(W);
      executor.scheduled(created.id);
      await mineTo(W + 99);
      await executor.idle();
      expect(store.actions.get(created.id)!.state).toBe("scheduled");
      expect(store.actions.lockHolder(WALLET)?.id).toBe(created.id);

      await mineTo(W + 100);
      const row = await until("done", () => {
        const r = store.actions.get(created.id)!;
        return r.state === "done" && r;
      });
      await executor.idle();
      expect(states(row.id)).toEqual(["scheduled", "validating", "signing", "done"]);
      expect(row.validationBlock).toBe(W + 100);
      const digest = hash256(heartbeatMessage(PKH, W));
      expect(row.sighashes!.map(toHex)).toEqual([toHex(digest)]);
      expect(toHex(row.roundId!)).toBe(toHex(signingRoundId(PKH, W, [digest])));
      expect(row.signingAttempt).toBe(1);
      expect(signer.calls).toHaveLength(1);
      expect(signer.calls[0]).toMatchObject({ startBlock: W + 100, deadlineBlock: W + 400 });
      expect(toHex(signer.calls[0].roundId)).toBe(toHex(row.roundId!));

      // The signature checks against the key the Bridge holds for the wallet.
      const head = await net.ethers.provider.getBlock("latest");
      const onChainKey = await bridgeClient.walletPublicKey(PKH, { blockHash: head!.hash!, blockNumber: head!.number });
      const sig = fromHex((row.extra as { signatures: string[] }).signatures[0]);
      expect(verifyWalletSignature(digest, sig, onChainKey)).toBe(true);

      expect(row.holdsLock).toBe(false);
      expect(store.actions.lockHolder(WALLET)).toBeUndefined();

      // One structured line and one count per transition (§8).
      const transitions = lines.filter((l) => l.msg === "action transition");
      expect(transitions.map((l) => [l.from, l.to])).toEqual([
        ["scheduled", "validating"],
        ["validating", "signing"],
        ["signing", "done"],
      ]);
      for (const l of transitions) expect(l).toMatchObject({ module: "actions", wallet: WALLET, W, type: "Heartbeat", ethHead: W + 100 });
      const text = await metrics.text();
      for (const to of ["validating", "signing", "done"]) {
        expect(text).toContain(`wcoord_action_transitions_total{type="Heartbeat",to="${to}"} 1`);
      }
    } finally {
      await executor.stop();
    }
  });

  it("an invalid heartbeat message at start is aborted(invalid_at_start: …) without signing", async () => {
    const signer = new CountingSigner(new LocalKeySigner([WALLET_KEY]));
    const { executor } = harness(signer);
    await executor.start();
    try {
      const W = nextWindow();
      const created = schedule(W, fromHex("00".repeat(16)));
      await mineTo(W + 100);
      const row = await until("aborted", () => {
        const r = store.actions.get(created.id)!;
        return r.state === "aborted" && r;
      });
      await executor.idle();
      expect(row.reason).toBe("invalid_at_start: Not a valid heartbeat message");
      expect(row.validationBlock).toBe(W + 100);
      expect(states(row.id)).toEqual(["scheduled", "validating", "aborted"]);
      expect(signer.calls).toHaveLength(0);
      expect(store.actions.lockHolder(WALLET)).toBeUndefined();
    } finally {
      await executor.stop();
    }
  });

  it("an unverified validation is retried on the next block", async () => {
    const signer = new CountingSigner(new LocalKeySigner([WALLET_KEY]));
    const real = onChainContentValidator(validatorClient);
    let calls = 0;
    const flaky: ContentValidator = async (input, signal) => {
      calls++;
      if (calls === 1) return { class: "unverified", error: "connection refused" };
      return real(input, signal);
    };
    const { executor } = harness(signer, flaky);
    await executor.start();
    try {
      const W = nextWindow();
      const created = schedule(W);
      await mineTo(W + 100);
      await until("first validation", () => calls >= 1);
      await executor.idle();
      expect(store.actions.get(created.id)!.state).toBe("validating");
      await mineTo(W + 101);
      const row = await until("done", () => {
        const r = store.actions.get(created.id)!;
        return r.state === "done" && r;
      });
      expect(row.validationBlock).toBe(W + 101);
      expect(states(row.id)).toEqual(["scheduled", "validating", "signing", "done"]);
      expect(calls).toBe(2);
    } finally {
      await executor.stop();
    }
  });

  it("a signer that never answers leads to expired at the signing deadline", async () => {
    const requests: SignRequest[] = [];
    const silent: WalletSigner = {
      sign: (req) => {
        requests.push(req);
        return new Promise<Uint8Array[]>(() => undefined);
      },
    };
    const { executor } = harness(silent);
    await executor.start();
    try {
      const W = nextWindow();
      const created = schedule(W);
      await mineTo(W + 100);
      await until("signing", () => store.actions.get(created.id)!.state === "signing");
      expect(store.actions.lockHolder(WALLET)?.id).toBe(created.id);
      await mineTo(W + 399);
      await new Promise((r) => setTimeout(r, 50));
      expect(store.actions.get(created.id)!.state).toBe("signing");
      expect(requests[0].signal?.aborted).toBe(false);

      await mineTo(W + 400);
      const row = await until("expired", () => {
        const r = store.actions.get(created.id)!;
        return r.state === "expired" && r;
      });
      await executor.idle();
      expect(row.reason).toBe("signing_deadline");
      expect(states(row.id)).toEqual(["scheduled", "validating", "signing", "expired"]);
      const last = store.actions.history(row.id).at(-1)!;
      expect(last.ethHead).toBe(W + 400);
      expect(requests).toHaveLength(1);
      expect(requests[0].signal?.aborted).toBe(true);
      expect(store.actions.lockHolder(WALLET)).toBeUndefined();
    } finally {
      await executor.stop();
    }
  });

  it("after a restart in signing, recovery rejoins the same round once and finishes", async () => {
    const hang: WalletSigner = { sign: () => new Promise<Uint8Array[]>(() => undefined) };
    const first = harness(hang).executor;
    await first.start();
    const W = nextWindow();
    const created = schedule(W);
    await mineTo(W + 100);
    await until("signing", () => store.actions.get(created.id)!.state === "signing");
    await first.stop(); // the process is gone; only the database remains
    const stored = store.actions.get(created.id)!;

    const signer = new CountingSigner(new LocalKeySigner([WALLET_KEY]));
    const second = harness(signer).executor;
    await mineTo(W + 105);
    const report = await recoverActions({ store, clock, executor: second });
    expect(report.plan).toEqual([{ actionId: created.id, state: "signing", step: { kind: "effect", effect: "sign" } }]);
    await second.idle();
    const row = store.actions.get(created.id)!;
    expect(row.state).toBe("done");
    expect(signer.calls).toHaveLength(1);
    expect(toHex(signer.calls[0].roundId)).toBe(toHex(stored.roundId!));
    // Rejoined with the stored attempt: no new signing intent.
    expect(states(row.id)).toEqual(["scheduled", "validating", "signing", "done"]);
    expect(row.signingAttempt).toBe(1);
    await second.stop();
  });

  it("recovery checks expiry first: a validating action found past its deadline expires without any effect", async () => {
    let validations = 0;
    const counting: ContentValidator = async () => {
      validations++;
      return { class: "unverified", error: "rpc down" };
    };
    const first = harness(new LocalKeySigner([WALLET_KEY]), counting).executor;
    const W = nextWindow();
    const created = schedule(W);
    await mineTo(W + 100);
    await first.kick(created.id)!.done;
    expect(store.actions.get(created.id)!.state).toBe("validating");
    expect(validations).toBe(1);
    await first.stop();

    // Down until past the signing deadline.
    await mineTo(W + 450);
    const signer = new CountingSigner(new LocalKeySigner([WALLET_KEY]));
    const second = harness(signer, counting).executor;
    const report = await recoverActions({ store, clock, executor: second });
    expect(report.plan).toEqual([{ actionId: created.id, state: "validating", step: { kind: "advance", to: "expired", reason: "signing_deadline" } }]);
    await second.idle();
    const row = store.actions.get(created.id)!;
    expect(row).toMatchObject({ state: "expired", reason: "signing_deadline", holdsLock: false });
    expect(validations).toBe(1);
    expect(signer.calls).toHaveLength(0);
    await second.stop();
  });
});
