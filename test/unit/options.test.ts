import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { profileHash } from "../../src/protocol/profile.js";
import {
  ConfigError,
  ConfigErrors,
  configKeys,
  configReference,
  envVarName,
  loadConfig,
  overridesFromPairs,
  profileFromConfig,
  unknownEnvVars,
} from "../../src/node/options.js";

const dir = mkdtempSync(join(tmpdir(), "wcoord-options-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BRIDGE = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const VALIDATOR = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const PH = "0xf7078f19dbcc594437c685d977fd985e5e729e22214aa69d81b40398d92a00ca";
const PEER = "/ip4/127.0.0.1/tcp/4001/p2p/16Uiu2HAm5hPxT7s3TA2f4b4YjAPzS7yLRSgdj87ysDZ6NAXMiRuY";

/** The minimum a node needs, as env vars. */
const baseEnv = {
  WCOORD_ETH_RPC_URL: "http://127.0.0.1:8545",
  WCOORD_BRIDGE_ADDRESS: BRIDGE.toLowerCase(),
  WCOORD_BRIDGE_VALIDATOR: VALIDATOR,
  WCOORD_BRIDGE_DEPLOY_BLOCK: "12",
};

function writeFile(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("defaults", () => {
  it("fills every documented default", () => {
    const c = loadConfig({ env: baseEnv });
    expect(c.network.listen).toEqual(["/ip4/0.0.0.0/tcp/3919"]);
    expect(c.network.bootstrapPeers).toEqual([]);
    expect(c.network.mdns).toBe(false);
    expect(c.status.listen).toBe("127.0.0.1:9601");
    expect(c.log).toEqual({ level: "info", format: "pretty", file: true });
    expect(c.profile).toEqual({ frequencyWindows: 4, heartbeatProbabilityPpm: 62500, rngScheme: "seedrandom", fundingTxMinConfirmations: 6 });
    expect(c.coordination).toEqual({ generationConcurrency: 4, extraSafetyMarginSec: 3600 });
    expect(c.fee).toEqual({ minSatPerVByte: 5, bufferPercent: 25 });
    expect(c.indexer).toEqual({ lagBlocks: 32, chunkBlocks: 5000, rewindBlocks: 128 });
    expect(c.btc.electrumUrls).toEqual([]);
    expect(c.eth.replaceAfterBlocks).toBe(12);
    expect(c.maintainer.enabled).toBe(false);
    expect(c.dataDir).toBe(".data");
    // Addresses come out EIP-55 whatever the input case.
    expect(c.bridge).toEqual({ address: BRIDGE, validator: VALIDATOR, deployBlock: 12 });
  });

  it("the default profile hashes to the spec vector (coordination.md §15.5)", () => {
    const c = loadConfig({ env: baseEnv });
    expect(profileHash(profileFromConfig(c, 31337n))).toBe("0xf7078f19dbcc594437c685d977fd985e5e729e22214aa69d81b40398d92a00ca");
    const go = loadConfig({ env: { ...baseEnv, WCOORD_PROFILE_RNG_SCHEME: "go-math-rand" } });
    expect(profileHash(profileFromConfig(go, 31337n))).toBe("0xfd2d8a8b6ab76eb220dba66e50b112228f30c6d4cd648d4e41ee7ade8e7fc986");
  });

  it("every key has a distinct WCOORD_ env name built from its dotted path", () => {
    const keys = configKeys();
    expect(new Set(keys.map((k) => k.env)).size).toBe(keys.length);
    expect(envVarName("eth.rpcUrl")).toBe("WCOORD_ETH_RPC_URL");
    expect(envVarName("network.bootstrapPeers")).toBe("WCOORD_NETWORK_BOOTSTRAP_PEERS");
    expect(envVarName("dataDir")).toBe("WCOORD_DATA_DIR");
    const names = keys.map((k) => k.key);
    for (const k of ["eth.rpcUrl", "eth.wsUrl", "bridge.deploymentFile", "keys.passwordFile", "status.listen", "profile.rngScheme", "btc.electrumUrls"]) {
      expect(names).toContain(k);
    }
  });
});

describe("environment", () => {
  it("overrides each kind of value", () => {
    const c = loadConfig({
      env: {
        ...baseEnv,
        WCOORD_NETWORK_BOOTSTRAP_PEERS: ` ${PEER} ,${PEER.replace("4001", "4002")}`,
        WCOORD_NETWORK_MDNS: "true",
        WCOORD_PROFILE_FREQUENCY_WINDOWS: "7",
        WCOORD_LOG_FORMAT: "json",
        WCOORD_BTC_ELECTRUM_URLS: "tcp://127.0.0.1:50001,ssl://127.0.0.1:50002",
        WCOORD_ETH_WS_URL: "ws://127.0.0.1:8546",
      },
    });
    expect(c.network.bootstrapPeers).toEqual([PEER, PEER.replace("4001", "4002")]);
    expect(c.network.mdns).toBe(true);
    expect(c.profile.frequencyWindows).toBe(7);
    expect(c.log.format).toBe("json");
    expect(c.btc.electrumUrls).toEqual(["tcp://127.0.0.1:50001", "ssl://127.0.0.1:50002"]);
    expect(c.eth.wsUrl).toBe("ws://127.0.0.1:8546");
  });

  it("lists WCOORD_ variables that name no key", () => {
    expect(unknownEnvVars({ ...baseEnv, WCOORD_ETH_RPCURL: "x", WCOORD_KEYSTORE_PASSWORD: "p", OTHER: "1" })).toEqual(["WCOORD_ETH_RPCURL"]);
  });
});

describe("file, env and overrides", () => {
  it("env wins over the file, overrides win over env; relative paths are resolved against the file", () => {
    const file = writeFile(
      "a.yaml",
      [
        "eth:",
        "  rpcUrl: http://127.0.0.1:1111",
        "bridge:",
        `  address: "${BRIDGE}"`,
        `  validator: "${VALIDATOR}"`,
        "  deployBlock: 5",
        "profile:",
        "  frequencyWindows: 2",
        "  heartbeatProbabilityPpm: 1000",
        "fee:",
        "  bufferPercent: 10",
        "dataDir: ./node-a",
        "keys:",
        "  keystore: keys/op.json",
      ].join("\n"),
    );
    const c = loadConfig({
      file,
      env: { WCOORD_ETH_RPC_URL: "http://127.0.0.1:2222", WCOORD_PROFILE_FREQUENCY_WINDOWS: "3" },
      overrides: { profile: { frequencyWindows: 9 }, dataDir: "/tmp/override" },
    });
    expect(c.eth.rpcUrl).toBe("http://127.0.0.1:2222");
    expect(c.profile.frequencyWindows).toBe(9);
    expect(c.profile.heartbeatProbabilityPpm).toBe(1000);
    expect(c.fee).toEqual({ minSatPerVByte: 5, bufferPercent: 10 });
    expect(c.bridge.deployBlock).toBe(5);
    expect(c.dataDir).toBe("/tmp/override");
    expect(c.keys.keystore).toBe(join(dir, "keys/op.json"));
  });

  it("reads JSON files too, and fills the bridge from a deployment file", () => {
    const deployment = writeFile(
      "hardhat.json",
      JSON.stringify({ chainId: 31337, bridge: BRIDGE.toLowerCase(), walletProposalValidator: VALIDATOR, deployBlock: 3, profileHash: PH }),
    );
    const file = writeFile("b.json", JSON.stringify({ eth: { rpcUrl: "https://127.0.0.1:8545" }, bridge: { deploymentFile: "hardhat.json" } }));
    const c = loadConfig({ file, env: {} });
    expect(c.bridge).toEqual({ deploymentFile: deployment, address: BRIDGE, validator: VALIDATOR, deployBlock: 3 });
    expect(c.eth.chainId).toBe(31337);
  });

  it("fills bridge.frostWalletRegistry from a deployment file that has one; unset otherwise", () => {
    const REGISTRY = "0x8A791620dd6260079BF849Dc5567aDC3F2FdC318";
    writeFile(
      "frost.json",
      JSON.stringify({ chainId: 31337, bridge: BRIDGE, walletProposalValidator: VALIDATOR, deployBlock: 3, profileHash: PH, frostWalletRegistry: REGISTRY.toLowerCase() }),
    );
    const file = writeFile("f.yaml", `eth: {rpcUrl: "http://127.0.0.1:1"}\nbridge: {deploymentFile: frost.json}\n`);
    expect(loadConfig({ file, env: {} }).bridge.frostWalletRegistry).toBe(REGISTRY);
    const plain = { WCOORD_ETH_RPC_URL: "http://127.0.0.1:1", WCOORD_BRIDGE_ADDRESS: BRIDGE, WCOORD_BRIDGE_VALIDATOR: VALIDATOR, WCOORD_BRIDGE_DEPLOY_BLOCK: "3" };
    expect(loadConfig({ env: plain }).bridge.frostWalletRegistry).toBeUndefined();
    expect(loadConfig({ env: { ...plain, WCOORD_BRIDGE_FROST_WALLET_REGISTRY: REGISTRY.toLowerCase() } }).bridge.frostWalletRegistry).toBe(REGISTRY);
    const e = configError(() => loadConfig({ file, env: { WCOORD_BRIDGE_FROST_WALLET_REGISTRY: BRIDGE } }));
    expect(e.key).toBe("bridge.frostWalletRegistry");
  });

  it("an explicit key that contradicts the deployment file is an error naming the key", () => {
    writeFile("d2.json", JSON.stringify({ chainId: 1, bridge: BRIDGE, walletProposalValidator: VALIDATOR, deployBlock: 3, profileHash: PH }));
    const file = writeFile("c.yaml", `eth: {rpcUrl: "http://127.0.0.1:1"}\nbridge: {deploymentFile: d2.json, deployBlock: 4}\n`);
    const e = configError(() => loadConfig({ file, env: {} }));
    expect(e.key).toBe("bridge.deployBlock");
    expect(e.message).toMatch(/^config error: bridge\.deployBlock: 4 differs from 3 in /);
  });

  it("overridesFromPairs coerces CLI strings and rejects unknown keys", () => {
    const o = overridesFromPairs([
      ["status.listen", "127.0.0.1:0"],
      ["network.mdns", "yes"],
      ["indexer.lagBlocks", "8"],
    ]);
    expect(o).toEqual({ status: { listen: "127.0.0.1:0" }, network: { mdns: true }, indexer: { lagBlocks: 8 } });
    const c = loadConfig({ env: baseEnv, overrides: o });
    expect(c.indexer.lagBlocks).toBe(8);
    expect(configError(() => overridesFromPairs([["indexer.lag", "1"]])).key).toBe("indexer.lag");
  });
});

describe("errors name the key", () => {
  const cases: Array<[string, Record<string, string>, string, RegExp]> = [
    ["bad URL", { WCOORD_ETH_RPC_URL: "foo" }, "eth.rpcUrl", /^config error: eth\.rpcUrl: expected a URL \(http, https, ws or wss\), got "foo" \(from WCOORD_ETH_RPC_URL\)$/],
    ["ws URL not ws", { WCOORD_ETH_WS_URL: "http://127.0.0.1:1" }, "eth.wsUrl", /expected a ws:\/\/ or wss:\/\/ URL/],
    ["non-integer", { WCOORD_PROFILE_FREQUENCY_WINDOWS: "abc" }, "profile.frequencyWindows", /expected an integer from 1 to 4294967295, got "abc"/],
    ["below range", { WCOORD_PROFILE_FREQUENCY_WINDOWS: "0" }, "profile.frequencyWindows", /got 0/],
    ["above range", { WCOORD_PROFILE_HEARTBEAT_PROBABILITY_PPM: "1000001" }, "profile.heartbeatProbabilityPpm", /from 0 to 1000000, got 1000001/],
    ["enum", { WCOORD_PROFILE_RNG_SCHEME: "mt19937" }, "profile.rngScheme", /expected one of "seedrandom", "go-math-rand", got "mt19937"/],
    ["bool", { WCOORD_NETWORK_MDNS: "maybe" }, "network.mdns", /expected true or false, got "maybe"/],
    ["host:port", { WCOORD_STATUS_LISTEN: "127.0.0.1:70000" }, "status.listen", /expected host:port/],
    ["address", { WCOORD_BRIDGE_ADDRESS: "0x1234" }, "bridge.address", /expected a 0x-prefixed 20-byte address, got "0x1234"/],
    ["bad checksum", { WCOORD_BRIDGE_ADDRESS: BRIDGE.replace("F", "f") }, "bridge.address", /address/],
    ["multiaddr", { WCOORD_NETWORK_LISTEN: "/ip4/0.0.0.0/tcp/3919,nonsense" }, "network.listen.1", /expected a list of multiaddrs, got "nonsense"/],
    ["peer without id", { WCOORD_NETWORK_BOOTSTRAP_PEERS: "/ip4/127.0.0.1/tcp/1" }, "network.bootstrapPeers.0", /\/p2p\/<peerId>/],
    ["electrum", { WCOORD_BTC_ELECTRUM_URLS: "http://127.0.0.1:1" }, "btc.electrumUrls.0", /tcp:\/\/host:port/],
    ["log level", { WCOORD_LOG_LEVEL: "loud" }, "log.level", /expected one of "trace"/],
  ];
  for (const [name, env, key, re] of cases) {
    it(name, () => {
      const e = configError(() => loadConfig({ env: { ...baseEnv, ...env } }));
      expect(e.key).toBe(key);
      expect(e.message).toMatch(re);
      expect(e.message.startsWith(`config error: ${key}: `)).toBe(true);
    });
  }

  it("missing required keys are each named", () => {
    const e = configError(() => loadConfig({ env: {} }));
    expect(e).toBeInstanceOf(ConfigErrors);
    const keys = (e as ConfigErrors).errors.map((x) => x.key);
    expect(keys).toEqual(["eth.rpcUrl", "bridge.address", "bridge.validator", "bridge.deployBlock"]);
    expect(e.message).toContain("config error: eth.rpcUrl: required: set it in the file or WCOORD_ETH_RPC_URL");
  });

  it("unknown keys in the file are rejected with their full path", () => {
    const file = writeFile("u.yaml", "eth:\n  rpcURL: http://127.0.0.1:1\nnetwrok:\n  mdns: true\n");
    const e = configError(() => loadConfig({ file, env: baseEnv }));
    const keys = (e as ConfigErrors).errors.map((x) => x.key).sort();
    expect(keys).toEqual(["eth.rpcURL", "netwrok"]);
    expect(e.message).toContain("config error: eth.rpcURL: unknown key");
  });

  it("a wrong type in the file names the key and the file", () => {
    const file = writeFile("t.yaml", "fee:\n  minSatPerVByte: lots\n");
    const e = configError(() => loadConfig({ file, env: baseEnv }));
    expect(e.message).toBe(`config error: fee.minSatPerVByte: expected an integer from 1 to 1000000, got "lots" (from ${file})`);
  });

  it("unreadable or malformed files are config errors", () => {
    expect(configError(() => loadConfig({ file: join(dir, "none.yaml"), env: baseEnv })).message).toMatch(/cannot read .*none\.yaml: ENOENT/);
    const bad = writeFile("bad.yaml", "eth: [unclosed\n");
    expect(configError(() => loadConfig({ file: bad, env: baseEnv })).message).toMatch(/bad\.yaml/);
    const list = writeFile("list.yaml", "- a\n- b\n");
    expect(configError(() => loadConfig({ file: list, env: baseEnv })).message).toMatch(/mapping/);
    const missing = writeFile("m.yaml", "bridge:\n  deploymentFile: nowhere.json\n");
    expect(configError(() => loadConfig({ file: missing, env: { WCOORD_ETH_RPC_URL: "http://127.0.0.1:1" } })).key).toBe("bridge.deploymentFile");
    writeFile("notdeploy.json", JSON.stringify({ chainId: 1 }));
    const wrong = writeFile("w.yaml", "bridge:\n  deploymentFile: notdeploy.json\n");
    const e = configError(() => loadConfig({ file: wrong, env: { WCOORD_ETH_RPC_URL: "http://127.0.0.1:1" } }));
    expect(e.key).toBe("bridge.deploymentFile");
    expect(e.message).toMatch(/notdeploy\.json: .*bridge/);
  });
});

describe("reference", () => {
  it("documents every key with its env var and default", () => {
    const md = configReference();
    for (const k of configKeys()) expect(md).toContain(`| \`${k.key}\` | \`${k.env}\` |`);
    expect(md).toContain("| `network.listen` | `WCOORD_NETWORK_LISTEN` | `/ip4/0.0.0.0/tcp/3919` |");
    expect(md).toContain("| `status.listen` | `WCOORD_STATUS_LISTEN` | `127.0.0.1:9601` |");
    expect(md).toContain("| `profile.heartbeatProbabilityPpm` | `WCOORD_PROFILE_HEARTBEAT_PROBABILITY_PPM` | `62500` |");
  });

  it("docs/config-reference.md is up to date (regenerate with the command at its top)", () => {
    const path = join(import.meta.dirname, "../../docs/config-reference.md");
    expect(readFileSync(path, "utf8")).toBe(configReference());
  });
});
