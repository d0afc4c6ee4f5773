// Configuration problems, each naming the dotted key it concerns.

/** A configuration problem; `key` is the dotted key it concerns ("" when it concerns the whole file). */
export class ConfigError extends Error {
  static override readonly name = "ConfigError";
  constructor(
    readonly key: string,
    readonly detail: string,
  ) {
    super(key ? `config error: ${key}: ${detail}` : `config error: ${detail}`);
    this.name = "ConfigError";
  }
}

/** Several problems at once; the message lists each on its own line. */
export class ConfigErrors extends ConfigError {
  constructor(readonly errors: ConfigError[]) {
    super(errors[0].key, errors[0].detail);
    this.message = errors.map((e) => e.message).join("\n");
    this.name = "ConfigError";
  }
}

/** One error as itself, several as ConfigErrors. */
export function toConfigError(errors: ConfigError[]): ConfigError {
  return errors.length === 1 ? errors[0] : new ConfigErrors(errors);
}
