// HTTP JSON-RPC proxy on 127.0.0.1 in front of a hardhat node that can fail, drop or delay chosen
// methods (reliability.md §7.4). Handles JSON-RPC batches element by element.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RpcFault {
  /**
   * fail: answer that element with a JSON-RPC error (default -32000 "header not found", transient);
   * drop: close the connection without a response;
   * delay: forward after `ms`;
   * http500: answer the whole HTTP request with status 500.
   */
  kind: "fail" | "drop" | "delay" | "http500";
  ms?: number;
  /** Number of matching requests to affect; unlimited when absent. */
  count?: number;
  /** JSON-RPC error for "fail". */
  error?: { code: number; message: string; data?: unknown };
}

export interface RpcProxy {
  url: string;
  /** Sets (or with null clears) the fault for `method`; "*" matches every method without its own fault. */
  setFault(method: string | "*", fault: RpcFault | null): void;
  /** Requests seen per method (batch elements counted one by one), faulted or not. */
  readonly seen: Map<string, number>;
  close(): Promise<void>;
}

interface JsonRpcRequest {
  jsonrpc?: string;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

export async function startRpcProxy(targetUrl: string): Promise<RpcProxy> {
  const faults = new Map<string, RpcFault>();
  const seen = new Map<string, number>();

  // Finds and consumes the fault for one request element.
  const take = (method: string): RpcFault | undefined => {
    const key = faults.has(method) ? method : faults.has("*") ? "*" : undefined;
    if (key === undefined) return undefined;
    const fault = faults.get(key)!;
    if (fault.count !== undefined) {
      fault.count -= 1;
      if (fault.count <= 0) faults.delete(key);
    }
    return fault;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy error: ${err instanceof Error ? err.message : String(err)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    let parsed: JsonRpcRequest | JsonRpcRequest[];
    try {
      parsed = JSON.parse(body) as JsonRpcRequest | JsonRpcRequest[];
    } catch {
      res.writeHead(400, { "content-type": "text/plain" }).end("bad json");
      return;
    }
    const isBatch = Array.isArray(parsed);
    const items: JsonRpcRequest[] = Array.isArray(parsed) ? parsed : [parsed];
    const applied = items.map((it) => {
      const method = typeof it.method === "string" ? it.method : "";
      seen.set(method, (seen.get(method) ?? 0) + 1);
      return take(method);
    });

    if (applied.some((f) => f?.kind === "drop")) {
      req.socket.destroy();
      return;
    }
    if (applied.some((f) => f?.kind === "http500")) {
      res.writeHead(500, { "content-type": "text/plain" }).end("Internal Server Error");
      return;
    }
    const delay = Math.max(0, ...applied.map((f) => (f?.kind === "delay" ? (f.ms ?? 0) : 0)));
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (res.destroyed) return;

    const failed = (i: number): unknown => ({
      jsonrpc: "2.0",
      id: items[i].id ?? null,
      error: applied[i]?.error ?? { code: -32000, message: "header not found" },
    });
    const forwardIdx = items.map((_, i) => i).filter((i) => applied[i]?.kind !== "fail");
    const answers = new Map<number, unknown>();
    if (forwardIdx.length > 0) {
      const payload = isBatch ? forwardIdx.map((i) => items[i]) : items[0];
      const upstream = await fetch(targetUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
      });
      const text = await upstream.text();
      if (!isBatch) {
        res.writeHead(upstream.status, { "content-type": "application/json" }).end(text);
        return;
      }
      const results = JSON.parse(text) as Array<{ id?: unknown }>;
      for (const i of forwardIdx) answers.set(i, results.find((r) => r.id === items[i].id));
    }
    const out = items.map((_, i) => (answers.has(i) ? answers.get(i) : failed(i)));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(isBatch ? out : out[0]));
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    setFault(method, fault) {
      if (fault === null) faults.delete(method);
      else faults.set(method, { ...fault });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
