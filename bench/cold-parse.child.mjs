/**
 * Run by parse.bench.mjs in a fresh process: how long the first parse takes when nothing is
 * warm. The file is read before any timing; then it times importing @paybill/lang (module
 * evaluation, lexer construction), the first `parse` (which also builds the parser: grammar
 * self-analysis) and the second `parse` of the same file. Prints one JSON line.
 *
 *   node bench/cold-parse.child.mjs <file.paybill>
 */
import { readFileSync } from "node:fs";

const path = process.argv[2];
const text = readFileSync(path, "utf8");
const ms = (from, to) => Number(to - from) / 1e6;

const t0 = process.hrtime.bigint();
const { parse, SourceFile } = await import("@paybill/lang");
const t1 = process.hrtime.bigint();
const first = parse(new SourceFile(path, text));
const t2 = process.hrtime.bigint();
const sinceStartMs = performance.now();
const second = parse(new SourceFile(path, text));
const t3 = process.hrtime.bigint();

process.stdout.write(
  `${JSON.stringify({
    importMs: ms(t0, t1),
    firstParseMs: ms(t1, t2),
    secondParseMs: ms(t2, t3),
    processStartToFirstParseMs: sinceStartMs,
    diagnostics: first.diagnostics.length + second.diagnostics.length,
  })}\n`,
);
