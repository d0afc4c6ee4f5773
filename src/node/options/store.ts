// Where the node keeps its state (`dataDir`): the database, its lock and the log file.
import { z } from "zod";
import { leaf } from "./leaf.js";

export const DEFAULT_DATA_DIR = ".data";

const DIRECTORY = "expected a directory path";

export const dataDirOption = leaf(z.string({ error: DIRECTORY }).min(1, { error: DIRECTORY }).default(DEFAULT_DATA_DIR), {
  kind: "path",
  expected: DIRECTORY,
  doc: "Data directory: `wcoord.sqlite`, `LOCK` and `wcoord.log` (reliability.md §4.1).",
  default: DEFAULT_DATA_DIR,
});
