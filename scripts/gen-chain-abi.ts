// Writes src/chain/gen/*.ts from the compiled artifacts (`npm run gen:abi` after `hardhat build`):
// each contract's ABI as `as const` human-readable fragments, plus TypeScript types for every event's
// arguments and every view's result, so the node decodes logs and calls by name and never needs
// artifacts/ at run time (the installed package runs dist/, compiled from src/ only).
// test/unit/gen-abi.test.ts checks that regenerating gives the committed bytes.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Interface, type JsonFragment, type JsonFragmentType } from "ethers";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

interface ContractSpec {
  /** Artifact under artifacts/contracts/. */
  readonly artifact: string;
  /** Output under src/chain/gen/. */
  readonly file: string;
  /** Prefix of the exported names: `<prefix>Abi`, `<Prefix>Events`, `<Prefix>Views`. */
  readonly prefix: string;
}

export const CONTRACTS: readonly ContractSpec[] = [
  { artifact: "bridge/Bridge.sol/Bridge.json", file: "bridge.ts", prefix: "bridge" },
  { artifact: "bridge/WalletProposalValidator.sol/WalletProposalValidator.json", file: "validator.ts", prefix: "validator" },
  { artifact: "bridge/IRedemptionWatchtower.sol/IRedemptionWatchtower.json", file: "watchtower.ts", prefix: "watchtower" },
  { artifact: "bridge/FrostWalletRegistry.sol/FrostWalletRegistry.json", file: "frost-wallet-registry.ts", prefix: "frostWalletRegistry" },
];

type Param = JsonFragmentType & { readonly internalType?: string };
/** `decoded`: what ethers' Interface returns. `value`: the node's convention (src/chain/abi.ts `toValue`). */
type Form = "decoded" | "value";

const capitalize = (s: string): string => s[0].toUpperCase() + s.slice(1);

/**
 * tBTC's parameter getters return unnamed tuples whose names live in the matching update event
 * (`depositParameters()` ~ `DepositParametersUpdated`, contracts.md §2.3): copy them, so the results
 * decode by name. Any other unnamed multi-value output is an error.
 */
function nameOutputs(abi: readonly JsonFragment[]): JsonFragment[] {
  return abi.map((f) => {
    const outputs = f.outputs ?? [];
    if (f.type !== "function" || outputs.length < 2 || outputs.every((o) => o.name)) return f;
    const event = abi.find((e) => e.type === "event" && e.name === `${capitalize(f.name!)}Updated`);
    const types = (ps: readonly Param[] | undefined): string => (ps ?? []).map((p) => p.type).join(",");
    if (event === undefined || types(event.inputs) !== types(outputs)) {
      throw new Error(`${f.name}: unnamed outputs and no ${capitalize(f.name!)}Updated event with the same types to name them`);
    }
    return { ...f, outputs: outputs.map((o, i) => ({ ...o, name: event.inputs![i].name })) };
  });
}

/** Struct name from `struct Lib.Name[]`. */
function structName(p: Param): string {
  const m = /^struct (?:\w+\.)?(\w+)/.exec(p.internalType ?? "");
  if (m === null) throw new Error(`tuple ${p.name} without a struct internalType`);
  return m[1];
}

class TypeWriter {
  readonly structs = new Map<string, string>();

  constructor(private readonly form: Form) {}

  type(p: Param, indexed = false): string {
    const array = /^(.*)\[\d*\]$/.exec(p.type!);
    if (indexed && (array || p.type === "tuple" || p.type === "bytes" || p.type === "string")) {
      throw new Error(`indexed dynamic parameter ${p.name}: ethers gives only its hash; not supported`);
    }
    if (array) return `${this.type({ ...p, type: array[1] })}[]`;
    if (p.type === "tuple") return this.struct(p);
    if (p.type === "bool") return "boolean";
    if (p.type === "address" || p.type === "string") return "string";
    if (p.type!.startsWith("bytes")) return this.form === "value" ? "Uint8Array" : "string";
    const int = /^u?int(\d*)$/.exec(p.type!);
    if (int === null) throw new Error(`unsupported ABI type ${p.type}`);
    return this.form === "value" && Number(int[1] || 256) <= 32 ? "number" : "bigint";
  }

  /** `{ a: T; b: U }` for the named parameters. */
  members(ps: readonly Param[], indexed = false): string {
    return `{ ${ps.map((p) => `${p.name}: ${this.type(p, indexed && (p as { indexed?: boolean }).indexed === true)};`).join(" ")} }`;
  }

  private struct(p: Param): string {
    const name = structName(p);
    if (!this.structs.has(name)) {
      this.structs.set(name, "");
      this.structs.set(name, this.members(p.components ?? []));
    }
    return name;
  }
}

/** The text of one generated file. */
export function generateFile(spec: ContractSpec, root = ROOT): string {
  const artifact = JSON.parse(readFileSync(join(root, "artifacts", "contracts", spec.artifact), "utf8")) as { abi: JsonFragment[] };
  const abi = nameOutputs(artifact.abi.filter((f) => f.type !== "constructor"));
  const fragments = new Interface(abi).fragments.map((f) => f.format("full"));
  const Prefix = capitalize(spec.prefix);
  const events = new TypeWriter("decoded");
  const values = new TypeWriter("value");
  const eventLines = abi
    .filter((f) => f.type === "event")
    .map((f) => `  ${f.name}: ${events.members(f.inputs ?? [], true)};`);
  const viewLines = abi
    .filter((f) => f.type === "function" && (f.stateMutability === "view" || f.stateMutability === "pure"))
    .map((f) => {
      const outputs = f.outputs ?? [];
      if (outputs.length === 1) return `  ${f.name}: ${values.type(outputs[0])};`;
      values.structs.set(capitalize(f.name!), values.members(outputs));
      return `  ${f.name}: ${capitalize(f.name!)};`;
    });
  // Function inputs that are structs get value types too: the node encodes calls from them.
  for (const f of abi) for (const p of f.type === "function" ? (f.inputs ?? []) : []) values.type(p);
  const lines = [
    `// Generated by scripts/gen-chain-abi.ts from artifacts/contracts/${spec.artifact}; do not edit.`,
    "// Regenerate with `npm run gen:abi`; test/unit/gen-abi.test.ts checks this file against the artifacts.",
    "",
    `export const ${spec.prefix}Abi = [`,
    ...fragments.map((f) => `  ${JSON.stringify(f)},`),
    "] as const;",
  ];
  if (eventLines.length > 0) {
    lines.push("", "/** Event arguments by name, as ethers decodes them: integers bigint, bytes 0x-hex, addresses EIP-55. */");
    lines.push(`export interface ${Prefix}Events {`, ...eventLines, "}");
  }
  lines.push("", "/** View results by name, as src/chain/abi.ts `toValue` gives them. */");
  lines.push(`export interface ${Prefix}Views {`, ...viewLines, "}");
  if (values.structs.size > 0) {
    lines.push("", "// Structs (and multi-value results) with the value types: uint8–uint32 number, wider integers bigint, bytes Uint8Array.");
  }
  for (const [name, members] of [...values.structs].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`export interface ${name} ${members}`);
  }
  return lines.join("\n") + "\n";
}

export function outputPath(spec: ContractSpec, root = ROOT): string {
  return join(root, "src", "chain", "gen", spec.file);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const spec of CONTRACTS) {
    writeFileSync(outputPath(spec), generateFile(spec));
    console.log(`wrote ${outputPath(spec)}`);
  }
}
