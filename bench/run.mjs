/**
 * `npm run bench`: builds the workspace, then runs every registered benchmark and prints
 * one table per benchmark.
 *
 *   node bench/run.mjs [name ...] [--lines N] [--json file]
 *   node --expose-gc bench/run.mjs        # adds heap measurements
 *
 * A benchmark is a module in bench/ registered in BENCHES below. It exports
 *   export const name = "…";  export const description = "…";
 *   export default async function run(options): Promise<{ rows: Row[], summary?: string[] }>
 * where `options` is `{ lines, log }` and a Row (see harness.mjs) is display text per column
 * plus raw numbers in `data`. A benchmark that throws fails the run (exit code 1) after
 * the others have run.
 */
import { cpus, totalmem } from "node:os";
import { writeFileSync } from "node:fs";
import { gcAvailable, table } from "./harness.mjs";

const BENCHES = [
  { name: "parse", load: () => import("./parse.bench.mjs") },
  { name: "check", load: () => import("./check.bench.mjs") },
  { name: "decide", load: () => import("./decide.bench.mjs") },
  { name: "cost", load: () => import("./cost.bench.mjs") },
  { name: "act", load: () => import("./act.bench.mjs") },
  { name: "control", load: () => import("./control.bench.mjs") },
  { name: "migrate-tenants", load: () => import("./migrate-tenants.bench.mjs") },
  { name: "data-move", load: () => import("./data-move.bench.mjs") },
  { name: "build", load: () => import("./build.bench.mjs") },
  { name: "lsp", load: () => import("./lsp.bench.mjs") },
  { name: "mcp", load: () => import("./mcp.bench.mjs") },
  { name: "embedded", load: () => import("./embedded.bench.mjs") },
  { name: "telemetry", load: () => import("./telemetry.bench.mjs") },
  { name: "replay", load: () => import("./replay.bench.mjs") },
];

function parseArgs(argv) {
  const options = { names: [], lines: 100_000, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--lines") options.lines = Number(String(argv[++i]).replace(/[_,]/g, ""));
    else if (arg === "--json") options.json = argv[++i];
    else if (arg === "--help" || arg === "-h") {
      console.log(`usage: node bench/run.mjs [${BENCHES.map((b) => b.name).join("|")} ...] [--lines N] [--json file]`);
      process.exit(0);
    } else if (arg.startsWith("-")) usage(`unknown option ${arg}`);
    else options.names.push(arg);
  }
  if (!Number.isInteger(options.lines) || options.lines <= 0) usage("--lines needs a positive integer");
  for (const name of options.names) if (!BENCHES.some((b) => b.name === name)) usage(`unknown benchmark ${name}`);
  return options;
}

function usage(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const options = parseArgs(process.argv.slice(2));
const selected = options.names.length === 0 ? BENCHES : BENCHES.filter((b) => options.names.includes(b.name));
const cpu = cpus();
console.log(
  `Node ${process.version} on ${process.platform}/${process.arch}, ${cpu[0]?.model.trim() ?? "unknown CPU"} ×${cpu.length}, ` +
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB${gcAvailable ? ", --expose-gc" : ""}`,
);
console.log("MB = 10^6 bytes of UTF-8; times are wall clock; median and p90 over timed runs after warm-up.\n");

const started = process.hrtime.bigint();
const report = { node: process.version, cpu: cpu[0]?.model, cores: cpu.length, results: {} };
let failed = 0;
for (const bench of selected) {
  const t0 = process.hrtime.bigint();
  try {
    const module = await bench.load();
    console.log(`== ${module.name ?? bench.name}: ${module.description ?? ""}`);
    const log = (message) => process.stderr.write(`   … ${message}\n`);
    const result = await module.default({ lines: options.lines, log });
    console.log(table(result.rows));
    for (const line of result.summary ?? []) console.log(line);
    report.results[bench.name] = result.rows.map((row) => ({ name: row.name, ...row.data }));
  } catch (error) {
    failed++;
    console.error(`\nbench ${bench.name} FAILED:\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  console.log(`(${bench.name}: ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s)\n`);
}
console.log(`total ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);
if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
if (failed > 0) process.exitCode = 1;
