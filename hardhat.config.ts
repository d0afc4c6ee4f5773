import { createRequire } from "node:module";
import { configVariable, defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatIgnitionEthers from "@nomicfoundation/hardhat-ignition-ethers";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";

const require = createRequire(import.meta.url);
// The compiler comes from the `solc` npm package: no download. Version must equal the package's.
const solcVersion: string = require("solc/package.json").version;

export default defineConfig({
  plugins: [hardhatEthers, hardhatIgnitionEthers, hardhatNetworkHelpers],
  solidity: {
    version: solcVersion,
    path: require.resolve("solc/soljson.js"),
    settings: {
      optimizer: { enabled: true, runs: 1000 },
      evmVersion: "cancun",
    },
  },
  networks: {
    // A `hardhat node` started by hand (or by `wcoord devnet`) on loopback.
    localhost: {
      type: "http",
      chainType: "l1",
      url: process.env.WCOORD_LOCALHOST_URL ?? "http://127.0.0.1:8545",
    },
    // Any other chain: URL and deployer key from the environment, e.g.
    // WCOORD_RPC_URL=https://... WCOORD_DEPLOYER_KEY=0x... npx hardhat ... --network custom
    custom: {
      type: "http",
      chainType: "l1",
      url: configVariable("WCOORD_RPC_URL"),
      accounts: [configVariable("WCOORD_DEPLOYER_KEY")],
    },
  },
});
