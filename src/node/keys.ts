// Operator key: an encrypted JSON keystore (ethers) unlocked with a password from a file or the
// environment. A plaintext key is refused unless the operator opts in. Secrets never reach a message.
import { readFileSync } from "node:fs";
import { Wallet, encryptKeystoreJson, isHexString } from "ethers";
import { KEYSTORE_PASSWORD_ENV, type NodeConfig } from "./options.js";

export type KeyErrorCode =
  | "KEYSTORE_MISSING"
  | "KEYSTORE_UNREADABLE"
  | "KEYSTORE_INVALID"
  | "PASSWORD_MISSING"
  | "WRONG_PASSWORD"
  | "PLAINTEXT_REFUSED"
  | "BAD_PRIVATE_KEY";

/** A problem with the operator key; `key` is the config key it concerns. */
export class KeyError extends Error {
  static override readonly name = "KeyError";
  constructor(
    readonly code: KeyErrorCode,
    readonly key: string,
    detail: string,
  ) {
    super(`operator key: ${key}: ${detail}`);
    this.name = "KeyError";
  }
}

export interface OperatorKey {
  wallet: Wallet;
  /** EIP-55 with 0x. */
  address: string;
  /** The encrypted keystore's password (absent for a plaintext key): it also opens the sealed FROST key shares. */
  password?: string;
}

export interface LoadOperatorKeyOptions {
  /** `--insecure-plaintext-key`: allow a raw hex private key. */
  insecurePlaintextKey: boolean;
  /** Where WCOORD_KEYSTORE_PASSWORD is read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

type KeysConfig = Pick<NodeConfig, "keys">;

function readText(path: string, key: string, missing: KeyErrorCode): string {
  // A key pasted where a path belongs must not be echoed back in the error.
  if (parsePrivateKeyHex(path) !== null) throw new KeyError("BAD_PRIVATE_KEY", key, "expected a file path, got what looks like a private key");
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KeyError(code === "ENOENT" ? missing : "KEYSTORE_UNREADABLE", key, `cannot read ${path}: ${code ?? "error"}`);
  }
}

/** A 32-byte hex private key (with or without 0x, surrounding whitespace ignored), or null. */
export function parsePrivateKeyHex(text: string): string | null {
  const t = text.trim();
  const h = t.startsWith("0x") || t.startsWith("0X") ? "0x" + t.slice(2) : "0x" + t;
  return isHexString(h, 32) ? h.toLowerCase() : null;
}

function walletFromHex(text: string, key: string): Wallet {
  const hex = parsePrivateKeyHex(text);
  if (hex === null) throw new KeyError("BAD_PRIVATE_KEY", key, "expected a 32-byte hex private key");
  try {
    return new Wallet(hex);
  } catch {
    // Zero or out-of-range scalar; the message of the underlying error would echo the key.
    throw new KeyError("BAD_PRIVATE_KEY", key, "not a valid secp256k1 private key");
  }
}

/** Password from keys.passwordFile (one trailing newline dropped) or WCOORD_KEYSTORE_PASSWORD. */
export function readKeystorePassword(config: KeysConfig, env: NodeJS.ProcessEnv): string {
  if (config.keys.passwordFile) {
    return readText(config.keys.passwordFile, "keys.passwordFile", "PASSWORD_MISSING").replace(/\r?\n$/, "");
  }
  const p = env[KEYSTORE_PASSWORD_ENV];
  if (p !== undefined && p !== "") return p;
  throw new KeyError("PASSWORD_MISSING", "keys.passwordFile", `required: set keys.passwordFile or ${KEYSTORE_PASSWORD_ENV}`);
}

/** Decrypts an ethers/web3 JSON keystore; a wrong password gives KeyError WRONG_PASSWORD. */
export async function decryptKeystore(json: string, password: string, key = "keys.keystore"): Promise<Wallet> {
  let decrypted: Awaited<ReturnType<typeof Wallet.fromEncryptedJson>>;
  try {
    decrypted = await Wallet.fromEncryptedJson(json, password);
  } catch (e) {
    const msg = e instanceof Error ? e.message : "";
    if (/incorrect password/i.test(msg)) throw new KeyError("WRONG_PASSWORD", key, "wrong keystore password");
    throw new KeyError("KEYSTORE_INVALID", key, "not a valid encrypted JSON keystore");
  }
  // A mnemonic keystore yields an HDNodeWallet; the node wants the plain key.
  return decrypted instanceof Wallet ? decrypted : new Wallet(decrypted.privateKey);
}

/**
 * The operator key from config: `keys.keystore` (encrypted, password from `keys.passwordFile` or
 * WCOORD_KEYSTORE_PASSWORD), or `keys.privateKeyFile` / a plaintext keystore file only with
 * `insecurePlaintextKey`.
 */
export async function loadOperatorKey(config: KeysConfig, opts: LoadOperatorKeyOptions): Promise<OperatorKey> {
  const env = opts.env ?? process.env;
  const refuse = (key: string): never => {
    throw new KeyError(
      "PLAINTEXT_REFUSED",
      key,
      "plaintext private key refused; encrypt it with `wcoord keys import` or pass --insecure-plaintext-key",
    );
  };
  if (config.keys.privateKeyFile) {
    if (!opts.insecurePlaintextKey) refuse("keys.privateKeyFile");
    const wallet = walletFromHex(readText(config.keys.privateKeyFile, "keys.privateKeyFile", "KEYSTORE_MISSING"), "keys.privateKeyFile");
    return { wallet, address: wallet.address };
  }
  if (!config.keys.keystore) {
    throw new KeyError("KEYSTORE_MISSING", "keys.keystore", "required: an encrypted keystore (create one with `wcoord keys new`)");
  }
  const text = readText(config.keys.keystore, "keys.keystore", "KEYSTORE_MISSING");
  if (parsePrivateKeyHex(text) !== null) {
    if (!opts.insecurePlaintextKey) refuse("keys.keystore");
    const wallet = walletFromHex(text, "keys.keystore");
    return { wallet, address: wallet.address };
  }
  const password = readKeystorePassword(config, env);
  const wallet = await decryptKeystore(text, password);
  return { wallet, address: wallet.address, password };
}

export interface CreateKeystoreOptions {
  /** scrypt cost; default 2^17 (the standard). Tests may lower it. */
  scryptN?: number;
}

/** Encrypts a hex private key into a JSON keystore string (ethers `Wallet.encrypt`). */
export async function createKeystore(privateKeyHex: string, password: string, opts: CreateKeystoreOptions = {}): Promise<string> {
  if (password === "") throw new KeyError("PASSWORD_MISSING", "password", "an empty keystore password is not allowed");
  const wallet = walletFromHex(privateKeyHex, "privateKey");
  const options = opts.scryptN === undefined ? {} : { scrypt: { N: opts.scryptN } };
  return encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, password, options);
}
