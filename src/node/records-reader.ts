// Shared by `wcoord logs` and `wcoord faults`: where the data directory is, a read-only Store
// (no lock, so it works next to a running node), and argument helpers.
import { Store } from "../store/store.js";
import { StoreError } from "../store/store-error.js";
import type { FlagSpec, TextSink } from "../util/cli-args.js";
import { errorMessage } from "../util/errors.js";
import { defaultOptions, envVarName } from "./options.js";

/** `--data-dir DIR` as `wcoord logs` and `wcoord faults` declare it; resolveDataDir() reads it. */
export const DATA_DIR_FLAG = {
  type: "string",
  value: "DIR",
  help: `the node's data directory (default ${envVarName("dataDir")}, else ${String(defaultOptions.dataDir)})`,
} as const satisfies FlagSpec;

/** `--data-dir`, else WCOORD_DATA_DIR, else the config default. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? env[envVarName("dataDir")] ?? (defaultOptions.dataDir as string);
}

/** Read-only Store of a node's data directory; a readable message when there is none yet. */
export function openRecords(dataDir: string): Store {
  try {
    return Store.open(dataDir, { readonly: true });
  } catch (e) {
    if (e instanceof StoreError && e.code === "NOT_INITIALISED") {
      throw new Error(`no node database in ${dataDir} (start a node with this data directory, or pass --data-dir)`);
    }
    throw e;
  }
}

/** Opens the records, runs `use` and closes them; any error is one line "<command>: message" on `err`, exit 1. */
export async function withRecords(command: string, dataDir: string, err: TextSink, use: (store: Store) => number | Promise<number>): Promise<number> {
  let store: Store | undefined;
  try {
    store = openRecords(dataDir);
    return await use(store);
  } catch (e) {
    err.write(`${command}: ${errorMessage(e)}\n`);
    return 1;
  } finally {
    store?.close();
  }
}

/** A wallet PKH argument: 40 hex digits, 0x optional; lowercase without 0x. */
export function parseWallet(v: string): string {
  const h = v.startsWith("0x") || v.startsWith("0X") ? v.slice(2) : v;
  if (!/^[0-9a-fA-F]{40}$/.test(h)) throw new Error(`--wallet: expected a 20-byte wallet PKH in hex, got ${JSON.stringify(v)}`);
  return h.toLowerCase();
}

export function parseNonNegativeInt(name: string, v: string): number {
  if (!/^\d{1,15}$/.test(v)) throw new Error(`${name}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** `aa76…b62d`: first and last `n` characters (after an optional 0x, which is kept). */
export function shortHex(v: string, n = 4): string {
  const prefix = v.startsWith("0x") ? "0x" : "";
  const body = v.slice(prefix.length);
  return body.length <= 2 * n + 1 ? v : `${prefix}${body.slice(0, n)}…${body.slice(-n)}`;
}
