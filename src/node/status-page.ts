// The read-only status web page served at `/`: inline CSS and a small script that polls the JSON
// endpoints every 2 s. No framework, no external assets; every value is inserted as text, never HTML.
import { createHash } from "node:crypto";

const STYLE = `
:root { color-scheme: light dark; --b: #8884; --muted: #888; --ok: #2a7; --warn: #c80; --bad: #d33; }
body { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin: 1rem 1.5rem; }
h1 { font-size: 1.2rem; margin: 0 0 .5rem; } h2 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
#summary { display: flex; flex-wrap: wrap; gap: .3rem 1.5rem; }
#summary span b { font-weight: normal; color: var(--muted); margin-right: .3rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .15rem .6rem .15rem 0; border-bottom: 1px solid var(--b); white-space: nowrap; }
th { color: var(--muted); font-weight: normal; }
td.wrap { white-space: normal; }
.ready { color: var(--ok); } .recovering, .degraded { color: var(--warn); } .error { color: var(--bad); }
.empty { color: var(--muted); }
`;

const SCRIPT = `
"use strict";
const $ = (id) => document.getElementById(id);
const short = (s, n) => (typeof s === "string" && s.length > 2 * n + 1 ? s.slice(0, n) + "\\u2026" + s.slice(-n) : s ?? "");
function fill(id, rows, cells) {
  const body = $(id).tBodies[0];
  const trs = rows.map((r) => {
    const tr = document.createElement("tr");
    for (const c of cells(r)) {
      const td = document.createElement("td");
      td.textContent = c === null || c === undefined ? "" : String(c);
      tr.appendChild(td);
    }
    return tr;
  });
  if (trs.length === 0) {
    const tr = document.createElement("tr"), td = document.createElement("td");
    td.colSpan = $(id).tHead.rows[0].cells.length; td.className = "empty"; td.textContent = "none";
    tr.appendChild(td); trs.push(tr);
  }
  body.replaceChildren(...trs);
}
async function get(path) {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(path + ": HTTP " + r.status);
  return r.json();
}
async function refresh() {
  try {
    const [health, status, windows, faults, actions] = await Promise.all([
      get("/health"), get("/status"), get("/windows?limit=50"), get("/faults?limit=50"), get("/actions?limit=50"),
    ]);
    $("health").textContent = health.status;
    $("health").className = health.status;
    $("head").textContent = health.ethHead ?? "?";
    $("btc").textContent = health.btcTip ?? "?";
    $("operator").textContent = status.operator ?? "?";
    $("peer").textContent = short(status.peerId, 6);
    $("profile").textContent = short(status.profileHash, 6);
    $("peers").textContent = status.peers;
    $("wallets").textContent = status.wallets.length;
    $("version").textContent = status.version;
    fill("windows", windows, (w) => [
      w.W, short(w.wallet, 4), short(w.leader, 4), w.role ?? "", w.checklist ? "[" + w.checklist.join(", ") + "]" : "",
      (w.proposal ?? "") + (w.action ? " #" + w.action.id + " " + w.action.state : ""), w.result ?? w.status,
    ]);
    fill("faults", faults, (f) => [f.id, f.W ?? "", f.wallet === null ? "DKG " + short(f.requestId, 6) + " #" + f.attempt : short(f.wallet, 4), f.type, short(f.culprit, 4), f.reason, f.detectedBlock]);
    fill("actions", actions, (a) => [a.id, a.W, short(a.wallet, 4), a.type, a.state, a.stateHeight ?? "", a.txid ? short(a.txid, 6) : "", a.reason ?? ""]);
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    $("updated").className = "";
  } catch (e) {
    $("updated").textContent = "error: " + e.message;
    $("updated").className = "error";
  }
}
refresh();
setInterval(refresh, 2000);
`;

const BODY = `
<h1>wcoord <span id="health">…</span></h1>
<div id="summary">
  <span><b>eth head</b><span id="head">?</span></span>
  <span><b>btc tip</b><span id="btc">?</span></span>
  <span><b>operator</b><span id="operator">?</span></span>
  <span><b>peer</b><span id="peer">?</span></span>
  <span><b>peers</b><span id="peers">?</span></span>
  <span><b>wallets</b><span id="wallets">?</span></span>
  <span><b>profile</b><span id="profile">?</span></span>
  <span><b>version</b><span id="version">?</span></span>
  <span id="updated"></span>
</div>
<h2>Windows</h2>
<table id="windows"><thead><tr><th>W</th><th>wallet</th><th>leader</th><th>role</th><th>checklist</th><th>proposal / action</th><th>result</th></tr></thead><tbody></tbody></table>
<h2>Faults</h2>
<table id="faults"><thead><tr><th>id</th><th>W</th><th>wallet</th><th>type</th><th>culprit</th><th>reason</th><th>detected</th></tr></thead><tbody></tbody></table>
<h2>Actions</h2>
<table id="actions"><thead><tr><th>id</th><th>W</th><th>wallet</th><th>type</th><th>state</th><th>height</th><th>txid</th><th>reason</th></tr></thead><tbody></tbody></table>
`;

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>wcoord status</title><style>${STYLE}</style></head>
<body>${BODY}<script>${SCRIPT}</script></body></html>
`;

/** CSP that allows exactly the inline script above and nothing from elsewhere. */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${createHash("sha256").update(SCRIPT).digest("base64")}'`,
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
