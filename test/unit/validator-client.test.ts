// ValidatorClient outcome mapping (coordination.md §10.3) for results a real validator cannot
// produce (false, empty, garbage) plus the calldata it sends; real-chain cases are in
// test/integration/deploy.test.ts.
import { describe, expect, it } from "vitest";
import { AbiCoder, concat } from "ethers";
import { validatorInterface } from "../../src/chain/abi.js";
import type { BlockRef, CallRequest, PinnedCaller } from "../../src/chain/pinned-call.js";
import { RETURNED_FALSE, ValidatorClient } from "../../src/chain/validator-client.js";
import { fromHex } from "../../src/util/hex.js";

const at: BlockRef = { blockHash: "0x" + "ab".repeat(32), blockNumber: 7 };
const VALIDATOR = "0x" + "12".repeat(20);
const coder = AbiCoder.defaultAbiCoder();

function fake(respond: (tx: CallRequest) => string | Error): { caller: PinnedCaller; seen: [CallRequest, BlockRef][] } {
  const seen: [CallRequest, BlockRef][] = [];
  return {
    seen,
    caller: {
      async call(tx, pinned) {
        seen.push([tx, pinned]);
        const r = respond(tx);
        if (r instanceof Error) throw r;
        return r;
      },
    },
  };
}

const heartbeat = { walletPubKeyHash: fromHex("11".repeat(20)), message: fromHex("ff".repeat(16)) };

describe("ValidatorClient", () => {
  it("sends the encoded proposal to the validator at the given block", async () => {
    const { caller, seen } = fake(() => coder.encode(["bool"], [true]));
    const client = new ValidatorClient({ caller }, { address: VALIDATOR });
    expect(await client.validateHeartbeat(heartbeat, at)).toEqual({ outcome: "valid" });
    expect(seen).toHaveLength(1);
    expect(seen[0][1]).toBe(at);
    expect(seen[0][0].to.toLowerCase()).toBe(VALIDATOR);
    expect(validatorInterface.decodeFunctionData("validateHeartbeatProposal", seen[0][0].data)[0].message).toBe("0x" + "ff".repeat(16));
  });

  it("a false return is invalid with RETURNED_FALSE", async () => {
    const client = new ValidatorClient({ caller: fake(() => coder.encode(["bool"], [false])).caller }, { address: VALIDATOR });
    expect(await client.validateHeartbeat(heartbeat, at)).toEqual({ outcome: "invalid", reason: RETURNED_FALSE });
  });

  it("an empty or undecodable result is unverified (no contract there), never invalid", async () => {
    for (const r of ["0x", "0x1234"]) {
      const out = await new ValidatorClient({ caller: fake(() => r).caller }, { address: VALIDATOR }).validateHeartbeat(heartbeat, at);
      expect(out.outcome).toBe("unverified");
    }
  });

  it("maps a revert to invalid and a transport error to unverified", async () => {
    const revert = Object.assign(new Error("execution reverted"), {
      code: 3,
      data: concat(["0x4e487b71", coder.encode(["uint256"], [0x11])]),
    });
    expect(await new ValidatorClient({ caller: fake(() => revert).caller }, { address: VALIDATOR }).validateHeartbeat(heartbeat, at)).toEqual({
      outcome: "invalid",
      reason: "panic:0x11",
    });
    const down = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" });
    const out = await new ValidatorClient({ caller: fake(() => down).caller }, { address: VALIDATOR }).validateHeartbeat(heartbeat, at);
    expect(out).toEqual({ outcome: "unverified", error: expect.stringContaining("ECONNREFUSED") });
  });

  it("reads the constants once per client and retries after a failure", async () => {
    let calls = 0;
    let fail = true;
    const caller = fake((tx) => {
      calls++;
      if (fail) return new Error("timeout");
      const fn = validatorInterface.parseTransaction({ data: tx.data })!.name;
      return coder.encode(["uint256"], [fn.length]);
    }).caller;
    const client = new ValidatorClient({ caller }, { address: VALIDATOR });
    await expect(client.constants(at)).rejects.toThrow("timeout");
    fail = false;
    const c = await client.constants(at);
    expect(c.REDEMPTION_MAX_SIZE).toBe("REDEMPTION_MAX_SIZE".length);
    const after = calls;
    expect(await client.constants(at)).toBe(c);
    expect(calls).toBe(after);
  });
});
