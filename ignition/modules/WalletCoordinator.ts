// Ignition module (contracts.md §7.3): Bridge(governance), then WalletProposalValidator(bridge).
// A changed validator is a new deployment and a new protocol profile: give it a new module id.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export const WALLET_COORDINATOR_MODULE_ID = "WalletCoordinator";

// Ignition modules are default exports by convention (`hardhat ignition deploy <file>`).
export default buildModule(WALLET_COORDINATOR_MODULE_ID, (m) => {
  // Governance defaults to the deploying account 0.
  const governance = m.getParameter("governance", m.getAccount(0));
  const bridge = m.contract("Bridge", [governance]);
  const walletProposalValidator = m.contract("WalletProposalValidator", [bridge]);
  return { bridge, walletProposalValidator };
});
