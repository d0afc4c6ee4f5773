// Every selector and event topic of src/chain/abi.ts against the tables of contracts.md
// §2.1, §2.3, §2.4, §2.5, §2.6–2.11, §3.1–3.3.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AbiCoder, Interface, ZeroHash, id } from "ethers";
import {
  bridgeAbi,
  bridgeEventAbi,
  bridgeInterface,
  bridgeViewAbi,
  bridgeWriteAbi,
  validatorAbi,
  validatorInterface,
  watchtowerAbi,
} from "../../src/chain/abi.js";

const bridgeSelectors: Record<string, string> = {
  // §2.4 tBTC-compatible views
  wallets: "0xe65e19d5",
  deposits: "0xb02c43d0",
  pendingRedemptions: "0x03d952f7",
  movedFundsSweepRequests: "0xf18cf1b1",
  depositParameters: "0xc42b64d0",
  redemptionParameters: "0x6e70ce41",
  movingFundsParameters: "0xbe05abe3",
  walletParameters: "0x61ccf97a",
  getRedemptionWatchtower: "0x5f3281ca",
  liveWalletsCount: "0x24028c11",
  activeWalletPubKeyHash: "0xded1d24a",
  isVaultTrusted: "0xe53c0b55",
  // §2.4 project views
  walletOperators: "0x54d27ce2",
  walletPublicKey: "0x847570cd",
  depositWalletPubKeyHash: "0xd4711f24",
  isMaintainer: "0xdd57366a",
  isRedemptionRequester: "0x03f97f5d",
  governance: "0x5aa6e675",
  // §2.1 roles
  setMaintainerStatus: "0x17816811",
  setRedemptionRequesterStatus: "0x957667ed",
  transferGovernance: "0xd38bfff4",
  // §2.3 parameter updates
  updateDepositParameters: "0x38326507",
  updateRedemptionParameters: "0xb5da2171",
  updateMovingFundsParameters: "0xc3b5ffc9",
  updateWalletParameters: "0x883d6a11",
  // §2.6 lifecycle
  registerWallet: "0x7256ee3a",
  beginMovingFunds: "0x1e02cc11",
  finalizeWalletClosing: "0x4be8aa5a",
  terminateWallet: "0x966cca6b",
  // §2.7–2.9
  revealDeposit: "0xfca4ba4c",
  revealDepositWithExtraData: "0x86f01439",
  requestRedemption: "0xd6eccdf0",
  submitMovingFundsCommitment: "0xbf0d0c34",
  // §2.10
  recordDepositSweep: "0x8577f70c",
  recordRedemption: "0xce821c0d",
  recordMovingFunds: "0x1702c1a0",
  recordMovedFundsSweep: "0xe169fb61",
  // §2.11
  setVaultStatus: "0x60d712fc",
  setRedemptionWatchtower: "0xbe26ebad",
  // threshold.md §2, §3.1, §4.3
  walletScheme: "0xb9d91db7",
  frostWalletRegistry: "0xc4edea3f",
  setFrostWalletRegistry: "0x07fe5dad",
  registerFrostWallet: "0x6dfccafa",
  revealTaprootDeposit: "0xc784bf42",
  revealTaprootDepositWithExtraData: "0x2d589a84",
  // issue 14: tbtc-v2's SPV proof entry points (tbtc-v2's own selectors) and the relay settings
  submitDepositSweepProof: "0xbd150131",
  submitRedemptionProof: "0x8ac89ce1",
  submitMovingFundsProof: "0xe509397d",
  submitMovedFundsSweepProof: "0x9821c38b",
  setRelay: "0xc805f68b",
  relay: "0xb59589d1",
  updateTxProofDifficultyFactor: "0xc6315e95",
  txProofDifficultyFactor: "0x2bb818c2",
};

const eventTopics: Record<string, string> = {
  DepositRevealed: "0xa7382159a693ed317a024daf0fd1ba30805cdf9928ee09550af517c516e2ef05",
  DepositsSwept: "0xe50ffdcc0a5f2c1ede5c122b9414ffd7b2c6bc870d2d775194049dc30da95e6a",
  RedemptionRequested: "0x97a0199072f487232635d50ab75860891afe0b91c976ed2fc76502c4d82d0d95",
  RedemptionsCompleted: "0xa45596c10f758d32ec8cca64a0fbfe776052b08fdb3f026e0a87f52118bf8fbe",
  WalletMovingFunds: "0xbdc9ce990a067e5fd3a5d8dfc68e27e9f221aaa3fe55265e0b7e93c460b3efe2",
  MovingFundsCommitmentSubmitted: "0xfcab32b1dc365ef82ae9df4be019512ca536c191bd68f523b9f33d0c070e8d4a",
  MovingFundsCompleted: "0xc635af1892551655b9dbb3256a0eed3e35baf4fcc5392b80e6a907b6f44a2838",
  MovedFundsSwept: "0x1650566b0cdca3878702c6b169ab429b57de91a06c61998925d0adf6227b243e",
  NewWalletRegistered: "0x2dbb47dce81d6b11cca1f1e3b10143d6f7e1e7e92d2dd9aacbb1f875379d308e",
  WalletClosing: "0x68cb496f5e64383745876664ef119840f154a729c03ba866b8aecb5c9f53d516",
  WalletClosed: "0x47b159947c3066cb253f60e8f046cfd747411788a545cb189679e3fa1467b28d",
  WalletTerminated: "0x9272a280b0f32f70b00ad0b546499c68e3ecc6f7bb7ef43491ec5d7b99bf69ef",
  VaultStatusUpdated: "0x9065599c12c4294d9e2201638226d0d0beb95c228f468c4e7c2bdb8322b6066f",
  RedemptionWatchtowerSet: "0x13f696992cabdd1b00afcc752ff98fe39e3fe341c16ed5f55e55c64875de0b99",
  WalletOperatorsSet: "0xbe4e8d583cf7ee6a7d47aec2db98ae7f9cc9723a938003f1ee0dfbe81ca12fbf",
  MaintainerStatusUpdated: "0x60ff4d11eaf2eaa21d4ff66510f82b93d3c52613fa16398185c2142758edc92b",
  GovernanceTransferred: "0x5f56bee8cffbe9a78652a74a60705edede02af10b0bbb888ca44b79a0d42ce80",
  RedemptionRequesterStatusUpdated: "0xed2e6139147b88f60b2e3b541d2a87d4fc1a0c4497b6a908492125bd32c6b5e8",
  // threshold.md §3.1, §4.3
  TaprootDepositRevealed: "0xc9dd3b497d1dd0e8af8c757900c66fcda4cb620af122bd564b6e5dc13b49d72f",
  FrostWalletRegistrySet: "0xdbe373e942a6a777b9b8e4970445ff3dee716310d6d5d2265c7b01947776b6df",
  // issue 14
  RelaySet: "0xb44971547033304571a4b3a4fac23330a8c71fcd085d1634be35979c5c29ec31",
  TxProofDifficultyFactorUpdated: "0x46529928285bb22088cc86d5596d3160e1218e9c3631d626b44c46cbc3e209d0",
};

// The §2.3 parameter-update events have no topic table; their signatures are the getter tuples.
const paramEventSignatures: Record<string, string> = {
  DepositParametersUpdated: "DepositParametersUpdated(uint64,uint64,uint64,uint32)",
  RedemptionParametersUpdated: "RedemptionParametersUpdated(uint64,uint64,uint64,uint64,uint32,uint96,uint32)",
  MovingFundsParametersUpdated:
    "MovingFundsParametersUpdated(uint64,uint64,uint32,uint32,uint96,uint32,uint16,uint64,uint32,uint96,uint32)",
  WalletParametersUpdated: "WalletParametersUpdated(uint32,uint64,uint64,uint64,uint32,uint64,uint32)",
};

const validatorSelectors: Record<string, string> = {
  bridge: "0xe78cea92",
  DEPOSIT_MIN_AGE: "0x6b562cec",
  DEPOSIT_REFUND_SAFETY_MARGIN: "0x765f28f9",
  DEPOSIT_SWEEP_MAX_SIZE: "0x996a756b",
  REDEMPTION_REQUEST_MIN_AGE: "0xd09520f7",
  REDEMPTION_REQUEST_TIMEOUT_SAFETY_MARGIN: "0x0538ac1b",
  REDEMPTION_MAX_SIZE: "0xe0276b26",
  validateDepositSweepProposal: "0x7405d7bf",
  validateRedemptionProposal: "0x0fde6c76",
  validateMovingFundsProposal: "0x9b337db2",
  validateMovedFundsSweepProposal: "0xd6c7fa78",
  validateHeartbeatProposal: "0xf03a4bc5",
  // threshold.md §4.4
  validateTaprootDepositSweepProposal: "0xb1782302",
};

// §3.3 canonical signatures.
const validatorSignatures: Record<string, string> = {
  validateDepositSweepProposal:
    "validateDepositSweepProposal((bytes20,(bytes32,uint32)[],uint256,uint256[]),((bytes4,bytes,bytes,bytes4),bytes8,bytes20,bytes20,bytes4)[])",
  validateRedemptionProposal: "validateRedemptionProposal((bytes20,bytes[],uint256))",
  validateMovingFundsProposal: "validateMovingFundsProposal((bytes20,bytes20[],uint256),(bytes32,uint32,uint64))",
  validateMovedFundsSweepProposal: "validateMovedFundsSweepProposal((bytes20,bytes32,uint32,uint256))",
  validateHeartbeatProposal: "validateHeartbeatProposal((bytes20,bytes))",
};

function functionNames(iface: Interface): string[] {
  const names: string[] = [];
  iface.forEachFunction((f) => names.push(f.name));
  return names.sort();
}

describe("bridgeAbi", () => {
  it("has exactly the spec's functions, each with the spec selector", () => {
    expect(functionNames(bridgeInterface)).toEqual(Object.keys(bridgeSelectors).sort());
    for (const [name, selector] of Object.entries(bridgeSelectors)) {
      expect(bridgeInterface.getFunction(name)!.selector, name).toBe(selector);
      // Independent check: the selector is keccak of the canonical signature ethers formats.
      expect(id(bridgeInterface.getFunction(name)!.format("sighash")).slice(0, 10), name).toBe(selector);
    }
  });

  it("splits views and writes by mutability", () => {
    new Interface(bridgeViewAbi).forEachFunction((f) => expect(f.constant, f.name).toBe(true));
    new Interface(bridgeWriteAbi).forEachFunction((f) => expect(f.constant, f.name).toBe(false));
    expect(bridgeAbi.length).toBe(bridgeViewAbi.length + bridgeWriteAbi.length + bridgeEventAbi.length);
  });

  it("has every §2.5 event with the spec topic0", () => {
    const names: string[] = [];
    bridgeInterface.forEachEvent((e) => names.push(e.name));
    expect(names.sort()).toEqual([...Object.keys(eventTopics), ...Object.keys(paramEventSignatures)].sort());
    for (const [name, topic] of Object.entries(eventTopics)) {
      expect(bridgeInterface.getEvent(name)!.topicHash, name).toBe(topic);
    }
    for (const [name, sig] of Object.entries(paramEventSignatures)) {
      expect(bridgeInterface.getEvent(name)!.topicHash, name).toBe(id(sig));
    }
  });

  it("marks the tBTC indexed fields (DepositRevealed: depositor and wallet PKH)", () => {
    const ev = bridgeInterface.getEvent("DepositRevealed")!;
    expect(ev.inputs.filter((i) => i.indexed).map((i) => i.name)).toEqual(["depositor", "walletPubKeyHash"]);
    expect(bridgeInterface.getEvent("DepositsSwept")!.inputs.some((i) => i.indexed)).toBe(false);
  });

  it("decodes struct returns by field name (Wallet tuple of §1.2)", () => {
    const types = ["tuple(bytes32,bytes32,uint64,uint32,uint32,uint32,uint32,uint8,bytes32)"];
    const id32 = "0x" + "11".repeat(32);
    const commit = "0x" + "22".repeat(32);
    const data = AbiCoder.defaultAbiCoder().encode(types, [[id32, ZeroHash, 5n, 6n, 7n, 8n, 9n, 2n, commit]]);
    const [w] = bridgeInterface.decodeFunctionResult("wallets", data);
    expect(w.ecdsaWalletID).toBe(id32);
    expect(w.pendingRedemptionsValue).toBe(5n);
    expect(w.pendingMovedFundsSweepRequestsCount).toBe(9n);
    expect(w.state).toBe(2n);
    expect(w.movingFundsTargetWalletsCommitmentHash).toBe(commit);
  });
});

describe("validatorAbi", () => {
  const iface = validatorInterface;

  it("has exactly the constants, bridge() and the five validate functions with spec selectors", () => {
    expect(functionNames(iface)).toEqual(Object.keys(validatorSelectors).sort());
    for (const [name, selector] of Object.entries(validatorSelectors)) {
      expect(iface.getFunction(name)!.selector, name).toBe(selector);
    }
    expect(validatorAbi.length).toBe(Object.keys(validatorSelectors).length);
  });

  it("uses the §3.3 canonical signatures", () => {
    for (const [name, sig] of Object.entries(validatorSignatures)) {
      expect(iface.getFunction(name)!.format("sighash"), name).toBe(sig);
      expect(id(sig).slice(0, 10), name).toBe(validatorSelectors[name]);
    }
  });

  it("every validate function is a view returning bool", () => {
    iface.forEachFunction((f) => {
      expect(f.constant, f.name).toBe(true);
      if (f.name.startsWith("validate")) expect(f.outputs.map((o) => o.type)).toEqual(["bool"]);
    });
  });
});

describe("watchtowerAbi", () => {
  it("getRedemptionDelay has selector 0x0df5db70 and isSafeRedemption the §2.11 signature", () => {
    const iface = new Interface(watchtowerAbi);
    expect(iface.getFunction("getRedemptionDelay")!.selector).toBe("0x0df5db70");
    expect(iface.getFunction("isSafeRedemption")!.format("sighash")).toBe(
      "isSafeRedemption(bytes20,bytes,address,address)",
    );
  });
});

// The generated fragments (src/chain/gen) against what solc produced (artifacts come from `hardhat build`, the pretest step).
describe("compiled artifacts", () => {
  const root = join(import.meta.dirname, "..", "..");
  const artifact = (file: string, name: string): Interface =>
    new Interface(JSON.parse(readFileSync(join(root, "artifacts", "contracts", "bridge", file, `${name}.json`), "utf8")).abi);

  // Names may differ; types, outputs, mutability and indexed flags may not.
  function shape(iface: Interface): Map<string, string> {
    const out = new Map<string, string>();
    iface.forEachFunction((f) =>
      out.set(f.selector, `${f.format("sighash")} ${f.stateMutability} -> ${f.outputs.map((o) => o.format("sighash")).join(",")}`),
    );
    iface.forEachEvent((e) => out.set(e.topicHash, `${e.format("sighash")} indexed=${e.inputs.map((i) => i.indexed === true).join(",")}`));
    return out;
  }

  for (const [file, name, mine] of [
    ["Bridge.sol", "Bridge", bridgeInterface],
    ["WalletProposalValidator.sol", "WalletProposalValidator", validatorInterface],
    ["IRedemptionWatchtower.sol", "IRedemptionWatchtower", new Interface(watchtowerAbi)],
  ] as const) {
    it(`${name}: same functions and events, same shapes`, () => {
      expect(Object.fromEntries(shape(mine))).toEqual(Object.fromEntries(shape(artifact(file, name))));
    });
  }
});
