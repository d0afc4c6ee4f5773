// Helpers over nested plain objects (config layers), addressed by dotted keys or paths.

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function setDeep(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split(".");
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainObject(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

export function getDeep(obj: unknown, parts: readonly (string | number)[]): unknown {
  let cur = obj;
  for (const p of parts) {
    if (isPlainObject(cur) || Array.isArray(cur)) cur = (cur as Record<string | number, unknown>)[p];
    else return undefined;
  }
  return cur;
}

/** `over` on top of `base`, section by section; undefined values in `over` leave `base` as it is. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}
