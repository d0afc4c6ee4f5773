// `wcoord start`: run one operator node from a config file, environment variables and flags, until
// SIGINT/SIGTERM; then stop in order (style.md §1.1) and exit.
import { join } from "node:path";
import { CommandExit, defineCommand, parseCommand, type TextSink } from "../util/cli-args.js";
import { KeyError, loadOperatorKey } from "./keys.js";
import { createLogger } from "../util/logger.js";
import { createNode, type WcoordNode } from "./node.js";
import { ConfigError, loadConfig, type ConfigInput } from "./options.js";
import { StoreError } from "../store/store-error.js";

/** A flag that sets one config key; its help names the key (docs/config-reference.md documents it). */
function configFlag<const M extends boolean = false>(configKey: string, value: string, opts: { note?: string; multiple?: M } = {}) {
  const help = configKey + (opts.note ? ` (${opts.note})` : "") + (opts.multiple ? " (repeatable)" : "");
  return { type: "string", value, multiple: (opts.multiple ?? false) as M, help, configKey } as const;
}

const START = defineCommand({
  name: "wcoord start",
  usage: "usage: wcoord start [--config FILE] [options]",
  about: `Runs an operator node. Configuration comes from FILE (YAML or JSON), then WCOORD_* environment
variables, then these flags (see docs/config-reference.md for every key):`,
  flags: {
    config: { type: "string", value: "FILE", help: "configuration file" },
    "data-dir": configFlag("dataDir", "DIR"),
    rpc: configFlag("eth.rpcUrl", "URL"),
    ws: configFlag("eth.wsUrl", "URL"),
    deployment: configFlag("bridge.deploymentFile", "FILE", { note: "deployments/<network>.json" }),
    listen: configFlag("network.listen", "MULTIADDR", { multiple: true }),
    bootstrap: configFlag("network.bootstrapPeers", "MULTIADDR", { multiple: true }),
    status: configFlag("status.listen", "HOST:PORT"),
    "log-level": configFlag("log.level", "LEVEL"),
    keystore: configFlag("keys.keystore", "FILE"),
    "insecure-plaintext-key": { type: "boolean", help: "accept a plaintext hex private key (development only)" },
    "accept-profile-change": { type: "boolean", help: "start although the database was created under another protocol profile" },
  },
});

/** The config keys set by flags, nested as in the file; loadConfig gives them the highest precedence. */
function flagOverrides(values: Readonly<Record<string, unknown>>): ConfigInput {
  const overrides: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(START.flags)) {
    const value = values[name];
    if (!("configKey" in flag) || !value) continue;
    const [section, leaf] = flag.configKey.split(".");
    overrides[section] = leaf === undefined ? value : { ...(overrides[section] as object), [leaf]: value };
  }
  return overrides as ConfigInput;
}

export async function runStartCommand(argv: string[], out: TextSink, err: TextSink): Promise<number> {
  const values = parseCommand(START, argv, { out, err }, (args) => args.values);
  if (values instanceof CommandExit) return values.code;
  const overrides = flagOverrides(values);

  let node: WcoordNode | undefined;
  try {
    const config = loadConfig({ file: values.config, env: process.env, overrides });
    // The keystore's password also opens the FROST key shares sealed in the database.
    const { wallet, password: keySharePassword } = await loadOperatorKey(config, { insecurePlaintextKey: values["insecure-plaintext-key"] ?? false });
    const logger = createLogger({
      level: config.log.level,
      format: config.log.format,
      file: config.log.file ? join(config.dataDir, "wcoord.log") : undefined,
    });
    const running = (node = await createNode({ config, operatorKey: wallet, keySharePassword }, { logger, acceptProfileChange: values["accept-profile-change"] ?? false }));
    // A signal stops the node whenever it comes; during boot, stop() abandons the boot at once.
    const stopped = new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        logger.info({ signal }, "shutting down");
        resolve(running.stop());
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    });
    try {
      await running.start();
    } catch (e) {
      if (running.status !== "closing" && running.status !== "closed") throw e;
      await stopped;
      return 0;
    }
    out.write(`wcoord: operator ${running.operator} ready; status ${running.statusUrl}; libp2p ${running.listenAddresses().join(" ")}\n`);
    await stopped;
    return 0;
  } catch (e) {
    await node?.stop().catch(() => undefined);
    if (e instanceof ConfigError || e instanceof KeyError) {
      err.write(`wcoord start: ${e.message}\n`);
      return 2;
    }
    if (e instanceof StoreError) {
      err.write(`wcoord start: ${e.message}\n`);
      return e.exitCode;
    }
    err.write(`wcoord start: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
