/**
 * The `paybillc tenants …` and `paybillc billing …` command declarations: options, help
 * texts and examples only (cli.ts calls `registerControlCommands`). The commands
 * themselves (tenants.ts, billing.ts) are imported when one runs, so `--help` loads
 * neither the runtime nor a database driver.
 */
import { Argument, type Command, Option } from "commander";
import type { Io } from "../io.js";
import { type Common, common, type Status } from "./project-options.js";

const TENANTS_HELP = `
The control plane's tenant lifecycle (spec/control-plane.md) on the project's runtime: its
built bundle (<project>/out/bundle.json — run \`paybillc build\` first) and its database, the
embedded PGlite data directory <project>/.paybill/db (the one \`paybillc migrate\` uses) or
--database postgres://…. States: pending → provisioning → active ⇄ suspended → offboarding →
offboarded, and provisioning_failed → provision again. Every transition is recorded and
audited; an illegal one is refused with the events its state allows (PBR140).

Examples:
  $ paybillc tenants onboard acme --plan business --project examples/helpdesk
  $ paybillc tenants show acme --project examples/helpdesk
  $ paybillc tenants provision acme                      dry run: records the steps as done
  $ paybillc tenants provision acme --provisioner terraform            terraform plan only
  $ paybillc tenants provision acme --provisioner terraform --apply    init, plan, apply
  $ paybillc tenants change-plan acme enterprise         bridge → silo: a provisioning plan
  $ paybillc tenants provision acme --provisioner terraform --apply --data-moved
                                                         after moving its rows by hand
  $ paybillc tenants export acme --out exports/acme      its rows, NDJSON per entity
  $ paybillc tenants erase acme                          offboarded, retention passed
  $ paybillc tenants suspend acme --reason "abuse report 1142"
  $ paybillc tenants list --state active --format json
`;

const BILLING_HELP = `
Billing events drive the lifecycle with the grace period of the tenant's plan:
payment_failed makes the tenant past due (suspended at once when the plan has no grace);
payment_succeeded clears it and resumes a tenant suspended for billing;
subscription_canceled offboards; trial_ended ends a trial, and --no-paid is a failed payment.
An event is applied once per --id: sending it again changes nothing. \`sweep\` ends the trials
that ran out unpaid, suspends the tenants whose grace has ended and expires the workflow runs
past their state's timeout (run it from a scheduler); \`usage\` exports a month's metering,
the plan's price first.

Examples:
  $ paybillc billing event payment_failed --tenant acme --id evt_1042
  $ paybillc billing event trial_ended --tenant acme --id evt_1043 --no-paid
  $ paybillc billing sweep
  $ paybillc billing usage --period 2026-11 --format csv > usage.csv
`;

export function registerControlCommands(program: Command, io: Io, setStatus: Status): void {
  const tenants = program
    .command("tenants")
    .description("onboard, provision, change the plan of, suspend and offboard tenants")
    .addHelpText("after", TENANTS_HELP);
  const tenantsModule = () => import("./tenants.js");

  common(tenants.command("onboard").description("register a tenant on a plan (state pending) and show its provisioning plan").argument("<id>", "the tenant's id: lowercase letters, digits, `_`, `-`"))
    .requiredOption("--plan <plan>", "one of the bundle's plans")
    .option("--region <region>", "the tenant's region (default: its cloud's)")
    .option("--cloud <cloud>", "the tenant's cloud (default: its plan's)")
    .option("--if-absent", "when the tenant is already registered, show it instead of failing", false)
    .addHelpText("after", "\nExamples:\n  $ paybillc tenants onboard acme --plan business --project examples/helpdesk\n  $ paybillc tenants onboard hooli --plan enterprise --format json\n")
    .action(async (id: string, options: Common & { plan: string; region?: string; cloud?: string; ifAbsent: boolean }) => {
      setStatus(await (await tenantsModule()).onboard(id, options, io));
    });

  common(tenants.command("list").description("the registered tenants"))
    .addOption(new Option("--state <state>", "only tenants in this state").choices(["pending", "provisioning", "provisioning_failed", "active", "suspended", "offboarding", "offboarded"]))
    .option("--plan <plan>", "only tenants on this plan")
    .action(async (options: Common & { state?: "pending"; plan?: string }) => {
      setStatus(await (await tenantsModule()).list(options, io));
    });

  common(tenants.command("show").description("a tenant: state, plan, billing standing, provisioning plan, recent history").argument("<id>"))
    .action(async (id: string, options: Common) => {
      setStatus(await (await tenantsModule()).show(id, options, io));
    });

  common(tenants.command("plan").description("the provisioning steps still to do for a tenant, with their stacks").argument("<id>"))
    .action(async (id: string, options: Common) => {
      setStatus(await (await tenantsModule()).plan(id, options, io));
    });

  common(tenants.command("provision").description("run a tenant's provisioning plan with a provisioner (a retry skips finished steps)").argument("<id>"))
    .addOption(new Option("--provisioner <name>", "terraform runs the compiled stacks; dry-run records each step as done, running nothing (default: paybill.json's \"provisioner\"; none: the plan is printed and nothing changes)").choices(["dry-run", "terraform"]))
    .option("--dry-run", "the same as --provisioner dry-run: the steps recorded as done, nothing run (development)", false)
    .option("--work-dir <dir>", "where terraform works, a directory per stack (default: paybill.json's terraform.workDir, else <project>/.paybill/terraform)")
    .option("--apply", "with terraform: apply (without it terraform only plans and nothing changes)", false)
    .option("--data-moved", "you moved the tenant's data to its new placement, so the data-move step is done (an override: a pooled ⇄ bridge move on the project's database is done for you)", false)
    .addHelpText(
      "after",
      "\nWithout a provisioner (no --provisioner or --dry-run, none in paybill.json) the plan is printed,\nnothing changes, and the exit status is 2 (PB9314).\n\nExamples:\n  $ paybillc tenants provision acme --provisioner terraform           terraform plan, nothing applied\n  $ paybillc tenants provision acme --provisioner terraform --apply   init, plan, apply (again after a failure)\n  $ paybillc tenants provision acme --dry-run                         the steps recorded as done (development)\n",
    )
    .action(async (id: string, options: Common & { provisioner?: "dry-run" | "terraform"; dryRun: boolean; workDir?: string; apply: boolean; dataMoved: boolean }) => {
      if (options.dryRun && options.provisioner === "terraform") {
        io.err("error[PB9316]: --dry-run and --provisioner terraform name two provisioners\n  = help: keep one of them\n");
        setStatus(2);
        return;
      }
      const provisioner = options.dryRun ? "dry-run" : options.provisioner;
      setStatus(await (await tenantsModule()).provision(id, { ...options, ...(provisioner === undefined ? {} : { provisioner }) }, io));
    });

  common(tenants.command("change-plan").description("move a tenant to another plan (a provisioning plan when its placement moves)").argument("<id>").argument("<plan>"))
    .action(async (id: string, plan: string, options: Common) => {
      setStatus(await (await tenantsModule()).changePlan(id, plan, options, io));
    });

  common(tenants.command("suspend").description("suspend an active tenant: its agents are refused").argument("<id>"))
    .option("--reason <text>", "recorded with the transition")
    .action(async (id: string, options: Common & { reason?: string }) => {
      setStatus(await (await tenantsModule()).lifecycle("suspend", id, options, io));
    });

  common(tenants.command("resume").description("make a suspended tenant active again").argument("<id>"))
    .action(async (id: string, options: Common) => {
      setStatus(await (await tenantsModule()).lifecycle("resume", id, options, io));
    });

  common(tenants.command("offboard").description("start offboarding a tenant; `provision` then removes its resources").argument("<id>"))
    .action(async (id: string, options: Common) => {
      setStatus(await (await tenantsModule()).lifecycle("offboard", id, options, io));
    });

  common(tenants.command("export").description("write a tenant's rows as NDJSON, one file per entity (audited)").argument("<id>"))
    .requiredOption("--out <dir>", "the directory for <Entity>.ndjson (created)")
    .addHelpText("after", "\nExamples:\n  $ paybillc tenants export acme --out exports/acme\n")
    .action(async (id: string, options: Common & { out: string }) => {
      setStatus(await (await import("./tenant-data.js")).exportData(id, options, io));
    });

  common(tenants.command("erase").description("erase an offboarded tenant's rows (a bridge tenant's schema) once its plan's retention has passed (audited)").argument("<id>"))
    .option("--keep-schema", "a bridge tenant: delete its rows but keep its schema", false)
    .addHelpText("after", "\nRefused before the tenant is offboarded (PBR234) and before its plan's `retention` has passed since (PBR233).\n\nExamples:\n  $ paybillc tenants export acme --out exports/acme && paybillc tenants erase acme\n")
    .action(async (id: string, options: Common & { keepSchema: boolean }) => {
      setStatus(await (await import("./tenant-data.js")).eraseData(id, options, io));
    });

  common(tenants.command("history").description("every transition of a tenant, the first first").argument("<id>"))
    .action(async (id: string, options: Common) => {
      setStatus(await (await tenantsModule()).history(id, options, io));
    });

  const billing = program.command("billing").description("apply billing events, suspend past-due tenants, export usage").addHelpText("after", BILLING_HELP);
  const billingModule = () => import("./billing.js");

  common(
    billing
      .command("event")
      .description("apply one billing event to a tenant (once per --id)")
      .addArgument(new Argument("<type>", "the event").choices(["payment_succeeded", "payment_failed", "subscription_canceled", "trial_ended"])),
  )
    .requiredOption("--tenant <id>", "the tenant it is about")
    .requiredOption("--id <event-id>", "the billing system's event id (a replay is harmless)")
    .option("--at <time>", "when it happened, ISO 8601 (default: now)")
    .option("--paid", "trial_ended: the trial converted to a paid subscription (the default)")
    .option("--no-paid", "trial_ended: the trial ended unpaid (a failed payment)")
    .addHelpText(
      "after",
      "\nExamples:\n  $ paybillc billing event payment_failed --tenant acme --id evt_1042\n  $ paybillc billing event payment_succeeded --tenant acme --id evt_1043 --at 2026-11-30T09:00:00Z\n  $ paybillc billing event trial_ended --tenant acme --id evt_1044 --no-paid\n",
    )
    .action(async (type: "payment_failed", options: Common & { tenant: string; id: string; at?: string; paid?: boolean }) => {
      setStatus(await (await billingModule()).event(type, options, io));
    });

  common(billing.command("sweep").description("end the trials that ran out, suspend the tenants whose grace has ended, expire timed-out runs"))
    .option("--now <time>", "sweep as of this time, ISO 8601 (default: now)")
    .action(async (options: Common & { now?: string }) => {
      setStatus(await (await billingModule()).sweep(options, io));
    });

  common(billing.command("usage").description("a month's usage per tenant and metric, for a billing system"), ["text", "json", "csv"])
    .requiredOption("--period <YYYY-MM>", "the month (UTC)")
    .addHelpText("after", "\nExamples:\n  $ paybillc billing usage --period 2026-11 --format csv > usage.csv\n  $ paybillc billing usage --period 2026-11 --tenant acme --format json\n  $ paybillc billing usage --period 2026-11 --stripe            # the Stripe meter events, one JSON per line, sent nowhere\n  $ STRIPE_SECRET_KEY=sk_… paybillc billing usage --period 2026-11 --stripe --send\n")
    .option("--tenant <id>", "only this tenant")
    .option("--stripe", "print the usage as Stripe meter events (one JSON object per line; a dry run unless --send)", false)
    .option("--send", "with --stripe: send the meter events to Stripe (STRIPE_SECRET_KEY)", false)
    .action(async (options: Omit<Common, "format"> & { format: "text" | "json" | "csv"; period: string; tenant?: string; stripe: boolean; send: boolean }) => {
      setStatus(await (await billingModule()).usage(options, io));
    });
}
