// Ethereum options: the endpoint (`eth`), the contracts (`bridge`) and the event indexer (`indexer`).
import { getAddress, isAddress } from "ethers";
import { z } from "zod";
import { int, leaf, optInt, optPath, section, urlString } from "./leaf.js";

export const defaultEthOptions = { replaceAfterBlocks: 12 };
export const defaultIndexerOptions = { lagBlocks: 32, chunkBlocks: 5000, rewindBlocks: 128 };

const ETH_URL = "expected a URL (http, https, ws or wss)";
const WS_URL = "expected a ws:// or wss:// URL";

export const ethOptions = section({
  rpcUrl: leaf(urlString(["http:", "https:", "ws:", "wss:"], ETH_URL).optional(), {
    kind: "url",
    expected: ETH_URL,
    doc: "Ethereum JSON-RPC endpoint.",
    required: "required",
  }),
  wsUrl: leaf(urlString(["ws:", "wss:"], WS_URL).optional(), { kind: "url", expected: WS_URL, doc: "Optional WebSocket endpoint for new-head subscriptions." }),
  chainId: optInt(1, Number.MAX_SAFE_INTEGER, "Expected chain id; filled from the deployment file; the node checks it against the RPC."),
  replaceAfterBlocks: int(
    defaultEthOptions.replaceAfterBlocks,
    1,
    100_000,
    "Blocks without a receipt before a stuck Ethereum transaction is replaced (reliability.md §3.7).",
  ),
});
export type EthOptions = z.output<typeof ethOptions>;

function optAddress(doc: string, required?: string) {
  const expected = "expected a 0x-prefixed 20-byte address";
  const schema = z
    .string({ error: expected })
    .refine((v) => /^0x[0-9a-fA-F]{40}$/.test(v) && isAddress(v), { error: expected })
    .transform((v) => getAddress(v))
    .optional();
  return leaf(schema, { kind: "address", expected, doc, required });
}

/** No defaults: the addresses and deploy block come from the file, or from the deployment file. */
export const bridgeOptions = section({
  deploymentFile: optPath("`deployments/<network>.json` with `{chainId, bridge, walletProposalValidator, deployBlock}` (and optionally `frostWalletRegistry`)."),
  address: optAddress("Bridge contract address.", "required unless bridge.deploymentFile"),
  validator: optAddress("WalletProposalValidator contract address.", "required unless bridge.deploymentFile"),
  deployBlock: optInt(0, Number.MAX_SAFE_INTEGER, "First block the event indexer reads.", "required unless bridge.deploymentFile"),
  frostWalletRegistry: optAddress(
    "FrostWalletRegistry contract address (threshold.md §3.1): its DKG events are indexed with the Bridge's. Filled from the deployment file when it has one; unset: not indexed.",
  ),
});
export type BridgeOptions = z.output<typeof bridgeOptions>;

export const indexerOptions = section({
  lagBlocks: int(defaultIndexerOptions.lagBlocks, 0, 100_000, "Index up to `head − lag`."),
  chunkBlocks: int(defaultIndexerOptions.chunkBlocks, 100, 1_000_000, "Initial `eth_getLogs` block range."),
  rewindBlocks: int(defaultIndexerOptions.rewindBlocks, 1, 100_000, "Rewind on cursor mismatch."),
});
export type IndexerOptions = z.output<typeof indexerOptions>;
