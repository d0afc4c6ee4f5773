// Bitcoin options: the Electrum servers (`btc`) and the fee rules (`fee`).
import { z } from "zod";
import { int, leaf, section, urlString } from "./leaf.js";

export const defaultBtcOptions = { electrumUrls: [] as string[] };
export const defaultFeeOptions = { minSatPerVByte: 5, bufferPercent: 25 };

const ELECTRUM_URLS = "expected a list of tcp://host:port or ssl://host:port URLs";

export const btcOptions = section({
  electrumUrls: leaf(z.array(urlString(["tcp:", "ssl:"], ELECTRUM_URLS, true), { error: ELECTRUM_URLS }).default(defaultBtcOptions.electrumUrls), {
    kind: "list",
    expected: ELECTRUM_URLS,
    doc: "Electrum servers, tried in order (optional for now).",
    default: defaultBtcOptions.electrumUrls,
  }),
});
export type BtcOptions = z.output<typeof btcOptions>;

export const feeOptions = section({
  minSatPerVByte: int(defaultFeeOptions.minSatPerVByte, 1, 1_000_000, "Fee-rate floor (sat/vB)."),
  bufferPercent: int(defaultFeeOptions.bufferPercent, 0, 1000, "Percent added to the Electrum estimate."),
});
export type FeeOptions = z.output<typeof feeOptions>;
