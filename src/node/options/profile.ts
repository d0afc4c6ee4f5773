// The protocol profile (`profile`, coordination.md §2): the rules every operator of a wallet must share.
// A separate block so that it is plain which settings change the profile hash the node prints.
import { z } from "zod";
import {
  DEFAULT_FREQUENCY_WINDOWS,
  DEFAULT_FUNDING_TX_MIN_CONFIRMATIONS,
  DEFAULT_HEARTBEAT_PROBABILITY_PPM,
  defaultProfile,
  RNG_SCHEMES,
  validateProfile,
  type ProtocolProfile,
  type RngScheme,
} from "../../protocol/profile.js";
import { enumKey, int, section } from "./leaf.js";

const UINT32_MAX = 0xffffffff;
const RNG = RNG_SCHEMES as unknown as readonly [RngScheme, ...RngScheme[]];

export const defaultProfileOptions = {
  frequencyWindows: DEFAULT_FREQUENCY_WINDOWS,
  heartbeatProbabilityPpm: DEFAULT_HEARTBEAT_PROBABILITY_PPM,
  rngScheme: "seedrandom" as RngScheme,
  fundingTxMinConfirmations: DEFAULT_FUNDING_TX_MIN_CONFIRMATIONS,
};

export const profileOptions = section({
  frequencyWindows: int(defaultProfileOptions.frequencyWindows, 1, UINT32_MAX, "Protocol profile: windows between checklist items (coordination.md §6)."),
  heartbeatProbabilityPpm: int(
    defaultProfileOptions.heartbeatProbabilityPpm,
    0,
    1_000_000,
    "Protocol profile: heartbeat probability in parts per million.",
  ),
  rngScheme: enumKey(RNG, defaultProfileOptions.rngScheme, "Protocol profile: leader shuffle RNG (coordination.md §5)."),
  fundingTxMinConfirmations: int(
    defaultProfileOptions.fundingTxMinConfirmations,
    0,
    UINT32_MAX,
    "Protocol profile: Bitcoin confirmations a deposit funding transaction needs.",
  ),
});
export type ProfileOptions = z.output<typeof profileOptions>;

/** The protocol profile of this node, from its resolved contracts and `profile` block; throws on a rule break. */
export function profileFromConfig(
  config: { bridge: { address: string; validator: string }; profile: ProfileOptions },
  chainId: bigint,
): ProtocolProfile {
  const p: ProtocolProfile = {
    ...defaultProfile(chainId, config.bridge.address, config.bridge.validator),
    frequencyWindows: config.profile.frequencyWindows,
    heartbeatProbabilityPpm: config.profile.heartbeatProbabilityPpm,
    rngScheme: config.profile.rngScheme,
    fundingTxMinConfirmations: config.profile.fundingTxMinConfirmations,
  };
  validateProfile(p);
  return p;
}
