/**
 * examples/payments, the banking assistant defended against prompt injection: it checks,
 * builds and passes its own tests; and the customer's requests and the injections of
 * support/payments-scenarios.ts, replayed as runs of `assist` with her intent as the run's
 * context, get the decisions they must — every request allowed, or pending exactly where
 * she confirms, every injected act refused — in process (`runtime.act`) and through
 * `paybillc serve --mcp --workflow assist --context …`, with the same decisions and reasons.
 * The audit chain shows nothing injected performed. On PGlite, and on PostgreSQL when
 * PAYBILL_TEST_DATABASE_URL is set.
 */
import { randomUUID } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { type ActResult, type DatabaseConfig, entityTablesSql, openRuntime, readBundle, type Runtime } from "@paybill/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestLogin, loginUrl } from "../../runtime/test/support/store-db.js";
import { type Backend, BACKENDS, PG_URL, textOf } from "./mcp-support.js";
import { BIN, paybillc } from "./support/cli.js";
import {
  type Aftermath,
  ATTACKER,
  afterRun,
  LANDLORD,
  type Outcome,
  PASSWORD,
  ROWS,
  rulesOf,
  SCENARIOS,
  type Scenario,
  seed,
  TENANT,
} from "./support/payments-scenarios.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EXAMPLE = join(ROOT, "examples", "payments");
/** The replay's one time, in process and through `serve --mcp --clock`: a run crossing midnight UTC would otherwise change a `per day` total's window between steps. */
const CLOCK = "2030-01-15T12:00:00Z";
const clock = (): Date => new Date(CLOCK);

let dir = "";
let bundlePath = "";

beforeAll(async () => {
  // A built copy: the shared tree's examples/payments/out is not touched.
  dir = await mkdtemp(join(tmpdir(), "paybill-payments-"));
  for (const name of await readdir(EXAMPLE)) if (name.endsWith(".paybill")) await cp(join(EXAMPLE, name), join(dir, name));
  const built = await paybillc(["build", "."], dir);
  if (built.code !== 0) throw new Error(`paybillc build failed:\n${built.stderr}`);
  bundlePath = join(dir, "out", "bundle.json");
}, 180_000);

afterAll(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

describe("examples/payments with paybillc", () => {
  it("checks clean, builds, and passes its own tests", async () => {
    const check = await paybillc(["check", "examples/payments"], ROOT);
    expect(check.stderr).toMatch(/no problems/);
    expect(check.code).toBe(0);
    const test = await paybillc(["test", "examples/payments"], ROOT);
    expect(test.stdout).toMatch(/\b18 tests passed, 0 failed/);
    // Tests that hold only with her intent and with text read in the run (`given context`, `given untrusted`).
    expect(test.stdout).toContain("✓ she pays her landlord the rent she named");
    expect(test.stdout).toContain("✓ no new e-mail address taken from a notice, even when she asked to change it");
    expect(test.code).toBe(0);
  });
});

/** A replay: each scenario's outcomes and what the host did after it. */
interface Replay {
  readonly outcomes: Outcome[][];
  readonly after: Aftermath[];
}

/** The in-process replays, by backend, for the MCP replays to be compared with. */
const inProcess = new Map<Backend, Replay>();

/** A PGlite data directory seeded once and never replayed on: each PGlite replay gets a copy (creating one is the slow part). */
let pristine: string | undefined;

/** The entity tables and the rows of tenant `ada` (support/payments-scenarios.ts). */
async function tablesAndRows(runtime: Runtime, postgres: boolean): Promise<void> {
  await runtime.database.exec(entityTablesSql(runtime.bundle));
  if (postgres) await ensureTestLogin(runtime.database);
  await seed(runtime);
}

/**
 * A fresh database for one replay, seeded: `serve`'s arguments, the config to open it, and its
 * removal. On PostgreSQL the seeding runtime (the admin's) is left open as `runtime`; a PGlite
 * replay gets a copy of the pristine directory and no runtime.
 */
async function freshDatabase(backend: Backend): Promise<{ runtime?: Runtime; config: DatabaseConfig; args: string[]; drop(): Promise<void> }> {
  const schema = `paybill_payments_${process.pid}_${randomUUID().slice(0, 8)}`;
  const dataDir = join(dir, `db-${randomUUID().slice(0, 8)}`);
  const url = backend === "postgres" ? PG_URL : undefined;
  if (url === undefined) {
    if (pristine === undefined) {
      const source = join(dir, "db-pristine");
      await mkdir(source);
      const runtime = await openRuntime({ clock, bundle: await readBundle(bundlePath), database: { pglite: { dataDir: source } } });
      try {
        await tablesAndRows(runtime, false);
      } finally {
        await runtime.close();
      }
      pristine = source;
    }
    await cp(pristine, dataDir, { recursive: true });
    return { config: { pglite: { dataDir } }, args: ["--database", dataDir], drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const config: DatabaseConfig = { url, schema, privileged: true };
  const runtime = await openRuntime({ clock, bundle: await readBundle(bundlePath), database: config });
  try {
    await tablesAndRows(runtime, true);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  return {
    runtime,
    config,
    args: ["--database", loginUrl(url), "--schema", schema],
    async drop() {
      const admin = await openRuntime({ clock, bundle: await readBundle(bundlePath), database: config });
      await admin.database.exec(`drop schema if exists "${schema}" cascade`);
      await admin.close();
    },
  };
}

function outcomeOf(result: ActResult): Outcome {
  return {
    decision: result.decision,
    reasons: result.reasons.map((r) => ({ ...r })),
    ...(result.approvalId === undefined ? {} : { approvalId: result.approvalId }),
    ...(result.perform === undefined ? {} : { performance: result.perform.id }),
  };
}

/** A tool's answer as an outcome: MCP adds a text to each reason for the agent, left out here. */
function outcomeOfTool(answer: object): Outcome {
  const s = ("structuredContent" in answer ? answer.structuredContent : undefined) as Record<string, unknown> | undefined;
  if (s === undefined || typeof s["decision"] !== "string") return { decision: `error: ${textOf(answer)}`, reasons: [] };
  const reasons = Array.isArray(s["reasons"]) ? (s["reasons"] as Record<string, unknown>[]).map(({ text: _text, ...rest }) => rest) : [];
  return {
    decision: s["decision"],
    // An allowed act's reasons are not in a tool's answer; its audit record keeps them.
    reasons,
    ...(typeof s["approvalId"] === "string" ? { approvalId: s["approvalId"] } : {}),
    ...(typeof s["performance"] === "string" ? { performance: s["performance"] } : {}),
  };
}

/** What both paths must show: each step's decision and the rules behind it, approvals granted and resumed, nothing injected performed. */
async function expectDefended(replay: Replay, runtime: Runtime, reasonsOfAllows: boolean): Promise<void> {
  for (const [i, scenario] of SCENARIOS.entries()) {
    for (const [j, step] of scenario.steps.entries()) {
      const outcome = replay.outcomes[i]?.[j];
      const what = `${scenario.name}: ${step.action} ${JSON.stringify(step.input)} → ${JSON.stringify(outcome)}`;
      expect(outcome?.decision, what).toBe(step.expect);
      if (step.expect !== "allow" || reasonsOfAllows) for (const rule of step.because ?? []) expect(rulesOf(outcome?.reasons ?? []), what).toContain(rule);
    }
  }
  // Every approval the requests opened was granted by the account holder and performed on resume.
  expect(replay.after.flatMap((a) => a.resumed)).toEqual(["allow", "allow", "allow"]);
  // Performed by the host and reported: Bob 50, the flatmate 120, the rent 1200, the password, Bob 50.
  expect(replay.after.flatMap((a) => a.reported)).toHaveLength(5);
  expect(await runtime.performances.pending(TENANT)).toEqual([]);

  const records = await runtime.audit.query({ tenant: TENANT, limit: 10_000 });
  // Each request's intent is in the chain once, as the host gave it.
  expect(records.filter((r) => r.action === "run.start").map((r) => (r.input as { context: unknown }).context)).toEqual(SCENARIOS.map((s) => s.context));
  // No act of the assistant moved money, or any standing order, towards the attacker's account, whatever its spelling.
  const attacker = (value: unknown) => typeof value === "string" && value.replace(/\s+/g, "").toUpperCase() === ATTACKER;
  const toAttacker = records.filter((r) => attacker((r.input as Record<string, unknown>)["recipient"]));
  expect(toAttacker.length).toBeGreaterThanOrEqual(5);
  expect(toAttacker.map((r) => r.decision)).toEqual(toAttacker.map(() => "deny"));
  const reports = records.filter((r) => r.action === "host.report");
  expect(reports).toHaveLength(5);
  expect(reports.every((r) => r.decision === "allow")).toBe(true);
  // The password changed once, when she asked and confirmed; never stored in the clear.
  const passwords = records.filter((r) => r.action === "update_password");
  expect(passwords.map((r) => r.decision)).toEqual(["pending", "allow", "deny"]);
  expect(JSON.stringify(passwords)).not.toContain(PASSWORD);
  expect(JSON.stringify(passwords)).not.toContain("Spring2030!");
  expect((await runtime.audit.verify(TENANT)).ok).toBe(true);

  // The data: the standing order raised as she said and still paying the landlord; her e-mail address untouched.
  const [rent] = await runtime.database.query<Record<string, unknown>>('select recipient, amount::float8 as amount, "every", subject from standing_order where id = $1', [ROWS.rent]);
  expect(rent).toEqual({ recipient: LANDLORD, amount: 1250, every: "month", subject: "rent" });
  const [me] = await runtime.database.query<Record<string, unknown>>("select email, address from profile where id = $1", [ROWS.me]);
  expect(me).toEqual({ email: "ada@example.com", address: "12 Harbour Road, Leith" });
  const orders = await runtime.database.query<{ recipient: string }>("select recipient from standing_order order by recipient");
  expect(orders.map((o) => o.recipient).sort()).toEqual([LANDLORD, "FR1420041010050500013M02606"].sort());
}

describe.each(BACKENDS)("examples/payments in process (%s)", (backend) => {
  it("allows her requests (pending where she confirms) and performs none of the injected acts", async () => {
    const db = await freshDatabase(backend);
    const runtime = db.runtime ?? (await openRuntime({ clock, bundle: await readBundle(bundlePath), database: db.config }));
    try {
      const replay: Replay = { outcomes: [], after: [] };
      for (const scenario of SCENARIOS) {
        const run = await runtime.runs.start({ workflow: "assist", tenant: TENANT, context: scenario.context });
        const outcomes: Outcome[] = [];
        for (const step of scenario.steps) {
          outcomes.push(outcomeOf(await runtime.act({ tenant: TENANT, agent: "assistant", action: step.action, input: step.input, run: run.id })));
        }
        replay.outcomes.push(outcomes);
        replay.after.push(await afterRun(runtime, scenario, outcomes));
      }
      await expectDefended(replay, runtime, true);
      inProcess.set(backend, replay);
    } finally {
      await runtime.close();
      await db.drop();
    }
  }, 300_000);
});

describe.each(BACKENDS)("examples/payments through serve --mcp (%s)", (backend) => {
  /** One MCP session of `serve --mcp` for the scenario's run, its context given with `--context`. */
  async function session(scenario: Scenario, index: number, args: readonly string[]): Promise<Outcome[]> {
    const context = join(dir, `context-${index}.json`);
    await writeFile(context, JSON.stringify(scenario.context));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "serve", "--mcp", "--bundle", bundlePath, "--tenant", TENANT, "--agent", "assistant", "--workflow", "assist", "--context", context, "--clock", CLOCK, ...args],
      cwd: dir,
      stderr: "pipe",
    });
    const client = new Client({ name: "paybill-payments-test", version: "0" });
    await client.connect(transport);
    try {
      const outcomes: Outcome[] = [];
      for (const step of scenario.steps) outcomes.push(outcomeOfTool(await client.callTool({ name: step.action, arguments: step.input })));
      return outcomes;
    } finally {
      await client.close();
    }
  }

  it("decides every call as in process, and performs none of the injected acts", async () => {
    const db = await freshDatabase(backend);
    // The host's runtime, opened when it is needed. On PostgreSQL it stays open beside every
    // session; a PGlite data directory has one process at a time, so there it is closed
    // before each session and opened again only when the session left the host something
    // to do (an approval to grant and resume, a performance to report).
    let host: Runtime | undefined = db.runtime;
    const open = async (): Promise<Runtime> => {
      host ??= await openRuntime({ clock, bundle: await readBundle(bundlePath), database: db.config });
      return host;
    };
    const close = async () => {
      await host?.close();
      host = undefined;
    };
    try {
      const replay: Replay = { outcomes: [], after: [] };
      for (const [i, scenario] of SCENARIOS.entries()) {
        if (backend === "pglite") await close();
        const outcomes = await session(scenario, i, db.args);
        replay.outcomes.push(outcomes);
        // The host, after the session: the account holder confirms, the host resumes and reports.
        const hostsWork = outcomes.some((o) => o.approvalId !== undefined || o.performance !== undefined);
        replay.after.push(hostsWork ? await afterRun(await open(), scenario, outcomes) : { resumed: [], reported: [] });
      }
      await expectDefended(replay, await open(), false);
      await close();
      // The same decisions and reasons as in process (an allowed tool's answer carries no reasons).
      const local = inProcess.get(backend);
      if (local !== undefined) {
        const comparable = (r: Replay) => r.outcomes.map((steps) => steps.map((o) => ({ decision: o.decision, reasons: o.decision === "allow" ? [] : o.reasons })));
        expect(comparable(replay)).toEqual(comparable(local));
      }
    } finally {
      await close();
      await db.drop();
    }
  }, 600_000);
});
