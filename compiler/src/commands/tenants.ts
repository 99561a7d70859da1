/**
 * `paybillc tenants onboard|list|show|plan|provision|change-plan|suspend|resume|offboard|history`:
 * the control plane's tenant lifecycle (spec/control-plane.md) from the command line, on
 * the project's runtime (project-runtime.ts: its built bundle and its database). Each
 * command is one runtime call; the lifecycle's rules and errors are the runtime's. Results
 * go to stdout (text, or one JSON document with --format json); progress to stderr.
 */
import { join, resolve } from "node:path";
import { type Provisioner, routing, type Runtime, type Tenant, type TenantState } from "@paybill/runtime";
import type { Io } from "../io.js";
import { printJson } from "../output/report.js";
import { SETTINGS_FILE } from "../project/settings.js";
import { type Manifest, readManifest } from "@paybill/server/provision";
import { planLines, planView, stepText, stepView, tenantLines, transitionLine } from "./control-view.js";
import { CommandProblem, type ProjectOptions, type ProjectRuntime, withProjectRuntime } from "./project-runtime.js";
import { dryRunProvisioner, terraformProvisioner } from "./provisioners.js";
import { placementMigrator } from "./placement-migrate.js";
import { withDataMoves } from "./tenant-data.js";

/** How many transitions `show` lists (the newest). */
const HISTORY_TAIL = 5;

export interface OnboardOptions extends ProjectOptions {
  readonly plan: string;
  readonly region?: string;
  readonly cloud?: string;
  /** An already registered tenant is shown instead of refused (for scripts that run again). */
  readonly ifAbsent?: boolean;
}

export function onboard(id: string, options: OnboardOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async (project) => {
    const { runtime } = project;
    const manifest = await manifestOf(project);
    const existing = options.ifAbsent === true ? await runtime.tenants.get(id) : undefined;
    if (existing !== undefined) {
      if (options.format === "text") io.err(`onboard: tenant \`${id}\` is already registered (--if-absent); shown as it is\n`);
      return printTenant(runtime, existing, manifest, options, io);
    }
    const onboarded = await runtime.tenants.onboard({
      id,
      plan: options.plan,
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.cloud === undefined ? {} : { cloud: options.cloud }),
    });
    const plan = planView(onboarded.plan, manifest);
    if (options.format === "json") printJson({ tenant: onboarded.tenant, plan }, io);
    else {
      io.out(`${[...tenantLines(onboarded.tenant, runtime.bundle), ...planLines(plan, manifest)].join("\n")}\n`);
      const named = project.settings.provisioner === undefined ? " --provisioner terraform" : "";
      io.err(`next: \`paybillc tenants provision ${id}${project.args}${named}\` runs the plan${named === "" ? "" : " (`--dry-run` instead records it as done, running nothing)"}\n`);
    }
    return 0;
  });
}

export interface ListOptions extends ProjectOptions {
  readonly state?: TenantState;
  readonly plan?: string;
}

export function list(options: ListOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async ({ runtime }) => {
    const tenants = await runtime.tenants.list({ ...(options.state === undefined ? {} : { state: options.state }), ...(options.plan === undefined ? {} : { plan: options.plan }) });
    if (options.format === "json") printJson(tenants, io);
    else if (tenants.length === 0) io.err("no tenants\n");
    else {
      const rows = tenants.map((t) => [t.id, t.state, t.pendingPlan === undefined ? t.plan : `${t.plan} → ${t.pendingPlan}`, t.region ?? "", t.static ? "static" : ""]);
      io.out(table(["TENANT", "STATE", "PLAN", "REGION", ""], rows));
    }
    return 0;
  });
}

export function show(id: string, options: ProjectOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async (project) => printTenant(project.runtime, await known(project.runtime, id, project.args), await manifestOf(project), options, io));
}

async function printTenant(runtime: Runtime, tenant: Tenant, manifest: Manifest | undefined, options: ProjectOptions, io: Io): Promise<number> {
  const plan = planView(await runtime.tenants.plan(tenant.id), manifest);
  const history = await runtime.tenants.history(tenant.id);
  if (options.format === "json") {
    printJson({ tenant, plan: plan ?? null, history }, io);
    return 0;
  }
  const tail = history.slice(-HISTORY_TAIL);
  const lines = [
    ...tenantLines(tenant, runtime.bundle),
    ...planLines(plan, manifest),
    `history (${tail.length < history.length ? `the last ${tail.length} of ${history.length}` : history.length} ${history.length === 1 ? "transition" : "transitions"}):`,
    ...tail.map(transitionLine),
  ];
  io.out(`${lines.join("\n")}\n`);
  return 0;
}

export function plan(id: string, options: ProjectOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async (project) => {
    await known(project.runtime, id, project.args);
    const manifest = await manifestOf(project);
    const view = planView(await project.runtime.tenants.plan(id), manifest);
    if (options.format === "json") printJson(view ?? null, io);
    else io.out(`${planLines(view, manifest).join("\n")}\n`);
    return 0;
  });
}

export interface ProvisionOptions extends ProjectOptions {
  /** Absent: the project's `paybill.json` names it, or none is named (then nothing is provisioned). */
  readonly provisioner?: "dry-run" | "terraform";
  readonly workDir?: string;
  readonly apply: boolean;
  /**
   * The tenant's data was moved by hand, so a `move_data` step is done: an operator's override
   * (without it, a pooled ⇄ bridge move on the project's database is done by the control
   * plane, tenant-data.ts; any other fails with instructions).
   */
  readonly dataMoved?: boolean;
}

export function provision(id: string, options: ProvisionOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async (project) => {
    const { runtime } = project;
    const tenant = await known(runtime, id, project.args);
    const provisioner = options.provisioner ?? project.settings.provisioner;
    if (provisioner === undefined) return unprovisioned(project, tenant, options, io);
    const dataMoved = options.dataMoved === true;
    if (provisioner === "dry-run") {
      const result = await runtime.tenants.provision(id, followedByDatabases(project, withDataMoves(dryRunProvisioner(await manifestOf(project), io), runtime, dataMoved, io)));
      return printProvisioned(result, options, io);
    }
    const read = await readManifest(project.outDir);
    if (!read.ok) throw new CommandProblem("PB9303", read.problem, read.help, 2);
    const workDir = options.workDir !== undefined ? resolve(io.cwd, options.workDir) : (project.settings.terraformWorkDir ?? join(project.dir, ".paybill", "terraform"));
    const terraform = terraformProvisioner(runtime, read.manifest, { outDir: project.outDir, workDir, apply: options.apply, dataMoved, args: project.args }, io);
    if (options.apply) return printProvisioned(await runtime.tenants.provision(id, followedByDatabases(project, withDataMoves(terraform, runtime, dataMoved, io))), options, io);
    // A preview: terraform plans each step; nothing is applied and the lifecycle does not move.
    const steps = (await runtime.tenants.plan(id))?.steps ?? [];
    const previews = [];
    for (const step of steps) previews.push({ step: stepView(step, read.manifest), outcome: await terraform.run(step, { tenant, attempt: 0 }) });
    const ok = previews.every((p) => p.outcome.ok);
    if (options.format === "json") printJson({ tenant, applied: false, steps: previews }, io);
    else {
      if (steps.length === 0) io.out(`tenant \`${id}\` is ${tenant.state}: its provisioning plan has nothing to do\n`);
      for (const p of previews) io.out(`${p.outcome.ok ? "planned" : "failed"}: ${stepText(p.step, read.manifest)}\n${indent(p.outcome.detail)}\n`);
      io.err("terraform plan only: nothing was applied and the tenant's state is unchanged (add --apply to apply)\n");
    }
    return ok ? 0 : 1;
  });
}

/**
 * A provisioner whose `provision` steps are followed by the tenant's database: its bridge
 * schema created, migrated and guarded, or its silo database migrated once its stack applied
 * (`routing.databasesFollow`, placement-migrate.ts). The pooled database is the project's.
 */
function followedByDatabases(project: ProjectRuntime, provisioner: Provisioner): Provisioner {
  return routing.databasesFollow(provisioner, { bundle: project.runtime.bundle, pooled: project.database, env: process.env, migrate: placementMigrator(project) });
}

/**
 * No provisioner named (no `--provisioner`, none in `paybill.json`): the plan is printed and
 * nothing changes — no step is recorded and the tenant keeps its state — and the exit status
 * says so (PB9314, 2), so a script never takes it for provisioning.
 */
async function unprovisioned(project: ProjectRuntime, tenant: Tenant, options: ProjectOptions, io: Io): Promise<number> {
  const view = planView(await project.runtime.tenants.plan(tenant.id), await manifestOf(project));
  const message = `no provisioner is named, so nothing was provisioned: tenant \`${tenant.id}\` stays ${tenant.state}`;
  const help = `name one: \`--provisioner terraform\` plans the stacks (add \`--apply\` to apply them), \`--dry-run\` records the steps as done without running anything (development), or set "provisioner" in ${SETTINGS_FILE}`;
  if (options.format === "json") printJson({ error: { code: "PB9314", message, help }, plan: view ?? null }, io);
  else {
    io.out(`${planLines(view, await manifestOf(project)).join("\n")}\n`);
    io.err(`error[PB9314]: ${message}\n  = help: ${help}\n`);
  }
  return 2;
}

function printProvisioned(result: Awaited<ReturnType<Runtime["tenants"]["provision"]>>, options: ProjectOptions, io: Io): number {
  const failed = result.steps.some((s) => !s.outcome.ok);
  if (options.format === "json") printJson(result, io);
  else {
    for (const s of result.steps) io.out(`${s.skipped ? "skipped (done before)" : s.outcome.ok ? "done" : "failed"}: ${s.step.kind} \`${s.step.tenant}\`\n${indent(s.outcome.detail)}\n`);
    io.out(`tenant \`${result.tenant.id}\` is ${result.tenant.state}\n`);
    if (failed) io.err(`provisioning failed: fix the cause above, then run \`paybillc tenants provision ${result.tenant.id}\` again (finished steps are skipped)\n`);
  }
  return failed ? 1 : 0;
}

export function changePlan(id: string, newPlan: string, options: ProjectOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async (project) => {
    const result = await project.runtime.tenants.changePlan(id, newPlan);
    const manifest = await manifestOf(project);
    const view = planView(result.plan, manifest);
    if (options.format === "json") printJson({ tenant: result.tenant, plan: view ?? null }, io);
    else {
      io.out(`${tenantLines(result.tenant, project.runtime.bundle).join("\n")}\n`);
      if (view === undefined) io.err(`plan changed to \`${newPlan}\` at once: the placement is the same\n`);
      else {
        io.out(`${planLines(view, manifest).join("\n")}\n`);
        io.err(`the placement moves: run \`paybillc tenants provision ${id}${project.args}\`; the plan becomes \`${newPlan}\` when provisioned\n`);
      }
    }
    return 0;
  });
}

export interface SuspendOptions extends ProjectOptions {
  readonly reason?: string;
}

export function lifecycle(event: "suspend" | "resume" | "offboard", id: string, options: SuspendOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async (project) => {
    const { runtime } = project;
    const tenant =
      event === "suspend"
        ? await runtime.tenants.suspend(id, options.reason === undefined ? {} : { reason: options.reason })
        : event === "resume"
          ? await runtime.tenants.resume(id)
          : await runtime.tenants.offboard(id);
    const manifest = await manifestOf(project);
    const view = event === "offboard" ? planView(await runtime.tenants.plan(id), manifest) : undefined;
    if (options.format === "json") printJson(event === "offboard" ? { tenant, plan: view ?? null } : tenant, io);
    else {
      io.out(`${tenantLines(tenant, runtime.bundle).join("\n")}\n`);
      if (view !== undefined) {
        io.out(`${planLines(view, manifest).join("\n")}\n`);
        io.err(`next: \`paybillc tenants provision ${id}${project.args}\` removes its resources; then it is offboarded\n`);
      }
    }
    return 0;
  });
}

export function history(id: string, options: ProjectOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async ({ runtime, args }) => {
    await known(runtime, id, args);
    const transitions = await runtime.tenants.history(id);
    if (options.format === "json") printJson(transitions, io);
    else io.out(`${transitions.map(transitionLine).join("\n")}\n`);
    return 0;
  });
}

/** The tenant, or the runtime's unknown-tenant error (PBR110). */
async function known(runtime: Runtime, id: string, args = ""): Promise<Tenant> {
  const tenant = await runtime.tenants.get(id);
  if (tenant === undefined) {
    // Commands that can be copied and run as printed: with this project's flags and a plan to choose.
    const plans = Object.keys(runtime.bundle.plans).sort();
    const plan = plans.length === 1 ? (plans[0] as string) : "<plan>";
    const which = plans.length > 1 ? ` (${plans.map((p) => `\`${p}\``).join(", ")})` : "";
    throw new CommandProblem(
      "PBR110",
      `there is no tenant \`${id}\``,
      `see the registered tenants with \`paybillc tenants list${args}\`, or onboard it with \`paybillc tenants onboard ${id} --plan ${plan}${args}\`${which}`,
      1,
    );
  }
  return tenant;
}

/** The build's Terraform manifest; undefined when the project has no stacks (it declares no cloud). */
async function manifestOf(project: ProjectRuntime): Promise<Manifest | undefined> {
  const read = await readManifest(project.outDir);
  return read.ok ? read.manifest : undefined;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => `${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd();
  return `${[header, ...rows].map(line).join("\n")}\n`;
}
