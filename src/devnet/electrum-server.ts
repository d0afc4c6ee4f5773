// Fake Electrum server over a FakeBitcoinChain (reliability.md §7.4): line-delimited JSON-RPC on
// 127.0.0.1 with exactly the methods the node uses, SPV proofs' included (merkle hashes in Electrum's
// display byte order). Broadcast errors carry bitcoind's exact texts. While the chain is
// unreachable, every connection is dropped (a transport failure for the client).
//
// Usage:
//   const server = await startElectrumServer(chain);           // or { port } for a fixed port
//   const btc = new ElectrumBitcoinChain({}, { urls: [server.url] });  // tcp://127.0.0.1:<port>
//   await server.close();                                      // idempotent
import { createServer, type Socket } from "node:net";
import { BitcoinServerError, BitcoinUnavailableError } from "../bitcoin/bitcoin-chain.js";
import { txidFromHash } from "../bitcoin/tx.js";
import { fromHex, toHex } from "../util/hex.js";
import type { FakeBitcoinChain } from "./fake-bitcoin-chain.js";
import { MAX_HEADERS_PER_REQUEST } from "./fake-spv.js";

export interface ElectrumServerHandle {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** ElectrumX's codes: 1 bad request, 2 daemon error; JSON-RPC's for unknown methods. */
const BAD_REQUEST = 1;
const DAEMON_ERROR = 2;
const METHOD_NOT_FOUND = -32601;
const NOT_FOUND = "No such mempool or blockchain transaction. Use gettransaction for wallet transactions.";

class RpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export async function startElectrumServer(chain: FakeBitcoinChain, opts: { port?: number } = {}): Promise<ElectrumServerHandle> {
  const sockets = new Set<Socket>();
  const subscribed = new Set<Socket>();

  const send = (socket: Socket, msg: object): void => {
    if (!socket.destroyed) socket.write(JSON.stringify(msg) + "\n");
  };

  const unsubscribe = chain.onTip((tip) => {
    for (const s of subscribed) {
      send(s, { jsonrpc: "2.0", method: "blockchain.headers.subscribe", params: [{ height: tip.height, hex: toHex(chain.rawHeader(tip.height)) }] });
    }
  });

  async function handle(socket: Socket, method: string, params: unknown[]): Promise<unknown> {
    switch (method) {
      case "server.version":
        return ["wcoord-fake-electrum 1.0", "1.4"];
      case "blockchain.headers.subscribe": {
        const tip = chain.tip();
        const hex = toHex(chain.rawHeader(tip.height));
        subscribed.add(socket);
        return { height: tip.height, hex };
      }
      case "blockchain.block.header":
        return toHex(chain.rawHeader(intParam(params[0])));
      case "blockchain.block.headers": {
        const raw = await chain.blockHeaders(intParam(params[0]), intParam(params[1]));
        return { count: raw.length / 80, hex: toHex(raw), max: MAX_HEADERS_PER_REQUEST };
      }
      case "blockchain.transaction.get_merkle": {
        const m = await chain.transactionMerkle(hexParam(params[0], 64), intParam(params[1]));
        return { block_height: m.blockHeight, merkle: m.merkle.map(txidFromHash), pos: m.pos };
      }
      case "blockchain.transaction.id_from_pos": {
        const r = await chain.txIdFromPos(intParam(params[0]), intParam(params[1]));
        return params[2] === true ? { tx_hash: r.txid, merkle: r.merkle.map(txidFromHash) } : r.txid;
      }
      case "blockchain.estimatefee":
        return chain.estimateFeeBtcPerKb();
      case "blockchain.transaction.get": {
        const txid = hexParam(params[0], 64);
        const info = chain.transactionInfo(txid);
        if (!info) throw new RpcError(DAEMON_ERROR, NOT_FOUND);
        if (params[1] !== true) return toHex(info.raw);
        // bitcoind omits confirmations and blockhash for a mempool transaction.
        return info.blockHash === null
          ? { hex: toHex(info.raw), txid }
          : { hex: toHex(info.raw), txid, confirmations: info.confirmations, blockhash: info.blockHash };
      }
      case "blockchain.transaction.broadcast": {
        const r = chain.acceptRaw(fromHex(hexParam(params[0])));
        if ("error" in r) throw new RpcError(BAD_REQUEST, r.error);
        return r.txid;
      }
      case "blockchain.scripthash.get_history":
        return (await chain.history(hexParam(params[0], 64))).map((h) => ({ tx_hash: h.txid, height: h.height }));
      case "blockchain.scripthash.listunspent":
        return (await chain.unspent(hexParam(params[0], 64))).map((u) => ({
          tx_hash: u.txid,
          tx_pos: u.vout,
          value: Number(u.value),
          height: u.height,
        }));
      default:
        throw new RpcError(METHOD_NOT_FOUND, `unknown method ${method}`);
    }
  }

  async function onLine(socket: Socket, line: string): Promise<void> {
    if (chain.isUnreachable()) return void socket.destroy();
    let req: { id?: unknown; method?: unknown; params?: unknown };
    try {
      req = JSON.parse(line);
    } catch {
      return send(socket, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
    }
    const id = req.id ?? null;
    try {
      if (typeof req.method !== "string") throw new RpcError(-32600, "invalid request");
      const result = await handle(socket, req.method, Array.isArray(req.params) ? req.params : []);
      send(socket, { jsonrpc: "2.0", id, result });
    } catch (err) {
      if (err instanceof BitcoinUnavailableError) return void socket.destroy();
      const code = err instanceof RpcError ? err.code : BAD_REQUEST;
      const message = err instanceof RpcError || err instanceof BitcoinServerError ? err.message : `internal error: ${(err as Error).message}`;
      send(socket, { jsonrpc: "2.0", id, error: { code, message } });
    }
  }

  const server = createServer((socket) => {
    if (chain.isUnreachable()) return void socket.destroy();
    sockets.add(socket);
    socket.setEncoding("utf8");
    let buffer = "";
    // Requests of one connection are answered in order, as a real server does.
    let queue = Promise.resolve();
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line) queue = queue.then(() => onLine(socket, line));
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      sockets.delete(socket);
      subscribed.delete(socket);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;

  let closing: Promise<void> | null = null;
  return {
    url: `tcp://127.0.0.1:${port}`,
    port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}


function intParam(v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new RpcError(BAD_REQUEST, `invalid integer parameter: ${JSON.stringify(v)}`);
  return v;
}

function hexParam(v: unknown, length?: number): string {
  if (typeof v !== "string" || !/^[0-9a-fA-F]*$/.test(v) || v.length % 2 !== 0 || (length !== undefined && v.length !== length)) {
    throw new RpcError(BAD_REQUEST, `invalid hex parameter`);
  }
  return v.toLowerCase();
}
