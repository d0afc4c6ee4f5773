// Fault scenarios on a real local network (coordination.md §10–§11, §8.3 A5/A7): every scenario mines
// its own window(s), scripts only its own (wallet, W) and leaves every node running afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAddress } from "ethers";
import { ActionType, COORDINATION_FREQUENCY_BLOCKS, FaultType } from "../../src/protocol/constants.js";
import { heartbeatMessage } from "../../src/protocol/heartbeat.js";
import { encodePayload } from "../../src/protocol/payloads.js";
import { join } from "node:path";
import { verifyFaultEvidence, type EvidenceVerdict } from "../../src/coordination/fault-evidence.js";
import { runFaultsCommand } from "../../src/node/faults-command.js";
import type { FaultRow } from "../../src/store/repos/faults-repo.js";
import { toHex } from "../../src/util/hex.js";
import { startRpcProxy } from "../fakes/rpc-proxy.js";
import {
  heartbeatProposal,
  honestGenerate,
  memberNodes,
  node,
  normHex,
  ownStatement,
  publishFrom,
  runWindow,
  settle,
  signedWire,
  startTestNetwork,
  waitFor,
  waitForHead,
  type TestNetwork,
} from "./helpers/coordination-net.js";

const NODES = 5;
const WALLETS = 2;
const ACCEPTED = ["accepted", "wallet_busy"];

describe("fault scenarios on a local network", () => {
  let t: TestNetwork;

  beforeAll(async () => {
    t = await startTestNetwork({ nodes: NODES, wallets: WALLETS, seed: "it-faults", blockMs: 25, scripted: true });
  });

  afterAll(async () => {
    await t?.close();
  });

  const faultsAt = (i: number, w: number, W: number) => node(t.net, i).store!.faults.list({ wallet: t.net.walletHex(w) }).filter((f) => f.W === W);
  const rowAt = (i: number, w: number, W: number) => node(t.net, i).store!.windows.get(t.net.walletHex(w), W)!;
  const leaderOf = async (w: number, W: number) => getAddress(await t.net.leaderOf(w, W));
  /** What `wcoord faults verify` says of node i's fault, with node i's profile. */
  const verdictAt = (i: number, f: FaultRow): EvidenceVerdict => verifyFaultEvidence(f, node(t.net, i).profile!).verdict;
  /** `wcoord faults verify ID` on node i's data directory, while the node runs. */
  const verifyCommand = async (i: number, id: number): Promise<{ code: number; out: string }> => {
    let out = "";
    const sink = { write: (s: string) => (out += s) };
    const code = await runFaultsCommand(["verify", String(id), "--data-dir", join(t.net.opts.dataDir, `node${i}`)], sink, sink, {});
    return { code, out };
  };

  it("leader offline: every follower records LeaderIdleness and result idle", async () => {
    const { net } = t;
    let leader = "";
    let stopped = -1;
    const W = await runWindow(net, {
      before: async (W) => {
        leader = await leaderOf(0, W);
        stopped = net.nodeIndexOf(leader);
        await net.stopNode(stopped);
      },
    });
    try {
      const followers = memberNodes(net, 0, leader);
      expect(followers.length).toBeGreaterThan(0);
      await settle(net, 0, W, followers);
      for (const f of followers) {
        expect(rowAt(f, 0, W).result, `node${f}`).toBe("idle");
        const faults = faultsAt(f, 0, W);
        expect(faults.map((x) => [x.type, x.culprit]), `node${f}`).toEqual([[FaultType.LeaderIdleness, leader]]);
        expect(verdictAt(f, faults[0])).toBe("unverifiable");
        expect((await verifyCommand(f, faults[0].id)).code).toBe(3);
      }
    } finally {
      await t.start(stopped);
    }
  }, 30_000);

  it("impersonation: a member's signed message for the window is LeaderImpersonation at the followers", async () => {
    const { net } = t;
    let leader = "";
    let impostor = -1;
    let forged = "";
    const W = await runWindow(net, {
      before: async (W) => {
        leader = await leaderOf(0, W);
        impostor = memberNodes(net, 0, leader)[0];
        // After B11 only equivocation is still detected (§10.2), so the impostor must come first.
        t.scripts.set(net.walletHex(0), W, async (req, signal) => {
          await waitForHead(net, W + 8, signal);
          return honestGenerate(req, signal);
        });
      },
      at: [
        {
          offset: 2,
          run: async (W) => {
            const m = await signedWire(net, impostor, 0, W, heartbeatProposal(heartbeatMessage(net.wallets[0].walletPubKeyHash, W + 1)));
            forged = toHex(m.wire);
            await publishFrom(net, impostor, 0, m.wire);
          },
        },
      ],
    });
    const impostorAddr = net.operatorAddress(impostor);
    const followers = memberNodes(net, 0, leader, impostorAddr);
    expect(followers.length).toBeGreaterThan(0);
    await settle(net, 0, W, followers);
    const own = ownStatement(net, 0, W, net.nodeIndexOf(leader));
    for (const f of followers) {
      const faults = faultsAt(f, 0, W);
      expect(faults.map((x) => [x.type, x.culprit]), `node${f}`).toEqual([[FaultType.LeaderImpersonation, impostorAddr]]);
      expect(normHex(String(faults[0].evidence.message))).toBe(normHex(forged));
      expect(verdictAt(f, faults[0])).toBe("proven");
      const cli = await verifyCommand(f, faults[0].id);
      expect(cli.code, cli.out).toBe(0);
      expect(cli.out).toContain(`LeaderImpersonation by ${impostorAddr} (W=${W}, wallet ${t.net.walletHex(0)}): proven — a proposal signed by an operator who is not the leader`);
      // The impostor changes nothing about the leader's statement being accepted.
      expect(ACCEPTED).toContain(rowAt(f, 0, W).result);
      expect(toHex(rowAt(f, 0, W).resultDigest!)).toBe(own.digest);
    }
  }, 30_000);

  it("leader mistake: an action not on the checklist is LeaderMistake", async () => {
    const { net } = t;
    let leader = "";
    let W = 0;
    // Every 4th window has every action on the checklist: mine on until one that does not.
    do {
      W = await runWindow(net, {
        before: async (W) => {
          if ((W / COORDINATION_FREQUENCY_BLOCKS) % 4 === 0) return;
          leader = await leaderOf(0, W);
          t.scripts.set(net.walletHex(0), W, async () => ({
            actionType: ActionType.DepositSweep,
            payload: encodePayload(ActionType.DepositSweep, {
              depositsKeys: [{ fundingTxHash: new Uint8Array(32).fill(7), fundingOutputIndex: 0 }],
              sweepTxFee: 1000n,
              depositsRevealBlocks: [1],
            }),
          }));
        },
      });
    } while (leader === "");
    const followers = memberNodes(net, 0, leader);
    await waitFor("LeaderMistake at every follower", () => followers.every((f) => faultsAt(f, 0, W).length > 0));
    for (const f of followers) {
      expect(rowAt(f, 0, W).checklist).not.toContain("DepositSweep");
      const faults = faultsAt(f, 0, W);
      expect(faults.map((x) => [x.type, x.culprit]), `node${f}`).toEqual([[FaultType.LeaderMistake, leader]]);
      expect(verdictAt(f, faults[0])).toBe("proven");
      expect(rowAt(f, 0, W).result).toBe("rejected");
    }
  }, 40_000);

  it("invalid proposal: a heartbeat failing the contract rule is InvalidProposal with the revert string", async () => {
    const { net } = t;
    let leader = "";
    const W = await runWindow(net, {
      before: async (W) => {
        leader = await leaderOf(0, W);
        // 16 bytes, but not starting with 8×0xff: decodes fine, the validator reverts.
        t.scripts.set(net.walletHex(0), W, async () => heartbeatProposal(new Uint8Array(16).fill(0x11)));
      },
    });
    const followers = memberNodes(net, 0, leader);
    await waitFor("InvalidProposal at every follower", () => followers.every((f) => faultsAt(f, 0, W).length > 0));
    for (const f of followers) {
      const faults = faultsAt(f, 0, W);
      expect(faults.map((x) => [x.type, x.culprit, x.reason]), `node${f}`).toEqual([[FaultType.InvalidProposal, leader, "Not a valid heartbeat message"]]);
      expect(faults[0].evidence.validationBlock).toBeDefined();
      // The leader's signature is checked offline; the revert itself needs the chain.
      expect(verdictAt(f, faults[0])).toBe("unverifiable");
      expect(rowAt(f, 0, W).result).toBe("rejected");
    }
  }, 30_000);

  it("equivocation: two different signed proposals from the leader are LeaderEquivocation with both messages", async () => {
    const { net } = t;
    let leader = "";
    let second = "";
    const W = await runWindow(net, {
      before: async (W) => {
        leader = await leaderOf(0, W);
      },
      at: [
        {
          offset: 6,
          run: async (W) => {
            const li = net.nodeIndexOf(leader);
            const m = await signedWire(net, li, 0, W, heartbeatProposal(heartbeatMessage(net.wallets[0].walletPubKeyHash, W + 3)));
            second = toHex(m.wire);
            await publishFrom(net, li, 0, m.wire);
          },
        },
      ],
    });
    const followers = memberNodes(net, 0, leader);
    await settle(net, 0, W, followers);
    const first = toHex(ownStatement(net, 0, W, net.nodeIndexOf(leader)).wire);
    expect(first).not.toBe(second);
    for (const f of followers) {
      const faults = faultsAt(f, 0, W);
      expect(faults.map((x) => [x.type, x.culprit]), `node${f}`).toEqual([[FaultType.LeaderEquivocation, leader]]);
      const messages = (faults[0].evidence.messages as string[]).map(normHex).sort();
      expect(messages).toEqual([normHex(first), normHex(second)].sort());
      expect(verdictAt(f, faults[0])).toBe("proven");
      expect(rowAt(f, 0, W).result).toBe("equivocated");
    }
  }, 30_000);

  it("replay: the leader's statement of W republished in W+900 is not accepted and records no fault", async () => {
    const { net } = t;
    let leader1 = "";
    const W1 = await runWindow(net, {
      before: async (W) => {
        leader1 = await leaderOf(0, W);
      },
    });
    const old = ownStatement(net, 0, W1, net.nodeIndexOf(leader1));
    let leader2 = "";
    const W2 = await runWindow(net, {
      before: async (W) => {
        leader2 = await leaderOf(0, W);
      },
      at: [{ offset: 5, run: () => publishFrom(net, net.nodeIndexOf(leader1), 0, old.wire) }],
    });
    expect(W2).toBe(W1 + COORDINATION_FREQUENCY_BLOCKS);
    const followers = memberNodes(net, 0, leader2);
    await settle(net, 0, W2, followers);
    const fresh = ownStatement(net, 0, W2, net.nodeIndexOf(leader2));
    for (let i = 0; i < NODES; i++) {
      expect([...faultsAt(i, 0, W1), ...faultsAt(i, 0, W2)], `node${i}`).toEqual([]);
      // Neither window took the replayed bytes as a new statement.
      expect(node(net, i).store!.leaderStatements.list(net.walletHex(0), W2).map((s) => toHex(s.digest))).not.toContain(old.digest);
    }
    for (const f of followers) {
      expect(ACCEPTED).toContain(rowAt(f, 0, W2).result);
      expect(toHex(rowAt(f, 0, W2).resultDigest!)).toBe(fresh.digest);
    }
  }, 40_000);

  it("profile mismatch: messages of a node with another profile are rejected without a fault", async () => {
    const { net } = t;
    const m = 1;
    await net.stopNode(m);
    await t.startWithProfile(m, { heartbeatProbabilityPpm: 0 });
    try {
      expect(node(net, m).profileHash).not.toBe(node(net, 0).profileHash);
      let leader = "";
      let w = -1;
      let digest = "";
      let W = 0;
      // Leaders are random per window: mine on (a few windows at most) until m is a non-leader member somewhere.
      for (let tries = 0; tries < 6 && w < 0; tries++)
        W = await runWindow(net, {
          before: async (W) => {
            for (let k = 0; k < WALLETS && w < 0; k++) {
              const l = await leaderOf(k, W);
              if (l !== net.operatorAddress(m) && memberNodes(net, k).includes(m)) [w, leader] = [k, l];
            }
          },
          at: [
            {
              offset: 4,
              run: async (W) => {
                if (w < 0) return;
                // Signed with m's own (different) profile hash: a correctly signed non-leader message.
                const msg = await signedWire(net, m, w, W, heartbeatProposal(heartbeatMessage(net.wallets[w].walletPubKeyHash, W + 2)));
                digest = msg.digest;
                await publishFrom(net, m, w, msg.wire);
              },
            },
          ],
        });
      expect(w, "no wallet where the mismatched node is a non-leader member").toBeGreaterThanOrEqual(0);
      const followers = memberNodes(net, w, leader, net.operatorAddress(m));
      expect(followers.length).toBeGreaterThan(0);
      await settle(net, w, W, followers);
      const own = ownStatement(net, w, W, net.nodeIndexOf(leader));
      let rejected = 0;
      for (const f of followers) {
        expect(faultsAt(f, w, W), `node${f}`).toEqual([]);
        expect(ACCEPTED).toContain(rowAt(f, w, W).result);
        expect(toHex(rowAt(f, w, W).resultDigest!)).toBe(own.digest);
        expect(node(net, f).store!.leaderStatements.list(net.walletHex(w), W).map((s) => toHex(s.digest))).not.toContain(digest);
        const text = await node(net, f).metrics!.registry.metrics();
        const line = text.split("\n").find((l) => l.includes("gossip_messages_total") && l.includes('reason="profile_mismatch"'));
        rejected += line ? Number(line.split(" ").pop()) : 0;
      }
      // A5 rejected the mismatched message somewhere (gossip may stop it at the first hop).
      expect(rejected).toBeGreaterThan(0);
    } finally {
      await net.stopNode(m);
      await t.start(m);
    }
  }, 80_000);

  it("restart mid-window: a follower stopped at W+10 and restarted at W+30 resumes and accepts", async () => {
    const { net } = t;
    let leader = "";
    let f = -1;
    let statusAtStop: string | undefined;
    const W = await runWindow(net, {
      before: async (W) => {
        leader = await leaderOf(0, W);
        f = memberNodes(net, 0, leader)[0];
        // The leader publishes only after W+12, so the follower is down when the statement first appears
        // and must pick it up from a republish after restarting.
        t.scripts.set(net.walletHex(0), W, async (req, signal) => {
          await waitForHead(net, W + 12, signal);
          return honestGenerate(req, signal);
        });
      },
      at: [
        {
          offset: 10,
          run: async (W) => {
            statusAtStop = rowAt(f, 0, W).status;
            await net.stopNode(f);
            await waitForHead(net, W + 30);
            await t.start(f);
          },
        },
      ],
    });
    expect(statusAtStop).toBe("running");
    const followers = memberNodes(net, 0, leader);
    await settle(net, 0, W, followers);
    const own = ownStatement(net, 0, W, net.nodeIndexOf(leader));
    expect(ACCEPTED).toContain(rowAt(f, 0, W).result);
    expect(toHex(rowAt(f, 0, W).resultDigest!)).toBe(own.digest);
    expect(faultsAt(f, 0, W)).toEqual([]);
  }, 40_000);

  it("RPC errors during the active phase: the follower retries validation and records no fault", async () => {
    const { net } = t;
    const proxy = await startRpcProxy(net.chain.url);
    let leader = "";
    let f = -1;
    let failedCalls = 0;
    try {
      const W = await runWindow(net, {
        before: async (W) => {
          leader = await leaderOf(0, W);
          f = memberNodes(net, 0, leader)[0];
          await net.stopNode(f);
          await t.start(f, {}, { eth: { rpcUrl: proxy.url, wsUrl: undefined } });
          // Fail eth_call once the follower has set up the window (seats and seed read at W−32).
          net.onEvent(({ node: i, event }) => {
            if (i === f && event.type === "window" && event.W === W && event.wallet === net.walletHex(0)) proxy.setFault("eth_call", { kind: "fail" });
          });
        },
        at: [
          {
            offset: 40,
            run: () => {
              failedCalls = proxy.seen.get("eth_call") ?? 0;
              proxy.setFault("eth_call", null);
            },
          },
        ],
      });
      await settle(net, 0, W, [f]);
      expect(failedCalls, "eth_call was attempted while failing").toBeGreaterThan(0);
      expect(["accepted", "wallet_busy", "unverified"]).toContain(rowAt(f, 0, W).result);
      expect(faultsAt(f, 0, W)).toEqual([]);
      if (rowAt(f, 0, W).result !== "unverified") {
        expect(toHex(rowAt(f, 0, W).resultDigest!)).toBe(ownStatement(net, 0, W, net.nodeIndexOf(leader)).digest);
      }
    } finally {
      if (f >= 0) {
        await net.stopNode(f);
        await t.start(f);
      }
      await proxy.close();
    }
  }, 40_000);
});
