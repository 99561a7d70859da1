/**
 * `TerraformProvisioner`: runs a provisioning step (spec/control-plane.md) as Terraform on
 * the stack `paybillc build` compiled for the tenant's placement. For a step it finds the
 * stack in `<outDir>/terraform/manifest.json` (stacks.ts), prepares `<workDir>/<stack>/`
 * (work-dir.ts: the stack file and the tenant set the registry places there, plus or minus
 * the step's tenant), then runs `terraform init`, `plan -out=tfplan` and — unless `apply` is
 * false (a preview) or the plan has no changes — `apply tfplan`, streaming each line to
 * `onProgress`. The outcome says ok or not, with the tail of terraform's output and, after
 * an apply, the stack's outputs. It never throws for a terraform failure: the runtime
 * records the outcome and a retry runs the same step again, which terraform converges.
 *
 * A tenant's own stack (a static silo tenant's) is destroyed to deprovision it; a tenant
 * of a shared stack leaves its `tenants` variable; a pooled tenant has nothing of its own
 * in Terraform. Removing what exists takes three moves (spec/infrastructure.md
 * §Offboarding): an apply with the tenant marked `offboarding` (deletion protection lifted,
 * buckets destroyable), the resources marked kept (audit checkpoints) taken out of the state,
 * then the apply or destroy that removes the rest. A static silo tenant whose stack left the
 * build is destroyed from its work directory's copy. Moving data is not Terraform's:
 * `moveData` does it, or the step fails with what to do.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { KEPT_AT_OFFBOARDING, type StackEntry } from "./manifest.js";
import { runTerraform, type TerraformRun } from "./run-terraform.js";
import { type Manifest, readManifest, type StackFound, stackFor } from "./stacks.js";
import type { Provisioner, ProvisionStep, StackTenant, StepOutcome } from "./types.js";
import { ownStack, PLAN_FILE, prepareWorkDir, STACK_FILE } from "./work-dir.js";

export interface TerraformProvisionerOptions {
  /** `paybillc build`'s output directory (it holds `terraform/manifest.json`). */
  readonly outDir: string;
  /** Where each stack gets its directory `<workDir>/<stack>/` (terraform state lives there with the local backend). */
  readonly workDir: string;
  /** The terraform executable (default: `terraform` on the PATH). */
  readonly terraform?: string;
  /** Extra environment for terraform (credentials, TF_CLI_CONFIG_FILE, TF_VAR_…). */
  readonly env?: Readonly<Record<string, string>>;
  /** Apply the plan (default true); false plans only and changes nothing. */
  readonly apply?: boolean;
  /** Each line terraform prints, prefixed with the stack's name, as it comes. */
  readonly onProgress?: (line: string) => void;
  /**
   * The tenants the registry places on a stack (run-time tenants only; static ones are in the
   * stack already), before this step. Default: none besides the step's tenant.
   */
  readonly placed?: (stack: string) => Promise<Readonly<Record<string, StackTenant>>>;
  /** Moves a tenant's data between placements; without it a `move_data` step fails with instructions. */
  readonly moveData?: (step: Extract<ProvisionStep, { kind: "move_data" }>) => Promise<StepOutcome>;
}

/** How much of terraform's output an outcome keeps. */
const TAIL_LINES = 30;

export class TerraformProvisioner implements Provisioner {
  readonly name = "terraform";
  readonly #options: TerraformProvisionerOptions;

  constructor(options: TerraformProvisionerOptions) {
    this.#options = options;
  }

  async run(step: ProvisionStep, _context?: { readonly tenant?: { readonly id: string }; readonly attempt?: number }): Promise<StepOutcome> {
    if (step.kind === "move_data") {
      if (this.#options.moveData !== undefined) return this.#options.moveData(step);
      return {
        ok: false,
        detail: `the Terraform provisioner does not move data: copy tenant \`${step.tenant}\`'s rows from its ${step.from.isolation} database to its ${step.to.isolation} one (spec/database.md), then run the provisioning again with a provisioner that records the move`,
      };
    }
    const removing = step.kind !== "provision";
    const read = await readManifest(this.#options.outDir);
    const found = read.ok ? stackFor(read.manifest, step.tenant, step.placement) : undefined;
    if (removing && !(found?.ok === true && found.static)) {
      // A static silo tenant taken out of the sources: its stack left the build, its work directory kept the copy.
      const own = await ownStack(resolve(this.#options.workDir), step.tenant);
      if (own !== undefined) return this.#converge(own.name, own.entry, undefined, { tenant: step.tenant, plan: step.placement.plan, remove: true, fromWorkDir: true });
    }
    if (!read.ok) return failure(read.problem, read.help);
    if (found === undefined || !found.ok) return failure(found?.problem ?? "no stack", found?.help ?? "run `paybillc build`");
    if (removing && found.stack.mode !== "tenant") {
      if (found.static) {
        return failure(
          `tenant \`${step.tenant}\` is declared in the project's .paybill files and built into stack \`${found.name}\``,
          "remove the tenant from the sources and run `paybillc build`, then apply the stack",
        );
      }
      if (!found.stack.tenantsVariable) {
        return { ok: true, detail: `${found.name}: tenant \`${step.tenant}\` has no resources of its own in this ${found.stack.isolation} stack; nothing to remove` };
      }
    }
    const tenants = found.stack.tenantsVariable ? await this.#tenantSet(read.manifest, found, step) : undefined;
    return this.#converge(found.name, found.stack, tenants, { tenant: step.tenant, plan: step.placement.plan, remove: removing, fromWorkDir: false });
  }

  /** The stack's `tenants` variable after the step: the registry's set, with the step's tenant added or removed. */
  async #tenantSet(manifest: Manifest, found: StackFound, step: Exclude<ProvisionStep, { kind: "move_data" }>): Promise<Record<string, StackTenant>> {
    const placed = this.#options.placed === undefined ? {} : await this.#options.placed(found.name);
    const builtIn = new Set(found.stack.tenants);
    const set: Record<string, StackTenant> = {};
    for (const [name, tenant] of Object.entries(placed)) if (!builtIn.has(name) && manifest.tenants[name] === undefined) set[name] = { plan: tenant.plan };
    delete set[step.tenant];
    if (step.kind === "provision" && !found.static) set[step.tenant] = { plan: step.placement.plan };
    return set;
  }

  /**
   * Brings the stack to the tenant set `tenants` (undefined: a stack without the variable).
   * `remove`: the step's tenant leaves — the set without it, or its own stack destroyed —
   * after the apply that lifts its protection, when it has resources to lift it on.
   */
  async #converge(stack: string, entry: StackEntry, tenants: Record<string, StackTenant> | undefined, how: { tenant: string; plan: string; remove: boolean; fromWorkDir: boolean }): Promise<StepOutcome> {
    const dir = join(resolve(this.#options.workDir), stack);
    const own = entry.mode === "tenant";
    const record = { name: stack, entry };
    const source = how.fromWorkDir ? undefined : join(resolve(this.#options.outDir), "terraform", entry.file);
    const prepare = async (set: Record<string, StackTenant> | undefined, vars: Record<string, unknown> = {}): Promise<StepOutcome | undefined> => {
      try {
        await prepareWorkDir(dir, source, set, { record, vars });
        return undefined;
      } catch (error) {
        return failure(`cannot prepare ${dir}: ${error instanceof Error ? error.message : String(error)}`, "check that the build's output and the work directory are readable and writable");
      }
    };
    const terraform = (args: readonly string[]): Promise<TerraformRun> => {
      const onProgress = this.#options.onProgress;
      onProgress?.(`${stack}: $ terraform ${args.join(" ")}`);
      return runTerraform(args, {
        terraform: this.#options.terraform ?? "terraform",
        cwd: dir,
        env: this.#options.env ?? {},
        onLine: (line) => onProgress?.(`${stack}: ${line}`),
      });
    };
    const destroy = how.remove && own;
    const unprepared = await prepare(tenants, destroy ? { offboarding: true } : {});
    if (unprepared !== undefined) return unprepared;
    const init = await terraform(["init", "-input=false", "-no-color"]);
    if (init.code !== 0) return { ok: false, detail: tail(stack, "init", init) };
    const preview = this.#options.apply === false;
    if (how.remove && !preview) {
      const listed = await terraform(["state", "list", "-no-color"]);
      // No state yet: `state list` fails or lists nothing; either way nothing to lift.
      const addresses = listed.code === 0 ? listed.stdout.split("\n").filter((l) => l.trim() !== "") : [];
      const mine = own ? addresses : addresses.filter((a) => a.includes(`[${JSON.stringify(how.tenant)}]`));
      if (mine.length > 0) {
        // 1. Lift the tenant's protection: its own stack with `offboarding`, or the set with it marked.
        if (!own && tenants !== undefined) {
          const lifting = await prepare({ ...tenants, [how.tenant]: { plan: how.plan, offboarding: true } });
          if (lifting !== undefined) return lifting;
        }
        const lifted = await this.#planAndApply(terraform, stack, false);
        if (!lifted.ok) return lifted;
        // 2. What outlives the tenant leaves the state, not the cloud.
        const kept = await keptAddresses(join(dir, STACK_FILE), own ? undefined : how.tenant);
        const forget = mine.filter((a) => kept.some((k) => a === k || a.startsWith(`${k}[`)));
        if (forget.length > 0) {
          const removed = await terraform(["state", "rm", "-no-color", ...forget]);
          if (removed.code !== 0) return { ok: false, detail: tail(stack, "state rm", removed) };
        }
        if (!own) {
          const back = await prepare(tenants);
          if (back !== undefined) return back;
        }
      }
    }
    const done = await this.#planAndApply(terraform, stack, destroy);
    if (!done.ok || preview) return done;
    return { ...done, ...(await this.#outputs(terraform, destroy, how.tenant)) };
  }

  /** `plan -out` then, unless a preview or nothing changes, `apply` of that plan. */
  async #planAndApply(terraform: (args: readonly string[]) => Promise<TerraformRun>, stack: string, destroy: boolean): Promise<StepOutcome> {
    const plan = await terraform(["plan", "-input=false", "-no-color", "-detailed-exitcode", ...(destroy ? ["-destroy"] : []), `-out=${PLAN_FILE}`]);
    // -detailed-exitcode: 0 no changes, 2 changes, anything else an error.
    if (plan.code !== 0 && plan.code !== 2) return { ok: false, detail: tail(stack, "plan", plan) };
    if (this.#options.apply === false) return { ok: true, detail: tail(stack, "plan", plan) };
    if (plan.code === 0) return { ok: true, detail: `${stack}: no changes, the stack matches the configuration` };
    const apply = await terraform(["apply", "-input=false", "-no-color", PLAN_FILE]);
    if (apply.code !== 0) return { ok: false, detail: tail(stack, "apply", apply) };
    return { ok: true, detail: tail(stack, "apply", apply) };
  }

  async #outputs(terraform: (args: readonly string[]) => Promise<TerraformRun>, destroyed: boolean, tenant: string): Promise<{ outputs?: Record<string, unknown> }> {
    if (destroyed) return {};
    const run = await terraform(["output", "-json", "-no-color"]);
    if (run.code !== 0) return {};
    const outputs = tenantOutputs(run.stdout, tenant);
    return outputs === undefined ? {} : { outputs };
  }
}

/**
 * One tenant's view of a stack's outputs, from `terraform output -json` text
 * (spec/infrastructure.md §Outputs): an output whose value is a map (an object) is per
 * tenant — the tenant's entry, left out when the map has none —, any other value is the
 * stack's and the same for every tenant; a sensitive output is recorded as `(sensitive)`,
 * never its value. Undefined for text that is not terraform's output JSON.
 */
export function tenantOutputs(text: string, tenant: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const outputs: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(parsed)) {
    const output = typeof entry === "object" && entry !== null ? (entry as { value?: unknown; sensitive?: boolean }) : {};
    const value = output.value;
    const mine = typeof value === "object" && value !== null && !Array.isArray(value) ? (Object.hasOwn(value, tenant) ? (value as Record<string, unknown>)[tenant] : undefined) : value;
    if (mine === undefined) continue;
    outputs[name] = output.sensitive === true ? "(sensitive)" : mine;
  }
  return outputs;
}

/**
 * Addresses of the resources the stack marks kept at offboarding (`//`), for the tenant's
 * instances when `tenant` is given (per-tenant resources), else whole.
 */
async function keptAddresses(stackFile: string, tenant: string | undefined): Promise<string[]> {
  const json = JSON.parse(await readFile(stackFile, "utf8")) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  const kept: string[] = [];
  for (const [type, byName] of Object.entries(json.resource ?? {}))
    for (const [name, body] of Object.entries(byName)) {
      if (isKept(body)) {
        if (body.for_each === undefined) kept.push(`${type}.${name}`);
        else if (tenant !== undefined) kept.push(`${type}.${name}[${JSON.stringify(tenant)}]`);
      }
    }
  return kept;
}

/** Whether a resource body carries the kept-at-offboarding mark. */
export function isKept(body: Record<string, unknown>): boolean {
  const comment = body["//"];
  return typeof comment === "object" && comment !== null && (comment as { paybill?: unknown }).paybill === KEPT_AT_OFFBOARDING;
}

function failure(problem: string, help: string): StepOutcome {
  return { ok: false, detail: `${problem}\n= help: ${help}` };
}

/** The last lines terraform printed for a command, blank lines trimmed, headed by where they come from. */
function tail(stack: string, command: string, run: TerraformRun): string {
  const lines = [...run.lines];
  while (lines.length > 0 && (lines[lines.length - 1] ?? "").trim() === "") lines.pop();
  const kept = lines.slice(-TAIL_LINES);
  const status = run.code === undefined ? "did not finish" : `exited ${run.code}`;
  return [`${stack}: terraform ${command} ${status}`, ...(kept.length < lines.length ? ["…"] : []), ...kept].join("\n");
}
