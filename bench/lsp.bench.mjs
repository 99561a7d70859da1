/**
 * The language server as an editor meets it: the real `paybillc lsp --stdio` spawned and
 * spoken to over JSON-RPC, on one generated ~5,000-line file (DESIGN.md: "language server
 * diagnostics after an edit in a 5k-line file: p95 < 50 ms"; issue 7: completion p95 < 20 ms).
 *
 *   1. diagnostics after an edit: a one-character change in a condition in the middle of
 *      the file (alternately valid, and a type error then its fix), timed from sending
 *      `didChange` to receiving `publishDiagnostics` for that version; digits typed one by
 *      one and deleted one by one (`100.0` → `1000…0.0` → `100.0`: the length changes,
 *      every later span moves);
 *      and a syntax error then its fix (the other declarations are still checked);
 *   2. code actions at a misspelt field (its did-you-mean quick fix), and 500 changes sent
 *      at once (a burst: checked once it pauses), timed until the last one's diagnostics;
 *   3. completion after `resource.` (fields) and between words (keywords and names), on a
 *      checked file, and right after an edit (the re-check included);
 *   4. the reference, in this process: `checkProject` of the same text, warm — what one
 *      re-check costs without the protocol.
 *
 * The p90 column holds the p95.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { checkProject, SourceFile } from "@paybill/lang";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-languageserver/node";
import { fmtInt, fmtMs, measure, median, percentile } from "./harness.mjs";

export const name = "lsp";
export const description = "paybillc lsp --stdio: diagnostics after an edit, 500 rapid changes, code actions and completion in a 5,000-line file";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PAYBILLC = join(ROOT, "compiler", "bin", "paybillc.js");
const GOAL_DIAGNOSTICS_MS = 50;
const GOAL_COMPLETION_MS = 20;
const EDITS = 60;
const COMPLETIONS = 100;
const GOAL_CODE_ACTIONS_MS = 20;
const GOAL_RAPID_MS = 1000;
const RAPID = 500;
const BURSTS = 10;

/** A valid file of `lines` lines: groups of an entity, an agent, an action and a policy with a CEL condition. */
export function generateFile(lines) {
  const parts = ["package bench", ""];
  for (let i = 0; parts.length < lines; i++) {
    parts.push(
      `// Orders of group ${i}.`,
      `entity Order${i} {`,
      "  id       uuid @id",
      "  amount   decimal",
      "  status   enum(open, closed)",
      "  email    string(max: 320) @pii",
      "  tags     list(string, max: 10)?",
      "}",
      "",
      `agent bot${i} { roles = [support, billing] }`,
      "",
      `action close_order${i} {`,
      `  input { order: Order${i}.id, reason: string(max: 100) }`,
      `  effect update Order${i}(input.order) set { status = closed }`,
      "}",
      "",
      `policy bot${i}_closes {`,
      `  permit bot${i} to close_order${i} when resource.amount < 100.0 && input.reason != "" && resource.status == "open"`,
      "}",
      "",
    );
  }
  return parts.join("\n");
}

function positionOf(text, offset) {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length - 1, character: before[before.length - 1].length };
}

async function startServer(folder, file, text) {
  const child = spawn(process.execPath, [PAYBILLC, "lsp", "--stdio"], { cwd: folder, stdio: ["pipe", "pipe", "inherit"] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiting = new Map();
  let publishes = 0;
  connection.onNotification("textDocument/publishDiagnostics", (params) => {
    publishes++;
    const wake = waiting.get(`${params.uri}@${params.version}`);
    if (wake !== undefined) wake(params);
  });
  connection.listen();
  const uri = pathToFileURL(join(folder, file)).href;
  await connection.sendRequest("initialize", { processId: process.pid, rootUri: pathToFileURL(folder).href, capabilities: {} });
  await connection.sendNotification("initialized", {});
  let version = 1;
  const published = (v) => new Promise((resolve) => waiting.set(`${uri}@${v}`, resolve));
  const first = published(1);
  await connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "paybill", version: 1, text } });
  const opened = await first;
  return {
    opened,
    async edit(range, newText) {
      version++;
      const done = published(version);
      const t0 = performance.now();
      await connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ range, text: newText }] });
      const params = await done;
      return { ms: performance.now() - t0, diagnostics: params.diagnostics };
    },
    /** Sends `changes` edits at once (no wait between them); the time until the last one's diagnostics, and how many publishes came. */
    async burst(changes) {
      const before = publishes;
      const t0 = performance.now();
      const sent = [];
      for (const { range, text: newText } of changes) {
        version++;
        sent.push(connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ range, text: newText }] }));
      }
      const done = published(version);
      await Promise.all(sent);
      const params = await done;
      return { ms: performance.now() - t0, publishes: publishes - before, diagnostics: params.diagnostics };
    },
    async codeActions(range) {
      const t0 = performance.now();
      const actions = await connection.sendRequest("textDocument/codeAction", { textDocument: { uri }, range, context: { diagnostics: [] } });
      return { ms: performance.now() - t0, actions };
    },
    async editNoWait(range, newText) {
      version++;
      await connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ range, text: newText }] });
    },
    async complete(position) {
      const t0 = performance.now();
      const items = await connection.sendRequest("textDocument/completion", { textDocument: { uri }, position });
      return { ms: performance.now() - t0, items };
    },
    async stop() {
      await connection.sendRequest("shutdown");
      await connection.sendNotification("exit");
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on("exit", resolve)));
      connection.dispose();
    },
  };
}

const summarize = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: median(sorted), p95: percentile(sorted, 95), runs: sorted.length };
};

export default async function run({ log }) {
  const text = generateFile(5000);
  const lines = text.split("\n").length;
  const folder = mkdtempSync(join(tmpdir(), "paybill-lsp-bench-"));
  const file = "big.paybill";
  writeFileSync(join(folder, file), text);
  const rows = [];
  const summary = [];
  try {
    const reference = checkProject([new SourceFile(file, text)]);
    if (reference.diagnostics.length > 0) summary.push(`WARNING: the generated file is not clean: ${reference.diagnostics[0].message}`);
    const server = await startServer(folder, file, text);
    if (server.opened.diagnostics.length > 0) summary.push(`WARNING: the server reports ${server.opened.diagnostics.length} diagnostics on open`);

    // The middle group's condition: `100.0` → `101.0` and back (valid), `amount` → `amounx` and back (an error, then none).
    const middle = text.indexOf("100.0", Math.floor(text.length / 2));
    const digit = positionOf(text, middle + 2);
    const amount = text.lastIndexOf("resource.amount", middle) + "resource.amoun".length;
    const letter = positionOf(text, amount);
    const replaceAt = (p, c) => server.edit({ start: p, end: { line: p.line, character: p.character + 1 } }, c);
    log?.("lsp: diagnostics after edits");
    const valid = [];
    const errors = [];
    for (let i = 0; i < 5; i++) await replaceAt(digit, i % 2 === 0 ? "1" : "0"); // warm-up
    for (let i = 0; i < EDITS; i++) valid.push((await replaceAt(digit, i % 2 === 0 ? "1" : "0")).ms);
    let sawError = false;
    for (let i = 0; i < EDITS; i++) {
      const result = await replaceAt(letter, i % 2 === 0 ? "x" : "t");
      if (i % 2 === 0 && result.diagnostics.length > 0) sawError = true;
      errors.push(result.ms);
    }
    if (!sawError) summary.push("WARNING: the erroneous edit produced no diagnostic");
    // `100.0` → `1000.0` → … one `0` typed at a time, then deleted one at a time: valid, the
    // length changes, and every text is new (no earlier tree to fall back on).
    const typed = [];
    for (let i = 0; i < EDITS; i++) {
      const r = i < EDITS / 2 ? await server.edit({ start: digit, end: digit }, "0") : await server.edit({ start: digit, end: { line: digit.line, character: digit.character + 1 } }, "");
      if (r.diagnostics.length > 0) summary.push(`WARNING: typing a digit produced a diagnostic: ${r.diagnostics[0].message}`);
      typed.push(r.ms);
    }
    // `< 100.0` → `<< 100.0` and back: a syntax error, then its fix.
    const less = positionOf(text, middle - 2);
    const syntax = [];
    for (let i = 0; i < EDITS; i++) {
      const p = less;
      const r = i % 2 === 0 ? await server.edit({ start: p, end: p }, "<") : await server.edit({ start: p, end: { line: p.line, character: p.character + 1 } }, "");
      if (i === 0 && r.diagnostics.length === 0) summary.push("WARNING: the syntax error produced no diagnostic");
      syntax.push(r.ms);
    }

    log?.("lsp: completion");
    const fieldsAt = positionOf(text, text.indexOf("resource.", middle - 60) + "resource.".length);
    const wordsAt = positionOf(text, text.indexOf(" to close_order", middle - 200) + 1);
    const fields = [];
    const words = [];
    let fieldCount = 0;
    for (let i = 0; i < 5; i++) await server.complete(fieldsAt);
    for (let i = 0; i < COMPLETIONS; i++) {
      const r = await server.complete(fieldsAt);
      fieldCount = r.items.length;
      fields.push(r.ms);
      words.push((await server.complete(wordsAt)).ms);
    }
    log?.("lsp: code actions");
    // With `amounx` in the middle condition: the quick fix `amount`.
    const broken = await replaceAt(letter, "x");
    if (broken.diagnostics.length === 0) summary.push("WARNING: the misspelt field produced no diagnostic");
    const misspelt = { start: { line: letter.line, character: letter.character - 14 }, end: { line: letter.line, character: letter.character + 1 } };
    const actions = [];
    let actionCount = 0;
    for (let i = 0; i < 5; i++) await server.codeActions(misspelt);
    for (let i = 0; i < COMPLETIONS; i++) {
      const r = await server.codeActions(misspelt);
      actionCount = r.actions.length;
      actions.push(r.ms);
    }
    if (actionCount === 0) summary.push("WARNING: no code action for the misspelt field");
    await replaceAt(letter, "t");

    log?.("lsp: 500 rapid changes");
    // One `0` typed after `100.` 499 times then the run deleted at once: 500 changes as fast as the pipe takes them.
    const rapid = [];
    let rapidPublishes = 0;
    for (let round = 0; round < BURSTS; round++) {
      const changes = [];
      for (let i = 0; i < RAPID - 1; i++) changes.push({ range: { start: digit, end: digit }, text: "0" });
      changes.push({ range: { start: digit, end: { line: digit.line, character: digit.character + RAPID - 1 } }, text: "" });
      const r = await server.burst(changes);
      if (r.diagnostics.length > 0) summary.push(`WARNING: the rapid changes ended with a diagnostic: ${r.diagnostics[0].message}`);
      rapid.push(r.ms);
      rapidPublishes = Math.max(rapidPublishes, r.publishes);
    }

    const afterEdit = [];
    for (let i = 0; i < EDITS; i++) {
      await server.editNoWait({ start: digit, end: { line: digit.line, character: digit.character + 1 } }, i % 2 === 0 ? "1" : "0");
      afterEdit.push((await server.complete(fieldsAt)).ms);
    }
    await server.stop();

    const check = await measure(() => checkProject([new SourceFile(file, text)]), { warmup: 3, minRuns: 20, maxRuns: 60, maxTimeMs: 4000 });
    const row = (title, samples, goal, note) => {
      const s = summarize(samples);
      return {
        name: title,
        size: `${fmtInt(lines)} lines`,
        median: fmtMs(s.median),
        p90: fmtMs(s.p95),
        note: `${goal === undefined ? "" : `goal p95 < ${goal} ms: ${s.p95 < goal ? "met" : "NOT met"}; `}${note ?? ""}${s.runs} runs`,
        data: { ...s, goal },
      };
    };
    rows.push(
      row("diagnostics after a valid edit", valid, GOAL_DIAGNOSTICS_MS),
      row("diagnostics after an edit (error ⇄ fix)", errors, GOAL_DIAGNOSTICS_MS),
      row("diagnostics after typing (30 inserts, 30 deletes)", typed, GOAL_DIAGNOSTICS_MS),
      row("diagnostics after an edit (syntax error ⇄ fix)", syntax, GOAL_DIAGNOSTICS_MS),
      row("completion after `resource.`", fields, GOAL_COMPLETION_MS, `${fieldCount} fields; `),
      row("completion of keywords and names", words, GOAL_COMPLETION_MS),
      row("code actions (a did-you-mean quick fix)", actions, GOAL_CODE_ACTIONS_MS, `${actionCount} actions; `),
      row(`${RAPID} rapid changes settle`, rapid, GOAL_RAPID_MS, `at most ${rapidPublishes} publishes per burst; `),
      row("completion right after an edit", afterEdit, undefined, "includes the re-check; "),
      row("reference: checkProject in process, warm", check.samplesMs, undefined),
    );
    summary.push("p90 column: p95. Diagnostics are timed from didChange sent to publishDiagnostics received for that version.");
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  return { rows, summary };
}
