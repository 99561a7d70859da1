/**
 * `paybillc build` with the Terraform emitter: how cost grows with the number of static
 * silo tenants (each its own stack, `out/terraform/<stack>/cdk.tf.json`). Whole processes,
 * wall clock, a fresh output directory every run, against `paybillc check` of the same
 * project (the difference is emitting the bundle, synthesizing the stacks and writing
 * them) in the same run. Projects: one AWS cloud, the three std isolation plans, and N
 * enterprise (silo) tenants, N = 10, 100, 1,000.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fmtInt, fmtMs, fmtRate, median } from "./harness.mjs";

export const name = "build";
export const description = "paybillc build: 10, 100 and 1,000 silo tenants (a stack each), vs paybillc check of the same project";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PAYBILLC = join(ROOT, "compiler", "bin", "paybillc.js");
const SIZES = [10, 100, 1000];

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

function timed(args) {
  const started = performance.now();
  const out = spawnSync(process.execPath, [PAYBILLC, ...args], { encoding: "utf8" });
  const ms = performance.now() - started;
  if (out.status !== 0) throw new Error(`paybillc ${args.join(" ")} exited ${out.status}: ${out.stderr.slice(0, 500)}`);
  return ms;
}

export default async function run({ log = () => {} } = {}) {
  const rows = [];
  const summary = [];
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
        check.push(timed(["check", dir]));
        const out = join(dir, `out-${i}`);
        build.push(timed(["build", dir, "--out", out]));
        rmSync(out, { recursive: true, force: true });
      }
      const stacks = tenants + 3; // + the pooled, bridge and dynamic silo stacks
      const checkMs = median(check);
      const buildMs = median(build);
      rows.push({ name: `paybillc check (${fmtInt(tenants)} silo tenants)`, size: `${fmtInt(tenants)} tenants`, median: fmtMs(checkMs), note: `reference; ${runs} runs`, data: { tenants, ms: checkMs, runs } });
      rows.push({
        name: `paybillc build (${fmtInt(tenants)} silo tenants)`,
        size: `${fmtInt(stacks)} stacks`,
        median: fmtMs(buildMs),
        rate: fmtRate((stacks * 1000) / Math.max(1, buildMs - checkMs), "stacks/s"),
        note: `build − check = ${fmtMs(buildMs - checkMs)}${previous === undefined ? "" : `; ×${(buildMs / previous).toFixed(2)} for ×10 tenants`}; ${runs} runs`,
        data: { tenants, stacks, ms: buildMs, emitMs: buildMs - checkMs, runs },
      });
      previous = buildMs;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  summary.push("throughput = stacks per second of build time beyond check (synthesis, JSON and writes)");
  return { rows, summary };
}
