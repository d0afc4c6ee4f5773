// `wcoord wallet show|request`: a wallet as the Bridge sees it (scheme, key, members, state, main
// UTXO), and governance's request for a new FROST wallet (FrostWalletRegistry.requestNewWallet,
// threshold.md §3.1). The chain and the contracts come from the node's configuration.
import { readFileSync } from "node:fs";
import { Contract, JsonRpcProvider, Network, getAddress, isAddress, type TransactionReceipt } from "ethers";
import { BridgeClient, signingSchemeAt } from "../chain/bridge-client.js";
import { frostWalletRegistryInterface } from "../chain/abi.js";
import { classifyCallError } from "../chain/revert.js";
import type { BlockRef } from "../chain/pinned-call.js";
import { WalletState } from "../protocol/constants.js";
import { CommandExit, defineCommand, parseCommand, UsageError, type CommandArgs, type TextSink } from "../util/cli-args.js";
import { errorMessage } from "../util/errors.js";
import { fromHex, to0x, toHex } from "../util/hex.js";
import { decryptKeystore, KeyError, readKeystorePassword } from "./keys.js";
import { ConfigError, KEYSTORE_PASSWORD_ENV, loadConfig, type NodeConfig } from "./options.js";

const WALLET = defineCommand({
  name: "wcoord wallet",
  usage: `usage:
  wcoord wallet show PKH [--config FILE] [--rpc URL] [--deployment FILE] [--json]
  wcoord wallet request --members ADDR,ADDR,… --threshold T [--quorum Q] --keystore FILE
                        [--password-file FILE] [--config FILE] [--rpc URL] [--deployment FILE]`,
  about: `show prints a wallet as the Bridge holds it. request asks the FrostWalletRegistry for a new FROST
wallet, signed by the Bridge's governance key (an encrypted keystore; its password from --password-file
or ${KEYSTORE_PASSWORD_ENV}); the members, sorted by address, then run the DKG and register the wallet.
The chain and the contracts come from --config (the node's file), WCOORD_* variables, --rpc and --deployment.`,
  positionals: true,
  flags: {
    config: { type: "string", value: "FILE", help: "the node's configuration file" },
    rpc: { type: "string", value: "URL", help: "eth.rpcUrl" },
    deployment: { type: "string", value: "FILE", help: "bridge.deploymentFile (deployments/<network>.json)" },
    json: { type: "boolean", help: "show: print JSON" },
    members: { type: "string", value: "ADDR,…", help: "request: the members' operator addresses, comma-separated (2 to 255)" },
    threshold: { type: "string", value: "T", help: "request: members that sign together (2 ≤ T ≤ Q)" },
    quorum: { type: "string", value: "Q", help: "request: members that must sign the DKG result (T ≤ Q ≤ members; default: all)" },
    keystore: { type: "string", value: "FILE", help: "request: the governance key's keystore" },
    "password-file": { type: "string", value: "FILE", help: "request: file holding the keystore password" },
  },
});

type WalletRequest =
  | { sub: "show"; walletPkh: Uint8Array; json: boolean }
  | { sub: "request"; members: string[]; threshold: number; quorum: number; keystore: string; passwordFile?: string };

/** Which subcommand, with its arguments checked; throws UsageError. */
function walletRequest({ values, positionals }: CommandArgs<typeof WALLET.flags>): WalletRequest {
  const [sub, ...rest] = positionals;
  if (sub === "show") {
    if (rest.length !== 1) throw new UsageError("show takes one wallet PKH");
    if (!/^(0x)?[0-9a-fA-F]{40}$/.test(rest[0]!)) throw new UsageError(`wallet PKH must be 20 bytes of hex, got ${JSON.stringify(rest[0])}`);
    return { sub, walletPkh: fromHex(rest[0]!.replace(/^0x/, "")), json: values.json };
  }
  if (sub !== "request") throw new UsageError(sub === undefined ? undefined : `unknown subcommand ${JSON.stringify(sub)}`);
  if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  if (!values.members) throw new UsageError("--members is required");
  if (!values.threshold) throw new UsageError("--threshold is required");
  if (!values.keystore) throw new UsageError("--keystore is required");
  const members = sortedMembers(values.members);
  const threshold = count("--threshold", values.threshold);
  const quorum = values.quorum === undefined ? members.length : count("--quorum", values.quorum);
  if (threshold < 2 || threshold > quorum || quorum > members.length) {
    throw new UsageError(`need 2 ≤ threshold ≤ quorum ≤ members, got threshold ${threshold}, quorum ${quorum}, ${members.length} members`);
  }
  return { sub, members, threshold, quorum, keystore: values.keystore, passwordFile: values["password-file"] };
}

/** The member list, EIP-55, ascending as the registry requires (member index = position + 1). */
function sortedMembers(list: string): string[] {
  const members = list.split(",").map((s) => s.trim());
  for (const m of members) if (!isAddress(m)) throw new UsageError(`--members: ${JSON.stringify(m)} is not an address`);
  const unique = [...new Set(members.map((m) => getAddress(m)))];
  if (unique.length !== members.length) throw new UsageError("--members names an address twice");
  if (unique.length < 2 || unique.length > 255) throw new UsageError(`--members needs 2 to 255 addresses, got ${unique.length}`);
  return unique.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
}

function count(flag: string, v: string): number {
  if (!/^\d{1,3}$/.test(v)) throw new UsageError(`${flag} must be an integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Runs `wcoord wallet …`; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function runWalletCommand(argv: string[], out: TextSink, err: TextSink, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const values = parseCommand(WALLET, argv, { out, err }, (args) => ({ request: walletRequest(args), flags: args.values }));
  if (values instanceof CommandExit) return values.code;
  const { request, flags } = values;
  let provider: JsonRpcProvider | undefined;
  try {
    const config = loadConfig({
      file: flags.config,
      env,
      overrides: { ...(flags.rpc ? { eth: { rpcUrl: flags.rpc } } : {}), ...(flags.deployment ? { bridge: { deploymentFile: flags.deployment } } : {}) },
    });
    provider = new JsonRpcProvider(config.eth.rpcUrl, Network.from(config.eth.chainId ?? undefined), { staticNetwork: config.eth.chainId !== undefined, cacheTimeout: -1 });
    const bridge = new BridgeClient({ caller: provider }, { address: config.bridge.address });
    const head = await provider.getBlock("latest");
    if (head === null) throw new Error(`${config.eth.rpcUrl} has no latest block`);
    const at: BlockRef = { blockNumber: head.number, blockHash: head.hash! };
    if (request.sub === "show") return await show(bridge, request.walletPkh, at, request.json, out, err);
    return await requestWallet(provider, bridge, config, request, at, env, out);
  } catch (e) {
    err.write(`wcoord wallet: ${oneLine(e)}\n`);
    return 1;
  } finally {
    provider?.destroy();
  }
}

function oneLine(e: unknown): string {
  // A KeyError speaks of "operator key"; here the keystore is governance's.
  if (e instanceof KeyError) return `governance ${e.message.replace(/^operator key: /, "keystore ")}`;
  if (e instanceof ConfigError) return e.message;
  const failure = classifyCallError(e);
  return failure.kind === "revert" ? `reverted: ${failure.reason}` : errorMessage(e).split("\n")[0]!;
}

async function show(bridge: BridgeClient, walletPkh: Uint8Array, at: BlockRef, json: boolean, out: TextSink, err: TextSink): Promise<number> {
  const wallet = await bridge.wallets(walletPkh, at);
  if (wallet.state === WalletState.Unknown) {
    err.write(`wcoord wallet: wallet 0x${toHex(walletPkh)} is not registered on the Bridge ${bridge.address}\n`);
    return 1;
  }
  const scheme = await signingSchemeAt(bridge, walletPkh, at);
  const members = await bridge.walletOperators(walletPkh, at);
  const mainUtxo = wallet.mainUtxoHash.every((b) => b === 0) ? null : to0x(wallet.mainUtxoHash);
  const key = scheme.scheme === "frost" ? { walletX: to0x(scheme.walletX), threshold: scheme.threshold } : { publicKey: to0x(await bridge.walletPublicKey(walletPkh, at)) };
  const view = {
    wallet: "0x" + toHex(walletPkh),
    state: WalletState[wallet.state],
    scheme: scheme.scheme,
    ...key,
    members,
    mainUtxoHash: mainUtxo,
    pendingRedemptionsValue: wallet.pendingRedemptionsValue.toString(),
    block: at.blockNumber,
  };
  if (json) {
    out.write(JSON.stringify(view, null, 2) + "\n");
    return 0;
  }
  const kind = scheme.scheme === "frost" ? `FROST ${scheme.threshold}-of-${members.length}` : "ECDSA";
  out.write(`wallet ${view.wallet}: ${view.state}, ${kind} (block ${at.blockNumber})\n`);
  out.write("walletX" in key ? `  walletX     ${key.walletX}\n` : `  public key  ${key.publicKey}\n`);
  out.write(`  members     ${members.map((m, i) => `${i + 1} ${m}`).join("\n              ")}\n`);
  out.write(`  main UTXO   ${mainUtxo ?? "none"}\n`);
  out.write(`  pending redemptions ${view.pendingRedemptionsValue} sat\n`);
  return 0;
}

async function requestWallet(
  provider: JsonRpcProvider,
  bridge: BridgeClient,
  config: NodeConfig,
  request: Extract<WalletRequest, { sub: "request" }>,
  at: BlockRef,
  env: NodeJS.ProcessEnv,
  out: TextSink,
): Promise<number> {
  const registryAddress = config.bridge.frostWalletRegistry ?? (await bridge.frostWalletRegistry(at));
  if (/^0x0{40}$/i.test(registryAddress)) throw new Error(`the Bridge ${bridge.address} has no FrostWalletRegistry`);
  const password = readKeystorePassword({ keys: { passwordFile: request.passwordFile } }, env);
  const governance = (await decryptKeystore(readFileSync(request.keystore, "utf8"), password, "--keystore")).connect(provider);
  const expected = await bridge.governance(at);
  if (governance.address !== expected) throw new Error(`the keystore holds ${governance.address}, but the Bridge's governance is ${expected}`);
  const registry = new Contract(registryAddress, frostWalletRegistryInterface, governance);
  const tx = await registry.getFunction("requestNewWallet")(request.members, request.threshold, request.quorum);
  const receipt = (await tx.wait()) as TransactionReceipt;
  const event = receipt.logs
    .filter((l) => getAddress(l.address) === getAddress(registryAddress))
    .map((l) => frostWalletRegistryInterface.parseLog({ topics: [...l.topics], data: l.data }))
    .find((e) => e?.name === "DkgRequested");
  if (!event) throw new Error(`transaction ${receipt.hash} emitted no DkgRequested`);
  out.write(
    `DKG request ${event.args.requestId} for ${request.members.length} members (threshold ${request.threshold}, quorum ${request.quorum}) ` +
      `in block ${receipt.blockNumber}, tx ${receipt.hash}; the members must submit the result by block ${event.args.deadline}\n`,
  );
  request.members.forEach((m, i) => out.write(`  member ${i + 1} ${m}\n`));
  return 0;
}
