// `wcoord faults`: the recorded faults (coordination.md §11.3), read from the node's database, and
// `wcoord faults verify ID`: what a fault's evidence proves, checked offline (fault-evidence.ts).
import { DKG_FAULT_TYPES, FaultType } from "../protocol/constants.js";
import { verifyFaultEvidence, type EvidenceCheck, type EvidenceVerdict } from "../coordination/fault-evidence.js";
import type { ProtocolProfile } from "../protocol/profile.js";
import { profileMetaKey } from "../store/repos/meta-repo.js";
import type { FaultRow } from "../store/repos/faults-repo.js";
import type { Store } from "../store/store.js";
import { checkDkgFaultEvidence } from "../threshold/dkg/evidence-json.js";
import { checkSigningFaultEvidence } from "../threshold/signing/evidence-json.js";
import { CommandExit, defineCommand, parseCommand, UsageError, type TextSink } from "../util/cli-args.js";
import { DATA_DIR_FLAG, parseNonNegativeInt, parseWallet, resolveDataDir, shortHex, withRecords } from "./records-reader.js";
import { faultView, type FaultDetailView } from "./status-source.js";

const FAULTS = defineCommand({
  name: "wcoord faults",
  usage: `usage: wcoord faults [--wallet PKH] [--type TYPE] [--since-block N] [--limit N] [--json] [--data-dir DIR]
       wcoord faults --id N [--json] [--data-dir DIR]
       wcoord faults verify N [--json] [--data-dir DIR]`,
  about: `Lists recorded faults, newest first (read-only; works while the node runs). --json prints them with
their evidence. verify checks fault N's evidence offline, under the protocol profile it names: the
leader recomputed, the signed messages decoded and their signatures recovered. Exit 0: proven;
1: not proven; 3: this kind of evidence cannot be checked offline (an idle leader, a validator revert,
a missing signature share, a member silent in a DKG attempt). Signing faults carry the wallet's public
package and are checked against it; DKG faults (no wallet yet: listed under "dkg:REQUEST#ATTEMPT")
carry the request's members and operator keys, and the gossip signatures of the messages they rest on.`,
  positionals: true,
  flags: {
    wallet: { type: "string", value: "PKH", help: "only faults of this wallet" },
    type: { type: "string", value: "TYPE", help: "LeaderIdleness, LeaderMistake, LeaderImpersonation, LeaderEquivocation,\nInvalidProposal, SigningInvalidShare, SigningCoordinatorEquivocation, SigningNoShare,\nDkgInvalidProof, DkgInvalidShare or DkgNoParticipation" },
    "since-block": { type: "string", value: "N", help: "only faults detected at block N or later" },
    limit: { type: "string", value: "N", help: "at most N faults" },
    id: { type: "string", value: "N", help: "one fault, with its evidence" },
    json: { type: "boolean", help: "print JSON, with the evidence" },
    "data-dir": DATA_DIR_FLAG,
  },
});

function parseType(v: string): FaultType {
  const names = Object.keys(FaultType).filter((k) => Number.isNaN(Number(k)) && k !== "Unknown");
  const hit = names.find((n) => n.toLowerCase() === v.toLowerCase());
  if (!hit) throw new Error(`--type: expected one of ${names.join(", ")}, got ${JSON.stringify(v)}`);
  return FaultType[hit as keyof typeof FaultType];
}

function table(rows: FaultDetailView[]): string {
  const head = ["id", "W", "wallet", "type", "culprit", "detected", "reason"];
  const cells = rows.map((f) => [String(f.id), f.W === null ? "-" : String(f.W), subjectOf(f), f.type, f.culprit, String(f.detectedBlock), f.reason]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(head), ...cells.map(line)].join("\n") + "\n";
}

/** The wallet a fault is about, or for a DKG fault (no wallet yet) its request and attempt. */
function subjectOf(f: FaultDetailView): string {
  return f.wallet !== null ? shortHex(f.wallet) : `dkg:${f.requestId}#${f.attempt}`;
}

/** `verify N` → N; no positionals → undefined; anything else is a usage error. */
function verifyTarget(positionals: string[]): number | undefined {
  if (positionals.length === 0) return undefined;
  if (positionals[0] !== "verify" || positionals.length !== 2) throw new UsageError(`unexpected ${JSON.stringify(positionals.join(" "))}; did you mean verify N?`);
  return parseNonNegativeInt("verify", positionals[1]!);
}

const VERDICT_EXIT: Record<EvidenceVerdict, number> = { proven: 0, not_proven: 1, unverifiable: 3 };

function verifyFault(store: Store, id: number, json: boolean, out: TextSink, err: TextSink): number {
  const f = store.faults.get(id);
  if (!f) {
    err.write(`wcoord faults: no fault ${id}\n`);
    return 1;
  }
  const check = SIGNING_FAULTS.has(f.type) ? checkSigningFaultEvidence(f.evidence) : DKG_FAULT_TYPES.has(f.type) ? checkDkgFaultEvidence(f.evidence) : checkCoordinationFault(store, f);
  if (json) {
    out.write(JSON.stringify({ id, type: FaultType[f.type], culprit: f.culprit, ...check }, null, 2) + "\n");
  } else {
    const where = f.requestId !== null ? `DKG request ${f.requestId}, attempt ${f.attempt}` : `W=${f.W}, wallet ${f.walletPkh}`;
    out.write(`fault ${id} ${FaultType[f.type]} by ${f.culprit} (${where}): ${check.verdict.replace("_", " ")} — ${check.reason}\n`);
    for (const c of check.checks) out.write(`  ✓ ${c}\n`);
  }
  return VERDICT_EXIT[check.verdict];
}

/** Signing faults carry their own public facts (threshold.md §5.3); coordination faults name their profile. */
const SIGNING_FAULTS: ReadonlySet<FaultType> = new Set([FaultType.SigningInvalidShare, FaultType.SigningCoordinatorEquivocation, FaultType.SigningNoShare]);

function checkCoordinationFault(store: Store, f: FaultRow): EvidenceCheck {
  const named = String(f.evidence.profileHash ?? "");
  const stored = store.meta.getJson<ProtocolProfile & { chainId: string }>(profileMetaKey(named));
  if (!stored) return { verdict: "unverifiable", reason: `this node never ran under profile ${named || "(none named)"}`, checks: [] };
  return verifyFaultEvidence(f, { ...stored, chainId: BigInt(stored.chainId) });
}

/** Runs `wcoord faults …`; returns the exit code (0 ok, 1 failure or not found, 2 usage). */
export async function runFaultsCommand(argv: string[], out: TextSink, err: TextSink, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseCommand(FAULTS, argv, { out, err }, ({ values, positionals }) => ({
    values,
    verify: verifyTarget(positionals),
    query: {
      wallet: values.wallet === undefined ? undefined : parseWallet(values.wallet),
      type: values.type === undefined ? undefined : parseType(values.type),
      sinceBlock: values["since-block"] === undefined ? undefined : parseNonNegativeInt("--since-block", values["since-block"]),
      limit: values.limit === undefined ? undefined : parseNonNegativeInt("--limit", values.limit),
      id: values.id === undefined ? undefined : parseNonNegativeInt("--id", values.id),
    },
  }));
  if (parsed instanceof CommandExit) return parsed.code;
  const { values, query, verify } = parsed;
  return withRecords(FAULTS.name, resolveDataDir(values["data-dir"], env), err, (store) => {
    if (verify !== undefined) return verifyFault(store, verify, values.json, out, err);
    if (query.id !== undefined) {
      const f = store.faults.get(query.id);
      if (!f) {
        err.write(`wcoord faults: no fault ${query.id}\n`);
        return 1;
      }
      const view = { ...faultView(f), evidence: f.evidence };
      out.write(values.json ? JSON.stringify(view, null, 2) + "\n" : table([view]) + `evidence: ${JSON.stringify(f.evidence, null, 2)}\n`);
      return 0;
    }
    const rows = store.faults.list(query).map((f) => ({ ...faultView(f), evidence: f.evidence }));
    if (values.json) out.write(JSON.stringify(rows, null, 2) + "\n");
    else out.write(rows.length === 0 ? "no faults recorded\n" : table(rows));
    return 0;
  });
}
