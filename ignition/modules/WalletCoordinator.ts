// Ignition module (contracts.md §7.3): the Bridge's libraries, Bridge(governance), then
// WalletProposalValidator(bridge). A changed validator is a new deployment and a new protocol profile:
// give it a new module id.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export const WALLET_COORDINATOR_MODULE_ID = "WalletCoordinator";

/** The external libraries the Bridge calls (contracts/bridge), linked into its bytecode at deployment. */
export const BRIDGE_LIBRARIES = ["BridgeParameters", "Deposit", "DepositSweep", "MovingFunds", "Redemption", "Wallets"] as const;

// Ignition modules are default exports by convention (`hardhat ignition deploy <file>`).
export default buildModule(WALLET_COORDINATOR_MODULE_ID, (m) => {
  // Governance defaults to the deploying account 0.
  const governance = m.getParameter("governance", m.getAccount(0));
  const libraries = Object.fromEntries(BRIDGE_LIBRARIES.map((name) => [name, m.library(name)]));
  const bridge = m.contract("Bridge", [governance], { libraries });
  const walletProposalValidator = m.contract("WalletProposalValidator", [bridge]);
  return { bridge, walletProposalValidator };
});
