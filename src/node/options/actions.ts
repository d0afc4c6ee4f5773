// Proposal generation (`coordination`), the wallet signer (`signer`), threshold signing of FROST
// wallets (`threshold`) and recording outcomes on the Bridge as a maintainer (`maintainer`, `record`).
import { z } from "zod";
import { bool, int, optPath, section } from "./leaf.js";

const UINT32_MAX = 0xffffffff;

export const defaultCoordinationOptions = { generationConcurrency: 4, extraSafetyMarginSec: 3600 };
export const defaultMaintainerOptions = { enabled: false };
export const defaultRecordOptions = { minConfirmations: 6 };

export const coordinationOptions = section({
  generationConcurrency: int(defaultCoordinationOptions.generationConcurrency, 1, 1024, "Wallets generating proposals at once."),
  extraSafetyMarginSec: int(defaultCoordinationOptions.extraSafetyMarginSec, 0, UINT32_MAX, "Slack added to `tHigh` (coordination.md §13.1)."),
});
export type CoordinationOptions = z.output<typeof coordinationOptions>;

/** No defaults: without a keys file, actions that need a wallet signature expire. */
export const signerOptions = section({
  localKeysFile: optPath(
    "Development only: JSON `{ \"<wallet PKH hex>\": \"0x<private key>\" }` for the local-key wallet signer. Without it, actions that need a wallet signature expire.",
  ),
});
export type SignerOptions = z.output<typeof signerOptions>;

export const defaultThresholdOptions = { signingAttemptMs: 20_000, dkgAttemptBlocks: 100 };

/** FROST wallets whose key shares this node holds (sealed in its database with the keystore password). */
export const thresholdOptions = section({
  signingAttemptMs: int(
    defaultThresholdOptions.signingAttemptMs,
    200,
    600_000,
    "One signing attempt's time (threshold.md §5.2): members that have not answered by then are left out of the next attempt.",
  ),
  dkgAttemptBlocks: int(
    defaultThresholdOptions.dkgAttemptBlocks,
    5,
    10_000,
    "Blocks of one DKG attempt (threshold.md §3.2): attempt a starts at the request block + a · this; members silent by its end are left out of the next.",
  ),
});
export type ThresholdOptions = z.output<typeof thresholdOptions>;

export const maintainerOptions = section({
  enabled: bool(defaultMaintainerOptions.enabled, "Record outcomes on the Bridge when this operator is a maintainer (reliability.md §3.8)."),
});
export type MaintainerOptions = z.output<typeof maintainerOptions>;

export const recordOptions = section({
  minConfirmations: int(defaultRecordOptions.minConfirmations, 1, 1000, "Bitcoin depth before a maintainer records an outcome."),
});
export type RecordOptions = z.output<typeof recordOptions>;
