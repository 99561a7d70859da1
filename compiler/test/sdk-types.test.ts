/**
 * `out/sdk/index.ts` under the repository's TypeScript, as strict as a host service can be
 * (`strict`, `noUncheckedIndexedAccess`, `exactOptionalPropertyTypes`): the helpdesk's SDK
 * and a host file using it type-check, and a misspelled action, input field or state name
 * fails with the error that names it. Imports `@paybill/runtime`'s built types: run
 * `npx tsc -b` first (the `test` script does).
 */
import { readdirSync, readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sdkTs } from "../src/emit/sdk/index.js";
import { emitOk, HELPDESK, ROOT } from "./support/bundle.js";
import { CONTEXT_PROJECT as PAY } from "./support/context-project.js";

/** The helpdesk's `.paybill` files (files only: `paybillc migrate` leaves a `.paybill/` directory there). */
function helpdeskSources(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(HELPDESK, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.isFile() && entry.name.endsWith(".paybill")) files[entry.name] = readFileSync(join(HELPDESK, entry.name), "utf8");
  }
  return files;
}

const run = promisify(execFile);
const HERE = fileURLToPath(new URL(".", import.meta.url));
const TSC = join(ROOT, "node_modules/.bin/tsc");
const OPTIONS = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noEmit: true,
  module: "nodenext",
  moduleResolution: "nodenext",
  target: "es2022",
  skipLibCheck: true,
  types: [],
};

interface TsError {
  readonly file: string;
  readonly line: number;
  readonly code: number;
  readonly message: string;
}

/** Type-checks `files` (path → text) in a directory inside the repository, so `@paybill/runtime` resolves. */
async function typeCheck(files: Record<string, string>): Promise<TsError[]> {
  const dir = await mkdtemp(join(HERE, ".sdk-types-"));
  made.push(dir);
  await writeFile(join(dir, "package.json"), '{ "type": "module" }\n');
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  await writeFile(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: OPTIONS, files: Object.keys(files) }));
  const output = await run(TSC, ["-p", ".", "--pretty", "false"], { cwd: dir }).then(
    () => "",
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
  const errors: TsError[] = [];
  for (const line of output.split("\n")) {
    const match = /^(.+?)\((\d+),\d+\): error TS(\d+): (.*)$/.exec(line);
    if (match !== null) errors.push({ file: match[1] ?? "", line: Number(match[2]), code: Number(match[3]), message: match[4] ?? "" });
    else if (line.trim() !== "" && !line.startsWith(" ")) errors.push({ file: "", line: 0, code: 0, message: line });
  }
  return errors;
}

const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

let helpdesk = "";
beforeAll(() => {
  helpdesk = sdkTs(emitOk(helpdeskSources()).bundle);
});

const HOST = `import { openRuntime, type ActResult } from "@paybill/runtime";
import { type ActionName, type Decimal, type StateOf, type Ticket, typed } from "./sdk/index.js";

export async function host(bundle: string): Promise<ActResult> {
  const paybill = typed(await openRuntime({ bundle }));
  const run = await paybill.runs.start({ workflow: "resolve_ticket", tenant: "initech" });
  const first: StateOf<"resolve_ticket"> = run.state;
  const read = await paybill.act({ tenant: "initech", agent: "support_bot", action: "read_ticket", input: { ticket: "t" }, run: run.id });
  const ticket = read.result as Partial<Ticket> | undefined;
  const status: "open" | "pending" | "resolved" | "closed" | undefined = ticket?.status;
  const moved = await paybill.runs.next(run, "resolve");
  const allowed = await paybill.runs.allowed(moved);
  const tools: ActionName[] = allowed?.actions ?? [];
  const amount: Decimal = "12.50";
  await paybill.decide({ tenant: "initech", agent: "support_bot", action: "refund", input: { ticket: "t", amount, reason: "broken" }, time: new Date() });
  const seen = await paybill.runs.observe(run.id, { source: "fetch_email", values: ["Pay DE44 5001 now", 42, 7n, true] });
  const recorded: number = seen.recorded;
  const any = await paybill.runs.get(run.id);
  if (any?.workflow === "sort_inbox") await paybill.runs.next(any, "cleanup");
  await paybill.runs.start({ workflow: "sort_inbox", tenant: "initech", agent: "triage_bot" });
  console.log(first, status, tools, recorded);
  return paybill.act({ tenant: "initech", agent: "support_bot", action: "close_ticket", input: { ticket: "t", reason: "done" }, run: moved.id });
}
`;

/** A host file whose one mistake is `line`. */
const mistake = (line: string): string => `import type { PaybillClient } from "./sdk/index.js";

export async function host(paybill: PaybillClient): Promise<void> {
  const run = await paybill.runs.start({ workflow: "resolve_ticket", tenant: "initech" });
  ${line}
}
`;

describe("out/sdk/index.ts under strict tsc", () => {
  it("the helpdesk's SDK and a host file using every part of it type-check", async () => {
    expect(await typeCheck({ "sdk/index.ts": helpdesk, "host.ts": HOST })).toEqual([]);
  });

  it("a misspelled action name fails, naming it and the action it resembles", async () => {
    const errors = await typeCheck({
      "sdk/index.ts": helpdesk,
      "host.ts": mistake(`await paybill.act({ tenant: "initech", agent: "support_bot", action: "refnud", input: { ticket: "t", amount: 1, reason: "x" }, run: run.id });`),
    });
    expect(errors).toEqual([{ file: "host.ts", line: 5, code: 2820, message: `Type '"refnud"' is not assignable to type 'ActionName'. Did you mean '"refund"'?` }]);
  });

  it("an action name that resembles none fails too", async () => {
    const errors = await typeCheck({
      "sdk/index.ts": helpdesk,
      "host.ts": mistake(`await paybill.act({ tenant: "initech", agent: "support_bot", action: "wire_money", input: {}, run: run.id });`),
    });
    expect(errors.map((e) => [e.file, e.line, e.code])).toContainEqual(["host.ts", 5, 2322]);
    expect(errors[0]?.message).toContain(`Type '"wire_money"' is not assignable to type 'ActionName'`);
  });

  it("a misspelled input field fails, naming the field and the action's input type", async () => {
    const errors = await typeCheck({
      "sdk/index.ts": helpdesk,
      "host.ts": mistake(`await paybill.act({ tenant: "initech", agent: "support_bot", action: "refund", input: { tickt: "t", amount: 1, reason: "x" }, run: run.id });`),
    });
    expect(errors).toEqual([
      { file: "host.ts", line: 5, code: 2561, message: "Object literal may only specify known properties, but 'tickt' does not exist in type 'RefundInput'. Did you mean to write 'ticket'?" },
    ]);
  });

  it("a missing input field and a value of the wrong type fail", async () => {
    const missing = await typeCheck({
      "sdk/index.ts": helpdesk,
      "host.ts": mistake(`await paybill.act({ tenant: "initech", agent: "support_bot", action: "refund", input: { ticket: "t", amount: 1 }, run: run.id });`),
    });
    expect(missing.map((e) => [e.file, e.code])).toEqual([["host.ts", 2741]]);
    expect(missing[0]?.message).toContain("Property 'reason' is missing");
    const wrong = await typeCheck({
      "sdk/index.ts": helpdesk,
      "host.ts": mistake(`await paybill.act({ tenant: "initech", agent: "support_bot", action: "open_ticket", input: { customer: "c", subject: "s", body: "b", channel: "fax" } });`),
    });
    expect(wrong.map((e) => [e.file, e.code])).toEqual([["host.ts", 2322]]);
    expect(wrong[0]?.message).toMatch(/^Type '"fax"' is not assignable to type '"\w+" \| "\w+" \| "\w+"'/);
  });

  it("a state its workflow does not have fails in runs.next, naming the state", async () => {
    const errors = await typeCheck({ "sdk/index.ts": helpdesk, "host.ts": mistake(`await paybill.runs.next(run, "resolvd");`) });
    expect(errors).toEqual([
      { file: "host.ts", line: 5, code: 2345, message: `Argument of type '"resolvd"' is not assignable to parameter of type '"done" | "escalate" | "resolve" | "triage"'.` },
    ]);
    // Another workflow's state is no better.
    const other = await typeCheck({ "sdk/index.ts": helpdesk, "host.ts": mistake(`await paybill.runs.next(run, "cleanup");`) });
    expect(other.map((e) => [e.code, e.message.slice(0, 30)])).toEqual([[2345, `Argument of type '"cleanup"' i`]]);
  });

  it("runs.observe takes a run's id and an observation of strings, numbers and bools", async () => {
    const observe = async (args: string) => typeCheck({ "sdk/index.ts": helpdesk, "host.ts": mistake(`await paybill.runs.observe(${args});`) });
    expect(await observe(`run.id, { source: "fetch_email", values: [{ text: "x" }] }`)).toEqual([
      { file: "host.ts", line: 5, code: 2322, message: "Type '{ text: string; }' is not assignable to type 'string | number | bigint | boolean'." },
    ]);
    expect(await observe(`run.id, { source: "fetch_email", values: [null] }`)).toEqual([
      { file: "host.ts", line: 5, code: 2322, message: "Type 'null' is not assignable to type 'string | number | bigint | boolean'." },
    ]);
    const noSource = await observe(`run.id, { values: ["x"] }`);
    expect(noSource.map((e) => [e.file, e.line, e.code])).toEqual([["host.ts", 5, 2345]]);
    expect(noSource[0]?.message).toContain("is not assignable to parameter of type 'Observation & ");
    expect(await observe(`run, { source: "fetch_email", values: ["x"] }`)).toEqual([
      { file: "host.ts", line: 5, code: 2345, message: `Argument of type 'RunOf<"resolve_ticket">' is not assignable to parameter of type 'string'.` },
    ]);
  });

  it("a workflow name, an agent name and a workflow's agent are checked", async () => {
    const workflow = await typeCheck({ "sdk/index.ts": helpdesk, "host.ts": mistake(`await paybill.runs.start({ workflow: "resolve_tickets", tenant: "initech" });`) });
    expect(workflow.map((e) => e.code)).toEqual([2820]);
    expect(workflow[0]?.message).toContain(`'"resolve_tickets"' is not assignable to type 'WorkflowName'`);
    const agent = await typeCheck({ "sdk/index.ts": helpdesk, "host.ts": mistake(`await paybill.runs.start({ workflow: "resolve_ticket", tenant: "initech", agent: "triage_bot" });`) });
    expect(agent.map((e) => [e.code, e.message])).toEqual([[2322, `Type '"triage_bot"' is not assignable to type '"support_bot"'.`]]);
  });

  it("awkward names type-check: an entity named like an SDK type, an action without input, every field type", async () => {
    const { bundle } = emitOk({
      "a.paybill": `entity Run {
  id    uuid    @id
  label string?
}
entity string_thing {
  id   uuid @id
  meta json?
}
agent bot { roles = [ops] }
action ping { }
action run_input {
  input { kind: enum(a, b), tags: list(enum(x, y))?, meta: json?, wait: duration, cost: money, at: timestamp, run: Run.id, n: int, ok: bool, d: decimal(4, 2) }
  description = "a description that ends */ a comment"
}
workflow flow {
  agent = bot
  start a
  state a { allow ping, run_input next b }
  state b { final }
}
`,
    });
    const entitiesOnly = emitOk({ "b.paybill": "entity Note {\n  id uuid @id\n}\n" }).bundle;
    const host = `import type { PaybillClient, RunEntity, Entities } from "./sdk/index.js";
export async function host(paybill: PaybillClient, row: RunEntity): Promise<Entities["Run"]> {
  const run = await paybill.runs.start({ workflow: "flow", tenant: "t" });
  await paybill.act({ tenant: "t", agent: "bot", action: "ping", input: {}, run: run.id });
  await paybill.act({ tenant: "t", agent: "bot", action: "run_input", input: { kind: "a", wait: "1h", cost: 2, at: "2025-01-01T00:00:00Z", run: row.id, n: 1, ok: true, d: "1.25", tags: ["x"] } });
  await paybill.runs.next(run, "b");
  return row;
}
`;
    expect(await typeCheck({ "sdk/index.ts": sdkTs(bundle), "host.ts": host, "notes/index.ts": sdkTs(entitiesOnly) })).toEqual([]);
  });

  it("a host action's perform, report and pending performances are typed by the action", async () => {
    const { bundle } = emitOk({
      "pay.paybill": `agent bot { roles = [pay] }
action send_money {
  input { iban: string(max: 34), amount: decimal }
  effect host
}
action ping { }
`,
    });
    const host = `import type { HostActionName, PaybillClient } from "./sdk/index.js";
export async function host(paybill: PaybillClient): Promise<HostActionName[]> {
  const out = await paybill.act({ tenant: "t", agent: "bot", action: "send_money", input: { iban: "DE", amount: 5 } });
  if (out.perform !== undefined) {
    const iban: string = out.perform.input.iban;
    await paybill.report("t", out.perform.id, iban === "" ? { ok: false, error: "no iban" } : { ok: true, result: { ref: 1 } });
  }
  return (await paybill.performances.pending("t")).map((p) => p.action);
}
`;
    expect(await typeCheck({ "sdk/index.ts": sdkTs(bundle), "host.ts": host })).toEqual([]);
    const wrong = host.replace("out.perform.input.iban", "out.perform.input.account");
    expect((await typeCheck({ "sdk/index.ts": sdkTs(bundle), "host.ts": wrong })).map((e) => [e.file, e.code])).toEqual([["host.ts", 2339]]);
    const notHost = `import type { HostActionName } from "./sdk/index.js";
export const name: HostActionName = "ping";
`;
    expect((await typeCheck({ "sdk/index.ts": sdkTs(bundle), "host.ts": notHost })).map((e) => [e.file, e.code])).toEqual([["host.ts", 2322]]);
  });
});

describe("a workflow's run context in the SDK", () => {
  const host = (line: string): string => `import type { PaybillClient } from "./sdk/index.js";

export async function host(paybill: PaybillClient): Promise<void> {
  ${line}
}
`;
  let sdk = "";
  beforeAll(() => {
    sdk = sdkTs(emitOk({ "pay.paybill": PAY }).bundle);
  });

  it("types runs.start's context by the workflow: given, it type-checks; missing, misspelled or mistyped, it fails", async () => {
    expect(sdk).toContain("export interface WorkflowContexts");
    const ok = host(`await paybill.runs.start({ workflow: "pay", tenant: "a", context: { recipient: "DE89", cap: "500.00", fields: ["iban"] } });
  await paybill.runs.start({ workflow: "plain", tenant: "a" });`);
    expect(await typeCheck({ "sdk/index.ts": sdk, "host.ts": ok })).toEqual([]);
    const missing = await typeCheck({ "sdk/index.ts": sdk, "host.ts": host(`await paybill.runs.start({ workflow: "pay", tenant: "a" });`) });
    expect(missing.map((e) => e.file)).toEqual(["host.ts"]);
    expect(missing[0]?.message).toContain("StartRunOf<\"pay\">");
    const misspelled = await typeCheck({ "sdk/index.ts": sdk, "host.ts": host(`await paybill.runs.start({ workflow: "pay", tenant: "a", context: { recipent: "x", cap: 1 } });`) });
    expect(misspelled.map((e) => e.code)).toEqual([2561]);
    expect(misspelled[0]?.message).toContain("'recipent'");
    const mistyped = await typeCheck({ "sdk/index.ts": sdk, "host.ts": host(`await paybill.runs.start({ workflow: "pay", tenant: "a", context: { recipient: 1, cap: 1 } });`) });
    expect(mistyped.map((e) => e.code)).toEqual([2322]);
    const none = await typeCheck({ "sdk/index.ts": sdk, "host.ts": host(`await paybill.runs.start({ workflow: "plain", tenant: "a", context: { recipient: "x" } });`) });
    expect(none.map((e) => e.file)).toEqual(["host.ts"]);
  }, 300_000);

  it("leaves the SDK of a project without contexts as it was", () => {
    expect(helpdesk).not.toContain("WorkflowContexts");
  });
});
