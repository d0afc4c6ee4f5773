// FrostWalletRegistry and the Bridge's FROST wallet registration (threshold.md §2, §3.1): the DKG
// result digest against an independent AbiCoder computation, every requestNewWallet and submitDkgResult
// revert in check order, results of 10 and 51 signers, notifyDkgTimeout, and the Bridge's side.
import { AbiCoder, Wallet, concat, getAddress, keccak256, toBeHex, zeroPadValue, type Signer } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WalletState } from "../../src/protocol/constants.js";
import { fromHex } from "../../src/util/hex.js";
import { closeNet, expectRevert, outcome, snapshotScope } from "./helpers/evm.js";
import { ZERO_ADDRESS, eventsOf, send, testWallet, tuple } from "./helpers/bridge-fixture.js";
import {
  DKG_TIMEOUT_BLOCKS,
  deployFrostFixture,
  dkgDigest,
  memberWallets,
  requestWallet,
  signDigest,
  signedResult,
  submit,
  type DkgRequest,
  type FrostFixture,
} from "./helpers/frost-fixture.js";
import { SECP256K1_N, SECP256K1_P, evenY, randomXOnlyKey, xOnlyPubKeyHash } from "./helpers/taproot-fixtures.js";

const context = describe;

let f: FrostFixture;
let members: Wallet[];

beforeAll(async () => {
  f = await deployFrostFixture();
  members = await memberWallets(f, 5, "registry");
});

afterAll(async () => {
  await closeNet(f?.net);
});

const scope = (): void => snapshotScope(() => f.net);
const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** An x coordinate with no point: x^3 + 7 is not a square. */
function xWithoutPoint(): string {
  for (let x = 1n; ; x++) {
    const hex = zeroPadValue(toBeHex(x), 32);
    try {
      evenY(hex);
    } catch {
      return hex;
    }
  }
}

describe("DKG result digest (threshold.md §3.1)", () => {
  const vector = {
    chainId: 31337n,
    registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    bridge: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    requestId: 7n,
    seed: "0x" + "5e".repeat(32),
    walletX: "0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
    members: ["0x1111111111111111111111111111111111111111", "0x2222222222222222222222222222222222222222", "0x3333333333333333333333333333333333333333"],
    excluded: [2],
  };

  it("is the AbiCoder encoding, byte for byte the head-and-tail layout of abi.encode", () => {
    // The same encoding written out word by word: a dynamic string (offset 0x120 after nine head words),
    // then the tail with its length and padded bytes.
    const word = (v: bigint | string): string => zeroPadValue(typeof v === "bigint" ? toBeHex(v) : v, 32);
    const coder = AbiCoder.defaultAbiCoder();
    const membersHash = keccak256(concat([word(0x20n), word(3n), ...vector.members.map((m) => word(m))]));
    expect(membersHash).toBe(keccak256(coder.encode(["address[]"], [vector.members])));
    const excludedHash = keccak256(concat([word(0x20n), word(1n), word(2n)]));
    const domain = new TextEncoder().encode("wcoord-frost-dkg-v1");
    const manual = keccak256(
      concat([
        word(0x120n),
        word(vector.chainId),
        word(vector.registry),
        word(vector.bridge),
        word(vector.requestId),
        vector.seed,
        vector.walletX,
        membersHash,
        excludedHash,
        word(BigInt(domain.length)),
        concat([domain, new Uint8Array(32 - domain.length)]),
      ]),
    );
    expect(dkgDigest(vector)).toBe(manual);
    expect(dkgDigest(vector)).toBe("0xe1ef78f470134a79c5aef113ac78e8c3219123801a9812ecca0de6ab6ef96f03");
    expect(dkgDigest({ ...vector, excluded: [] })).not.toBe(manual);
  });

  it("the registry computes the same digest for a live request, with and without exclusions", async () => {
    const request = await requestWallet(f, members, 2, 3);
    const walletX = randomXOnlyKey().x;
    const common = {
      chainId: 31337n,
      registry: getAddress(await f.registry.getAddress()),
      bridge: getAddress(await f.bridge.getAddress()),
      requestId: request.requestId,
      seed: request.seed,
      walletX,
      members: members.map((m) => m.address),
    };
    for (const excluded of [[], [2, 5]]) {
      expect(await f.registry.dkgResultDigest(request.requestId, walletX, excluded)).toBe(dkgDigest({ ...common, excluded }));
    }
    // The seed is keccak256(abi.encode(blockhash(requestBlock - 1), requestId)).
    const parent = await f.net.ethers.provider.getBlock(request.receipt.blockNumber - 1);
    expect(request.seed).toBe(keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [parent!.hash, request.requestId])));
    expect(request.deadline).toBe(BigInt(request.receipt.blockNumber + DKG_TIMEOUT_BLOCKS));
  });
});

describe("requestNewWallet", () => {
  scope();

  it("stores the request and emits DkgRequested with its fields", async () => {
    const request = await requestWallet(f, members, 3, 4);
    const [event] = eventsOf(f.registry, request.receipt);
    expect(event.name).toBe("DkgRequested");
    expect(tuple(event.args)).toEqual([request.requestId, request.seed, members.map((m) => m.address), 3n, 4n, request.deadline]);
    expect(tuple(await f.registry.getDkgRequest(request.requestId))).toEqual([members.map((m) => m.address), request.seed, request.deadline, 3n, 4n, 1n]);
    expect(await f.registry.dkgRequestCount()).toBe(request.requestId);
  });

  const addresses = (): string[] => members.map((m) => m.address);
  const cases: [string, () => [Signer | undefined, string[], number, number], string][] = [
    ["a caller other than the Bridge's governance", () => [f.others[0], addresses(), 2, 3], "Caller is not the governance"],
    ["one member", () => [undefined, addresses().slice(0, 1), 2, 2], "DKG group must have 2 to 255 members"],
    ["256 members", () => [undefined, Array.from({ length: 256 }, (_, i) => zeroPadValue(toBeHex(i + 1), 20)), 2, 3], "DKG group must have 2 to 255 members"],
    ["members out of order", () => [undefined, [...addresses()].reverse(), 2, 3], "Members must be non-zero and strictly ascending"],
    ["a repeated member", () => [undefined, [addresses()[0], ...addresses()], 2, 3], "Members must be non-zero and strictly ascending"],
    ["the zero address", () => [undefined, [ZERO_ADDRESS, ...addresses()], 2, 3], "Members must be non-zero and strictly ascending"],
    ["threshold 1", () => [undefined, addresses(), 1, 3], "Threshold must be at least 2"],
    ["threshold above the quorum", () => [undefined, addresses(), 4, 3], "Threshold cannot exceed DKG quorum"],
    ["quorum above the group size", () => [undefined, addresses(), 3, 6], "DKG quorum cannot exceed the group size"],
  ];
  for (const [name, args, reason] of cases) {
    it(`reverts for ${name}`, async () => {
      const [from, list, threshold, quorum] = args();
      await expectRevert(f.registry.connect(from ?? f.governance).getFunction("requestNewWallet")(list, threshold, quorum), reason);
    });
  }

  it("follows the Bridge's governance after a transfer", async () => {
    await send(f.bridge.connect(f.governance).getFunction("transferGovernance")(await f.others[0].getAddress()));
    await expectRevert(f.registry.connect(f.governance).getFunction("requestNewWallet")(addresses(), 2, 3), "Caller is not the governance");
    await send(f.registry.connect(f.others[0]).getFunction("requestNewWallet")(addresses(), 2, 3));
  });
});

describe("submitDkgResult", () => {
  let request: DkgRequest;
  let walletX: string;

  scope();
  beforeAll(async () => {
    // 5 members, threshold 2, quorum 3.
    request = await requestWallet(f, members, 2, 3);
    walletX = randomXOnlyKey().x;
  });

  async function expectSubmitRevert(result: Awaited<ReturnType<typeof signedResult>>, reason: string, submitter?: Signer): Promise<void> {
    await expectRevert(submit(f, request, result, submitter ?? members[0]), reason);
  }

  context("reverts, each check with its own message, in order", () => {
    it("request pending: an unknown request", async () => {
      const result = await signedResult(f, request, walletX, [1, 2, 3]);
      await expectSubmitRevert({ ...result, requestId: 999n }, "DKG request is not pending");
    });

    context("after the deadline", () => {
      scope();
      beforeAll(async () => {
        await f.net.networkHelpers.mineUpTo(Number(request.deadline));
      });

      it("a submission in the block after the deadline", async () => {
        const result = await signedResult(f, request, walletX, [1, 2, 3]);
        await expectSubmitRevert(result, "DKG deadline has passed");
      });

      it("the deadline comes before the key checks", async () => {
        const result = await signedResult(f, request, zeroPadValue(toBeHex(SECP256K1_P), 32), [1, 2, 3]);
        await expectSubmitRevert(result, "DKG deadline has passed");
      });
    });

    context("in the deadline block", () => {
      scope();

      it("the result is still accepted", async () => {
        await f.net.networkHelpers.mineUpTo(Number(request.deadline) - 1);
        const result = await signedResult(f, request, walletX, [1, 2, 3]);
        // The transaction goes into the next block: the deadline block itself.
        const receipt = await send(submit(f, request, result));
        expect(receipt.blockNumber).toBe(Number(request.deadline));
      });
    });

    for (const [name, x] of [
      ["x = p", () => zeroPadValue(toBeHex(SECP256K1_P), 32)],
      ["x = 2^256 - 1", () => "0x" + "ff".repeat(32)],
      ["x = 0 (7 is not a square)", () => zeroPadValue("0x", 32)],
      ["x^3 + 7 not a square", xWithoutPoint],
    ] as const) {
      it(`walletX not a valid x coordinate: ${name}`, async () => {
        await expectSubmitRevert(await signedResult(f, request, x(), [1, 2, 3]), "Wallet key is not a valid x coordinate");
      });
    }

    it("no wallet with that key: an ECDSA wallet with the same compressed key 0x02 ‖ walletX", async () => {
      const taken = randomXOnlyKey().x;
      await send(f.bridge.connect(f.governance).getFunction("registerWallet")(taken, evenY(taken), [members[0].address]));
      await expectSubmitRevert(await signedResult(f, request, taken, [1, 2, 3]), "Wallet with this key already exists");
    });

    const EXCLUDED = "Excluded indices must be strictly ascending member indices";
    const SIGNERS = "Signer indices must be strictly ascending member indices";
    for (const [name, excluded, signers, reason] of [
      ["excluded not ascending", [4, 3], [1, 2], EXCLUDED],
      ["excluded repeated", [4, 4], [1, 2], EXCLUDED],
      ["excluded index 0", [0], [1, 2, 3], EXCLUDED],
      ["excluded index above the group", [6], [1, 2, 3], EXCLUDED],
      ["signers not ascending", [], [2, 1, 3], SIGNERS],
      ["signer repeated", [], [1, 1, 2], SIGNERS],
      ["signer index 0", [], [0, 1, 2], SIGNERS],
      ["signer index above the group", [], [1, 2, 6], SIGNERS],
      ["a signer is excluded", [2, 4], [1, 3, 4], "Signer is excluded"],
      ["fewer signers than the quorum", [], [1, 2], "Too few signers for the DKG quorum"],
      // Signers are never excluded, so fewer than `quorum` members left means fewer than `quorum` signers:
      // the second quorum condition cannot fail after the first.
      ["more excluded than the quorum allows", [1, 2, 3], [4, 5], "Too few signers for the DKG quorum"],
    ] as [string, number[], number[], string][]) {
      it(name, async () => {
        // Signatures over the right digest by members 1-3, so only the index check can fail.
        const good = await signedResult(f, request, walletX, [1, 2, 3], excluded);
        await expectSubmitRevert({ ...good, signerIndices: signers }, reason);
      });
    }

    it("signatures length: one byte short, one signature short, one extra", async () => {
      const good = await signedResult(f, request, walletX, [1, 2, 3]);
      for (const signatures of [good.signatures.slice(0, -2), good.signatures.slice(0, -130), good.signatures + good.signatures.slice(2, 132)]) {
        await expectSubmitRevert({ ...good, signatures }, "Signatures length does not match the signers");
      }
    });

    it("a high-s signature (the same signature malleated: s → n − s, v flipped)", async () => {
      const good = await signedResult(f, request, walletX, [1, 2, 3]);
      const sig = fromHex(good.signatures).slice(65, 130);
      const s = BigInt("0x" + Buffer.from(sig.slice(32, 64)).toString("hex"));
      const high = concat([sig.slice(0, 32), zeroPadValue(toBeHex(SECP256K1_N - s), 32), Uint8Array.of(sig[64] === 27 ? 28 : 27)]);
      const signatures = concat([fromHex(good.signatures).slice(0, 65), high, fromHex(good.signatures).slice(130)]);
      await expectSubmitRevert({ ...good, signatures }, "Signature s value is too high");
    });

    it("a signature by someone else, over another digest, with a bad v, or signers swapped", async () => {
      const good = await signedResult(f, request, walletX, [1, 2, 3]);
      const NOT_MEMBER = "Signature is not from the member at its index";
      const digest = await f.registry.dkgResultDigest(request.requestId, walletX, []);
      const stranger = signDigest([new Wallet(randomXOnlyKey().x)], digest);
      await expectSubmitRevert({ ...good, signatures: good.signatures.slice(0, 2 + 2 * 130) + stranger.slice(2) }, NOT_MEMBER);
      const otherDigest = await signedResult(f, request, randomXOnlyKey().x, [1, 2, 3]);
      await expectSubmitRevert({ ...good, signatures: otherDigest.signatures }, NOT_MEMBER);
      const badV = fromHex(good.signatures);
      badV[64] = 29;
      await expectSubmitRevert({ ...good, signatures: concat([badV]) }, NOT_MEMBER);
      await expectSubmitRevert({ ...good, signerIndices: [1, 2, 4] }, NOT_MEMBER);
    });

    it("the caller must be a member (checked last)", async () => {
      const good = await signedResult(f, request, walletX, [1, 2, 3]);
      await expectSubmitRevert(good, "Caller is not a member of the DKG group", f.others[0]);
      // A member who did not sign may submit.
      expect((await outcome(f.registry.connect(members[4]).getFunction("submitDkgResult").estimateGas(good))).kind).toBe("ok");
    });
  });

  it("accepts a result: the wallet is Live on the Bridge, FROST, with the members as seats", async () => {
    const result = await signedResult(f, request, walletX, [1, 3, 4], [5]);
    const receipt = await send(submit(f, request, result, members[4 - 1]));
    const pkh = xOnlyPubKeyHash(walletX);
    const y = evenY(walletX);
    const ecdsaWalletID = keccak256(concat([walletX, y]));
    const bridgeEvents = eventsOf(f.bridge, receipt).map((e) => [e.name, ...e.args]);
    expect(bridgeEvents).toEqual([
      ["NewWalletRegistered", ecdsaWalletID, pkh],
      ["WalletOperatorsSet", pkh, members.map((m) => m.address)],
    ]);
    expect(eventsOf(f.registry, receipt).map((e) => [e.name, ...e.args])).toEqual([["DkgResultAccepted", request.requestId, walletX, pkh]]);
    const w = await f.bridge.wallets(pkh);
    expect(Number(w.state)).toBe(WalletState.Live);
    expect(w.ecdsaWalletID).toBe(ecdsaWalletID);
    expect(tuple(await f.bridge.walletScheme(pkh))).toEqual([1n, 2n]);
    expect(await f.bridge.walletPublicKey(pkh)).toBe(concat([walletX, y]));
    expect(BigInt(y) % 2n).toBe(0n);
    expect(await f.bridge.walletOperators(pkh)).toEqual(members.map((m) => m.address));
    expect(await f.bridge.activeWalletPubKeyHash()).toBe(pkh);
    expect(Number((await f.registry.getDkgRequest(request.requestId)).state)).toBe(2);
    // Accepted once: a second submission finds the request no longer pending.
    await expectSubmitRevert(result, "DKG request is not pending", members[0]);
  });
});

describe("results of 10 and 51 signers", () => {
  scope();

  for (const n of [10, 51]) {
    it(`${n} members, all signing, quorum ${n}, threshold ${Math.floor(n / 2) + 1}`, async () => {
      const group = await memberWallets(f, n, `big-${n}`);
      const request = await requestWallet(f, group, Math.floor(n / 2) + 1, n);
      const walletX = randomXOnlyKey().x;
      const result = await signedResult(f, request, walletX, all(n));
      const receipt = await send(submit(f, request, result));
      expect(receipt.gasUsed).toBeGreaterThan(0n);
      const pkh = xOnlyPubKeyHash(walletX);
      expect(await f.bridge.walletOperators(pkh)).toEqual(group.map((m) => m.address));
      expect(tuple(await f.bridge.walletScheme(pkh))).toEqual([1n, BigInt(Math.floor(n / 2) + 1)]);
    });
  }
});

describe("notifyDkgTimeout", () => {
  let request: DkgRequest;
  scope();
  beforeAll(async () => {
    request = await requestWallet(f, members, 2, 3);
  });

  it("reverts up to the deadline block, then marks the request timed out once", async () => {
    await expectRevert(f.registry.notifyDkgTimeout(request.requestId), "DKG deadline has not passed yet");
    await f.net.networkHelpers.mineUpTo(Number(request.deadline) - 1);
    // This transaction is mined in the deadline block itself: still not past.
    await expectRevert(f.registry.connect(f.others[1]).getFunction("notifyDkgTimeout")(request.requestId), "DKG deadline has not passed yet");
    await f.net.networkHelpers.mine();
    const receipt = await send(f.registry.connect(f.others[1]).getFunction("notifyDkgTimeout")(request.requestId));
    expect(eventsOf(f.registry, receipt).map((e) => [e.name, ...e.args])).toEqual([["DkgTimedOut", request.requestId]]);
    expect(Number((await f.registry.getDkgRequest(request.requestId)).state)).toBe(3);
    await expectRevert(f.registry.notifyDkgTimeout(request.requestId), "DKG request is not pending");
    await expectRevert(submit(f, request, await signedResult(f, request, randomXOnlyKey().x, [1, 2, 3])), "DKG request is not pending");
  });

  it("an unknown request is not pending", async () => {
    await expectRevert(f.registry.notifyDkgTimeout(12345), "DKG request is not pending");
  });
});

describe("Bridge side", () => {
  scope();

  it("registerFrostWallet is for the registry only", async () => {
    const walletX = randomXOnlyKey().x;
    await expectRevert(
      f.bridge.connect(f.governance).getFunction("registerFrostWallet")(walletX, [members[0].address], 2),
      "Caller is not the FROST wallet registry",
    );
  });

  it("setFrostWalletRegistry: governance only, non-zero, once", async () => {
    const registry = await f.registry.getAddress();
    expect(await f.bridge.frostWalletRegistry()).toBe(registry);
    await expectRevert(f.bridge.connect(f.others[0]).getFunction("setFrostWalletRegistry")(registry), "Caller is not the governance");
    await expectRevert(f.bridge.connect(f.governance).getFunction("setFrostWalletRegistry")(ZERO_ADDRESS), "FROST wallet registry address must not be 0x0");
    await expectRevert(f.bridge.connect(f.governance).getFunction("setFrostWalletRegistry")(registry), "FROST wallet registry already set");
  });

  it("the registry's constructor refuses a zero Bridge and a zero timeout", async () => {
    const factory = await f.net.ethers.getContractFactory("FrostWalletRegistry");
    await expectRevert(factory.deploy(ZERO_ADDRESS, 10), "Bridge address cannot be zero");
    await expectRevert(factory.deploy(await f.bridge.getAddress(), 0), "DKG timeout must be positive");
  });

  it("an ECDSA wallet is scheme 0 with threshold 0; an unknown wallet reads the same", async () => {
    const w = testWallet(77);
    await send(f.bridge.connect(f.governance).getFunction("registerWallet")(w.x, w.y, [members[0].address]));
    for (const pkh of [w.pubKeyHash, "0x" + "12".repeat(20)]) {
      expect(tuple(await f.bridge.walletScheme(pkh))).toEqual([0n, 0n]);
    }
  });
});
