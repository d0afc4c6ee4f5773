// The house rules of issue 15, checked from the code itself: the folder order of src/ written at the
// top of docs/architecture.md (each folder imports only folders to its left, so no circle of folders),
// read from every import line the way ../shared/tools/folder-graph.mjs reads them, and the size limit
// of a source file.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SRC = join(ROOT, "src");
const MAX_LINES = 400;

/** Imports allowed against the order, as "from→to", each with its reason. Empty: none is needed. */
const ALLOWED_AGAINST_ORDER: Readonly<Record<string, string>> = {};
/** Source files allowed over MAX_LINES, by path from the project root, each with its reason. Empty: none is needed. */
const ALLOWED_LONG_FILES: Readonly<Record<string, string>> = {};

/** Every file under `dir`, as absolute paths, except under the folder names in `skip`. */
function walk(dir: string, skip: ReadonlySet<string>): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return skip.has(e.name) ? [] : walk(p, skip);
    return e.isFile() ? [p] : [];
  });
}

/** The source files whose imports count: generated code, declarations and tests left out (as the tool). */
const codeFiles = walk(SRC, new Set(["gen", "node_modules", "__tests__"])).filter(
  (f) => /\.(ts|mts|cts|js|mjs)$/.test(f) && !/\.d\.ts$|\.(test|spec)\.[mc]?[tj]s$/.test(f),
);

/** The top folder of src/ that holds `file`; "(src)" for a file directly in src/. */
function folderOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0] : "(src)";
}

/** The order: the first line of docs/architecture.md that chains names with arrows (as the tool reads it). */
function documentedOrder(): string[] {
  const text = readFileSync(join(ROOT, "docs", "architecture.md"), "utf8");
  const line = text.split("\n").find((l) => /[A-Za-z_`-]+\s*(→|->)\s*[A-Za-z_`-]+\s*(→|->)/.test(l));
  if (line === undefined) throw new Error("docs/architecture.md has no `a → b → c` line with the folder order");
  return line
    .split(/→|->/)
    .map((s) => s.replace(/[`*_]/g, "").trim().split(/\s+/).pop()!.replace(/\/$/, ""))
    .filter(Boolean);
}

// `import … from "x"`, `export … from "x"` (type-only too), `import("x")`, and a bare `import "x"`.
const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;

interface Arrow {
  from: string;
  to: string;
  /** "path:line" of every import that makes the arrow. */
  sites: string[];
}

/** Folder-to-folder arrows of src/, from relative imports that land inside src/. */
function folderArrows(): Map<string, Arrow> {
  const arrows = new Map<string, Arrow>();
  for (const file of codeFiles) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec.startsWith(".")) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC + sep)) continue;
      const [from, to] = [folderOf(file), folderOf(target)];
      if (from === to) continue;
      const key = `${from}→${to}`;
      const line = text.slice(0, m.index + m[0].search(/\S/)).split("\n").length;
      const arrow = arrows.get(key) ?? { from, to, sites: [] };
      arrow.sites.push(`${relative(ROOT, file)}:${line}`);
      arrows.set(key, arrow);
    }
  }
  return arrows;
}

/** Groups of two or more folders that reach each other (strongly connected components, Tarjan). */
function circles(arrows: Iterable<Arrow>): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of arrows) {
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) visit(w);
      if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, low.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1) found.push(group.sort());
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}

const describeArrow = (a: Arrow): string => `${a.from} → ${a.to}  (${a.sites.join(", ")})`;

function lineCount(file: string): number {
  const text = readFileSync(file, "utf8");
  return text.length === 0 ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

describe("architecture: the folder order of docs/architecture.md", () => {
  const order = documentedOrder();
  const position = new Map(order.map((f, i) => [f, i]));
  const arrows = [...folderArrows().values()];

  it("names every folder of src/, and only folders that exist", () => {
    const folders = new Set(codeFiles.map(folderOf).filter((f) => f !== "(src)"));
    expect([...folders].filter((f) => !position.has(f)).sort(), "folders of src/ the order leaves out").toEqual([]);
    expect(order.filter((f) => !folders.has(f)), "names in the order that are no folder of src/").toEqual([]);
  });

  it("every import runs from a folder to one on its left", () => {
    const against = arrows.filter(
      (a) => position.has(a.from) && position.has(a.to) && position.get(a.to)! > position.get(a.from)! && !(`${a.from}→${a.to}` in ALLOWED_AGAINST_ORDER),
    );
    expect(against.map(describeArrow).sort(), "imports against the order").toEqual([]);
  });

  it("no folders import each other, directly or around a circle", () => {
    const counted = arrows.filter((a) => !(`${a.from}→${a.to}` in ALLOWED_AGAINST_ORDER));
    const found = circles(counted).map((group) => {
      const inside = counted.filter((a) => group.includes(a.from) && group.includes(a.to));
      // The arrows that close the circle are the ones against the order (all of them if the order has none).
      const against = inside.filter((a) => (position.get(a.to) ?? -1) > (position.get(a.from) ?? -1));
      return `circle of ${group.join(", ")}, closed by ${(against.length > 0 ? against : inside).map(describeArrow).join("; ")}`;
    });
    expect(found, "circles of folders").toEqual([]);
  });

  it("every allow-list entry is still needed", () => {
    const present = new Set(arrows.map((a) => `${a.from}→${a.to}`));
    expect(Object.keys(ALLOWED_AGAINST_ORDER).filter((k) => !present.has(k))).toEqual([]);
  });
});

describe("architecture: file size", () => {
  it(`no source file in src/ (generated code aside) or contracts/ is over ${MAX_LINES} lines`, () => {
    const sources = [...walk(SRC, new Set(["gen"])), ...walk(join(ROOT, "contracts"), new Set())].filter((f) =>
      /\.(ts|mts|cts|js|mjs|sql|sol)$/.test(f),
    );
    const long = sources
      .map((f) => ({ path: relative(ROOT, f), lines: lineCount(f) }))
      .filter((f) => f.lines > MAX_LINES && !(f.path in ALLOWED_LONG_FILES))
      .map((f) => `${f.path}: ${f.lines} lines`)
      .sort();
    expect(long, "files over the limit").toEqual([]);
    expect(Object.keys(ALLOWED_LONG_FILES).filter((p) => !sources.some((f) => relative(ROOT, f) === p))).toEqual([]);
  });
});
