// Status API over node:http on `status.listen` (coordination.md §11.3, reliability.md §5, §8):
// JSON endpoints, Prometheus text at /metrics and a read-only web page at /. Bad input gets a 4xx
// with a JSON error; nothing a client sends can throw past the request handler.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FaultType } from "../protocol/constants.js";
import { ACTION_STATES, type ActionState } from "../store/repos/action-states.js";
import type { Logger } from "../util/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { parseHostPort } from "./options.js";
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML } from "./status-page.js";
import type { StatusSource } from "./status-source.js";

export { storeStatusSource, type StatusSource, type LiveStatus } from "./status-source.js";

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

export interface StatusServerComponents {
  source: StatusSource;
  metrics: Metrics | null;
  logger: Logger;
}

export interface StatusServerInit {
  /** `host:port` (config `status.listen`, default 127.0.0.1:9601); port 0 picks a free port. */
  listen: string;
}

/** A 4xx answer; the message names the offending parameter. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Query = URLSearchParams;

function checkParams(q: Query, allowed: readonly string[]): void {
  for (const name of new Set(q.keys())) {
    if (!allowed.includes(name)) throw new HttpError(400, `unknown query parameter ${JSON.stringify(name)}; allowed: ${allowed.join(", ") || "none"}`);
    if (q.getAll(name).length > 1) throw new HttpError(400, `query parameter ${name} given more than once`);
  }
}

function intParam(q: Query, name: string, min: number, max: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  if (!/^\d{1,15}$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new HttpError(400, `${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v.slice(0, 40))}`);
  }
  return Number(v);
}

function walletParam(q: Query): string | undefined {
  const v = q.get("wallet");
  if (v === null || v === "") return undefined;
  const h = v.startsWith("0x") || v.startsWith("0X") ? v.slice(2) : v;
  if (!/^[0-9a-fA-F]{40}$/.test(h)) throw new HttpError(400, `wallet: expected a 20-byte wallet PKH in hex, got ${JSON.stringify(v.slice(0, 50))}`);
  return h.toLowerCase();
}

const FAULT_NAMES = Object.keys(FaultType).filter((k) => Number.isNaN(Number(k)) && k !== "Unknown");

function faultTypeParam(q: Query): FaultType | undefined {
  const v = q.get("type");
  if (v === null || v === "") return undefined;
  // Every recordable code, by number too (6–8 signing, 9–11 DKG: threshold.md §5.3).
  if (/^\d{1,2}$/.test(v) && Number(v) >= 1 && Number(v) <= FAULT_NAMES.length) return Number(v) as FaultType;
  const hit = FAULT_NAMES.find((n) => n.toLowerCase() === v.toLowerCase());
  if (!hit) throw new HttpError(400, `type: expected one of ${FAULT_NAMES.join(", ")} (or code 1–${FAULT_NAMES.length}), got ${JSON.stringify(v.slice(0, 40))}`);
  return FaultType[hit as keyof typeof FaultType];
}

function stateParam(q: Query): ActionState | undefined {
  const v = q.get("state");
  if (v === null || v === "") return undefined;
  if (!(ACTION_STATES as readonly string[]).includes(v)) {
    throw new HttpError(400, `state: expected one of ${ACTION_STATES.join(", ")}, got ${JSON.stringify(v.slice(0, 40))}`);
  }
  return v as ActionState;
}

function limitParam(q: Query): number {
  return intParam(q, "limit", 1, MAX_LIMIT) ?? DEFAULT_LIMIT;
}

function idParam(raw: string): number {
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new HttpError(400, `id: expected a positive integer, got ${JSON.stringify(raw.slice(0, 40))}`);
  return Number(raw);
}

/** bigint-safe JSON. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

export class StatusServer {
  private server: Server | null = null;
  private bound: AddressInfo | null = null;
  private readonly log: Logger;

  constructor(
    private readonly components: StatusServerComponents,
    private readonly init: StatusServerInit,
  ) {
    this.log = components.logger.child({ module: "status" });
  }

  /** Bound address after start(); null before. */
  address(): { host: string; port: number } | null {
    return this.bound ? { host: this.bound.address, port: this.bound.port } : null;
  }

  /** Base URL after start(), e.g. http://127.0.0.1:9601. */
  get url(): string {
    const a = this.address();
    if (!a) throw new Error("status server not started");
    return `http://${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const hp = parseHostPort(this.init.listen);
    if (!hp) throw new Error(`status server: bad listen address ${JSON.stringify(this.init.listen)}`);
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    });
    // A slow or idle client must not hold the server (and shutdown) forever.
    server.requestTimeout = 10_000;
    server.headersTimeout = 10_000;
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(hp.port, hp.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (err) => this.log.error({ err }, "status server error"));
    this.server = server;
    this.bound = server.address() as AddressInfo;
    this.log.info({ url: this.url }, "status server listening");
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    this.bound = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      throw new HttpError(405, `method ${req.method ?? "?"} not allowed`);
    }
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      throw new HttpError(400, "malformed request URL");
    }
    const q = url.searchParams;
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
    const src = this.components.source;
    const one = /^\/(faults|actions)\/([^/]+)$/.exec(path);

    if (path === "/") {
      checkParams(q, []);
      return this.send(res, 200, "text/html; charset=utf-8", STATUS_PAGE_HTML, { "content-security-policy": STATUS_PAGE_CSP });
    }
    if (path === "/health") {
      checkParams(q, []);
      const h = await src.health();
      // Load balancers read the code: only a recovering node is "not ready".
      return this.json(res, h.status === "recovering" ? 503 : 200, h);
    }
    if (path === "/status") {
      checkParams(q, []);
      return this.json(res, 200, await src.status());
    }
    if (path === "/windows") {
      checkParams(q, ["wallet", "limit"]);
      return this.json(res, 200, await src.windows({ wallet: walletParam(q), limit: limitParam(q) }));
    }
    if (path === "/faults") {
      checkParams(q, ["wallet", "type", "sinceBlock", "limit"]);
      const query = { wallet: walletParam(q), type: faultTypeParam(q), sinceBlock: intParam(q, "sinceBlock", 0, Number.MAX_SAFE_INTEGER), limit: limitParam(q) };
      return this.json(res, 200, await src.faults(query));
    }
    if (path === "/actions") {
      checkParams(q, ["wallet", "state", "limit"]);
      return this.json(res, 200, await src.actions({ wallet: walletParam(q), state: stateParam(q), limit: limitParam(q) }));
    }
    if (one) {
      checkParams(q, []);
      let raw: string;
      try {
        raw = decodeURIComponent(one[2]);
      } catch {
        throw new HttpError(400, "malformed id");
      }
      const id = idParam(raw);
      const row = one[1] === "faults" ? await src.fault(id) : await src.action(id);
      if (row === undefined) throw new HttpError(404, `no ${one[1] === "faults" ? "fault" : "action"} ${id}`);
      return this.json(res, 200, row);
    }
    if (path === "/metrics") {
      checkParams(q, []);
      const m = this.components.metrics;
      if (!m) throw new HttpError(404, "metrics are disabled");
      return this.send(res, 200, m.contentType, await m.text());
    }
    throw new HttpError(404, `no such endpoint ${JSON.stringify(path.slice(0, 80))}`);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    this.send(res, status, "application/json; charset=utf-8", toJson(body));
  }

  private send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, {
      "content-type": type,
      "content-length": Buffer.byteLength(body),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      ...headers,
    });
    res.end(res.req.method === "HEAD" ? undefined : body);
  }

  private fail(res: ServerResponse, err: unknown): void {
    const known = err instanceof HttpError;
    if (!known) this.log.error({ err }, "status request failed");
    if (res.headersSent) {
      res.destroy();
      return;
    }
    try {
      this.json(res, known ? err.status : 500, { error: known ? err.message : "internal error" });
    } catch {
      res.destroy();
    }
  }
}
