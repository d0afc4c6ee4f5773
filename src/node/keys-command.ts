// `wcoord keys new|import|address|shares`: create or import the operator key as an encrypted keystore;
// list the FROST wallet shares the node holds (public parts only: the shares stay sealed in its database).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { Wallet, getAddress } from "ethers";
import { createKeystore, KeyError, readKeystorePassword } from "./keys.js";
import { KEYSTORE_PASSWORD_ENV } from "./options.js";
import { DATA_DIR_FLAG, resolveDataDir, withRecords } from "./records-reader.js";
import { CommandExit, defineCommand, parseCommand, UsageError, type CommandArgs, type TextSink } from "../util/cli-args.js";

const KEYS = defineCommand({
  name: "wcoord keys",
  usage: `usage:
  wcoord keys new --out FILE [--password-file FILE] [--force]
  wcoord keys import --key-file HEXFILE --out FILE [--password-file FILE] [--force]
  wcoord keys address --keystore FILE
  wcoord keys shares [--data-dir DIR] [--json]`,
  about: `The password comes from --password-file or ${KEYSTORE_PASSWORD_ENV}. The keystore is written with mode 0600.
shares lists the node's FROST wallet shares (wallet, walletX, member index, threshold), never a secret.`,
  positionals: true,
  flags: {
    out: { type: "string", value: "FILE", help: "keystore to write (new, import)" },
    "key-file": { type: "string", value: "HEXFILE", help: "hex private key to import (import)" },
    "password-file": { type: "string", value: "FILE", help: "file holding the keystore password (new, import)" },
    keystore: { type: "string", value: "FILE", help: "keystore to read (address)" },
    force: { type: "boolean", help: "overwrite an existing --out file" },
    "data-dir": DATA_DIR_FLAG,
    json: { type: "boolean", help: "print JSON (shares)" },
    "scrypt-n": { type: "string", value: "N", help: "scrypt cost (default: ethers' 131072; lower it only to save time in tests)" },
  },
});

type KeysRequest =
  | { sub: "address"; keystore: string }
  | { sub: "shares"; dataDir?: string; json: boolean }
  | { sub: "new" | "import"; out: string; keyFile?: string; passwordFile?: string; force: boolean; scryptN?: number };

/** Which subcommand, with the flags it requires; throws UsageError. */
function keysRequest({ values, positionals }: CommandArgs<typeof KEYS.flags>): KeysRequest {
  const sub = positionals[0];
  if (sub === undefined) throw new UsageError();
  if (sub === "address") {
    if (!values.keystore) throw new UsageError("--keystore is required");
    return { sub, keystore: values.keystore };
  }
  if (sub === "shares") return { sub, dataDir: values["data-dir"], json: values.json };
  if (sub !== "new" && sub !== "import") throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}`);
  if (!values.out) throw new UsageError("--out is required");
  if (sub === "import" && !values["key-file"]) throw new UsageError("--key-file is required");
  const scryptN = values["scrypt-n"] === undefined ? undefined : Number(values["scrypt-n"]);
  const keyFile = sub === "import" ? values["key-file"] : undefined;
  return { sub, out: values.out, keyFile, passwordFile: values["password-file"], force: values.force, scryptN };
}

/** Runs `wcoord keys …`; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function runKeysCommand(argv: string[], out: TextSink, err: TextSink, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const request = parseCommand(KEYS, argv, { out, err }, keysRequest);
  if (request instanceof CommandExit) return request.code;
  if (request.sub === "shares") return listShares(request, out, err, env);
  try {
    if (request.sub === "address") {
      const json = JSON.parse(readFileSync(request.keystore, "utf8")) as { address?: string };
      if (typeof json.address !== "string") throw new Error(`${request.keystore} has no address field`);
      out.write(`${normalize(json.address)}\n`);
      return 0;
    }
    if (existsSync(request.out) && !request.force) {
      err.write(`wcoord keys: ${request.out} exists; pass --force to overwrite\n`);
      return 1;
    }
    const privateKey = request.keyFile !== undefined ? readFileSync(request.keyFile, "utf8") : Wallet.createRandom().privateKey;
    const password = readKeystorePassword({ keys: { passwordFile: request.passwordFile } }, env);
    const json = await createKeystore(privateKey, password, { scryptN: request.scryptN });
    writeFileSync(request.out, json + "\n", { mode: 0o600 });
    const address = normalize((JSON.parse(json) as { address: string }).address);
    out.write(`wrote ${request.out}\noperator address ${address}\n`);
    return 0;
  } catch (e) {
    // KeyError messages never contain key material; other errors are reduced to their code.
    const msg = e instanceof KeyError ? e.message : ((e as NodeJS.ErrnoException).code ?? (e as Error).message);
    err.write(`wcoord keys: ${msg}\n`);
    return 1;
  }
}

/** Keystores store the address without 0x and in lowercase; print it EIP-55. */
function normalize(addr: string): string {
  return getAddress(addr.startsWith("0x") ? addr : "0x" + addr);
}

/** The public part of every key share in the node's database, oldest first. */
function listShares(request: { dataDir?: string; json: boolean }, out: TextSink, err: TextSink, env: NodeJS.ProcessEnv): Promise<number> {
  return withRecords(KEYS.name, resolveDataDir(request.dataDir, env), err, (store) => {
    const shares = store.keyShares.list().map((s) => ({
      wallet: "0x" + s.walletPkh,
      walletX: s.walletX,
      memberIndex: s.memberIndex,
      threshold: s.threshold,
      members: s.members.length,
      requestId: s.requestId,
    }));
    if (request.json) out.write(JSON.stringify(shares, null, 2) + "\n");
    else if (shares.length === 0) out.write("no FROST wallet shares held\n");
    else for (const s of shares) out.write(`${s.wallet}  walletX ${s.walletX}  member ${s.memberIndex} of ${s.members}, threshold ${s.threshold}  (DKG request ${s.requestId})\n`);
    return 0;
  });
}
