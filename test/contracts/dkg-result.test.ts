// src/chain/dkg-result.ts against the real FrostWalletRegistry: the digest equals the registry's own
// `dkgResultDigest` view and the test's independent AbiCoder computation, and a result signed with
// signDkgResult and sent as submitDkgResultCalldata registers the wallet on the Bridge.
import { SigningKey, getAddress } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dkgResultDigest, signDkgResult, submitDkgResultCalldata } from "../../src/chain/dkg-result.js";
import { WalletState } from "../../src/protocol/constants.js";
import { fromHex, to0x } from "../../src/util/hex.js";
import { closeNet } from "./helpers/evm.js";
import { send } from "./helpers/bridge-fixture.js";
import { deployFrostFixture, dkgDigest, memberWallets, requestWallet, type FrostFixture } from "./helpers/frost-fixture.js";
import { randomXOnlyKey, xOnlyPubKeyHash } from "./helpers/taproot-fixtures.js";

let f: FrostFixture;

beforeAll(async () => {
  f = await deployFrostFixture();
});

afterAll(async () => {
  await closeNet(f?.net);
});

describe("DKG result (chain/dkg-result.ts)", () => {
  it("computes the registry's digest for every exclusion set, equal to an independent computation", async () => {
    const members = await memberWallets(f, 5, "dkg-result-digest");
    const request = await requestWallet(f, members, 3, 3);
    const chainId = (await f.net.ethers.provider.getNetwork()).chainId;
    const registry = getAddress(await f.registry.getAddress());
    const bridge = getAddress(await f.bridge.getAddress());
    for (const excluded of [[], [2], [1, 5], [2, 3, 4]]) {
      const walletX = randomXOnlyKey().x;
      const input = { chainId, registry, bridge, requestId: request.requestId, seed: fromHex(request.seed), walletX: fromHex(walletX), members: members.map((m) => m.address), excluded };
      const local = to0x(dkgResultDigest(input));
      expect(local).toBe(await f.registry.getFunction("dkgResultDigest")(request.requestId, walletX, excluded));
      expect(local).toBe(dkgDigest({ ...input, seed: request.seed, walletX }));
    }
  });

  it("a result signed with signDkgResult and sent as submitDkgResultCalldata registers a Live FROST wallet", async () => {
    const members = await memberWallets(f, 4, "dkg-result-submit");
    const request = await requestWallet(f, members, 2, 3);
    const walletX = fromHex(randomXOnlyKey().x);
    const digest = dkgResultDigest({
      chainId: (await f.net.ethers.provider.getNetwork()).chainId,
      registry: await f.registry.getAddress(),
      bridge: await f.bridge.getAddress(),
      requestId: request.requestId,
      seed: fromHex(request.seed),
      walletX,
      members: members.map((m) => m.address),
      excluded: [4],
    });
    const signerIndices = [1, 2, 3];
    const signatures = signerIndices.map((i) => signDkgResult(new SigningKey(members[i - 1].privateKey), digest));
    const data = submitDkgResultCalldata({ requestId: request.requestId, walletX, excluded: [4], signerIndices, signatures });
    await send(members[1].sendTransaction({ to: await f.registry.getAddress(), data }));
    const wallet = await f.bridge.getFunction("wallets")(xOnlyPubKeyHash(to0x(walletX)));
    expect(Number(wallet.state)).toBe(WalletState.Live);
    expect(() => submitDkgResultCalldata({ requestId: 1n, walletX, excluded: [], signerIndices: [1, 2], signatures: signatures.slice(0, 1) })).toThrow("2 signers but 1 signatures");
  });
});
