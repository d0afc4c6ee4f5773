// `wcoord keys new|import|address`: create or import the operator key as an encrypted keystore.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Wallet, getAddress } from "ethers";
import { createKeystore, KeyError, readKeystorePassword } from "./keys.js";
import { KEYSTORE_PASSWORD_ENV } from "./options.js";
import type { TextOut } from "./records-reader.js";


const USAGE = `usage:
  wcoord keys new --out FILE [--password-file FILE] [--force]
  wcoord keys import --key-file HEXFILE --out FILE [--password-file FILE] [--force]
  wcoord keys address --keystore FILE

The password comes from --password-file or ${KEYSTORE_PASSWORD_ENV}. The keystore is written with mode 0600.
`;

/** Runs `wcoord keys …`; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function runKeysCommand(argv: string[], out: TextOut, err: TextOut, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        "key-file": { type: "string" },
        "password-file": { type: "string" },
        keystore: { type: "string" },
        force: { type: "boolean", default: false },
        "scrypt-n": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    err.write(`wcoord keys: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const sub = positionals[0];
  if (values.help || sub === undefined) {
    (values.help ? out : err).write(USAGE);
    return values.help ? 0 : 2;
  }
  try {
    if (sub === "address") {
      if (!values.keystore) return usage(err, "--keystore is required");
      const json = JSON.parse(readFileSync(values.keystore, "utf8")) as { address?: string };
      if (typeof json.address !== "string") throw new Error(`${values.keystore} has no address field`);
      out.write(`${normalize(json.address)}\n`);
      return 0;
    }
    if (sub !== "new" && sub !== "import") return usage(err, `unknown subcommand ${JSON.stringify(sub)}`);
    if (!values.out) return usage(err, "--out is required");
    if (existsSync(values.out) && !values.force) {
      err.write(`wcoord keys: ${values.out} exists; pass --force to overwrite\n`);
      return 1;
    }
    let privateKey: string;
    if (sub === "import") {
      if (!values["key-file"]) return usage(err, "--key-file is required");
      privateKey = readFileSync(values["key-file"], "utf8");
    } else {
      privateKey = Wallet.createRandom().privateKey;
    }
    const password = readKeystorePassword({ keys: { passwordFile: values["password-file"] } }, env);
    const scryptN = values["scrypt-n"] === undefined ? undefined : Number(values["scrypt-n"]);
    const json = await createKeystore(privateKey, password, { scryptN });
    writeFileSync(values.out, json + "\n", { mode: 0o600 });
    const address = normalize((JSON.parse(json) as { address: string }).address);
    out.write(`wrote ${values.out}\noperator address ${address}\n`);
    return 0;
  } catch (e) {
    // KeyError messages never contain key material; other errors are reduced to their code.
    const msg = e instanceof KeyError ? e.message : ((e as NodeJS.ErrnoException).code ?? (e as Error).message);
    err.write(`wcoord keys: ${msg}\n`);
    return 1;
  }
}

function usage(err: TextOut, why: string): number {
  err.write(`wcoord keys: ${why}\n${USAGE}`);
  return 2;
}

/** Keystores store the address without 0x and in lowercase; print it EIP-55. */
function normalize(addr: string): string {
  return getAddress(addr.startsWith("0x") ? addr : "0x" + addr);
}
