/**
 * `cost`: what a condition may cost (spec/language.md §8.7, spec/runtime.md §Budget).
 *
 *   - the error path: a decision where conditions err because the client omitted optional
 *     inputs, against the same decision with every input present (goal ≤ 5×, stretch ≤ 2×),
 *     and the same erring decision with every condition on cel-js alone (what the error path
 *     cost before the closures answered absent fields themselves);
 *   - the worst condition that passes `check`: for each shape below, the largest `max:` the
 *     checker accepts (found by bisection on `checkProject`), the project built by
 *     `paybillc build`, then one decision on a request at those caps that goes through every
 *     element (no early exit), on the closures and on cel-js alone (goal ≤ 10 ms).
 *
 * Every project is compiled by `paybillc build` (a real process) and decided by `Decider`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkProject, SourceFile } from "@paybill/lang";
import { Decider, loadBundle } from "@paybill/runtime";
import { percentile } from "./harness.mjs";

export const name = "cost";
export const description = "cost: the error path vs a normal decision; the worst condition that passes check, at its caps";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PAYBILLC = join(ROOT, "compiler", "bin", "paybillc.js");
const BATCH = 100;
const TIME_MS = 1500;
const GOAL_MS = 10;

/** Results land here so the optimizer cannot drop the calls being timed. */
export let sink;

const HEADER = `import std.isolation.{pooled}
cloud aws primary { region = "eu-west-1" }
plan free { price = 0, isolation = pooled on primary }
agent bot { roles = [support] }
`;

// ---- the error path ----

const ERROR_PROJECT = `${HEADER}
action edit {
  input {
    amount:   decimal
    status:   enum(open, pending, closed)
    note:     string(max: 200)?
    priority: int?
    channel:  string(max: 20)?
  }
}
policy small     { permit bot to edit when input.amount < 1000.0 }
policy open_only { permit bot to edit when input.status != "closed" }
policy support   { permit bot to edit when "support" in principal.roles }
policy urgent    { forbid bot to edit when input.priority > 5 }
policy no_phone  { forbid bot to edit when input.channel == "phone" }
policy no_refund { forbid bot to edit when input.note.contains("refund") && input.amount > 100.0 }
policy big       { forbid bot to edit when input.amount > 5000.0 }
policy closed    { forbid bot to edit when input.status == "closed" && input.amount > 0.0 }
policy noted     { permit bot to edit when input.note.startsWith("ok") || input.amount < 10.0 }
policy triage    { permit bot to edit when input.priority < 3 && input.status == "open" }
`;

const TENANT = { id: "t1", plan: "free", state: "active" };

function errorPathRequests() {
  const full = [];
  const omitted = [];
  for (let i = 0; i < 64; i++) {
    const amount = 50 + i;
    full.push({ tenant: TENANT, agent: "bot", action: "edit", input: { amount, status: "open", note: `ok ${i}`, priority: 1 + (i % 3), channel: "chat" } });
    // The client leaves out every optional input: five conditions err.
    omitted.push({ tenant: TENANT, agent: "bot", action: "edit", input: { amount, status: "open" } });
  }
  return { full, omitted };
}

// ---- the worst conditions that pass check ----

const letters = (n, c = "a") => c.repeat(n);
const listOf = (n, make) => Array.from({ length: n }, (_, i) => make(i));

/**
 * Shapes of expensive conditions: the project text for a cap `n`, and a request at those
 * caps that visits every element (`exists` never finds, `all` always holds).
 */
const SHAPES = [
  {
    name: "nested exists, string +",
    input: (n) => `a: list(string(max: 8), max: ${n}), b: list(string(max: 8), max: ${n})`,
    when: 'input.a.exists(x, input.b.exists(y, x == y + "z"))',
    request: (n) => ({ a: listOf(n, (i) => `a${i}`.slice(0, 8)), b: listOf(n, (i) => `b${i}`.slice(0, 8)) }),
  },
  {
    name: "triple nested exists",
    input: (n) => `a: list(string(max: 4), max: ${n}), b: list(string(max: 4), max: ${n}), c: list(string(max: 4), max: ${n})`,
    when: "input.a.exists(x, input.b.exists(y, input.c.exists(z, x == z && y == z)))",
    request: (n) => ({ a: listOf(n, (i) => `a${i}`.slice(0, 4)), b: listOf(n, (i) => `b${i}`.slice(0, 4)), c: listOf(n, (i) => `c${i}`.slice(0, 4)) }),
  },
  {
    name: "all … in list",
    input: (n) => `a: list(string(max: 8), max: ${n}), b: list(string(max: 8), max: ${n})`,
    when: "input.a.all(x, x in input.b)",
    // Every element is found last.
    request: (n) => ({ a: listOf(n, () => "last"), b: [...listOf(n - 1, (i) => `b${i}`.slice(0, 8)), "last"] }),
  },
  {
    name: "matches over a capped text",
    input: (n) => `text: string(max: ${n})`,
    when: 'input.text.matches("^([a-z]+[0-9]*)+x{20}$")',
    request: (n) => ({ text: letters(n) }),
  },
  {
    // Every state of the automaton stays live on `aaa…`: RE2's slowest per character.
    name: "matches, every state live",
    input: (n) => `text: string(max: ${n})`,
    when: 'input.text.matches("^(.*a){30}$")',
    request: (n) => ({ text: `${letters(n - 1)}!` }),
  },
  {
    name: "exists … matches over 20 texts",
    input: (n) => `texts: list(string(max: ${n}), max: 20)`,
    when: 'input.texts.exists(t, t.matches("(?i)(password|secret|token)[:=][a-z0-9]{8,}"))',
    request: (n) => ({ texts: listOf(20, () => letters(n, "p")) }),
  },
  {
    name: "map + filter + size",
    input: (n) => `a: list(string(max: 16), max: ${n})`,
    when: 'input.a.map(x, x.lowerAscii() + "-" + x).filter(y, y.contains("zz")).size() > 0',
    request: (n) => ({ a: listOf(n, (i) => `Item${i}`.padEnd(16, "q").slice(0, 16)) }),
  },
];

function projectOf(shape, n) {
  return `${HEADER}
action go { input { ${shape.input(n)} } }
policy worst { permit bot to go when ${shape.when} }
`;
}

function passes(text) {
  const { diagnostics } = checkProject([new SourceFile("worst.paybill", text)]);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.some((d) => d.code !== "PB4033")) throw new Error(`the bench project has errors:\n${errors.map((d) => d.message).join("\n")}`);
  return errors.length === 0;
}

/** The largest cap the checker accepts for a shape. */
function largestCap(shape) {
  let lo = 1;
  let hi = 1;
  while (passes(projectOf(shape, hi * 2))) hi *= 2;
  hi *= 2;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (passes(projectOf(shape, mid))) lo = mid;
    else hi = mid;
  }
  return lo;
}

// ---- building and timing ----

function compile(text) {
  const dir = mkdtempSync(join(tmpdir(), "paybill-cost-bench-"));
  try {
    writeFileSync(join(dir, "main.paybill"), text);
    const result = spawnSync(process.execPath, [PAYBILLC, "build", dir, "--out", join(dir, "out")], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`paybillc build failed (exit ${result.status}):\n${result.stderr}${result.stdout}`);
    return loadBundle(readFileSync(join(dir, "out", "bundle.json"), "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same bundle with every condition wrapped in `dyn(…)`: the identity, but the closures do not take it, so cel-js runs it. */
function onCelJs(bundle) {
  return {
    ...bundle,
    policies: bundle.policies.map((p) => ({ ...p, rules: p.rules.map((r) => (r.when === undefined ? r : { ...r, when: { ...r.when, cel: `dyn(${r.when.cel})` } })) })),
  };
}

/** Per-call nanoseconds of batches of calls (one clock read per batch): p50, p99. */
function timeBatches(decide, requests, batch = BATCH, timeMs = TIME_MS) {
  const warm = performance.now() + 300;
  for (let i = 0; i < 20_000 && performance.now() < warm; i++) sink = decide(requests[i % requests.length]);
  const perCall = [];
  let i = 0;
  const until = performance.now() + timeMs;
  while (performance.now() < until) {
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < batch; b++) {
      sink = decide(requests[i]);
      i = i + 1 === requests.length ? 0 : i + 1;
    }
    perCall.push(Number(process.hrtime.bigint() - t0) / batch);
  }
  perCall.sort((a, b) => a - b);
  return { p50: percentile(perCall, 50), p99: percentile(perCall, 99), max: perCall[perCall.length - 1] };
}

function fmtNs(ns) {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
}

function decisionsAgree(a, b, requests) {
  for (const r of requests) {
    const x = JSON.stringify(a.decide(r));
    const y = JSON.stringify(b.decide(r));
    if (x !== y) throw new Error(`the decisions differ on ${JSON.stringify(r.input)}:\n${x}\n${y}`);
  }
}

export default async function run({ log = () => {} } = {}) {
  const rows = [];

  log("error path: building the project");
  const bundle = compile(ERROR_PROJECT);
  const decider = new Decider(bundle);
  const celJs = new Decider(onCelJs(bundle));
  const { full, omitted } = errorPathRequests();
  decisionsAgree(decider, celJs, [...full, ...omitted]);
  const errs = decider.decide(omitted[0]).reasons.filter((r) => r.kind === "error").length;
  if (errs === 0) throw new Error("the error-path requests do not make any condition err");
  log("error path: timing");
  const normal = timeBatches((r) => decider.decide(r), full);
  const erring = timeBatches((r) => decider.decide(r), omitted);
  const before = timeBatches((r) => celJs.decide(r), omitted, 10);
  const ratio = erring.p50 / normal.p50;
  rows.push(
    { name: "normal decision (10 policies)", size: "every input present", median: fmtNs(normal.p50), p90: fmtNs(normal.p99), rate: "", note: "p99 in the p90 column", data: normal },
    {
      name: "error path: conditions err",
      size: `optional inputs omitted, ${errs} conditions err`,
      median: fmtNs(erring.p50),
      p90: fmtNs(erring.p99),
      rate: "",
      note: `${ratio.toFixed(2)}× the normal decision (goal ≤ 5×, stretch ≤ 2×: ${ratio <= 2 ? "both met" : ratio <= 5 ? "≤ 5× met" : "MISSED"})`,
      data: { ...erring, ratio },
    },
    {
      name: "error path on cel-js alone",
      size: "the same requests, no closures",
      median: fmtNs(before.p50),
      p90: fmtNs(before.p99),
      rate: "",
      note: `${(before.p50 / normal.p50).toFixed(1)}× the normal decision: what the error path cost before`,
      data: before,
    },
  );

  let worst = 0;
  for (const shape of SHAPES) {
    const n = largestCap(shape);
    log(`worst condition: ${shape.name}, cap ${n}`);
    const built = compile(projectOf(shape, n));
    const fast = new Decider(built);
    const slow = new Decider(onCelJs(built));
    const request = [{ tenant: TENANT, agent: "bot", action: "go", input: shape.request(n) }];
    decisionsAgree(fast, slow, request);
    const reasons = fast.decide(request[0]).reasons;
    if (reasons.some((r) => r.kind === "cost" || r.kind === "input")) throw new Error(`${shape.name}: the request at the caps is refused: ${JSON.stringify(reasons)}`);
    const a = timeBatches((r) => fast.decide(r), request, 1, 600);
    const b = timeBatches((r) => slow.decide(r), request, 1, 600);
    const top = Math.max(a.p50, b.p50);
    worst = Math.max(worst, top);
    rows.push({
      name: `worst: ${shape.name}`,
      size: `max ${n}`,
      median: fmtNs(a.p50),
      p90: fmtNs(b.p50),
      rate: "",
      note: `closures p50 (median column), cel-js alone p50 (p90 column); goal ≤ ${GOAL_MS} ms: ${top <= GOAL_MS * 1e6 ? "met" : "MISSED"}`,
      data: { cap: n, closures: a, celJs: b },
    });
  }
  return {
    rows,
    summary: [
      `error path: ${ratio.toFixed(2)}× a normal decision (goal ≤ 5×, stretch ≤ 2×); cel-js alone: ${(before.p50 / normal.p50).toFixed(1)}×`,
      `worst condition that passes check, at its caps: ${fmtNs(worst)} (goal ≤ ${GOAL_MS} ms)`,
    ],
  };
}
