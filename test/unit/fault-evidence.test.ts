// verifyFaultEvidence on hand-made evidence (the integration test checks the evidence real followers
// record): what it proves, and every way evidence can fail to prove it — a signer who is the leader, a
// tampered signature, a message of another window, one statement twice, an action on the checklist, a
// profile that is not the evidence's, and evidence that is not even well formed (never a throw).
import { Wallet, getAddress } from "ethers";
import { describe, expect, it } from "vitest";
import { checklist } from "../../src/coordination/checklist.js";
import { verifyFaultEvidence, type RecordedFault } from "../../src/coordination/fault-evidence.js";
import { selectLeader } from "../../src/coordination/leader.js";
import { computeSeed } from "../../src/coordination/seed.js";
import { coordinationDomain, signCoordinationMessage } from "../../src/network/eip712.js";
import { encodeCoordinationMessage } from "../../src/protocol/codec.js";
import { ActionType, FaultType } from "../../src/protocol/constants.js";
import { heartbeatMessage } from "../../src/protocol/heartbeat.js";
import { defaultProfile, profileHash } from "../../src/protocol/profile.js";
import { fromHex, to0x, toHex } from "../../src/util/hex.js";

const PROFILE = defaultProfile(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3", "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
const OTHER_PROFILE = { ...PROFILE, frequencyWindows: PROFILE.frequencyWindows + 1 };
const DOMAIN = coordinationDomain(PROFILE.chainId, PROFILE.bridge);
const WALLET = fromHex("aa".repeat(20));
const SAFE = "0x" + "5a".repeat(32);
const operators = [1, 2, 3].map((i) => new Wallet("0x" + String(i).padStart(64, "0")));
const seats = operators.map((o) => getAddress(o.address));
const seed = computeSeed(WALLET, fromHex(SAFE.slice(2)));
const leaderAddress = selectLeader(seats, seed, PROFILE.rngScheme).leader;
const leader = operators.find((o) => getAddress(o.address) === leaderAddress)!;
const follower = operators.find((o) => o !== leader)!;

/** A window where DepositSweep is not on the checklist (every 4th window has every action). */
const W = [900, 1800, 2700].find((w) => !checklist(w, seed, PROFILE).includes(ActionType.DepositSweep))!;

async function wire(by: Wallet, proposal = { actionType: ActionType.Heartbeat, payload: heartbeatMessage(WALLET, W + 3) }, at = W): Promise<string> {
  const seat = seats.indexOf(getAddress(by.address)) + 1;
  const msg = await signCoordinationMessage(
    by,
    { protocolVersion: 1, chainId: PROFILE.chainId, profileHash: fromHex(profileHash(PROFILE).slice(2)), coordinationBlock: at, walletPubKeyHash: WALLET, sender: fromHex(by.address.slice(2)), senderSeat: seat, proposal },
    DOMAIN,
  );
  return to0x(encodeCoordinationMessage(msg));
}

function fault(type: FaultType, culprit: string, evidence: Record<string, unknown>, reason = "r"): RecordedFault {
  return { walletPkh: toHex(WALLET), W, type, culprit, reason, evidence: { W, safeBlockHash: SAFE, seats, profileHash: profileHash(PROFILE), ...evidence } };
}

describe("verifyFaultEvidence", () => {
  it("LeaderImpersonation: proven for a non-leader's signed statement, not for the leader's own", async () => {
    const ok = verifyFaultEvidence(fault(FaultType.LeaderImpersonation, follower.address, { message: await wire(follower) }), PROFILE);
    expect(ok.verdict).toBe("proven");
    expect(ok.checks.at(-1)).toBe(`${getAddress(follower.address)} signed a leader statement but is not the leader`);
    const own = verifyFaultEvidence(fault(FaultType.LeaderImpersonation, leader.address, { message: await wire(leader) }), PROFILE);
    expect(own).toMatchObject({ verdict: "not_proven", reason: `the signer ${leaderAddress} is the window's leader` });
    const blamed = verifyFaultEvidence(fault(FaultType.LeaderImpersonation, leader.address, { message: await wire(follower) }), PROFILE);
    expect(blamed.verdict).toBe("not_proven");
  });

  it("a tampered signature or a message of another window proves nothing", async () => {
    const good = await wire(follower);
    const tampered = good.slice(0, -4) + (good.slice(-4, -2) === "00" ? "01" : "00") + good.slice(-2);
    expect(verifyFaultEvidence(fault(FaultType.LeaderImpersonation, follower.address, { message: tampered }), PROFILE).verdict).toBe("not_proven");
    const later = await wire(follower, undefined, W + 900);
    expect(verifyFaultEvidence(fault(FaultType.LeaderImpersonation, follower.address, { message: later }), PROFILE)).toMatchObject({
      verdict: "not_proven",
      reason: "the message is for another window or wallet",
    });
  });

  it("LeaderEquivocation: two different statements of the leader, not one statement twice", async () => {
    const a = await wire(leader);
    const b = await wire(leader, { actionType: ActionType.Heartbeat, payload: heartbeatMessage(WALLET, W + 4) });
    expect(verifyFaultEvidence(fault(FaultType.LeaderEquivocation, leader.address, { messages: [a, b] }), PROFILE).verdict).toBe("proven");
    expect(verifyFaultEvidence(fault(FaultType.LeaderEquivocation, leader.address, { messages: [a, a] }), PROFILE).reason).toBe("the two messages are the same statement");
  });

  it("LeaderMistake: proven for an action off the recomputed checklist, not for one on it", async () => {
    const sweep = { actionType: ActionType.DepositSweep, payload: new Uint8Array(0) };
    const off = verifyFaultEvidence(fault(FaultType.LeaderMistake, leader.address, { message: await wire(leader, sweep) }), PROFILE);
    expect(off.verdict).toBe("proven");
    // Redemption is on every window's checklist.
    const redemption = { actionType: ActionType.Redemption, payload: new Uint8Array(0) };
    const on = verifyFaultEvidence(fault(FaultType.LeaderMistake, leader.address, { message: await wire(leader, redemption) }), PROFILE);
    expect(on.verdict).toBe("not_proven");
    expect(on.reason).toMatch(/^action Redemption is on the checklist/);
  });

  it("InvalidProposal: an undecodable payload is proven; a validator revert needs the chain", async () => {
    const garbage = { actionType: ActionType.Redemption, payload: Uint8Array.of(0xff, 0xff) };
    const payload = verifyFaultEvidence(fault(FaultType.InvalidProposal, leader.address, { message: await wire(leader, garbage) }, "PAYLOAD_INVALID"), PROFILE);
    expect(payload.verdict).toBe("proven");
    const revert = verifyFaultEvidence(
      fault(FaultType.InvalidProposal, leader.address, { message: await wire(leader), validationBlock: { number: W + 5, hash: SAFE } }, "Not a valid heartbeat message"),
      PROFILE,
    );
    expect(revert.verdict).toBe("unverifiable");
    expect(revert.reason).toContain(`needs the chain at block ${W + 5}`);
    expect(revert.checks).toContain(`message signed by ${leaderAddress} (EIP-712, chain 31337, Bridge ${PROFILE.bridge})`);
  });

  it("LeaderIdleness is unverifiable; another profile or malformed evidence never throws", async () => {
    expect(verifyFaultEvidence(fault(FaultType.LeaderIdleness, leader.address, {}), PROFILE).verdict).toBe("unverifiable");
    const other = verifyFaultEvidence(fault(FaultType.LeaderImpersonation, follower.address, { message: await wire(follower) }), OTHER_PROFILE);
    expect(other.verdict).toBe("unverifiable");
    expect(other.reason).toMatch(/^the evidence names profile 0x[0-9a-f]{64}, but the given profile hashes to 0x[0-9a-f]{64}$/);
    for (const evidence of [{ seats: "nope" }, { safeBlockHash: "0x12" }, { message: 7 }, { messages: ["zz", "yy"] }]) {
      const r = verifyFaultEvidence(fault(FaultType.LeaderEquivocation, leader.address, evidence), PROFILE);
      expect(r.verdict).toBe("not_proven");
    }
    expect(verifyFaultEvidence({ ...fault(FaultType.LeaderImpersonation, follower.address, {}), evidence: { profileHash: profileHash(PROFILE) } }, PROFILE).verdict).toBe("not_proven");
  });
});
