// The EthereumChain compliance suite run against every implementation: EthersChain over HTTP polling
// and over HTTP + WebSocket newHeads, both against a real `hardhat node` behind the fault proxy (which
// plays the unreachable endpoint and the refused log range), and FakeEthereumChain.
import { toQuantity } from "ethers";
import { afterAll } from "vitest";
import { EthersChain } from "../../src/chain/ethers-chain.js";
import type { EthereumChain } from "../../src/chain/ethereum-chain.js";
import { FakeEthereumChain } from "../fakes/fake-ethereum-chain.js";
import { startHardhatNode, type HardhatNode } from "../fakes/hardhat-node.js";
import { startRpcProxy, type RpcProxy } from "../fakes/rpc-proxy.js";
import {
  describeEthereumChainCompliance,
  LOG_TOPIC,
  REVERT_DATA,
  word,
  type EthereumChainContracts,
  type EthereumChainHarness,
} from "./ethereum-chain-suite.js";
import { rpcCall } from "../fakes/json-rpc.js";

const CONTRACTS: EthereumChainContracts = {
  slot: "0x00000000000000000000000000000000000c0de1",
  reverter: "0x00000000000000000000000000000000000c0de2",
  emptyReverter: "0x00000000000000000000000000000000000c0de3",
  logger: "0x00000000000000000000000000000000000c0de4",
};

// ---- EthersChain against hardhat ----

// Runtime bytecodes installed with hardhat_setCode.
const CODE: Record<keyof EthereumChainContracts, string> = {
  // if calldata: sstore(0, calldataload(0)); return sload(0)
  slot: "0x3615600b576000356000555b60005460005260206000f3",
  // revert(REVERT_DATA): mstore(0, 0xdeadbeef); revert(28, 4)
  reverter: `0x63${REVERT_DATA.slice(2)}6000526004601cfd`,
  // revert(0, 0)
  emptyReverter: "0x60006000fd",
  // log1(0, 0, LOG_TOPIC)
  logger: `0x7f${LOG_TOPIC.slice(2)}60006000a100`,
};

interface Backend {
  node: HardhatNode;
  proxy: RpcProxy;
  from: string;
}
let backend: Promise<Backend> | undefined;

afterAll(async () => {
  const b = await backend?.catch(() => undefined);
  await b?.proxy.close();
  await b?.node.stop();
});

const rpc = rpcCall;

/** One hardhat node and proxy for the whole file, started by the first test that needs them. */
function hardhat(): Promise<Backend> {
  backend ??= (async () => {
    const node = await startHardhatNode();
    const proxy = await startRpcProxy(node.url);
    for (const [name, code] of Object.entries(CODE)) {
      await rpc(node.url, "hardhat_setCode", [CONTRACTS[name as keyof EthereumChainContracts], code]);
    }
    const [from] = await rpc<string[]>(node.url, "eth_accounts");
    return { node, proxy, from };
  })();
  return backend;
}

function hardhatHarness(transport: "http" | "ws"): () => Promise<EthereumChainHarness> {
  return async () => {
    const { node, proxy, from } = await hardhat();
    const call = <T>(method: string, params: unknown[] = []): Promise<T> => rpc<T>(node.url, method, params);
    const latest = async (): Promise<number> => Number(await call<string>("eth_blockNumber"));
    /** A transaction to `to`, mined at once (automine); resolves with its block number. */
    const send = async (to: string, data = "0x"): Promise<number> => {
      const hash = await call<string>("eth_sendTransaction", [{ from, to, data, gas: "0x186a0" }]);
      const receipt = await call<{ blockNumber: string }>("eth_getTransactionReceipt", [hash]);
      return Number(receipt.blockNumber);
    };
    const chain: EthereumChain = new EthersChain(
      {},
      { rpcUrl: proxy.url, wsUrl: transport === "ws" ? node.wsUrl : undefined, chainId: 31337n, pollIntervalMs: 50, callTimeoutMs: 2_000 },
    );
    return {
      chain,
      contracts: CONTRACTS,
      mine: async (n = 1) => (await call("hardhat_mine", [toQuantity(n)]), latest()),
      store: (value) => send(CONTRACTS.slot, word(value)),
      emitLog: () => send(CONTRACTS.logger),
      checkpoint: () => call<string>("evm_snapshot"),
      rewind: async (id) => {
        await call("evm_revert", [id]);
        // Blocks mined after the revert must differ from the dropped ones: move the clock on.
        const top = await call<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false]);
        await call("evm_setNextBlockTimestamp", [toQuantity(Number(top.timestamp) + 1_000)]);
      },
      setUnreachable: async (on) => proxy.setFault("*", on ? { kind: "drop" } : null),
      refuseLogs: async (on) =>
        proxy.setFault("eth_getLogs", on ? { kind: "fail", error: { code: -32005, message: "query returned more than 10000 results" } } : null),
      close: async () => {
        await chain.stop();
        proxy.setFault("*", null);
        proxy.setFault("eth_getLogs", null);
      },
    };
  };
}

// ---- FakeEthereumChain ----

async function fakeHarness(): Promise<EthereumChainHarness> {
  const fake = new FakeEthereumChain();
  fake.setCall(CONTRACTS.reverter, { reverts: REVERT_DATA });
  fake.setCall(CONTRACTS.emptyReverter, { reverts: "0x" });
  fake.setCall(CONTRACTS.slot, { returns: word(0n) });
  fake.mine();
  const top = (): number => fake.latest().number;
  let marks = 0;
  const checkpoints = new Map<string, number>();
  return {
    chain: fake,
    contracts: CONTRACTS,
    mine: async (n = 1) => (fake.mine(n), top()),
    store: async (value) => (fake.setCall(CONTRACTS.slot, { returns: word(value) }), fake.mine(), top()),
    emitLog: async () => (fake.addLog(CONTRACTS.logger, [LOG_TOPIC]), fake.mine(), top()),
    checkpoint: async () => {
      const id = `mark-${marks++}`;
      checkpoints.set(id, top());
      return id;
    },
    rewind: async (id) => fake.forkAt(checkpoints.get(id as string)!),
    setUnreachable: async (on) => fake.setUnreachable(on),
    refuseLogs: async (on) => fake.setMaxLogRange(on ? 0 : null),
    close: () => fake.stop(),
  };
}

describeEthereumChainCompliance("EthersChain (HTTP polling) ↔ hardhat node", hardhatHarness("http"));
describeEthereumChainCompliance("EthersChain (HTTP + WebSocket newHeads) ↔ hardhat node", hardhatHarness("ws"));
describeEthereumChainCompliance("FakeEthereumChain", fakeHarness);
