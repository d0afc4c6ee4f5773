// Routine coordination on a real local network: hardhat node with the contracts, 5 operator nodes on
// loopback libp2p, 3 wallets with overlapping signing groups, several real windows. Every follower
// must accept (and validate on chain) exactly the leader's signed statement, and nobody records a fault.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAddress } from "ethers";
import { toHex } from "../../src/util/hex.js";
import { memberNodes, node, ownStatement, runWindow, settle, startTestNetwork, type TestNetwork } from "./helpers/coordination-net.js";

const NODES = 5;
const WALLETS = 3;
const WINDOWS = 5;

describe("coordination on a local network", () => {
  let t: TestNetwork;

  beforeAll(async () => {
    // Real proposal generation (HeartbeatTask, validated at L): no scripted leaders here.
    t = await startTestNetwork({ nodes: NODES, wallets: WALLETS, seed: "it-coordination", blockMs: 30, scripted: false });
  });

  afterAll(async () => {
    await t?.close();
  });

  it(`followers accept and validate the leader's statement in ${WINDOWS} windows, without faults`, async () => {
    const { net } = t;
    const seen: { W: number; wallet: number; leader: string; followers: number }[] = [];
    for (let n = 0; n < WINDOWS; n++) {
      const W = await runWindow(net);
      for (let w = 0; w < WALLETS; w++) {
        const wh = net.walletHex(w);
        const leader = getAddress(await net.leaderOf(w, W));
        const leaderNode = net.nodeIndexOf(leader);
        const followers = memberNodes(net, w, leader);
        expect(followers.length).toBeGreaterThan(0);
        await settle(net, w, W, [leaderNode, ...followers]);

        const own = ownStatement(net, w, W, leaderNode);
        const leaderRow = node(net, leaderNode).store!.windows.get(wh, W)!;
        expect(leaderRow.role).toBe("leader");
        expect(["accepted_own", "wallet_busy"]).toContain(leaderRow.result);
        expect(toHex(leaderRow.resultDigest!)).toBe(own.digest);
        // The leader published its statement at least once.
        expect(net.events.some((e) => e.node === leaderNode && e.event.type === "proposal_sent" && e.event.W === W && e.event.wallet === wh && e.event.digest === own.digest)).toBe(true);

        for (const f of followers) {
          const row = node(net, f).store!.windows.get(wh, W)!;
          const where = `node${f} wallet ${w} W=${W}`;
          expect(row.role, where).toBe("follower");
          expect(getAddress(row.leader!), where).toBe(leader);
          // wallet_busy: accepted and validated, but an earlier heartbeat still holds the wallet lock.
          expect(["accepted", "wallet_busy"], where).toContain(row.result);
          expect(toHex(row.resultDigest!), where).toBe(own.digest);
          const mine = net.events.filter((e) => e.node === f && "W" in e.event && e.event.W === W && e.event.wallet === wh).map((e) => e.event);
          expect(mine.some((e) => e.type === "accepted" && e.digest === own.digest && e.action === "Heartbeat"), where).toBe(true);
          expect(mine.some((e) => e.type === "validated" && e.outcome === "valid" && e.action === "Heartbeat"), where).toBe(true);
          expect(mine.some((e) => e.type === "accepted" && e.digest !== own.digest), where).toBe(false);
        }
        seen.push({ W, wallet: w, leader, followers: followers.length });
      }
    }
    expect(new Set(seen.map((s) => s.W)).size).toBe(WINDOWS);
    for (let i = 0; i < NODES; i++) expect(node(net, i).store!.faults.list(), `faults at node${i}`).toEqual([]);
    expect(net.events.filter((e) => e.event.type === "fault")).toEqual([]);
  }, 80_000);
});
