// docs/config-reference.md, generated from the schema's key table.
import { configKeys } from "./key-table.js";
import { KEYSTORE_PASSWORD_ENV } from "./keys.js";
import type { KeyInfo } from "./leaf.js";

function mdCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function formatDefault(k: KeyInfo): string {
  if (k.default !== undefined) {
    if (Array.isArray(k.default)) return k.default.length === 0 ? "`[]`" : k.default.map((x) => `\`${String(x)}\``).join(", ");
    return `\`${String(k.default)}\``;
  }
  return k.required ? `*${k.required}*` : "*unset*";
}

/** Markdown reference of every key (docs/config-reference.md), generated from the schema. */
export function configReference(): string {
  const lines = [
    "# Configuration reference",
    "",
    "<!-- Generated from src/node/options/ (configReference()); test/unit/options.test.ts checks it. Regenerate:",
    "     node --import tsx -e \"import('./src/node/options.ts').then((m) => process.stdout.write(m.configReference()))\" > docs/config-reference.md -->",
    "",
    "`wcoord start --config FILE` reads a YAML file (JSON is valid YAML). Each key is written nested",
    "(`eth:` then `rpcUrl:`). Every key can also be set by an environment variable, which wins over the",
    "file; command-line flags win over both. Lists in environment variables are comma-separated, booleans",
    "are `true`/`false`. Relative paths in the file are resolved against the file's directory.",
    `The keystore password is never a config key: it comes from \`keys.passwordFile\` or \`${KEYSTORE_PASSWORD_ENV}\`.`,
    "Unknown keys are rejected.",
    "",
    "| key | env | default | accepted | meaning |",
    "|---|---|---|---|---|",
  ];
  for (const k of configKeys()) {
    const accepted = k.expected.replace(/^expected /, "").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    lines.push(`| \`${k.key}\` | \`${k.env}\` | ${mdCell(formatDefault(k))} | ${mdCell(accepted)} | ${mdCell(k.doc)} |`);
  }
  return lines.join("\n") + "\n";
}
