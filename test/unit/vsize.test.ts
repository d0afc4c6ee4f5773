import { describe, expect, it } from "vitest";
import { Transaction } from "bitcoinjs-lib";
import { OUTPUT_SCRIPT_LENGTH, vsize, type InputShape } from "../../src/bitcoin/vsize.js";
import { feeFor } from "../../src/bitcoin/fees.js";
import vectors from "../vectors/vsize.json" with { type: "json" };

// bitcoinjs-lib's own size computation over a transaction shaped like the placeholders of §13.8:
// an independent oracle for the formula.
function placeholderTx(inputs: InputShape[], outputLengths: number[]): Transaction {
  const tx = new Transaction();
  const push = (n: number): number[] => [...(n <= 75 ? [n] : [0x4c, n]), ...new Array<number>(n).fill(7)];
  inputs.forEach((i, k) => {
    const scriptSig =
      i.kind === "p2pkh" ? [...push(72), ...push(33)] : i.kind === "p2sh" ? [...push(72), ...push(33), ...push(i.scriptLength)] : [];
    tx.addInput(new Uint8Array(32).fill(k + 1), k, 0xffffffff, Uint8Array.from(scriptSig));
    if (i.kind === "p2wpkh") tx.setWitness(k, [new Uint8Array(72), new Uint8Array(33)]);
    if (i.kind === "p2wsh") tx.setWitness(k, [new Uint8Array(72), new Uint8Array(33), new Uint8Array(i.scriptLength)]);
    if (i.kind === "p2tr") tx.setWitness(k, [new Uint8Array(64)]);
  });
  for (const l of outputLengths) tx.addOutput(new Uint8Array(l), 1000n);
  return tx;
}

describe("vsize (coordination.md §13.8)", () => {
  it("holds every row of the reference tables", () => {
    // 20 sweep sizes + 6 single-deposit + 5 + 3 redemption + 5 moving funds + 2 moved funds sweep + 6 keep-core,
    // then 10 rows of P2TR shapes (threshold.md §4.1).
    expect(vectors.vsize).toHaveLength(57);
  });

  for (const row of vectors.vsize) {
    it(row.name, () => {
      expect(vsize(row.inputs as InputShape[], row.outputs)).toBe(row.vsize);
    });
  }

  it("agrees with bitcoinjs-lib on every reference shape", () => {
    for (const row of vectors.vsize) {
      const tx = placeholderTx(row.inputs as InputShape[], row.outputs);
      expect(tx.virtualSize(), row.name).toBe(row.vsize);
    }
  });

  it("agrees with bitcoinjs-lib on shapes outside the tables (legacy only, PUSHDATA1 P2SH, many outputs)", () => {
    const shapes: [InputShape[], number[]][] = [
      [[{ kind: "p2pkh" }], [25]],
      [[{ kind: "p2pkh" }, { kind: "p2sh", scriptLength: 126 }], [23, 34]],
      [[{ kind: "p2sh", scriptLength: 75 }, { kind: "p2sh", scriptLength: 76 }], [22]],
      [[{ kind: "p2pkh" }, { kind: "p2wpkh" }], Array<number>(300).fill(22)],
      [Array<InputShape>(253).fill({ kind: "p2wsh", scriptLength: 253 }), [34]],
      [[{ kind: "p2tr" }, { kind: "p2pkh" }], [34, 25]],
      [[{ kind: "p2wpkh" }, { kind: "p2tr" }, { kind: "p2wsh", scriptLength: 126 }], [34, 22]],
      [Array<InputShape>(300).fill({ kind: "p2tr" }), [34]],
    ];
    for (const [inputs, outputs] of shapes) expect(vsize(inputs, outputs)).toBe(placeholderTx(inputs, outputs).virtualSize());
  });

  it("output script lengths", () => {
    expect(OUTPUT_SCRIPT_LENGTH).toEqual({ p2pkh: 25, p2wpkh: 22, p2sh: 23, p2wsh: 34, p2tr: 34 });
  });

  it("a P2TR key-path input weighs 230 WU (57.5 vB) and a P2TR output 43 bytes (threshold.md §4.1)", () => {
    const weight = (inputs: InputShape[], outputs: number[]): number => placeholderTx(inputs, outputs).weight();
    expect(weight([{ kind: "p2tr" }, { kind: "p2tr" }], [34]) - weight([{ kind: "p2tr" }], [34])).toBe(230);
    expect(weight([{ kind: "p2tr" }], [34, 34]) - weight([{ kind: "p2tr" }], [34])).toBe(43 * 4);
  });

  it("rejects a non-positive script length", () => {
    expect(() => vsize([{ kind: "p2wsh", scriptLength: 0 }], [22])).toThrow();
  });

  for (const f of vectors.fees) {
    it(f.name, () => {
      expect(feeFor(f.satPerVByte, vsize(f.inputs as InputShape[], f.outputs))).toBe(BigInt(f.fee));
    });
  }
});
