/**
 * `paybillc build`, whole processes, wall clock, beside `node -e 0` in the same run:
 *
 *   1. the helpdesk example, cold (a fresh output directory: every emitter runs) and again
 *      into the same output (every piece reused from `out/build-record.json`), interleaved
 *      with `node -e 0`; goal: the rebuild ≤ 4× `node -e 0` (issue 19).
 *   2. static silo tenants (each its own stack): 10, 100 and 1,000 tenants, a fresh output
 *      directory every run, against `paybillc check` of the same project; goal: 1,000 ≤ 3 s
 *      (issue 16). Then one tenant is added to the 1,000 and the build run again: every
 *      stack but the new tenant's must be byte for byte what it was (only that tenant's
 *      resources in `terraform plan`).
 *   3. the generated projects (bench/generate.mjs), 50,000 and 100,000 lines: check and a
 *      fresh build; goal: build ≤ 5× check, and growth per doubling ≈ 2× (issue 19).
 *
 * With GNU time present each process's peak RSS is reported.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateProjectWithModel, writeProject } from "./generate.mjs";
import { fmtInt, fmtMB, fmtMs, fmtRate, hasGnuTime, median, spawnTimed } from "./harness.mjs";

export const name = "build";
export const description = "paybillc build: the example cold and reused, 10–1,000 silo tenants, generated 50k/100k-line projects, vs node -e 0 and check";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PAYBILLC = join(ROOT, "compiler", "bin", "paybillc.js");
const HELPDESK = join(ROOT, "examples", "helpdesk");
const SIZES = [10, 100, 1000];
const GOAL_REBUILD_RATIO = 4;
const GOAL_SILO_1000_MS = 3000;
const GOAL_LARGE_RATIO = 5;
const COLD_RUNS = 7;

function projectText(tenants) {
  const lines = [
    "package bench",
    "import std.isolation.{silo, pooled, bridge}",
    'cloud aws primary { region = "eu-west-1" }',
    "plan free { price = 0, isolation = pooled }",
    "plan business { price = 99 usd per month, isolation = bridge }",
    "plan enterprise { price = custom, isolation = silo }",
  ];
  for (let i = 0; i < tenants; i++) lines.push(`tenant t${String(i).padStart(4, "0")} { plan = enterprise }`);
  return `${lines.join("\n")}\n`;
}

export default async function run({ log = () => {} } = {}) {
  const withTime = hasGnuTime();
  const timed = (command, args) => {
    const out = spawnTimed(command, args, { withTime, cwd: ROOT });
    if (out.status !== 0) throw new Error(`${out.command} exited ${out.status}: ${out.stderr.slice(0, 500)}`);
    return out;
  };
  const paybillc = (...args) => timed(process.execPath, [PAYBILLC, ...args]);
  const rss = (rs) => {
    const values = rs.map((r) => r.rssKB).filter((v) => v !== undefined);
    return values.length === 0 ? "" : `; peak RSS ${fmtMB(Math.max(...values) * 1024)}`;
  };
  const met = (ok) => (ok ? "met" : "NOT MET");
  const rows = [];
  const summary = [];

  // ---- 1. the example: node -e 0, a cold build, a rebuild into the same output ----
  log(`helpdesk: node -e 0, cold build and rebuild, ${COLD_RUNS} each, interleaved`);
  const outs = mkdtempSync(join(tmpdir(), "paybill-build-bench-helpdesk-"));
  const bare = [];
  const cold = [];
  const again = [];
  try {
    // A copy of the example (a build may write the project's migrations and placements record).
    const project = join(outs, "helpdesk");
    const left = [join(HELPDESK, "out"), join(HELPDESK, ".paybill")];
    cpSync(HELPDESK, project, { recursive: true, filter: (source) => !left.some((path) => source === path || source.startsWith(`${path}/`)) });
    timed(process.execPath, ["-e", "0"]);
    paybillc("build", project, "--out", join(outs, "warm"));
    for (let i = 0; i < COLD_RUNS; i++) {
      bare.push(timed(process.execPath, ["-e", "0"]));
      const out = join(outs, `out-${i}`);
      cold.push(paybillc("build", project, "--out", out));
      again.push(paybillc("build", project, "--out", out));
    }
  } finally {
    rmSync(outs, { recursive: true, force: true });
  }
  const bareMs = median(bare.map((r) => r.ms));
  const coldMs = median(cold.map((r) => r.ms));
  const againMs = median(again.map((r) => r.ms));
  const ratio = (ms) => `${(ms / bareMs).toFixed(1)}× node -e 0`;
  rows.push({ name: "node -e 0 (cold)", median: fmtMs(bareMs), note: `reference; ${bare.length} runs${rss(bare)}`, data: { ms: bareMs, runs: bare.length } });
  rows.push({
    name: "paybillc build helpdesk (fresh out/)",
    median: fmtMs(coldMs),
    rate: ratio(coldMs),
    note: `every emitter runs (cdktn, drizzle-kit, ts-morph); ${cold.length} runs${rss(cold)}`,
    data: { ms: coldMs, ratioToNode: coldMs / bareMs, runs: cold.length },
  });
  rows.push({
    name: "paybillc build helpdesk (again, reused)",
    median: fmtMs(againMs),
    rate: ratio(againMs),
    note: `goal ≤ ${GOAL_REBUILD_RATIO}× node -e 0: ${met(againMs <= GOAL_REBUILD_RATIO * bareMs)}; unchanged pieces reused from out/build-record.json; ${again.length} runs${rss(again)}`,
    data: { ms: againMs, ratioToNode: againMs / bareMs, goalRatio: GOAL_REBUILD_RATIO, met: againMs <= GOAL_REBUILD_RATIO * bareMs, runs: again.length },
  });

  // ---- 2. silo tenants ----
  let previous;
  for (const tenants of SIZES) {
    const dir = mkdtempSync(join(tmpdir(), "paybill-build-bench-"));
    try {
      writeFileSync(join(dir, "app.paybill"), projectText(tenants));
      const runs = tenants >= 1000 ? 3 : 5;
      const check = [];
      const build = [];
      for (let i = 0; i < runs; i++) {
        log(`${fmtInt(tenants)} tenants: check and build, run ${i + 1} of ${runs}`);
        check.push(paybillc("check", dir));
        const out = join(dir, `out-${i}`);
        build.push(paybillc("build", dir, "--out", out));
        if (i < runs - 1) rmSync(out, { recursive: true, force: true });
      }
      const stacks = tenants + 3; // + the pooled, bridge and dynamic silo stacks
      const checkMs = median(check.map((r) => r.ms));
      const buildMs = median(build.map((r) => r.ms));
      const goal = tenants === 1000 ? `goal ≤ ${fmtMs(GOAL_SILO_1000_MS)}: ${met(buildMs <= GOAL_SILO_1000_MS)}; ` : "";
      rows.push({ name: `paybillc check (${fmtInt(tenants)} silo tenants)`, size: `${fmtInt(tenants)} tenants`, median: fmtMs(checkMs), note: `reference; ${runs} runs`, data: { tenants, ms: checkMs, runs } });
      rows.push({
        name: `paybillc build (${fmtInt(tenants)} silo tenants)`,
        size: `${fmtInt(stacks)} stacks`,
        median: fmtMs(buildMs),
        rate: fmtRate((stacks * 1000) / Math.max(1, buildMs - checkMs), "stacks/s"),
        note: `${goal}build − check = ${fmtMs(buildMs - checkMs)}${previous === undefined ? "" : `; ×${(buildMs / previous).toFixed(2)} for ×10 tenants`}; ${runs} runs${rss(build)}`,
        data: { tenants, stacks, ms: buildMs, emitMs: buildMs - checkMs, runs, ...(tenants === 1000 ? { goalMs: GOAL_SILO_1000_MS, met: buildMs <= GOAL_SILO_1000_MS } : {}) },
      });
      previous = buildMs;
      if (tenants === 1000) {
        // One more tenant, built into the last output: only its own stack may differ.
        const out = join(dir, `out-${runs - 1}`);
        const before = stackTexts(out);
        writeFileSync(join(dir, "app.paybill"), `${projectText(tenants)}tenant t${tenants} { plan = enterprise }\n`);
        log("1,000 silo tenants: one added, built again into the same output");
        const added = paybillc("build", dir, "--out", out);
        const after = stackTexts(out);
        const changed = [...after].filter(([stack, text]) => before.get(stack) !== text).map(([stack]) => stack);
        const removed = [...before.keys()].filter((stack) => !after.has(stack));
        const own = `primary-silo-tenant-t${tenants}`;
        const ok = removed.length === 0 && changed.length === 1 && changed[0] === own;
        rows.push({
          name: "  + 1 tenant (same out/)",
          size: `${fmtInt(after.size)} stacks`,
          median: fmtMs(added.ms),
          note: `only its own stack changes: ${ok ? "met" : `NOT MET (${changed.length} changed: ${changed.slice(0, 3).join(", ")}; ${removed.length} removed)`}; the other stacks reused; 1 run`,
          data: { ms: added.ms, changed, removed, met: ok },
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // ---- 3. the generated projects ----
  const large = [];
  for (const lines of [50_000, 100_000]) {
    const { files, lines: total } = generateProjectWithModel({ lines });
    const dir = mkdtempSync(join(tmpdir(), "paybill-build-bench-large-"));
    try {
      writeProject(dir, files);
      log(`${fmtInt(total)} lines: check, then a fresh build (twice)`);
      const check = [paybillc("check", dir), paybillc("check", dir)];
      // The first build adds the project's initial migration; the timed ones start from it.
      paybillc("build", dir, "--out", join(dir, "out-first"));
      const build = [1, 2].map((i) => paybillc("build", dir, "--out", join(dir, `out-${i}`)));
      const checkMs = median(check.map((r) => r.ms));
      const buildMs = median(build.map((r) => r.ms));
      large.push({ lines: total, checkMs, buildMs });
      const growth = large.length === 2 ? `; ×${(buildMs / large[0].buildMs).toFixed(2)} for ×${(total / large[0].lines).toFixed(1)} lines` : "";
      rows.push({ name: `paybillc check (${fmtInt(total)} lines)`, size: `${files.length} files`, median: fmtMs(checkMs), rate: ratio(checkMs), note: `reference; 2 runs${rss(check)}`, data: { lines: total, ms: checkMs } });
      rows.push({
        name: `paybillc build (${fmtInt(total)} lines, fresh out/)`,
        median: fmtMs(buildMs),
        rate: `${(buildMs / checkMs).toFixed(1)}× check`,
        note: `goal ≤ ${GOAL_LARGE_RATIO}× check: ${met(buildMs <= GOAL_LARGE_RATIO * checkMs)}${growth}; 2 runs${rss(build)}`,
        data: { lines: total, ms: buildMs, ratioToCheck: buildMs / checkMs, goalRatio: GOAL_LARGE_RATIO, met: buildMs <= GOAL_LARGE_RATIO * checkMs },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  summary.push(`node -e 0: ${fmtMs(bareMs)}; helpdesk build fresh ${fmtMs(coldMs)} (${ratio(coldMs)}), reused ${fmtMs(againMs)} (${ratio(againMs)}, goal ≤ ${GOAL_REBUILD_RATIO}×)`);
  summary.push("throughput = stacks per second of build time beyond check (synthesis, JSON and writes)");
  return { rows, summary };
}

/** Every stack's `cdk.tf.json` in an output directory, by stack. */
function stackTexts(out) {
  const dir = join(out, "terraform");
  const stacks = new Map();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) stacks.set(entry.name, readFileSync(join(dir, entry.name, "cdk.tf.json"), "utf8"));
  }
  return stacks;
}
