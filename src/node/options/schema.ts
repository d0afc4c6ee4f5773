// The root of the configuration (style.md §1.3): every section's schema under its key, and every
// section's defaults merged into one defaultOptions. The protocol profile is its own block.
import { z } from "zod";
import {
  coordinationOptions,
  defaultCoordinationOptions,
  defaultMaintainerOptions,
  defaultRecordOptions,
  maintainerOptions,
  recordOptions,
  signerOptions,
  defaultThresholdOptions,
  thresholdOptions,
} from "./actions.js";
import { btcOptions, defaultBtcOptions, defaultFeeOptions, feeOptions } from "./bitcoin.js";
import { bridgeOptions, defaultEthOptions, defaultIndexerOptions, ethOptions, indexerOptions } from "./chain.js";
import { keysOptions } from "./keys.js";
import { defaultNetworkOptions, networkOptions } from "./network.js";
import { defaultProfileOptions, profileOptions } from "./profile.js";
import { defaultLogOptions, defaultStatusOptions, logOptions, statusOptions } from "./status.js";
import { dataDirOption, DEFAULT_DATA_DIR } from "./store.js";

/** The whole configuration. Leaves carry their defaults; sections default to {} so defaults apply. */
export const configSchema = z.strictObject({
  dataDir: dataDirOption,
  eth: ethOptions,
  bridge: bridgeOptions,
  btc: btcOptions,
  keys: keysOptions,
  network: networkOptions,
  log: logOptions,
  status: statusOptions,
  profile: profileOptions,
  coordination: coordinationOptions,
  fee: feeOptions,
  indexer: indexerOptions,
  signer: signerOptions,
  threshold: thresholdOptions,
  maintainer: maintainerOptions,
  record: recordOptions,
});

export type ParsedConfig = z.output<typeof configSchema>;
/** Validated configuration; bridge addresses and deploy block are always resolved. */
export type NodeConfig = Omit<ParsedConfig, "bridge"> & {
  bridge: ParsedConfig["bridge"] & { address: string; validator: string; deployBlock: number };
};
/** Partial nested input, as in the file (used for CLI overrides). */
export type ConfigInput = z.input<typeof configSchema>;

/** The defaults as a nested object (what an empty file yields, minus required keys), in schema order. */
export const defaultOptions: ConfigInput = structuredClone({
  dataDir: DEFAULT_DATA_DIR,
  eth: defaultEthOptions,
  btc: defaultBtcOptions,
  network: defaultNetworkOptions,
  log: defaultLogOptions,
  status: defaultStatusOptions,
  profile: defaultProfileOptions,
  coordination: defaultCoordinationOptions,
  fee: defaultFeeOptions,
  indexer: defaultIndexerOptions,
  threshold: defaultThresholdOptions,
  maintainer: defaultMaintainerOptions,
  record: defaultRecordOptions,
});
