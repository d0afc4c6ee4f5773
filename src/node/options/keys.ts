// The operator key (`keys`): an encrypted keystore and where its password comes from.
import { z } from "zod";
import { optPath, section } from "./leaf.js";

/** Not a config key: the keystore password itself (read by keys.ts, never stored in the config). */
export const KEYSTORE_PASSWORD_ENV = "WCOORD_KEYSTORE_PASSWORD";

/** No defaults: every key file is given explicitly. */
export const keysOptions = section({
  keystore: optPath("Encrypted JSON keystore of the operator key (`wcoord keys new|import`).", "required unless --insecure-plaintext-key"),
  passwordFile: optPath(`File holding the keystore password; otherwise the env var \`${KEYSTORE_PASSWORD_ENV}\`.`),
  privateKeyFile: optPath("Plaintext hex private key file; refused unless `--insecure-plaintext-key` is given."),
});
export type KeysOptions = z.output<typeof keysOptions>;
