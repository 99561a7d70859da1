/**
 * `replay`: `paybillc replay` re-deciding 100,000 recorded decisions of the helpdesk
 * example under a candidate bundle whose refund limit is lower (issue 18's bench row:
 * decisions/s).
 *
 * The records are what `paybillc audit export` writes for `support_bot` acting outside runs
 * for the example's static tenants (refunds of 1–200, replies, ticket reads), each decided
 * by the baseline bundle first so every one is replayable. Rows: the replay in process
 * (records already parsed: two decisions per record, baseline and candidate), with the
 * NDJSON parsed too, and the whole `paybillc replay` process on the 100,000-line file.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Decider } from "@paybill/runtime";
import { parseExport } from "../compiler/dist/commands/replay.js";
import { replay } from "../compiler/dist/replay/replay.js";
import { compileBundle, HELPDESK, PAYBILLC } from "./example.mjs";
import { fmtInt, fmtMs, fmtRate, measure } from "./harness.mjs";

export const name = "replay";
export const description = "replay: 100,000 recorded decisions of the helpdesk example re-decided under a changed bundle";

const RECORDS = 100_000;
const LIMIT = '"enterprise" ? 500.0 : 100.0';

export default async function run({ log = () => {} } = {}) {
  const work = mkdtempSync(join(tmpdir(), "paybill-bench-replay-"));
  try {
    log("building the baseline and the candidate (refund limit 100 → 50)");
    const baseline = compileBundle(HELPDESK);
    const changed = join(work, "changed");
    cpSync(HELPDESK, changed, { recursive: true, filter: (src) => !/[/\\](out|\.paybill|node_modules|agent)$/.test(src) });
    const policies = join(changed, "policies.paybill");
    const text = readFileSync(policies, "utf8");
    if (!text.includes(LIMIT)) throw new Error(`the helpdesk policies no longer say ${LIMIT}: update the bench`);
    writeFileSync(policies, text.replace(LIMIT, '"enterprise" ? 500.0 : 50.0'));
    const candidate = compileBundle(changed);
    writeFileSync(join(work, "baseline.json"), JSON.stringify(baseline));
    writeFileSync(join(work, "candidate.json"), JSON.stringify(candidate));

    log(`recording ${fmtInt(RECORDS)} decisions`);
    const records = record(baseline);
    const ndjson = records.map((r) => `${JSON.stringify(r)}\n`).join("");
    writeFileSync(join(work, "export.ndjson"), ndjson);
    const check = replay(records, { baseline, candidate });
    if (check.replayed !== RECORDS) throw new Error(`only ${check.replayed} of ${RECORDS} records replayed: ${check.unreplayable[0]?.why}`);
    const changedCount = check.changed.length;

    log("timing the replay in process");
    const inProcess = await measure(() => replay(records, { baseline, candidate }), { warmup: 1, minRuns: 3, maxRuns: 8, maxTimeMs: 20_000 });
    const parsed = await measure(() => replay(parseExport(ndjson, "export.ndjson"), { baseline, candidate }), { warmup: 1, minRuns: 3, maxRuns: 8, maxTimeMs: 20_000 });
    log("timing paybillc replay");
    const started = process.hrtime.bigint();
    const cli = spawnSync(process.execPath, [PAYBILLC, "replay", "--audit", "export.ndjson", "--bundle", "candidate.json", "--baseline", "baseline.json", "--format", "json"], {
      cwd: work,
      encoding: "utf8",
      maxBuffer: 1 << 30,
    });
    const cliMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (cli.status !== 1) throw new Error(`paybillc replay exited ${cli.status}: ${cli.stderr}`);
    const cliChanged = JSON.parse(cli.stdout).changed.length;
    if (cliChanged !== changedCount) throw new Error(`paybillc replay found ${cliChanged} changes, the in-process replay ${changedCount}`);

    const size = `${fmtInt(RECORDS)} records, ${fmtInt(changedCount)} change`;
    const row = (label, ms, note) => ({ name: label, size, median: fmtMs(ms), rate: fmtRate(RECORDS / (ms / 1000), "decisions/s"), note, data: { ms, records: RECORDS, changed: changedCount } });
    return {
      rows: [
        row("replay, records parsed", inProcess.medianMs, "baseline + candidate decision per record"),
        row("replay, from NDJSON text", parsed.medianMs, "parse + both decisions"),
        row("paybillc replay (process)", cliMs, "one run: start, read, decide, print JSON"),
      ],
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Records as `audit export` writes them, each decided by the baseline. */
function record(bundle) {
  const decider = new Decider(bundle);
  const tenants = ["globex", "initech", "umbrella", "demo"];
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const out = [];
  const seqs = new Map();
  const start = Date.parse("2026-12-01T09:00:00Z");
  for (let i = 0; i < RECORDS; i++) {
    const tenant = tenants[i % tenants.length];
    const kind = random();
    const ticket = `00000000-0000-4000-8000-${String(i % 1000).padStart(12, "0")}`;
    const [action, input] =
      kind < 0.5
        ? ["refund", { ticket, amount: Math.round(random() * 20000) / 100, reason: "duplicate charge" }]
        : kind < 0.8
          ? ["reply", { ticket, body: random() < 0.01 ? "please send your password" : "We are on it.", internal: false }]
          : ["lookup_customer", { customer: ticket }];
    const time = new Date(start + i * 1000).toISOString().replace("Z", "000Z");
    const decision = decider.decide({ tenant: { id: tenant, plan: bundle.tenants[tenant].plan, state: "active" }, agent: "support_bot", action, input, approvals: [], time });
    const seq = (seqs.get(tenant) ?? 0) + 1;
    seqs.set(tenant, seq);
    out.push({ tenant, seq, id: `r-${i}`, time, agent: "support_bot", action, input, decision: decision.decision, reasons: JSON.parse(JSON.stringify(decision.reasons)) });
  }
  return out;
}


