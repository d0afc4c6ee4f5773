#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `wcoord` works from a fresh clone without a build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/node/cli.ts");
process.exitCode = await main(process.argv.slice(2));
