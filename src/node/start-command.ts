// `wcoord start`: run one operator node from a config file, environment variables and flags, until
// SIGINT/SIGTERM; then stop in order (style.md §1.1) and exit.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KeyError, loadOperatorKey } from "./keys.js";
import { createLogger } from "../util/logger.js";
import { WcoordNode } from "./node.js";
import { ConfigError, loadConfig, type ConfigInput } from "./options.js";
import { StoreError } from "../store/store-error.js";

const USAGE = `usage: wcoord start [--config FILE] [options]

Runs an operator node. Configuration comes from FILE (YAML or JSON), then WCOORD_* environment
variables, then these flags (see docs/config-reference.md for every key):

  --config FILE               configuration file
  --data-dir DIR              dataDir
  --rpc URL                   eth.rpcUrl
  --ws URL                    eth.wsUrl
  --deployment FILE           bridge.deploymentFile (deployments/<network>.json)
  --listen MULTIADDR          network.listen (repeatable)
  --bootstrap MULTIADDR       network.bootstrapPeers (repeatable)
  --status HOST:PORT          status.listen
  --log-level LEVEL           log.level
  --keystore FILE             keys.keystore
  --insecure-plaintext-key    accept a plaintext hex private key (development only)
  --accept-profile-change     start although the database was created under another protocol profile
`;

export async function runStartCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        config: { type: "string" },
        "data-dir": { type: "string" },
        rpc: { type: "string" },
        ws: { type: "string" },
        deployment: { type: "string" },
        listen: { type: "string", multiple: true },
        bootstrap: { type: "string", multiple: true },
        status: { type: "string" },
        "log-level": { type: "string" },
        keystore: { type: "string" },
        "insecure-plaintext-key": { type: "boolean" },
        "accept-profile-change": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    err.write(`wcoord start: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out.write(USAGE);
    return 0;
  }

  const overrides: ConfigInput = {};
  const set = <K extends keyof ConfigInput>(section: K, value: ConfigInput[K]): void => {
    overrides[section] = { ...(overrides[section] as object), ...(value as object) } as ConfigInput[K];
  };
  if (values["data-dir"]) overrides.dataDir = values["data-dir"];
  if (values.rpc) set("eth", { rpcUrl: values.rpc });
  if (values.ws) set("eth", { wsUrl: values.ws });
  if (values.deployment) set("bridge", { deploymentFile: values.deployment });
  if (values.listen) set("network", { listen: values.listen });
  if (values.bootstrap) set("network", { bootstrapPeers: values.bootstrap });
  if (values.status) set("status", { listen: values.status });
  if (values["log-level"]) set("log", { level: values["log-level"] as never });
  if (values.keystore) set("keys", { keystore: values.keystore });

  let node: WcoordNode | undefined;
  try {
    const config = loadConfig({ file: values.config, env: process.env, overrides });
    const { wallet } = await loadOperatorKey(config, { insecurePlaintextKey: values["insecure-plaintext-key"] ?? false });
    const logger = createLogger({
      level: config.log.level,
      format: config.log.format,
      file: config.log.file ? join(config.dataDir, "wcoord.log") : undefined,
    });
    node = new WcoordNode(config, wallet, { logger, acceptProfileChange: values["accept-profile-change"] ?? false });
    const stopped = new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        logger.info({ signal }, "shutting down");
        resolve();
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    });
    await node.start();
    out.write(`wcoord: operator ${node.operator} ready; status ${node.statusUrl}; libp2p ${node.listenAddresses().join(" ")}\n`);
    await stopped;
    await node.stop();
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
