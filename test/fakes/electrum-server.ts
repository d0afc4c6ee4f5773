// Tests use the devnet's fake Electrum server.
export { startElectrumServer, type ElectrumServerHandle } from "../../src/devnet/electrum-server.js";
