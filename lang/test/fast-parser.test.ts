/**
 * The fast parser (`fast-parser.ts`) against the Chevrotain parser it stands in for.
 *
 * The law: on any text, `parse` (fast path first) gives exactly what `parseWithChevrotain`
 * gives — the same tree with the same spans, comments and field order, and the same
 * diagnostics. The fast parser may decline a file (Chevrotain then parses it), but it must
 * not decline valid input: declines are counted and must be zero for every clean file.
 *
 * Corpora: every sample (constants and lookups: compiler/test/samples/lookups and the
 * tests below), the stdlib and the examples; programs printed from generated trees;
 * the benchmark generator; and near-valid text made by mutating those at the token level
 * (the inputs where the two parsers' decisions could part).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateProject } from "../../bench/generate.mjs";
import { findExcessiveNesting } from "../src/1-parse/depth-guard.js";
import { fastParse } from "../src/1-parse/fast-parser.js";
import { printFile } from "../src/format/layout.js";
import { lex } from "../src/1-parse/lexer.js";
import { type ParseResult, parse, parseWithChevrotain } from "../src/1-parse/parse.js";
import { SourceFile } from "../src/source/source-file.js";
import { fileNode } from "./support/arbitraries.js";

const scale = Number(process.env.FUZZ_SCALE ?? "1");
const runs = (n: number): number => Math.max(1, Math.round(n * scale));

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function paybillFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) paybillFiles(path, out);
    else if (name.endsWith(".paybill")) out.push(path);
  }
  return out;
}

interface Text {
  readonly name: string;
  readonly text: string;
}

const written: Text[] = [join(ROOT, "lang/test/samples"), join(ROOT, "compiler/test/samples/lookups"), join(ROOT, "stdlib"), join(ROOT, "examples")]
  .flatMap((dir) => paybillFiles(dir))
  .map((path) => ({ name: path.slice(ROOT.length), text: readFileSync(path, "utf8") }));

const generated: Text[] = generateProject({ lines: 3000, seed: "fast-parser" });

/**
 * The first difference between two values, as a path, or undefined when they are equal:
 * spans included, own keys in the same order (an `undefined` field counts as present).
 */
export function firstDifference(a: unknown, b: unknown, path = "$"): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return `${path}: ${String(a)} ≠ ${String(b)}`;
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.join(",") !== kb.join(",")) return `${path}: keys [${ka}] ≠ [${kb}]`;
  for (const key of ka) {
    const d = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

function sameResult(fast: ParseResult, reference: ParseResult): string | undefined {
  return firstDifference(fast.ast, reference.ast, "ast") ?? firstDifference(fast.diagnostics, reference.diagnostics, "diagnostics");
}

type Outcome = "accepted" | "declined";

/**
 * Parses `text` both ways and fails on any difference. Also answers whether the fast
 * parser took the file, and whether Chevrotain found it clean.
 */
function compare(name: string, text: string): { outcome: Outcome; clean: boolean } {
  const source = new SourceFile(name, text);
  const reference = parseWithChevrotain(source);
  const difference = sameResult(parse(source), reference);
  if (difference !== undefined) throw new Error(`${name}: parse and parseWithChevrotain differ at ${difference}\n--- text ---\n${text}`);
  const lexed = lex(source);
  // The pipeline of `parse`: a clean lex, the depth guard, then the fast parser.
  const taken = lexed.diagnostics.length === 0 && findExcessiveNesting(lexed.tokens) === undefined && fastParse(text, lexed.tokens) !== undefined;
  if (taken && reference.diagnostics.length > 0) {
    throw new Error(`${name}: the fast parser took a file Chevrotain reports (${reference.diagnostics[0]?.code})\n--- text ---\n${text}`);
  }
  const clean = reference.diagnostics.length === 0;
  // A clean file has nothing for Chevrotain to report, so nothing to decline for.
  if (clean && !taken) throw new Error(`${name}: the fast parser declined a file Chevrotain finds clean\n--- text ---\n${text}`);
  return { outcome: taken ? "accepted" : "declined", clean };
}

/** Compares every text; returns the clean files the fast parser declined. */
function declinedClean(texts: readonly Text[]): string[] {
  const declined: string[] = [];
  for (const { name, text } of texts) {
    const { outcome, clean } = compare(name, text);
    if (clean && outcome === "declined") declined.push(name);
  }
  return declined;
}

// ---- mutations: near-valid text, where a wrong decision would show ----

/** Words and punctuation a mutation may insert: every keyword kind, names, operators. */
const VOCABULARY = [
  "a", "b", "x", "input", "state", "read", "any", "agent", "action", "role", "to", "when", "permit", "forbid", "allow", "next",
  "final", "await", "approval", "from", "given", "do", "expect", "by", "per", "on", "set", "effect", "requires", "feature",
  "context", "untrusted", "start", "tenant", "as", "in", "at", "import", "package", "true", "null", "for", "{", "}", "(", ")", "[", "]", ",", ":", ".",
  "=", "?", "@", "-", "!", "+", "==", "&&", "1", "2.5", "3u", "10m", '"s"', "b\"x\"", '"\\q"', "const", "exists", "exists(",
];

/** The text split at token boundaries (spaces kept with the token before them). */
function pieces(text: string): string[] {
  return text.match(/\s+|"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?[a-z]*|[=!<>]=|&&|\|\||./g) ?? [];
}

const mutation = fc.record({
  kind: fc.constantFrom("delete", "insert", "replace", "duplicate", "swap"),
  at: fc.nat(),
  word: fc.constantFrom(...VOCABULARY),
});

function mutate(text: string, edits: readonly { kind: string; at: number; word: string }[]): string {
  const parts = pieces(text);
  for (const { kind, at, word } of edits) {
    if (parts.length === 0) break;
    const i = at % parts.length;
    if (kind === "delete") parts.splice(i, 1);
    else if (kind === "insert") parts.splice(i, 0, ` ${word} `);
    else if (kind === "replace") parts[i] = ` ${word} `;
    else if (kind === "duplicate") parts.splice(i, 0, parts[i] as string);
    else if (i + 1 < parts.length) [parts[i], parts[i + 1]] = [parts[i + 1] as string, parts[i] as string];
  }
  return parts.join("");
}

/** Declaration heads to fill with a soup of words: each puts the soup in another grammar context. */
const CONTEXTS = [
  "policy p { permit ", "policy p { ", "workflow w { state s { ", "workflow w { ", "action a { ", "action a { effect update ",
  "test \"t\" { ", "test \"t\" { expect deny by ", "test \"t\" { given ", "test \"t\" { given context { ", "entity e { ", "plan p { k = ", "plan p { k = 1 ", "cloud ", "import a",
  "policy p { permit a to b when ", "test \"t\" { do x { f: ", "agent a { k = x(", "const c = ", "const ",
  "policy p { permit a to b when exists(", "policy p { forbid a to b when input.x in ",
];
const SOUP = [
  "a", "b", "input", "state", "read", "update", "any", "agent", "action", "role", "to", "when", "permit", "allow", "next", "final",
  "await", "approval", "from", "given", "do", "expect", "by", "per", "on", "set", "effect", "requires", "feature", "start", "tenant",
  "context", "untrusted",
  "as", "in", "at", "deny", "usd", "{", "}", "(", ")", ",", ",", ":", ".", "=", "?", "@", "-", "1", '"s"', "}", "}",
  "const", "exists", "[", "]", "==", "p", "p.iban", "Payee",
];
const soup = fc.record({ context: fc.constantFrom(...CONTEXTS), words: fc.array(fc.constantFrom(...SOUP), { maxLength: 12 }) });

describe("fast parser", () => {
  it("gives Chevrotain's tree for every sample, the stdlib and the examples, and declines none of the clean ones", () => {
    expect(written.length).toBeGreaterThan(50);
    expect(declinedClean(written)).toEqual([]);
  });

  it("declines every error sample, which then parses exactly as before", () => {
    const errors = written.filter((f) => f.name.includes("samples/errors/"));
    expect(errors.length).toBeGreaterThan(5);
    for (const { name, text } of errors) expect(compare(name, text)).toEqual({ outcome: "declined", clean: false });
  });

  it("takes every file of the benchmark generator", () => {
    expect(generated.length).toBeGreaterThan(10);
    expect(declinedClean(generated)).toEqual([]);
    for (const { name, text } of generated) expect(compare(name, text)).toEqual({ outcome: "accepted", clean: true });
  });

  it("takes every program printed from a generated tree, with Chevrotain's tree", () => {
    let declines = 0;
    fc.assert(
      fc.property(fileNode, (ast) => {
        const text = printFile(ast);
        const { outcome, clean } = compare("printed.paybill", text);
        if (clean && outcome === "declined") declines++;
      }),
      { numRuns: runs(400) },
    );
    expect(declines).toBe(0);
  });

  it("agrees with Chevrotain on mutated programs: same tree and diagnostics, or declined", () => {
    const bases = [...written.filter((f) => f.text.length < 4000), ...generated.slice(0, 20)].map((f) => f.text);
    fc.assert(
      fc.property(fc.constantFrom(...bases), fc.array(mutation, { minLength: 1, maxLength: 3 }), (text, edits) => {
        compare("mutated.paybill", mutate(text, edits));
      }),
      { numRuns: runs(1500) },
    );
  });

  it("agrees with Chevrotain on mutated printed programs", () => {
    fc.assert(
      fc.property(fileNode, fc.array(mutation, { minLength: 1, maxLength: 2 }), (ast, edits) => {
        compare("mutated.paybill", mutate(printFile(ast), edits));
      }),
      { numRuns: runs(600) },
    );
  });

  it("agrees with Chevrotain on keyword soup in every grammar context", () => {
    let accepted = 0;
    fc.assert(
      fc.property(soup, ({ context, words }) => {
        const text = `${context} ${words.join(" ")} }`;
        if (compare("soup.paybill", text).outcome === "accepted") accepted++;
      }),
      { numRuns: runs(4000) },
    );
    // The soup reaches valid programs often enough to test the trees, not only the declines.
    expect(accepted).toBeGreaterThan(runs(4000) / 100);
  });

  it("takes constants and lookups with Chevrotain's tree, and declines their broken forms", () => {
    const clean = [
      'const payees = ["DE89370400440532013000", "FR7630006000011234567890189"]',
      "const max_transfer = 2000.0\nconst limits = {\"day\": 5, \"hour\": 2}\nconst on = true\nconst none = []",
      "policy p { permit a to send when exists(Payee, p, p.iban == input.recipient) && input.amount <= max_transfer }",
      "policy p { forbid a to send when !exists(Payee, row, row.iban == input.to && row.name == principal.name) || input.to in payees }",
      "policy p { permit a to send when exists(Payee, p, p.id == input.id) ? lim.max_transfer > 1.0 : pay.blocked.size() == 0 }",
      "package pay\nimport limits as lim\nconst blocked = [\"x\"]\npolicy q { permit a to b when input.x in blocked }",
    ];
    for (const [i, text] of clean.entries()) expect(compare(`const-${i}.paybill`, text), text).toEqual({ outcome: "accepted", clean: true });
    const broken = ["const = 1", "const c", "const c = ", "const c 1", "const const = 1", "policy p { permit a to b when exists(Payee, p, }", "policy p { permit a to b when exists(Payee p p.x == 1) }"];
    for (const [i, text] of broken.entries()) expect(compare(`const-broken-${i}.paybill`, text).clean, text).toBe(false);
  });

  it("leaves the depth limits to Chevrotain (PB1005, PB1006)", () => {
    const deep = `policy p { permit a to b when ${"(".repeat(120)}x${")".repeat(120)} }`;
    const long = `policy p { permit a to b when ${Array.from({ length: 250 }, () => "x ? y").join(" : ")} : z }`;
    const chain = `policy p { permit a to b when x${".y".repeat(250)} }`;
    // Brackets past MAX_NESTING stop `parse` before either parser; the other two are
    // bracket-free chains past MAX_EXPRESSION_DEPTH, which the fast parser declines.
    for (const text of [deep, long, chain]) expect(compare("deep.paybill", text)).toEqual({ outcome: "declined", clean: false });
    expect(parse(new SourceFile("deep.paybill", deep)).diagnostics.map((d) => d.code)).toEqual(["PB1005"]);
    expect(parse(new SourceFile("deep.paybill", long)).diagnostics.map((d) => d.code)).toEqual(["PB1006"]);
    expect(parse(new SourceFile("deep.paybill", chain)).diagnostics.map((d) => d.code)).toEqual(["PB1006"]);
  });

  it("reads contextual keywords as names where Chevrotain does", () => {
    const text = [
      "entity state { action string, input int, read bool }",
      "action read { input { state: string } effect update state(input.state) set { read = input.read } }",
      "policy on { permit role per, any agent to read state, read, any action when state.in_progress && input.action == action }",
      "workflow next { start state  state state { allow read, next next, final } }",
      "policy role { permit role to to  permit role role to role, read when role  permit = 1  permit any to any }",
      "workflow w { start = 1  state = 1  state { x = 1 }  state s { final = 1, allow = 2, next = 3, await = 4, final } }",
      "action a { input = 1  effect = 2  requires = 3  input { \"k\" = 1 }  effect { }  requires { }  input { } }",
      "plan p { b = 5 usd per month  c = 5 per day  d = 5 usd  x = 1  e = - 5 per = 1  f = a on b  g = a on = 1 }",
      "cloud aws { }  cloud aws main { region = \"x\" }  entity e @a(b: 1, 2) { f: string(max: 5)? @pii  g int }",
      "test \"t\" { given approval { x: 1 } given approval from \"g\" expect deny by by, tenant tenant }",
      "test \"t\" { given context { context: 1 } given context.untrusted { untrusted: 2 } given untrusted { x: 1 } given untrusted \"u\", given untrusted.context { } }",
      "entity untrusted { context string @untrusted }  policy context { permit untrusted to context when untrusted(input.context) }",
    ].join("\n");
    expect(compare("keywords.paybill", text)).toEqual({ outcome: "accepted", clean: true });
  });
});
