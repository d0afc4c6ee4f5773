// Tests start their `hardhat node` with the devnet's launcher.
export { freePort, startHardhatNode, type HardhatNode } from "../../src/devnet/hardhat-node.js";
