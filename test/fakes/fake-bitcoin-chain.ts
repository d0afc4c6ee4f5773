// Tests use the devnet's in-memory Bitcoin chain.
export { FakeBitcoinChain, type FakeBitcoinChainOptions, type AcceptResult } from "../../src/devnet/fake-bitcoin-chain.js";
