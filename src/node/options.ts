// Node configuration: one zod schema with defaults (style.md §1.3), the single source of truth for
// the YAML/JSON file, the WCOORD_* environment variables, CLI overrides and docs/config-reference.md.
// Each section lives in options/ with its `XOptions` type and `defaultXOptions`; options/schema.ts
// merges them. This module is what the rest of the node imports.
export * from "./options/actions.js";
export * from "./options/bitcoin.js";
export * from "./options/chain.js";
export * from "./options/keys.js";
export * from "./options/network.js";
export * from "./options/profile.js";
export * from "./options/status.js";
export * from "./options/store.js";
export { configSchema, defaultOptions, type ConfigInput, type NodeConfig } from "./options/schema.js";
export { ConfigError, ConfigErrors } from "./options/config-error.js";
export type { KeyInfo, KeyKind } from "./options/leaf.js";
export { coerceValue, configKeys, envVarName, ENV_PREFIX, overridesFromPairs, unknownEnvVars } from "./options/key-table.js";
export { loadConfig, type LoadConfigOptions } from "./options/load.js";
export { configReference } from "./options/reference.js";
