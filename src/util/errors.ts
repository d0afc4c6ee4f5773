// One way to turn a thrown value into text and a code, for logs and stored error columns.

/** The message of an Error, or the thrown value as text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The string `code` a thrown value carries (Node system errors, the project's typed errors), else "UNKNOWN". */
export function errorCode(err: unknown): string {
  const c = (err as { code?: unknown } | null | undefined)?.code;
  return typeof c === "string" ? c : "UNKNOWN";
}
