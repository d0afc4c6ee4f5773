// DKG faults in the fault store (threshold.md §5.3): migration 0006 upgrades a database of schema 5 with
// its faults and ids kept; the FaultRecorder records a DKG fault once per (request, attempt, type,
// culprit), logs it once (a silent member at info) and counts it; `wcoord faults` lists it under its
// request and `wcoord faults verify` checks it from the stored JSON alone, in a real database file:
// exit 0 proven, 1 not proven (altered), 3 for a silent member.
import fs from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { FaultRecorder } from "../../src/coordination/faults.js";
import { createMetrics } from "../../src/metrics/metrics.js";
import { signGossipMessage } from "../../src/network/gossip-signature.js";
import { dkgTopic } from "../../src/network/topics.js";
import { createNodeEvents } from "../../src/node/node-events.js";
import { runFaultsCommand } from "../../src/node/faults-command.js";
import { FaultType } from "../../src/protocol/constants.js";
import { DEFAULT_MIGRATIONS_DIR } from "../../src/store/migrations.js";
import { Store } from "../../src/store/store.js";
import { encodeRound1 } from "../../src/threshold/dkg/dkg-messages.js";
import { dkgFaultEvidence, type DkgEvidenceFacts } from "../../src/threshold/dkg/evidence-json.js";
import { getAddress } from "ethers";
import { tempDirs } from "../fixtures/temp-dirs.js";
import { newAttempts, REQUEST_ID, REQUEST_SEED, testOperators } from "./dkg-fixture.js";

const tmpDir = tempDirs("wcoord-dkg-faults-");
const ops = testOperators(4, "store");
const facts: DkgEvidenceFacts = {
  chainId: 31337n,
  requestId: REQUEST_ID,
  requestSeed: REQUEST_SEED,
  attempt: 0,
  threshold: 3,
  members: ops.map((o) => o.address),
  operatorPublicKeys: ops.map((o) => o.publicKey),
};
const addressOf = (i: number) => getAddress(ops[i - 1]!.address);

/** A real DkgInvalidProof: member 4's round 1 with a flipped proof byte, signed by member 4. */
function invalidProofEvidence(): Record<string, unknown> {
  const honest = newAttempts(ops, 3, [1, 2, 3, 4]).get(4)!.round1().message;
  const pok = honest.proofOfKnowledge.slice();
  pok[40] ^= 1;
  const wire = encodeRound1({ ...honest, proofOfKnowledge: pok });
  return dkgFaultEvidence({ kind: "DkgInvalidProof", culprit: 4, round1: { wire, gossip: signGossipMessage(ops[3]!.privateKey, dkgTopic(facts.chainId, REQUEST_ID), wire) } }, facts);
}

async function faultsCli(dir: string, ...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const sink = { write: (s: string) => (out += s) };
  const code = await runFaultsCommand([...args, "--data-dir", dir], sink, sink, {});
  return { code, out };
}

describe("DKG faults in the fault store", () => {
  it("recorded once, logged once (a silent member at info), counted; listed under their request; verify proves, refuses altered evidence, and calls silence unverifiable", async () => {
    const dir = tmpDir();
    const store = Store.open(dir);
    const lines: Array<{ level: number; msg: string; type?: string }> = [];
    const logger = pino({ level: "debug" }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const metrics = createMetrics({ processMetrics: false });
    const recorder = new FaultRecorder({ store, logger, metrics, events: createNodeEvents() });
    const evidence = invalidProofEvidence();
    const proof = { requestId: REQUEST_ID, attempt: 0, type: FaultType.DkgInvalidProof, culprit: addressOf(4), reason: "DkgInvalidProof", detectedBlock: 105, evidence } as const;
    expect(recorder.recordDkg(proof)).toBe(true);
    expect(recorder.recordDkg({ ...proof, detectedBlock: 106 })).toBe(false); // a repeat (another member's report)
    expect(recorder.recordDkg({ requestId: REQUEST_ID, attempt: 0, type: FaultType.DkgNoParticipation, culprit: addressOf(2), reason: "silent in attempt 0", detectedBlock: 110, evidence: dkgFaultEvidence({ kind: "DkgNoParticipation", culprit: 2, cutoffBlock: 110, missing: "round1" }, facts) })).toBe(true);
    // Another member's key put in: the signature no longer is the accused's.
    const altered = { ...evidence, operatorPublicKeys: [...(evidence.operatorPublicKeys as string[])].reverse(), members: [...(evidence.members as string[])].reverse() };
    expect(recorder.recordDkg({ ...proof, attempt: 1, evidence: altered })).toBe(true);

    const recorded = lines.filter((l) => l.msg === "fault recorded");
    expect(recorded.map((l) => [l.level, l.type])).toEqual([
      [40, "DkgInvalidProof"],
      [30, "DkgNoParticipation"],
      [40, "DkgInvalidProof"],
    ]);
    expect(await metrics.text()).toContain(`wcoord_faults_total{type="DkgInvalidProof",culprit="${addressOf(4)}"} 2`);
    expect(await metrics.text()).toContain(`wcoord_faults_total{type="DkgNoParticipation",culprit="${addressOf(2)}"} 1`);
    const rows = store.faults.list();
    const proofRow = rows.find((f) => f.type === FaultType.DkgInvalidProof && f.attempt === 0);
    const alteredRow = rows.find((f) => f.type === FaultType.DkgInvalidProof && f.attempt === 1);
    const silentRow = rows.find((f) => f.type === FaultType.DkgNoParticipation);
    store.close();

    const list = await faultsCli(dir);
    expect(list.code).toBe(0);
    expect(list.out).toContain(`dkg:${REQUEST_ID}#0`);
    expect(list.out).toMatch(new RegExp(`${proofRow!.id}\\s+-\\s+dkg:${REQUEST_ID}#0\\s+DkgInvalidProof`));
    const json = JSON.parse((await faultsCli(dir, "--type", "DkgNoParticipation", "--json")).out);
    expect(json).toMatchObject([{ wallet: null, W: null, requestId: String(REQUEST_ID), attempt: 0, type: "DkgNoParticipation", evidence: { cutoffBlock: 110 } }]);

    const proven = await faultsCli(dir, "verify", String(proofRow!.id));
    expect(proven.code, proven.out).toBe(0);
    expect(proven.out).toContain(`DkgInvalidProof by ${addressOf(4)} (DKG request ${REQUEST_ID}, attempt 0): proven — a round-1 message whose proof of knowledge fails`);
    const notProven = await faultsCli(dir, "verify", String(alteredRow!.id));
    expect(notProven.code, notProven.out).toBe(1);
    expect(notProven.out).toContain("not proven");
    const silent = await faultsCli(dir, "verify", String(silentRow!.id), "--json");
    expect(silent.code).toBe(3);
    expect(JSON.parse(silent.out)).toMatchObject({ verdict: "unverifiable", type: "DkgNoParticipation", reason: expect.stringMatching(/not an accusation/) });
  });

  it("migration 0006 upgrades a schema-5 database: faults and ids kept, DKG faults admitted", () => {
    const dir = tmpDir();
    const upTo5 = tmpDir();
    for (const f of fs.readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => /^000[1-5]_/.test(f))) fs.copyFileSync(path.join(DEFAULT_MIGRATIONS_DIR, f), path.join(upTo5, f));
    const old = Store.open(dir, { migrationsDir: upTo5 });
    expect(old.schemaVersion).toBe(5);
    const culprit = getAddress("0x" + "ab".repeat(20));
    const base = { walletPkh: "cd".repeat(20), W: 1800, culprit, detectedBlock: 1900 };
    const idle = old.faults.record({ ...base, type: FaultType.LeaderIdleness, reason: "idle", evidence: { W: 1800 } }).id;
    const noShare = old.faults.record({ ...base, type: FaultType.SigningNoShare, reason: "no share", evidence: { kind: "SigningNoShare" } }).id;
    // The old table has no place for a DKG fault.
    expect(() => old.faults.record({ requestId: "7", attempt: 0, type: FaultType.DkgNoParticipation, culprit, reason: "x", detectedBlock: 1, evidence: {} })).toThrow();
    old.close();

    const s = Store.open(dir);
    try {
      expect(s.schemaVersion).toBe(6);
      expect(s.faults.get(idle)).toMatchObject({ ...base, requestId: null, attempt: null, type: FaultType.LeaderIdleness, reason: "idle", evidence: { W: 1800 } });
      expect(s.faults.get(noShare)).toMatchObject({ ...base, type: FaultType.SigningNoShare });
      // The window key still holds after the rebuild.
      expect(s.faults.record({ ...base, type: FaultType.LeaderIdleness, reason: "again", evidence: {} })).toEqual({ inserted: false, id: idle });
      const dkg = s.faults.record({ requestId: "7", attempt: 0, type: FaultType.DkgNoParticipation, culprit, reason: "x", detectedBlock: 1901, evidence: {} });
      expect(dkg.inserted).toBe(true);
      expect(dkg.id).toBeGreaterThan(noShare); // AUTOINCREMENT: ids are never reused
      expect(s.faults.countByType()).toMatchObject({ [FaultType.LeaderIdleness]: 1, [FaultType.SigningNoShare]: 1, [FaultType.DkgNoParticipation]: 1, [FaultType.DkgInvalidShare]: 0 });
      // The CHECK keeps the two kinds of key apart, below the repository too.
      expect(() => s.db.prepare(`INSERT INTO faults (wallet_pkh, coordination_block, request_id, attempt, type, culprit, reason, detected_block, evidence, created_at) VALUES ('${"cd".repeat(20)}', 1, '7', 0, 9, '${culprit}', 'x', 1, '{}', 0)`).run()).toThrow(/CHECK constraint/);
    } finally {
      s.close();
    }
  });
});
