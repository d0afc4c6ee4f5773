// The one way a `wcoord` command declares its flags: node:util's parseArgs reads them and the help is
// printed from the same declarations, so a flag cannot be accepted without being documented.
import { parseArgs } from "node:util";
import { errorMessage } from "./errors.js";

/** Where a command writes (process.stdout/stderr, or a capture in tests). */
export interface TextSink {
  write(text: string): unknown;
}

export interface CommandIo {
  readonly out: TextSink;
  readonly err: TextSink;
}

export interface FlagSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** The flag may be repeated; its value is then the list of every occurrence. */
  readonly multiple?: boolean;
  /** Value of a string flag when absent; the help prints it as "(default …)". */
  readonly default?: string;
  /** Placeholder for a string flag's value in the help, e.g. "FILE". */
  readonly value?: string;
  /** Help text; a "\n" starts a continuation line, indented under the first. */
  readonly help: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type FlagValue<S extends FlagSpec> = S["type"] extends "boolean"
  ? boolean
  : S["multiple"] extends true
    ? string[] | undefined
    : S extends { default: string }
      ? string
      : string | undefined;

export type FlagValues<F extends FlagSpecs> = { -readonly [K in keyof F]: FlagValue<F[K]> };

export interface CommandSpec<F extends FlagSpecs> {
  /** "wcoord faults": starts every error line. */
  readonly name: string;
  /** The synopsis, starting with "usage:". */
  readonly usage: string;
  /** Prose between the synopsis and the options. */
  readonly about?: string;
  readonly flags: F;
  /** Accept positional arguments (subcommands, files); otherwise parseArgs refuses them. */
  readonly positionals?: boolean;
  /** Prose after the options. */
  readonly notes?: string;
  /** Exit code for bad arguments; 2 unless the command has always used another. */
  readonly usageExitCode?: number;
}

export interface CommandArgs<F extends FlagSpecs> {
  readonly values: FlagValues<F>;
  readonly positionals: string[];
}

/** A bad argument. Without a message, the help alone is printed (e.g. a missing subcommand). */
export class UsageError extends Error {
  constructor(message = "") {
    super(message);
    this.name = "UsageError";
  }
}

/** parseCommand's answer when the command ends there: after --help, or on bad arguments. */
export class CommandExit {
  constructor(readonly code: number) {}
}

/** Keeps the flag declarations' literal types, so parsed values are typed per flag. */
export function defineCommand<const F extends FlagSpecs>(spec: CommandSpec<F>): CommandSpec<F> {
  return spec;
}

const HELP_FLAG = { type: "boolean", short: "h", help: "print this help" } as const;

/**
 * Parses `argv` against the spec and hands the values to `validate`, whose result is returned.
 * `--help` prints the help to `out` (exit 0); a parse error or anything `validate` throws prints
 * "<name>: <message>" and the help to `err` (the spec's usage exit code).
 */
export function parseCommand<F extends FlagSpecs, T>(
  spec: CommandSpec<F>,
  argv: readonly string[],
  io: CommandIo,
  validate: (args: CommandArgs<F>) => T,
): T | CommandExit {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: spec.positionals ?? false,
      options: { ...parserOptions(spec.flags), help: { type: "boolean", short: "h", default: false } },
    });
    if (values.help) {
      io.out.write(helpText(spec));
      return new CommandExit(0);
    }
    return validate({ values: values as FlagValues<F>, positionals });
  } catch (e) {
    const message = errorMessage(e);
    io.err.write(message === "" ? helpText(spec) : `${spec.name}: ${message}\n\n${helpText(spec)}`);
    return new CommandExit(spec.usageExitCode ?? 2);
  }
}

type ParserOption = { type: "string" | "boolean"; short?: string; multiple?: boolean; default?: string | boolean };

function parserOptions(flags: FlagSpecs): Record<string, ParserOption> {
  const options: Record<string, ParserOption> = {};
  for (const [name, f] of Object.entries(flags)) {
    const option: ParserOption = { type: f.type };
    if (f.short !== undefined) option.short = f.short;
    if (f.multiple) option.multiple = true;
    // Booleans are false when absent, so every boolean value is a plain boolean.
    if (f.type === "boolean") option.default = false;
    else if (f.default !== undefined) option.default = f.default;
    options[name] = option;
  }
  return options;
}

function flagLabel(name: string, f: FlagSpec): string {
  const flag = f.short === undefined ? `--${name}` : `-${f.short}, --${name}`;
  return f.type === "string" ? `${flag} ${f.value ?? "VALUE"}` : flag;
}

/** The command's help: synopsis, prose, then one aligned line per flag (from the declarations). */
export function helpText(spec: CommandSpec<FlagSpecs>): string {
  const rows: [string, string][] = Object.entries(spec.flags).map(([name, f]) => [
    flagLabel(name, f),
    f.default === undefined ? f.help : `${f.help} (default ${f.default})`,
  ]);
  rows.push([flagLabel("help", HELP_FLAG), HELP_FLAG.help]);
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const indent = "\n" + " ".repeat(width + 2);
  const options = rows.map(([label, help]) => `  ${label.padEnd(width)}${help.split("\n").join(indent)}`);
  const parts = [spec.usage.trimEnd(), spec.about?.trimEnd(), `options:\n${options.join("\n")}`, spec.notes?.trimEnd()];
  return parts.filter((p) => p !== undefined).join("\n\n") + "\n";
}
