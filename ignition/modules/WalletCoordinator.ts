// Ignition module (contracts.md §7.3, threshold.md §3.1): the Bridge's libraries, the Bridge, then
// WalletProposalValidator(bridge) and FrostWalletRegistry(bridge, dkgTimeoutBlocks). The Bridge is
// deployed with the deploying account as its governance, which wires the registry into it
// (`setFrostWalletRegistry`, settable once) and then hands governance to the `governance` parameter
// (`transferGovernance`; a no-op transfer when that is the deploying account). A changed validator is a
// new deployment and a new protocol profile: give it a new module id.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export const WALLET_COORDINATOR_MODULE_ID = "WalletCoordinator";

/** The external libraries the Bridge calls (contracts/bridge), linked into its bytecode at deployment. */
export const BRIDGE_LIBRARIES = [
  "BridgeParameters",
  "Deposit",
  "DepositSweep",
  "FrostWallets",
  "MovingFunds",
  "Redemption",
  "TaprootDeposit",
  "Wallets",
] as const;

/** Default blocks from a DKG request to its deadline (threshold.md §3.1): 4 h of 12-second blocks. */
export const DEFAULT_DKG_TIMEOUT_BLOCKS = 1200n;

// Ignition modules are default exports by convention (`hardhat ignition deploy <file>`).
export default buildModule(WALLET_COORDINATOR_MODULE_ID, (m) => {
  const deployer = m.getAccount(0);
  // Governance defaults to the deploying account 0.
  const governance = m.getParameter("governance", deployer);
  const dkgTimeoutBlocks = m.getParameter("dkgTimeoutBlocks", DEFAULT_DKG_TIMEOUT_BLOCKS);
  const libraries = Object.fromEntries(BRIDGE_LIBRARIES.map((name) => [name, m.library(name)]));
  const bridge = m.contract("Bridge", [deployer], { libraries });
  const walletProposalValidator = m.contract("WalletProposalValidator", [bridge]);
  const frostWalletRegistry = m.contract("FrostWalletRegistry", [bridge, dkgTimeoutBlocks]);
  const wired = m.call(bridge, "setFrostWalletRegistry", [frostWalletRegistry], { from: deployer });
  m.call(bridge, "transferGovernance", [governance], { from: deployer, after: [wired] });
  return { bridge, walletProposalValidator, frostWalletRegistry };
});
