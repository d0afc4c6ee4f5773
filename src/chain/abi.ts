// The contracts' ABIs, generated from the compiled artifacts into ./gen (contracts.md §1.2, §2, §3;
// test/unit/abi.test.ts pins every selector and topic), and decoding by name: a log into its event's
// named arguments, a call result into values with the node's conventions (uint8–uint32 number, wider
// integers bigint, bytes Uint8Array, addresses EIP-55).
import { Fragment, Interface, getAddress, getBytes, type FunctionFragment, type ParamType, type Result } from "ethers";
import { bridgeAbi, type BridgeEvents, type BridgeViews } from "./gen/bridge.js";
import { validatorAbi, type ValidatorViews } from "./gen/validator.js";
import { watchtowerAbi, type WatchtowerViews } from "./gen/watchtower.js";
import { frostWalletRegistryAbi, type FrostWalletRegistryEvents, type FrostWalletRegistryViews } from "./gen/frost-wallet-registry.js";

export { bridgeAbi, frostWalletRegistryAbi, validatorAbi, watchtowerAbi };
export type { BridgeEvents, BridgeViews, FrostWalletRegistryEvents, FrostWalletRegistryViews, ValidatorViews, WatchtowerViews };

export const bridgeInterface = new Interface(bridgeAbi);
export const validatorInterface = new Interface(validatorAbi);
export const watchtowerInterface = new Interface(watchtowerAbi);
export const frostWalletRegistryInterface = new Interface(frostWalletRegistryAbi);

const isFunction = (s: string, constant: boolean): boolean => {
  const f = Fragment.from(s);
  return f.type === "function" && (f as FunctionFragment).constant === constant;
};
/** Bridge views (§2.4). */
export const bridgeViewAbi: readonly string[] = bridgeAbi.filter((s) => isFunction(s, true));
/** Bridge write functions (§2.1, §2.3, §2.6–2.11). */
export const bridgeWriteAbi: readonly string[] = bridgeAbi.filter((s) => isFunction(s, false));
/** Bridge events (§2.5, plus the parameter-update events of §2.3). */
export const bridgeEventAbi: readonly string[] = bridgeAbi.filter((s) => Fragment.from(s).type === "event");

/** One of the events of map E, by name, with its arguments by name. */
export type DecodedEvent<E> = { [K in keyof E]: { readonly name: K; readonly args: E[K] } }[keyof E];

/**
 * A Bridge log decoded by its event's name, or null when its topic is no Bridge event. Throws when the
 * topic is known but the data does not decode.
 */
export function decodeBridgeLog(log: { readonly topics: readonly string[]; readonly data: string }): DecodedEvent<BridgeEvents> | null {
  return decodeLog<BridgeEvents>(bridgeInterface, log);
}

/** A FrostWalletRegistry log decoded by its event's name, like decodeBridgeLog. */
export function decodeFrostWalletRegistryLog(log: { readonly topics: readonly string[]; readonly data: string }): DecodedEvent<FrostWalletRegistryEvents> | null {
  return decodeLog<FrostWalletRegistryEvents>(frostWalletRegistryInterface, log);
}

function decodeLog<E>(iface: Interface, log: { readonly topics: readonly string[]; readonly data: string }): DecodedEvent<E> | null {
  const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
  return parsed && ({ name: parsed.name, args: named(parsed.fragment.inputs, parsed.args, asDecoded) } as DecodedEvent<E>);
}

/** Calls of one contract's views by name; V maps each view to its result (generated in ./gen). */
export class ContractViews<V> {
  constructor(readonly iface: Interface) {}

  encode(fn: keyof V & string, args: readonly unknown[]): string {
    return this.iface.encodeFunctionData(fn, args);
  }

  /** The result as values: the single output, or the outputs by name. */
  decode<K extends keyof V & string>(fn: K, data: string): V[K] {
    const f = this.iface.getFunction(fn)!;
    const result = this.iface.decodeFunctionResult(f, data);
    const values = f.outputs.length === 1 ? toValue(f.outputs[0], result[0]) : named(f.outputs, result, toValue);
    return values as V[K];
  }
}

export const bridgeViews = new ContractViews<BridgeViews>(bridgeInterface);
export const validatorViews = new ContractViews<ValidatorViews>(validatorInterface);
export const watchtowerViews = new ContractViews<WatchtowerViews>(watchtowerInterface);
export const frostWalletRegistryViews = new ContractViews<FrostWalletRegistryViews>(frostWalletRegistryInterface);

type Convert = (p: ParamType, v: unknown) => unknown;

/** The values by parameter name (ethers' Result.toObject mangles arrays of one element and empty ones). */
function named(params: readonly ParamType[], result: Result, convert: Convert): Record<string, unknown> {
  return Object.fromEntries(params.map((p, i) => [p.name, convert(p, result[i])]));
}

/** As ethers decodes it, with arrays and structs made plain. */
function asDecoded(p: ParamType, v: unknown): unknown {
  if (p.isArray()) return (v as unknown[]).map((x) => asDecoded(p.arrayChildren, x));
  if (p.isTuple()) return named(p.components, v as Result, asDecoded);
  return v;
}

/** The value convention the generated view types declare (scripts/gen-chain-abi.ts). */
function toValue(p: ParamType, v: unknown): unknown {
  if (p.isArray()) return (v as unknown[]).map((x) => toValue(p.arrayChildren, x));
  if (p.isTuple()) return named(p.components, v as Result, toValue);
  if (p.baseType === "address") return getAddress(v as string);
  if (p.baseType.startsWith("bytes")) return getBytes(v as string);
  const int = /^u?int(\d*)$/.exec(p.baseType);
  if (int !== null && Number(int[1] || 256) <= 32) return Number(v as bigint);
  return v;
}
