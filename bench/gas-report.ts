// Prints the gas bench's figures (bench/gas.ts): a table like the README's, or with --json the whole
// report as one JSON object on one line. Pure, so the shape can be checked without a chain.
import { printTable } from "./bench-util.js";

/** A figure: one number, or numbers keyed by a count under one named dimension ({deposits: {1: …, 20: …}}). */
export type GasFigure = number | Record<string, Record<string, number>>;

export interface GasReport {
  bench: "gas";
  network: string;
  method: string;
  gas: Record<string, unknown>;
}

const fmt = (n: number | undefined): string => (n === undefined ? "–" : n.toLocaleString("en-US").replace(/,/g, " "));

/** One row per call: the single figure, or one column per count ("signers 10", "deposits 20"…). */
export function gasRows(gas: Record<string, unknown>): string[][] {
  return Object.entries(gas).map(([call, figure]) => {
    if (typeof figure === "number") return [call, fmt(figure), ""];
    const [dimension, byCount] = Object.entries(figure as Record<string, Record<string, number>>)[0]!;
    const cells = Object.entries(byCount).map(([count, g]) => `${fmt(g)} (${count} ${dimension})`);
    return [call, cells[0] ?? "–", cells.slice(1).join(", ")];
  });
}

export function printGasReport(report: GasReport, json: boolean): void {
  if (json) return void process.stdout.write(JSON.stringify(report) + "\n");
  printTable(["call", "gas", "gas (more items)"], gasRows(report.gas));
  process.stdout.write(`${report.method}; ${report.network}\n`);
}
