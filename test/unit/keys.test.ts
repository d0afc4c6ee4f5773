import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet } from "ethers";
import { afterAll, describe, expect, it } from "vitest";
import { createKeystore, KeyError, loadOperatorKey } from "../../src/node/keys.js";
import { runKeysCommand } from "../../src/node/keys-command.js";
import { Store } from "../../src/store/store.js";

const dir = mkdtempSync(join(tmpdir(), "wcoord-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Low scrypt cost keeps the suite fast; one test uses the default cost.
const FAST = { scryptN: 1024 };
const KEY = "0x" + "42".repeat(32);
const ADDRESS = new Wallet(KEY).address;

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

class Capture {
  text = "";
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

async function keyError(p: Promise<unknown>): Promise<KeyError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KeyError);
    return e as KeyError;
  }
  throw new Error("expected a KeyError");
}

describe("keystore", () => {
  it("round trips with the default scrypt cost and a password file", async () => {
    const json = await createKeystore(KEY, "correct horse");
    expect(JSON.parse(json).Crypto.kdfparams.n).toBe(131072);
    const keystore = file("default.json", json);
    const passwordFile = file("pw", "correct horse\n");
    const k = await loadOperatorKey({ keys: { keystore, passwordFile } }, { insecurePlaintextKey: false, env: {} });
    expect(k.address).toBe(ADDRESS);
    expect(k.wallet.privateKey).toBe(KEY);
  });

  it("takes the password from WCOORD_KEYSTORE_PASSWORD", async () => {
    const keystore = file("env.json", await createKeystore(KEY, "from-env", FAST));
    const k = await loadOperatorKey({ keys: { keystore } }, { insecurePlaintextKey: false, env: { WCOORD_KEYSTORE_PASSWORD: "from-env" } });
    expect(k.address).toBe(ADDRESS);
  });

  it("a wrong password is WRONG_PASSWORD and the message holds no secret", async () => {
    const keystore = file("wrong.json", await createKeystore(KEY, "right", FAST));
    const e = await keyError(loadOperatorKey({ keys: { keystore } }, { insecurePlaintextKey: false, env: { WCOORD_KEYSTORE_PASSWORD: "wrongpass" } }));
    expect(e.code).toBe("WRONG_PASSWORD");
    expect(e.key).toBe("keys.keystore");
    expect(e.message).not.toContain("wrongpass");
    expect(e.message).not.toContain("42".repeat(8));
  });

  it("a missing password, a missing keystore and a corrupt keystore each have their code", async () => {
    const keystore = file("nopw.json", await createKeystore(KEY, "x", FAST));
    expect((await keyError(loadOperatorKey({ keys: { keystore } }, { insecurePlaintextKey: false, env: {} }))).code).toBe("PASSWORD_MISSING");
    expect((await keyError(loadOperatorKey({ keys: {} }, { insecurePlaintextKey: false, env: {} }))).code).toBe("KEYSTORE_MISSING");
    const gone = join(dir, "gone.json");
    expect((await keyError(loadOperatorKey({ keys: { keystore: gone } }, { insecurePlaintextKey: false, env: {} }))).code).toBe("KEYSTORE_MISSING");
    const corrupt = file("corrupt.json", '{"version":3,"crypto":{}}');
    const e = await keyError(loadOperatorKey({ keys: { keystore: corrupt } }, { insecurePlaintextKey: true, env: { WCOORD_KEYSTORE_PASSWORD: "x" } }));
    expect(e.code).toBe("KEYSTORE_INVALID");
  });
});

describe("plaintext keys", () => {
  it("are refused without the flag, in either key slot", async () => {
    const privateKeyFile = file("plain.hex", KEY.slice(2) + "\n");
    const e1 = await keyError(loadOperatorKey({ keys: { privateKeyFile } }, { insecurePlaintextKey: false, env: {} }));
    expect(e1.code).toBe("PLAINTEXT_REFUSED");
    expect(e1.message).toContain("--insecure-plaintext-key");
    expect(e1.message).not.toContain(KEY.slice(2, 20));
    const e2 = await keyError(loadOperatorKey({ keys: { keystore: privateKeyFile } }, { insecurePlaintextKey: false, env: {} }));
    expect(e2.code).toBe("PLAINTEXT_REFUSED");
    expect(e2.key).toBe("keys.keystore");
  });

  it("a key pasted in place of a file path is not echoed", async () => {
    const e = await keyError(loadOperatorKey({ keys: { keystore: KEY } }, { insecurePlaintextKey: true, env: {} }));
    expect(e.code).toBe("BAD_PRIVATE_KEY");
    expect(e.message).not.toContain("4242");
  });

  it("are accepted with the flag", async () => {
    const privateKeyFile = file("plain2.hex", KEY);
    const k = await loadOperatorKey({ keys: { privateKeyFile } }, { insecurePlaintextKey: true, env: {} });
    expect(k.address).toBe(ADDRESS);
    const bad = file("bad.hex", "0x" + "00".repeat(32));
    expect((await keyError(loadOperatorKey({ keys: { privateKeyFile: bad } }, { insecurePlaintextKey: true, env: {} }))).code).toBe("BAD_PRIVATE_KEY");
  });
});

describe("wcoord keys", () => {
  it("import turns a hex key file into a 0600 keystore that loads back", async () => {
    const keyFile = file("import.hex", KEY.slice(2) + "\n");
    const out = join(dir, "imported.json");
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runKeysCommand(["import", "--key-file", keyFile, "--out", out, "--scrypt-n", "1024"], stdout, stderr, {
      WCOORD_KEYSTORE_PASSWORD: "pw-import",
    });
    expect(stderr.text).toBe("");
    expect(code).toBe(0);
    expect(stdout.text).toContain(`operator address ${ADDRESS}`);
    expect(stdout.text).not.toContain(KEY.slice(2));
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const k = await loadOperatorKey({ keys: { keystore: out } }, { insecurePlaintextKey: false, env: { WCOORD_KEYSTORE_PASSWORD: "pw-import" } });
    expect(k.address).toBe(ADDRESS);

    // Refuses to overwrite without --force.
    const again = new Capture();
    expect(await runKeysCommand(["import", "--key-file", keyFile, "--out", out], new Capture(), again, { WCOORD_KEYSTORE_PASSWORD: "x" })).toBe(1);
    expect(again.text).toContain("--force");

    const addr = new Capture();
    expect(await runKeysCommand(["address", "--keystore", out], addr, new Capture())).toBe(0);
    expect(addr.text.trim()).toBe(ADDRESS);
  });

  it("new creates a fresh key with the password from a file", async () => {
    const pw = file("new.pw", "pw-new\n");
    const out = join(dir, "new.json");
    const stdout = new Capture();
    expect(await runKeysCommand(["new", "--out", out, "--password-file", pw, "--scrypt-n", "1024"], stdout, new Capture(), {})).toBe(0);
    const address = /operator address (0x[0-9a-fA-F]{40})/.exec(stdout.text)?.[1];
    const k = await loadOperatorKey({ keys: { keystore: out, passwordFile: pw } }, { insecurePlaintextKey: false, env: {} });
    expect(k.address).toBe(address);
    expect(JSON.parse(readFileSync(out, "utf8")).Crypto.kdfparams.n).toBe(1024);
  });

  it("usage errors exit 2 and a missing password exits 1", async () => {
    const err = new Capture();
    expect(await runKeysCommand([], new Capture(), err, {})).toBe(2);
    expect(err.text).toContain("usage:");
    expect(await runKeysCommand(["frobnicate"], new Capture(), new Capture(), {})).toBe(2);
    expect(await runKeysCommand(["import", "--out", join(dir, "x.json")], new Capture(), new Capture(), {})).toBe(2);
    const noPw = new Capture();
    expect(await runKeysCommand(["new", "--out", join(dir, "nopw-new.json")], new Capture(), noPw, {})).toBe(1);
    expect(noPw.text).toContain("WCOORD_KEYSTORE_PASSWORD");
  });

  it("shares: lists the FROST wallet shares of the node's database, never the sealed share", async () => {
    const dataDir = join(dir, "shares");
    const store = Store.open(dataDir);
    const empty = new Capture();
    store.close();
    expect(await runKeysCommand(["shares", "--data-dir", dataDir], empty, new Capture(), {})).toBe(0);
    expect(empty.text).toBe("no FROST wallet shares held\n");
    const again = Store.open(dataDir);
    const sealed = new Uint8Array(80).fill(0xee);
    again.keyShares.put({ walletPkh: "ab".repeat(20), walletX: "0x" + "cd".repeat(32), requestId: "3", memberIndex: 2, threshold: 3, members: [ADDRESS, ADDRESS, ADDRESS, ADDRESS], sealed, transcript: new Uint8Array(10) });
    again.close();
    const text = new Capture();
    expect(await runKeysCommand(["shares", "--data-dir", dataDir], text, new Capture(), {})).toBe(0);
    expect(text.text).toBe(`0x${"ab".repeat(20)}  walletX 0x${"cd".repeat(32)}  member 2 of 4, threshold 3  (DKG request 3)\n`);
    const json = new Capture();
    expect(await runKeysCommand(["shares", "--data-dir", dataDir, "--json"], json, new Capture(), {})).toBe(0);
    expect(JSON.parse(json.text)).toEqual([{ wallet: "0x" + "ab".repeat(20), walletX: "0x" + "cd".repeat(32), memberIndex: 2, threshold: 3, members: 4, requestId: "3" }]);
    expect(json.text + text.text).not.toContain("ee".repeat(8));
  });
});
