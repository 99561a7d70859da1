/**
 * `paybillc tenants …` and `paybillc billing …`, run in process (`main` with a recording
 * Io) on a temporary copy of the helpdesk example built once: the README's flow (onboard,
 * show, provision as a dry run, a failed payment, the sweep that suspends, the payment that
 * resumes, a replayed event), a plan change that moves the tenant's placement, offboarding,
 * usage export, and the errors — unknown plan, illegal transition, a tenant registered
 * twice, a missing bundle, usage mistakes — each a code and a help line, never a stack
 * trace. On the embedded PGlite data directory always, and on PostgreSQL (a fresh database,
 * dropped after) when PAYBILL_TEST_DATABASE_URL is set. The Terraform provisioner runs
 * through the CLI on hand-made `terraform_data` stacks when terraform is installed.
 */
import { existsSync } from "node:fs";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openRuntime, type Tenant, type Transition } from "@paybill/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyRuntimeTables } from "../src/emit/db/runtime-tables.js";
import { postgresDatabase, postgresForRuntime, type TestDatabase } from "./db-support.js";
import { builtHelpdesk, type Ran } from "./support/built-helpdesk.js";

// Each project copied from it starts with its PGlite data directory made.
const helpdesk = builtHelpdesk("paybill-tenants-", { database: true });
const run = helpdesk.run;

async function copyOfBuilt(name: string): Promise<string> {
  await cp(helpdesk.built(), join(helpdesk.root(), name), { recursive: true });
  return name;
}

const json = <T>(ran: Ran): T => JSON.parse(ran.stdout) as T;
const day = 24 * 60 * 60 * 1000;

interface Backend {
  readonly name: string;
  /** `--database …` for the suite, or nothing for the default data directory. */
  args(): string[];
  /** The same database, for reading what the CLI wrote. */
  config(project: string): { url: string } | { pglite: { dataDir: string } };
}

const backends: { name: string; open: () => Promise<Backend & { close(): Promise<void> }> | undefined }[] = [
  {
    name: "PGlite (the default data directory)",
    open: async () => ({
      name: "pglite",
      args: () => [],
      config: (project) => ({ pglite: { dataDir: join(helpdesk.root(), project, ".paybill/db") } }),
      close: async () => undefined,
    }),
  },
  {
    name: "PostgreSQL",
    open: () =>
      process.env.PAYBILL_TEST_DATABASE_URL === undefined || process.env.PAYBILL_TEST_DATABASE_URL === ""
        ? undefined
        : (async () => {
            const database = (await postgresForRuntime()) as TestDatabase & { login: string };
            const url = database.login;
            // The runtime's login role may not create a bridge tenant's schema: the admin's URL does (placement-migrate.ts).
            process.env.PAYBILL_ADMIN_DATABASE_URL = database.target;
            return {
              name: "postgres",
              args: () => ["--database", url],
              config: () => ({ url }),
              close: async () => {
                delete process.env.PAYBILL_ADMIN_DATABASE_URL;
                await database.drop();
              },
            };
          })(),
  },
];

for (const { name, open } of backends) {
  describe(`paybillc tenants and billing on ${name}`, () => {
    let backend: (Backend & { close(): Promise<void> }) | undefined;
    let project: string;
    beforeAll(async () => {
      backend = await open();
      project = await copyOfBuilt(`project-${name.split(" ")[0]}`);
    });
    afterAll(async () => {
      await backend?.close();
    });
    const cli = (args: string[]): Promise<Ran> => run([...args, "--project", project, ...(backend?.args() ?? [])]);

    it("the README's flow: onboard, show, provision (dry run), a failed payment suspended by the sweep, a payment that resumes", async (ctx) => {
      if (backend === undefined) return ctx.skip();
      const onboarded = await cli(["tenants", "onboard", "acme", "--plan", "business"]);
      expect(onboarded.code, onboarded.stderr).toBe(0);
      expect(onboarded.stdout).toContain("tenant `acme`: pending\n  plan         business (bridge on primary)\n");
      // business has `trial = 14 days`.
      expect(onboarded.stdout).toMatch(/\n {2}trial {8}until \S+\n/);
      expect(onboarded.stdout).toContain(
        "provisioning plan (onboard), 1 step:\n  1. provision `acme` (bridge, primary) on stack `primary-bridge-eu-west-1`: add it to the stack's `tenants` and apply\n",
      );
      expect(onboarded.stderr).toContain(`next: \`paybillc tenants provision acme ${["--project", project, ...backend.args(), "--provisioner", "terraform"].join(" ")}\``);

      const shown = await cli(["tenants", "show", "acme"]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/^tenant `acme`: pending\n {2}plan {9}business \(bridge on primary\)\n/);
      expect(shown.stdout).toContain("1. provision `acme` (bridge, primary) on stack `primary-bridge-eu-west-1`");
      expect(shown.stdout).toMatch(/history \(1 transition\):\n {2}#1 {2}\S+ {2}onboard +— +→ pending +by operator\n$/);

      // No provisioner named: the plan is printed, nothing changes, and the exit status says so.
      const unnamed = await cli(["tenants", "provision", "acme"]);
      expect(unnamed.code).toBe(2);
      expect(unnamed.stdout).toContain("1. provision `acme` (bridge, primary) on stack `primary-bridge-eu-west-1`");
      expect(unnamed.stderr).toMatch(/^error\[PB9314\]: no provisioner is named, so nothing was provisioned: tenant `acme` stays pending\n {2}= help: .*--provisioner terraform.*--dry-run.*paybill\.json/);
      const still = json<{ tenant: Tenant; history: Transition[] }>(await cli(["tenants", "show", "acme", "--format", "json"]));
      expect([still.tenant.state, still.history.length]).toEqual(["pending", 1]);
      const unnamedJson = json<{ error: { code: string }; plan: { steps: unknown[] } }>(await cli(["tenants", "provision", "acme", "--format", "json"]));
      expect([unnamedJson.error.code, unnamedJson.plan.steps.length]).toEqual(["PB9314", 1]);

      const provisioned = await cli(["tenants", "provision", "acme", "--dry-run"]);
      expect(provisioned.code, provisioned.stderr).toBe(0);
      expect(provisioned.stderr).toBe("dry-run: would provision `acme` (bridge, primary) on stack `primary-bridge-eu-west-1`: add it to the stack's `tenants` and apply\n");
      expect(provisioned.stdout).toMatch(/^done: provision `acme`\n/);
      // The bridge tenant's schema follows its provisioning: created, migrated (the runtime's tables and the project's), guarded.
      expect(provisioned.stdout).toMatch(/migrated its schema `tenant_acme`: runtime \d+.*, 0000_init, 0001_update\n/);
      expect(provisioned.stdout).toMatch(/tenant `acme` is active\n$/);

      const active = json<{ tenant: Tenant; plan: { steps: unknown[] } | null; history: Transition[] }>(await cli(["tenants", "show", "acme", "--format", "json"]));
      expect(active.tenant).toMatchObject({ id: "acme", plan: "business", state: "active", static: false });
      expect(active.plan?.steps ?? []).toEqual([]);
      expect(active.history.map((t) => t.event)).toEqual(["onboard", "provision", "provisioned"]);

      // A failed payment now: past due, suspension due after the plan's 7 days of grace.
      const failed = await cli(["billing", "event", "payment_failed", "--tenant", "acme", "--id", "evt_1"]);
      expect(failed.code, failed.stderr).toBe(0);
      expect(failed.stderr).toBe("billing: payment_failed applied to `acme`\n");
      expect(failed.stdout).toMatch(/^tenant `acme`: active\n/);
      expect(failed.stdout).toMatch(/ {2}past due {5}since \S+, suspension due \S+\n/);
      const early = await cli(["billing", "sweep", "--now", new Date(Date.now() + 6 * day).toISOString()]);
      expect([early.code, early.stdout, early.stderr]).toEqual([0, "", "billing sweep: no tenant's trial or grace period has ended\n"]);
      const swept = await cli(["billing", "sweep", "--now", new Date(Date.now() + 8 * day).toISOString(), "--format", "json"]);
      expect(swept.code).toBe(0);
      const sweep = json<{ transitions: Transition[]; expiredRuns: unknown[] }>(swept);
      expect(sweep.transitions.map((t) => [t.tenant, t.event, t.from, t.to])).toEqual([["acme", "suspend", "active", "suspended"]]);
      expect(sweep.expiredRuns).toEqual([]);
      const suspended = json<{ tenant: Tenant }>(await cli(["tenants", "show", "acme", "--format", "json"]));
      expect(suspended.tenant).toMatchObject({ state: "suspended", suspendedFor: "billing" });

      // The same event again changes nothing; the payment resumes the tenant.
      const before = json<Transition[]>(await cli(["tenants", "history", "acme", "--format", "json"]));
      const replay = await cli(["billing", "event", "payment_failed", "--tenant", "acme", "--id", "evt_1", "--format", "json"]);
      expect(json<{ duplicate: boolean; applied: boolean; tenant: Tenant }>(replay)).toMatchObject({ duplicate: true, applied: false, tenant: { state: "suspended" } });
      const replayText = await cli(["billing", "event", "payment_failed", "--tenant", "acme", "--id", "evt_1"]);
      expect(replayText.stderr).toBe("billing: event `evt_1` was applied before: nothing changed\n");
      expect(json<Transition[]>(await cli(["tenants", "history", "acme", "--format", "json"]))).toEqual(before);
      const paid = await cli(["billing", "event", "payment_succeeded", "--tenant", "acme", "--id", "evt_2"]);
      expect(paid.code, paid.stderr).toBe(0);
      expect(paid.stdout).toMatch(/^tenant `acme`: active\n/);
      expect(paid.stdout).not.toContain("past due");

      const history = json<Transition[]>(await cli(["tenants", "history", "acme", "--format", "json"]));
      expect(history.map((t) => t.seq)).toEqual(history.map((_, i) => i + 1));
      expect(history.map((t) => t.to)).toEqual(expect.arrayContaining(["pending", "provisioning", "active", "suspended"]));
      expect(history.at(-1)?.to).toBe("active");
    }, 240_000);

    it("a plan change across isolation models is a provisioning plan; offboarding removes the tenant", async (ctx) => {
      if (backend === undefined) return ctx.skip();
      expect((await cli(["tenants", "onboard", "bolt", "--plan", "business"])).code).toBe(0);
      expect((await cli(["tenants", "provision", "bolt", "--dry-run"])).code).toBe(0);
      const changed = await cli(["tenants", "change-plan", "bolt", "enterprise"]);
      expect(changed.code, changed.stderr).toBe(0);
      expect(changed.stdout).toMatch(/^tenant `bolt`: provisioning\n {2}plan {9}business \(bridge on primary\)\n {2}pending plan enterprise \(silo on primary\)/);
      expect(changed.stdout).toContain(
        [
          "provisioning plan (plan change), 3 steps:",
          "  1. provision `bolt` (silo, primary) on stack `primary-silo-eu-west-1`: add it to the stack's `tenants` and apply",
          "  2. move `bolt`'s data from bridge, primary on `primary-bridge-eu-west-1` to silo, primary on `primary-silo-eu-west-1`",
          "  3. retire `bolt` from its old placement (bridge, primary) on stack `primary-bridge-eu-west-1`: remove it from the stack's `tenants` and apply",
        ].join("\n"),
      );
      const planned = json<{ reason: string; steps: { kind: string; stack?: string }[] }>(await cli(["tenants", "plan", "bolt", "--format", "json"]));
      expect(planned.steps.map((s) => [s.kind, s.stack])).toEqual([
        ["provision", "primary-silo-eu-west-1"],
        ["move_data", "primary-silo-eu-west-1"],
        ["retire", "primary-bridge-eu-west-1"],
      ]);
      const moved = await cli(["tenants", "provision", "bolt", "--provisioner", "dry-run", "--format", "json"]);
      expect(json<{ tenant: Tenant }>(moved).tenant).toMatchObject({ plan: "enterprise", state: "active" });
      expect(json<{ tenant: Tenant }>(moved).tenant.pendingPlan).toBeUndefined();

      const offboarding = await cli(["tenants", "offboard", "bolt"]);
      expect(offboarding.code, offboarding.stderr).toBe(0);
      expect(offboarding.stdout).toMatch(/^tenant `bolt`: offboarding\n/);
      expect(offboarding.stdout).toContain("1. deprovision `bolt` (silo, primary) on stack `primary-silo-eu-west-1`: remove it from the stack's `tenants` and apply");
      expect((await cli(["tenants", "provision", "bolt", "--dry-run"])).stdout).toMatch(/tenant `bolt` is offboarded\n$/);
      const listed = json<Tenant[]>(await cli(["tenants", "list", "--state", "offboarded", "--format", "json"]));
      expect(listed.map((t) => t.id)).toEqual(["bolt"]);
    }, 240_000);

    it("refuses with the runtime's code and a help line: unknown plan, illegal transition, a second onboard, an unknown tenant", async (ctx) => {
      if (backend === undefined) return ctx.skip();
      const plan = await cli(["tenants", "onboard", "carl", "--plan", "gold"]);
      expect([plan.code, plan.stdout, plan.stderr]).toEqual([1, "", "error[PBR141]: there is no plan `gold` in this bundle\n  = help: plans: `business`, `enterprise`, `free`\n"]);
      expect((await cli(["tenants", "onboard", "carl", "--plan", "free"])).code).toBe(0);
      const illegal = await cli(["tenants", "resume", "carl"]);
      expect(illegal.code).toBe(1);
      expect(illegal.stderr).toMatch(/^error\[PBR140\]: tenant `carl` is pending: `resume` is not allowed from `pending`\n {2}= help: from `pending` the lifecycle allows: .*`provision`/);
      const again = await cli(["tenants", "onboard", "carl", "--plan", "free"]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/^error\[PBR142\]: tenant `carl` is already registered\n {2}= help: /);
      const absent = await cli(["tenants", "onboard", "carl", "--plan", "free", "--if-absent"]);
      expect(absent.code).toBe(0);
      expect(absent.stderr).toContain("onboard: tenant `carl` is already registered (--if-absent); shown as it is\n");
      expect(absent.stdout).toMatch(/^tenant `carl`: pending\n/);
      const unknown = await cli(["tenants", "show", "nobody", "--format", "json"]);
      expect(unknown.code).toBe(1);
      expect(json<{ error: { code: string; message: string; help: string } }>(unknown).error).toMatchObject({ code: "PBR110", message: "there is no tenant `nobody`" });
      // The help's commands run as printed: this project's flags, the tenant, the plans to choose from.
      const flags = ["--project", project, ...backend.args()].join(" ");
      expect(json<{ error: { help: string } }>(unknown).error.help).toBe(
        `see the registered tenants with \`paybillc tenants list ${flags}\`, or onboard it with \`paybillc tenants onboard nobody --plan <plan> ${flags}\` (\`business\`, \`enterprise\`, \`free\`)`,
      );
      const badId = await cli(["tenants", "onboard", "Carl", "--plan", "free"]);
      expect(badId.stderr).toMatch(/^error\[PBR143\]: `Carl` is not a tenant id\n/);
      const badEvent = await cli(["billing", "event", "payment_failed", "--tenant", "carl", "--id", "evt_9", "--at", "yesterday"]);
      expect(badEvent.code).toBe(1);
      expect(badEvent.stderr).toMatch(/^error\[PBR144\]: /);
    }, 240_000);

    it("exports usage per tenant and month as CSV and JSON", async (ctx) => {
      if (backend === undefined) return ctx.skip();
      expect((await cli(["tenants", "onboard", "dora", "--plan", "business"])).code).toBe(0);
      const runtime = await openRuntime({ bundle: await readFile(join(helpdesk.root(), project, "out/bundle.json"), "utf8"), database: backend.config(project) });
      try {
        await runtime.usage.record({ tenant: "dora", metric: "seats", quantity: 7, at: "2026-10-15T00:00:00Z" });
      } finally {
        await runtime.close();
      }
      const csv = await cli(["billing", "usage", "--period", "2026-10", "--tenant", "dora", "--format", "csv"]);
      expect(csv.code, csv.stderr).toBe(0);
      expect(csv.stdout.split("\r\n")[0]).toBe("tenant,period,metric,quantity,plan,unit_price,currency,amount");
      expect(csv.stdout).toContain("dora,2026-10,seats,7,business,,,\r\n");
      // The plan's price (99 usd per month) is the first line; October was before dora existed.
      expect(csv.stdout.split("\r\n")[1]).toBe("dora,2026-10,plan_price,0,business,99,usd,0");
      const month = new Date().toISOString().slice(0, 7);
      const text = await cli(["billing", "usage", "--period", month, "--tenant", "dora"]);
      expect(text.stdout).toMatch(/^TENANT +PERIOD +METRIC +QUANTITY +PLAN +UNIT_PRICE +CURRENCY +AMOUNT\n/);
      // Onboarded on business, it is in its 14-day trial to the month's end or not: either way the line is there.
      expect(text.stdout).toMatch(new RegExp(`\ndora +${month} +plan_price +[01] +business +99 +usd +(0|99)\n`));
      const rows = json<{ tenant: string; metric: string; quantity: number }[]>(await cli(["billing", "usage", "--period", "2026-10", "--tenant", "dora", "--format", "json"]));
      expect(rows).toContainEqual(expect.objectContaining({ tenant: "dora", metric: "seats", quantity: 7 }));
    }, 120_000);
  });
}

describe("paybillc tenants: what stops a command before the runtime opens", () => {
  it("a project that was not built, a missing project, a bad database URL, usage mistakes", async () => {
    await mkdir(join(helpdesk.root(), "unbuilt"), { recursive: true });
    const unbuilt = await run(["tenants", "list", "--project", "unbuilt"]);
    expect([unbuilt.code, unbuilt.stderr]).toEqual([2, "error[PB9301]: there is no built bundle at unbuilt/out/bundle.json\n  = help: run `paybillc build unbuilt` first\n"]);
    expect(existsSync(join(helpdesk.root(), "unbuilt/.paybill"))).toBe(false);
    const missing = await run(["tenants", "show", "acme", "--project", "nowhere"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error\[PB9301\]: there is no project directory `nowhere`\n/);
    const url = await run(["billing", "sweep", "--project", "built", "--database", "mysql://root:secret@db/x"]);
    expect([url.code, url.stderr]).toEqual([
      2,
      "error[PB9302]: `mysql://root:***@db/x` is not a PostgreSQL URL\n  = help: write `postgres://user:password@host:5432/database`, or a PGlite data directory\n",
    ]);
    const noPlan = await run(["tenants", "onboard", "acme", "--project", "built"]);
    expect(noPlan.code).toBe(2);
    expect(noPlan.stderr).toContain("required option '--plan <plan>' not specified");
    const badType = await run(["billing", "event", "refund_issued", "--tenant", "acme", "--id", "e", "--project", "built"]);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain("error: command-argument value 'refund_issued' is invalid for argument 'type'");
    const badProvisioner = await run(["tenants", "provision", "acme", "--provisioner", "pulumi", "--project", "built"]);
    expect(badProvisioner.code).toBe(2);
    const badNow = await run(["billing", "sweep", "--now", "soon", "--project", "built"]);
    expect([badNow.code, badNow.stderr]).toEqual([2, "error[PB9304]: `soon` is not a time --now accepts\n  = help: write an ISO 8601 time, like `2026-12-01T00:00:00Z`\n"]);
    const badPeriod = await run(["billing", "usage", "--period", "November", "--project", "built", "--format", "csv"]);
    expect(badPeriod.code).toBe(1);
    expect(badPeriod.stderr).toMatch(/^error\[PBR146\]: .*`November`.*\n {2}= help: /);
    // Refused before any database is opened: here one that cannot be.
    const nowhere = await run(["billing", "usage", "--period", "2026-13", "--project", "built", "--database", "postgres://nobody@127.0.0.1:1/none"]);
    expect([nowhere.code, nowhere.stderr]).toEqual([1, "error[PBR146]: `2026-13` is not a billing period\n  = help: a period is a UTC month: `2026-11`\n"]);
  });

  it("an admin URL on PostgreSQL is refused (PBR150): migrate as the admin, run as a login role", async (ctx) => {
    const database = await postgresDatabase();
    if (database?.target === undefined) return ctx.skip();
    try {
      await applyRuntimeTables(await database.connect());
      const ran = await run(["tenants", "list", "--project", "built", "--database", database.target]);
      expect(ran.code).toBe(2);
      expect(ran.stderr).toMatch(/^error\[PBR150\]: the runtime refuses to run as `postgres`: it is a superuser, which bypasses row-level security\n/);
      expect(ran.stderr).toContain("`paybillc migrate --database <admin url>` creates those roles and the runtime's tables");
    } finally {
      await database.drop();
    }
  });

  it("paybill.json names the provisioner and the database; a setting it cannot use is refused with its path (PB9315)", async () => {
    const project = await copyOfBuilt("settings");
    const settings = (value: unknown): Promise<void> => writeFile(join(helpdesk.root(), project, "paybill.json"), JSON.stringify(value));
    // The database through an environment variable, the provisioner by name: no flags.
    await settings({ provisioner: "dry-run", database: "$PAYBILL_TEST_SETTINGS_DB" });
    process.env["PAYBILL_TEST_SETTINGS_DB"] = join(helpdesk.root(), project, ".paybill/settings-db");
    try {
      expect((await run(["tenants", "onboard", "acme", "--plan", "business", "--project", project])).code).toBe(0);
      expect(existsSync(join(helpdesk.root(), project, ".paybill/settings-db"))).toBe(true);
      const provisioned = await run(["tenants", "provision", "acme", "--project", project]);
      expect(provisioned.code, provisioned.stderr).toBe(0);
      expect(provisioned.stdout).toMatch(/tenant `acme` is active\n$/);
    } finally {
      delete process.env["PAYBILL_TEST_SETTINGS_DB"];
    }
    // A variable that is not set, a key that is not a setting, a provisioner that does not exist: refused, nothing opened.
    const unset = await run(["tenants", "list", "--project", project]);
    expect([unset.code, unset.stderr]).toEqual([
      2,
      `error[PB9315]: ${project}/paybill.json: names the environment variable PAYBILL_TEST_SETTINGS_DB, which is not set at \`$.database\`\n  = help: set PAYBILL_TEST_SETTINGS_DB to a postgres:// URL or a PGlite data directory, or pass --database\n`,
    ]);
    await settings({ provisioner: "terraform", terraform: { workdir: "tf" } });
    const typo = await run(["tenants", "list", "--project", project]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error\[PB9315\]: .*paybill\.json: `workdir` is not a setting at `\$\.terraform\.workdir`\n {2}= help: the settings here are `workDir`\n$/);
    await settings({ provisioner: "pulumi" });
    expect((await run(["tenants", "list", "--project", project])).stderr).toMatch(/^error\[PB9315\]: .*`"pulumi"` is not a provisioner at `\$\.provisioner`/);
    await writeFile(join(helpdesk.root(), project, "paybill.json"), "{ provisioner: terraform }");
    expect((await run(["tenants", "list", "--project", project])).stderr).toMatch(/^error\[PB9315\]: .*is not JSON/);
    // Two provisioners named on the command line.
    await rm(join(helpdesk.root(), project, "paybill.json"));
    const both = await run(["tenants", "provision", "acme", "--dry-run", "--provisioner", "terraform", "--project", project]);
    expect([both.code, both.stderr]).toEqual([2, "error[PB9316]: --dry-run and --provisioner terraform name two provisioners\n  = help: keep one of them\n"]);
  });

  it("terraform provisioning without the build's Terraform manifest says to build", async () => {
    const project = await copyOfBuilt("no-stacks");
    await rm(join(helpdesk.root(), project, "out/terraform"), { recursive: true });
    const ran = await run(["tenants", "provision", "initech", "--provisioner", "terraform", "--project", project]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/^error\[PB9303\]: there is no Terraform manifest at .*no-stacks\/out\/terraform\/manifest\.json\n {2}= help: run `paybillc build <project>` first/);
    expect(existsSync(join(helpdesk.root(), project, ".paybill/terraform"))).toBe(false);
  });

  it("--help explains the commands with examples", async () => {
    const help = await run(["tenants", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("$ paybillc tenants onboard acme --plan business --project examples/helpdesk");
    const onboard = await run(["tenants", "onboard", "--help"]);
    expect(onboard.stdout).toMatch(/--plan <plan>/);
    expect(onboard.stdout).toMatch(/--database <url-or-dir>/);
    const billing = await run(["billing", "--help"]);
    expect(billing.stdout).toContain("$ paybillc billing usage --period 2026-11 --format csv > usage.csv");
  });
});

const TERRAFORM = process.env.PAYBILL_TERRAFORM ?? "/usr/local/bin/terraform";
if (!existsSync(TERRAFORM)) console.warn(`paybillc tenants provision --provisioner terraform NOT RUN: no terraform at ${TERRAFORM}`);

describe("paybillc tenants provision --provisioner terraform", () => {
  (existsSync(TERRAFORM) ? it : it.skip)("plans without --apply (nothing moves), applies with it; the stack's tenant set comes from the registry; a move across stacks waits for the data", async () => {
    const project = await copyOfBuilt("terraform");
    // The build's AWS stacks need a provider; this stack of the same name needs none.
    const tf = (e: string): string => `$${"{"}${e}}`;
    const stack = {
      terraform: { backend: { local: { path: "terraform.tfstate" } } },
      variable: { tenants: { type: "map(object({ plan = string }))", default: {} } },
      resource: { terraform_data: { tenant: { for_each: tf("var.tenants"), input: tf("each.value.plan") } } },
    };
    const out = join(helpdesk.root(), project, "out/terraform");
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as { stacks: Record<string, unknown> };
    const kept = ["primary-bridge-eu-west-1", "primary-silo-eu-west-1"];
    for (const name of kept) await writeFile(join(out, name, "cdk.tf.json"), JSON.stringify(stack));
    await writeFile(join(out, "manifest.json"), JSON.stringify({ ...manifest, stacks: Object.fromEntries(kept.map((name) => [name, manifest.stacks[name]])) }));
    await writeFile(join(helpdesk.root(), "terraform.rc"), "");
    const previous = { cli: process.env.TF_CLI_CONFIG_FILE, bin: process.env.PAYBILL_TERRAFORM };
    process.env.TF_CLI_CONFIG_FILE = join(helpdesk.root(), "terraform.rc");
    process.env.PAYBILL_TERRAFORM = TERRAFORM;
    try {
      const cli = (args: string[]): Promise<Ran> => run([...args, "--project", project]);
      for (const id of ["acme", "bolt"]) expect((await cli(["tenants", "onboard", id, "--plan", "business"])).code).toBe(0);
      expect((await cli(["tenants", "provision", "bolt", "--dry-run"])).code).toBe(0); // bolt is active on the stack (a dry run)
      const preview = await cli(["tenants", "provision", "acme", "--provisioner", "terraform"]);
      expect(preview.code, preview.stdout + preview.stderr).toBe(0);
      expect(preview.stdout).toContain("Plan: 2 to add, 0 to change, 0 to destroy.");
      expect(preview.stderr).toContain("primary-bridge-eu-west-1: $ terraform plan");
      expect(preview.stderr).toContain("terraform plan only: nothing was applied and the tenant's state is unchanged (add --apply to apply)\n");
      expect(json<{ tenant: Tenant }>(await cli(["tenants", "show", "acme", "--format", "json"])).tenant.state).toBe("pending");
      const applied = await cli(["tenants", "provision", "acme", "--provisioner", "terraform", "--apply"]);
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      expect(applied.stdout).toContain("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");
      expect(applied.stdout).toMatch(/tenant `acme` is active\n$/);
      const vars = async (stack: string) => JSON.parse(await readFile(join(helpdesk.root(), project, ".paybill/terraform", stack, "terraform.tfvars.json"), "utf8"));
      expect(await vars("primary-bridge-eu-west-1")).toEqual({ tenants: { acme: { plan: "business" }, bolt: { plan: "business" } } });

      // bridge → silo: the new stack is applied, then the data move stops the plan until the
      // operator says it is done; the retry skips the finished step and retires the old one.
      expect((await cli(["tenants", "change-plan", "acme", "enterprise"])).code).toBe(0);
      const stopped = await cli(["tenants", "provision", "acme", "--provisioner", "terraform", "--apply"]);
      expect(stopped.code).toBe(1);
      expect(stopped.stdout).toMatch(/^done: provision `acme`\n/);
      expect(stopped.stdout).toContain("failed: move_data `acme`\n    terraform does not move data: copy tenant `acme`'s rows from its bridge database to its new silo one");
      expect(stopped.stdout).toContain(`--apply --data-moved --project ${project}\``);
      expect(stopped.stdout).toMatch(/tenant `acme` is provisioning_failed\n$/);
      expect(await vars("primary-silo-eu-west-1")).toEqual({ tenants: { acme: { plan: "enterprise" } } });
      const moved = await cli(["tenants", "provision", "acme", "--provisioner", "terraform", "--apply", "--data-moved"]);
      expect(moved.code, moved.stdout + moved.stderr).toBe(0);
      expect(moved.stdout).toMatch(/^skipped \(done before\): provision `acme`\n/);
      expect(moved.stdout).toContain("done: move_data `acme`");
      expect(moved.stdout).toContain("done: retire `acme`");
      expect(moved.stdout).toContain("Resources: 0 added, 0 changed, 1 destroyed.");
      expect(await vars("primary-bridge-eu-west-1")).toEqual({ tenants: { bolt: { plan: "business" } } });
      expect(await vars("primary-silo-eu-west-1")).toEqual({ tenants: { acme: { plan: "enterprise" } } });
      expect(json<{ tenant: Tenant }>(await cli(["tenants", "show", "acme", "--format", "json"])).tenant).toMatchObject({ state: "active", plan: "enterprise" });

      // paybill.json names the provisioner and its work directory: no flag, and terraform works in `tf/`.
      await writeFile(join(helpdesk.root(), project, "paybill.json"), JSON.stringify({ provisioner: "terraform", terraform: { workDir: "tf" } }));
      expect((await cli(["tenants", "onboard", "carl", "--plan", "business"])).code).toBe(0);
      const configured = await cli(["tenants", "provision", "carl"]);
      expect(configured.code, configured.stdout + configured.stderr).toBe(0);
      expect(configured.stderr).toContain("terraform plan only: nothing was applied");
      const planned = JSON.parse(await readFile(join(helpdesk.root(), project, "tf/primary-bridge-eu-west-1/terraform.tfvars.json"), "utf8")) as { tenants: Record<string, unknown> };
      expect(Object.keys(planned.tenants).sort()).toEqual(["bolt", "carl"]);
    } finally {
      for (const [key, value] of [["TF_CLI_CONFIG_FILE", previous.cli], ["PAYBILL_TERRAFORM", previous.bin]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }, 180_000);
});
