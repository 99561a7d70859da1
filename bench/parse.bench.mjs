/**
 * Parse throughput: the generated ~100k-line project through `parse`, against `JSON.parse`
 * of a JSON document of the same size describing the same project, in the same process.
 *
 * Order matters: the cold measurement runs in fresh child processes first; then every file
 * is parsed once and must come back with zero diagnostics (else the benchmark fails, naming
 * the files: a parser that rejects a valid file would be measured on its error path); only
 * then are the warm timings taken.
 *
 * `parse` reads clean files with the hand-written fast parser; a second row times the
 * Chevrotain parser alone (`parseWithChevrotain`, what `parse` falls back to for a file
 * with errors) on the same files, so the two can be compared.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, SourceFile } from "@paybill/lang";
// Not part of the package's API: the reference parser, from the build.
import { parseWithChevrotain } from "../lang/dist/1-parse/parse.js";
import { buildJsonDocument, countLines, generateProjectWithModel } from "./generate.mjs";
import { fmtInt, fmtMB, fmtMs, fmtRate, fmtRatio, gcAvailable, MB, measure, median, retainedBy } from "./harness.mjs";

export const name = "parse";
export const description = "parse a generated ~100k-line project vs JSON.parse of the same size";

const COLD_RUNS = 5;
const COLD_FILE = "domains/billing/policies.paybill";

export default async function run({ lines = 100_000, log = () => {} } = {}) {
  log(`generating a ${fmtInt(lines)}-line project`);
  const { files, model, lines: totalLines } = generateProjectWithModel({ lines });
  const bytes = files.reduce((sum, f) => sum + Buffer.byteLength(f.text), 0);

  // ---- cold: fresh processes, before anything here has touched the parser ----
  log(`cold first parse (${COLD_RUNS} fresh processes)`);
  const coldFile = files.find((f) => f.name === COLD_FILE) ?? files[0];
  const cold = coldParse(coldFile);

  // ---- every file must parse cleanly before anything is timed ----
  log("checking that every generated file parses without diagnostics");
  assertClean(files);

  // ---- warm parse of the whole project ----
  log("timing parse of the whole project");
  const parseAll = () => {
    let declarations = 0;
    for (const f of files) declarations += parse(new SourceFile(f.name, f.text)).ast.declarations.length;
    return declarations;
  };
  const paybill = await measure(parseAll, { warmup: 2, minRuns: 7, maxRuns: 25, maxTimeMs: 12_000 });
  log("timing the Chevrotain parser alone on the same files");
  const chevrotainAll = () => {
    let declarations = 0;
    for (const f of files) declarations += parseWithChevrotain(new SourceFile(f.name, f.text)).ast.declarations.length;
    return declarations;
  };
  const chevrotain = await measure(chevrotainAll, { warmup: 1, minRuns: 5, maxRuns: 15, maxTimeMs: 10_000 });

  // ---- JSON.parse of a document of the same byte size ----
  log("building and timing the JSON baseline");
  const json = buildJsonDocument(model, bytes, 0.01);
  const parsed = JSON.parse(json.text);
  if (!Array.isArray(parsed.declarations) || parsed.declarations.length !== json.declarations) {
    throw new Error("the JSON baseline document does not round-trip");
  }
  const jsonStats = await measure(() => JSON.parse(json.text), { warmup: 5, minRuns: 15, maxRuns: 60, maxTimeMs: 4_000 });

  // ---- memory (only with --expose-gc) ----
  const astMemory = retainedBy(() => files.map((f) => parse(new SourceFile(f.name, f.text))));
  const jsonMemory = retainedBy(() => JSON.parse(json.text));

  const paybillMBs = bytes / MB / (paybill.medianMs / 1000);
  const jsonMBs = json.bytes / MB / (jsonStats.medianMs / 1000);
  const ratio = paybillMBs / jsonMBs;
  const linesPerSecond = totalLines / (paybill.medianMs / 1000);
  const jsonLines = countLines(json.text);

  const rows = [
    {
      name: "paybill parse (warm)",
      size: `${fmtInt(totalLines)} lines, ${fmtMB(bytes)}, ${files.length} files`,
      median: fmtMs(paybill.medianMs),
      p90: fmtMs(paybill.p90Ms),
      rate: fmtRate(paybillMBs, "MB/s"),
      note: `${fmtInt(linesPerSecond)} lines/s, ${paybill.runs} runs`,
      data: { lines: totalLines, bytes, files: files.length, ...strip(paybill), mbPerS: paybillMBs, linesPerS: linesPerSecond },
    },
    {
      name: "  Chevrotain parser alone (warm)",
      median: fmtMs(chevrotain.medianMs),
      p90: fmtMs(chevrotain.p90Ms),
      rate: fmtRate(bytes / MB / (chevrotain.medianMs / 1000), "MB/s"),
      note: `the fallback for files with errors; the fast path is ${(chevrotain.medianMs / paybill.medianMs).toFixed(1)}× faster; ${chevrotain.runs} runs`,
      data: { ...strip(chevrotain), mbPerS: bytes / MB / (chevrotain.medianMs / 1000) },
    },
    {
      name: "JSON.parse (warm)",
      size: `${fmtInt(jsonLines)} lines, ${fmtMB(json.bytes)} (${signedPercent(json.bytes / bytes - 1)})`,
      median: fmtMs(jsonStats.medianMs),
      p90: fmtMs(jsonStats.p90Ms),
      rate: fmtRate(jsonMBs, "MB/s"),
      note: `${fmtInt(json.declarations)} declarations, ${jsonStats.runs} runs`,
      data: { lines: jsonLines, bytes: json.bytes, ...strip(jsonStats), mbPerS: jsonMBs },
    },
    {
      name: "ratio paybill ÷ JSON.parse",
      rate: fmtRatio(ratio),
      note: `JSON.parse is ${(1 / ratio).toFixed(1)}× faster per byte`,
      data: { ratio },
    },
    {
      name: "cold import @paybill/lang",
      median: fmtMs(cold.importMs),
      note: `fresh process, median of ${COLD_RUNS}; module load (Chevrotain's bundle and token definitions included)`,
      data: { importMs: cold.importMs },
    },
    {
      name: "cold first parse",
      size: `${coldFile.name}, ${fmtInt(countLines(coldFile.text))} lines, ${fmtMB(Buffer.byteLength(coldFile.text))}`,
      median: fmtMs(cold.firstParseMs),
      note: `a clean file: the fast path, no Chevrotain parser built; 2nd parse ${fmtMs(cold.secondParseMs)}; process start → parsed ${fmtMs(cold.processStartToFirstParseMs)}`,
      data: cold,
    },
  ];
  if (astMemory !== undefined && jsonMemory !== undefined) {
    rows.push(
      {
        name: "heap: all ASTs retained",
        size: fmtMB(astMemory.retainedBytes),
        note: `${(astMemory.retainedBytes / bytes).toFixed(1)}× source bytes, ${fmtInt(astMemory.retainedBytes / totalLines)} B/line; heap after GC ${fmtMB(astMemory.heapUsedBytes)}`,
        data: astMemory,
      },
      {
        name: "heap: JSON.parse result",
        size: fmtMB(jsonMemory.retainedBytes),
        note: `${(jsonMemory.retainedBytes / json.bytes).toFixed(1)}× source bytes; heap after GC ${fmtMB(jsonMemory.heapUsedBytes)}`,
        data: jsonMemory,
      },
    );
  }
  const summary = [
    `parse  ${fmtInt(totalLines)} lines  ${fmtMB(bytes)}  median ${fmtMs(paybill.medianMs)}  ${fmtRate(paybillMBs, "MB/s")}  ${fmtInt(linesPerSecond)} lines/s` +
      `  | JSON.parse ${fmtMB(json.bytes)} median ${fmtMs(jsonStats.medianMs)} ${fmtRate(jsonMBs, "MB/s")}  | ratio ${fmtRatio(ratio)}`,
  ];
  if (!gcAvailable) summary.push("memory: skipped (run `node --expose-gc bench/run.mjs` to measure heap)");
  return { rows, summary };
}

function strip({ samplesMs, ...rest }) {
  return rest;
}

const signedPercent = (x) => `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(2)}%`;

export function assertClean(files) {
  const failures = [];
  for (const f of files) {
    const { diagnostics } = parse(new SourceFile(f.name, f.text));
    if (diagnostics.length > 0) failures.push({ file: f, diagnostics });
  }
  if (failures.length === 0) return;
  const lines = [`${failures.length} of ${files.length} generated files did not parse cleanly:`];
  for (const { file, diagnostics } of failures.slice(0, 20)) {
    const source = new SourceFile(file.name, file.text);
    for (const d of diagnostics.slice(0, 5)) {
      const { line, column } = position(source, d.span.start);
      lines.push(`  ${file.name}:${line}:${column}  ${d.code} ${d.message}`);
      lines.push(`      ${file.text.split("\n")[line - 1]}`);
    }
    if (diagnostics.length > 5) lines.push(`  … ${diagnostics.length - 5} more in ${file.name}`);
  }
  throw new Error(lines.join("\n"));
}

function position(source, offset) {
  if (typeof source.position === "function") return source.position(offset);
  const before = source.text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

function coldParse(file) {
  const dir = mkdtempSync(join(tmpdir(), "paybill-bench-"));
  try {
    const path = join(dir, file.name.replaceAll("/", "_"));
    writeFileSync(path, file.text);
    const child = fileURLToPath(new URL("./cold-parse.child.mjs", import.meta.url));
    const results = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const out = spawnSync(process.execPath, [child, path], { encoding: "utf8", cwd: fileURLToPath(new URL(".", import.meta.url)) });
      if (out.status !== 0) throw new Error(`cold parse child failed (exit ${out.status}):\n${out.stderr}`);
      const result = JSON.parse(out.stdout.trim().split("\n").at(-1));
      if (result.diagnostics !== 0) throw new Error(`cold parse of ${file.name} reported ${result.diagnostics} diagnostics`);
      results.push(result);
    }
    const pick = (key) => median(results.map((r) => r[key]));
    return {
      runs: COLD_RUNS,
      importMs: pick("importMs"),
      firstParseMs: pick("firstParseMs"),
      secondParseMs: pick("secondParseMs"),
      processStartToFirstParseMs: pick("processStartToFirstParseMs"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
