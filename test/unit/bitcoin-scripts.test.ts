import { describe, expect, it } from "vitest";
import { payments } from "bitcoinjs-lib";
import { SigningKey } from "ethers";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  compactSize,
  compressedPublicKey,
  depositLockingScripts,
  depositScript,
  electrumScriptHash,
  fundingOutputKind,
  hash160,
  outputScriptKind,
  p2pkhScript,
  p2shScript,
  p2wpkhScript,
  p2wshScript,
} from "../../src/bitcoin/scripts.js";
import * as devFixtures from "../../deploy/dev-fixtures.js";
import { fromHex, toHex } from "../../src/util/hex.js";

// contracts.md §1.4 worked vector.
const parts = {
  depositor: fromHex("7e5f4552091a69125d5dfcb7b8c2659029395bdf"),
  blindingFactor: fromHex("f9f0c90d00039523"),
  walletPubKeyHash: fromHex("8db50eb52063ea9d98b3eac91489a90f738986f6"),
  refundPubKeyHash: fromHex("28e081f285138ccbe389c1eb8985716230129f89"),
  refundLocktime: fromHex("60bcea61"),
};
const regular =
  "147e5f4552091a69125d5dfcb7b8c2659029395bdf7508f9f0c90d000395237576a9148db50eb52063ea9d98b3eac91489a90f738986f68763ac6776a91428e081f285138ccbe389c1eb8985716230129f89880460bcea61b175ac68";
const extraData = fromHex("a9b38ea6435c8941d6eda6a46b68e3e2117196995bd154ab55196396b03d9bda");

describe("deposit script (contracts.md §1.4)", () => {
  it("regular 92-byte script and its hashes", () => {
    const s = depositScript(parts);
    expect(s).toHaveLength(92);
    expect(toHex(s)).toBe(regular);
    expect(toHex(sha256(s))).toBe("bce2f423119c8449c10fe95f71cda919150bca7589bb216312e3132eb064cee0");
    expect(toHex(hash160(s))).toBe("a92ddffbda29bea9c8509f963a1f513c7ee40ee0");
    const l = depositLockingScripts(s);
    expect(toHex(l.p2wsh)).toBe("0020bce2f423119c8449c10fe95f71cda919150bca7589bb216312e3132eb064cee0");
    expect(toHex(l.p2sh)).toBe("a914a92ddffbda29bea9c8509f963a1f513c7ee40ee087");
  });

  it("extra-data variant is 126 bytes; zero extra data keeps the regular script", () => {
    const s = depositScript({ ...parts, extraData });
    expect(s).toHaveLength(126);
    expect(toHex(s.subarray(0, 22))).toBe(regular.slice(0, 44));
    expect(toHex(s.subarray(22, 56))).toBe("20" + toHex(extraData) + "75");
    expect(toHex(sha256(s))).toBe("13526947683269f340839ec50987297c38cdf8339d109e1aeaf4abe29061760c");
    expect(toHex(hash160(s))).toBe("cb19e401b5e44ce5d8e3d5baf58dfbba33341265");
    expect(toHex(depositScript({ ...parts, extraData: new Uint8Array(32) }))).toBe(regular);
  });

  it("rejects wrong part lengths", () => {
    expect(() => depositScript({ ...parts, refundLocktime: fromHex("60bcea") })).toThrow();
    expect(() => depositScript({ ...parts, depositor: new Uint8Array(32) })).toThrow();
  });

  it("dev fixtures re-export the moved helpers", () => {
    expect(devFixtures.depositScript).toBe(depositScript);
    expect(devFixtures.hash160).toBe(hash160);
    // The dev fixture's redeemer script stays length-prefixed, as the Bridge keys it.
    const pkh = new Uint8Array(20).fill(0x11);
    expect(toHex(devFixtures.p2wpkhScript(pkh))).toBe("16" + toHex(p2wpkhScript(pkh)));
  });
});

describe("output scripts", () => {
  const h20 = fromHex("751e76e8199196d454941c45d1b3a323f1433bd6");
  const h32 = sha256(fromHex(regular));

  it("match bitcoinjs-lib payments", () => {
    expect(toHex(p2pkhScript(h20))).toBe(toHex(payments.p2pkh({ hash: h20 }).output!));
    expect(toHex(p2wpkhScript(h20))).toBe(toHex(payments.p2wpkh({ hash: h20 }).output!));
    expect(toHex(p2shScript(h20))).toBe(toHex(payments.p2sh({ hash: h20 }).output!));
    expect(toHex(p2wshScript(h32))).toBe(toHex(payments.p2wsh({ hash: h32 }).output!));
    expect(() => p2wpkhScript(h32)).toThrow();
    expect(() => p2wshScript(h20)).toThrow();
  });

  it("classifies the four kinds and nothing else", () => {
    expect(outputScriptKind(p2pkhScript(h20))).toBe("p2pkh");
    expect(outputScriptKind(p2wpkhScript(h20))).toBe("p2wpkh");
    expect(outputScriptKind(p2shScript(h20))).toBe("p2sh");
    expect(outputScriptKind(p2wshScript(h32))).toBe("p2wsh");
    expect(outputScriptKind(fromHex(regular))).toBeNull();
    expect(outputScriptKind(fromHex("5120" + toHex(h32)))).toBeNull(); // P2TR
    expect(outputScriptKind(fromHex("6a0401020304"))).toBeNull(); // OP_RETURN
    expect(outputScriptKind(fromHex("0015" + toHex(h20) + "00"))).toBeNull();
    expect(outputScriptKind(fromHex("160014" + toHex(h20)))).toBeNull(); // length-prefixed is not a script
  });

  it("Electrum script hash (protocol documentation example)", () => {
    expect(electrumScriptHash(fromHex("76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac"))).toBe(
      "8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161",
    );
  });
});

describe("funding output form (contracts.md §1.4, tBTC advisory GHSA-8986)", () => {
  // Every standard output form carrying the right hash of the deposit script, plus a bare and a
  // non-standard one: only the exact P2SH and P2WSH forms lock the deposit.
  const forms = (s: Uint8Array): [string, Uint8Array, "p2sh" | "p2wsh" | null][] => [
    ["P2PKH carrying hash160(script)", p2pkhScript(hash160(s)), null],
    ["P2WPKH carrying hash160(script)", p2wpkhScript(hash160(s)), null],
    ["P2SH of the script", p2shScript(hash160(s)), "p2sh"],
    ["P2WSH of the script", p2wshScript(sha256(s)), "p2wsh"],
    ["P2TR carrying sha256(script)", fromHex("5120" + toHex(sha256(s))), null],
    ["bare (the deposit script itself)", s, null],
    ["non-standard P2SH look-alike ending in OP_EQUALVERIFY", fromHex("a914" + toHex(hash160(s)) + "88"), null],
    ["P2SH with a trailing byte", fromHex("a914" + toHex(hash160(s)) + "8700"), null],
    ["P2WSH with a trailing byte", fromHex("0020" + toHex(sha256(s)) + "00"), null],
  ];

  for (const [variant, script] of [
    ["regular", depositScript(parts)],
    ["extra data", depositScript({ ...parts, extraData })],
  ] as const) {
    for (const [i, [name, , expected]] of forms(new Uint8Array(92)).entries()) {
      it(`${variant}: ${name} is ${expected ?? "refused"}`, () => {
        const [, output] = forms(script)[i]!;
        expect(fundingOutputKind(output, script)).toBe(expected);
      });
    }
  }

  it("the P2SH and P2WSH of another script are refused", () => {
    const other = depositScript({ ...parts, blindingFactor: fromHex("0000000000000001") });
    const own = depositScript(parts);
    expect(fundingOutputKind(p2shScript(hash160(other)), own)).toBeNull();
    expect(fundingOutputKind(p2wshScript(sha256(other)), own)).toBeNull();
    // The length-prefixed form (as in a transaction's output vector) is not an output script.
    expect(fundingOutputKind(fromHex("17" + toHex(p2shScript(hash160(own)))), own)).toBeNull();
  });
});

describe("keys and CompactSize", () => {
  it("compressed key and PKH of private key 1 (contracts.md §1.3)", () => {
    const xy = fromHex(new SigningKey("0x" + "1".padStart(64, "0")).publicKey).subarray(1);
    const c = compressedPublicKey(xy);
    expect(toHex(c)).toBe("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    expect(toHex(hash160(c))).toBe("751e76e8199196d454941c45d1b3a323f1433bd6");
  });

  it("parity prefix agrees with ethers for even and odd Y", () => {
    const prefixes = new Set<number>();
    for (let k = 1; k <= 8; k++) {
      const sk = new SigningKey("0x" + k.toString(16).padStart(64, "0"));
      const c = compressedPublicKey(fromHex(sk.publicKey).subarray(1));
      expect(toHex(c)).toBe(sk.compressedPublicKey.slice(2));
      prefixes.add(c[0]!);
    }
    expect([...prefixes].sort()).toEqual([2, 3]);
    expect(() => compressedPublicKey(new Uint8Array(65))).toThrow();
  });

  it("CompactSize boundaries", () => {
    const cases: [number, string][] = [
      [0, "00"],
      [252, "fc"],
      [253, "fdfd00"],
      [0xffff, "fdffff"],
      [0x10000, "fe00000100"],
      [0xffffffff, "feffffffff"],
      [2 ** 32, "ff0000000001000000"],
    ];
    for (const [n, hex] of cases) expect(toHex(compactSize(n)), String(n)).toBe(hex);
    expect(() => compactSize(-1)).toThrow();
  });
});
