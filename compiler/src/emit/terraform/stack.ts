/**
 * One stack: a cdktn `App` and `TerraformStack`, its backend, its provider, the tenants it
 * iterates over, and every abstract kind built by the cloud's mapping at the level the
 * isolation model gives it; then synthesized in process (`toTerraform`, no CDK CLI) into
 * the file text, keys sorted, so the bytes depend on nothing but the model. Nothing is
 * left on disk.
 *
 * Levels: in a `tenant` stack everything belongs to its one tenant; in a `dynamic` stack
 * everything is per tenant; in a `shared` stack the isolation model's shared kinds are
 * built once and its dedicated kinds once per tenant. A shared kind that needs a key while
 * keys are per tenant (bridge's shared cluster) gets a stack key of its own.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformLocal, TerraformStack, TerraformVariable } from "cdktn";
import { bundleText } from "../bundle/json.js";
import { StackBuild, type Who } from "./constructs.js";
import { addBackend } from "./backend.js";
import { mappingOf } from "./clouds/index.js";
// The naming derivation alone (no database drivers): `check` loads it.
import * as cloudNames from "@paybill/runtime/cloud-names";
import { KINDS, type Kind } from "./infra.js";
import { type StackSpec, takesTenants } from "./layout.js";
import type { Parts } from "./mapping.js";
import { resourceName, tenantNamesExpr, tenantOwnerExpr } from "./names.js";

const NEEDS_KEY: ReadonlySet<Kind> = new Set(["storage", "database", "compute"]);

/**
 * The Terraform versions a stack accepts: 1.10 is the first with the S3 backend's
 * `use_lockfile` (state locking without DynamoDB), which the `s3` backend sets; 2.x may
 * change the JSON syntax.
 */
export const REQUIRED_TERRAFORM = ">= 1.10.0, < 2.0.0";

/**
 * Runs `work` with a scratch directory for cdktn, removed when it returns. cdktn's `App`
 * makes its `outdir` (and `stacks/` in it) when constructed, though nothing is written there
 * when synthesizing in process: one temporary directory for all the stacks of a build (one
 * each cost ~4 ms a stack), so a build never leaves a `cdktf.out/` in the working directory.
 */
export function withScratch<T>(work: (outdir: string) => T): T {
  const outdir = mkdtempSync(join(tmpdir(), "paybill-cdktn-"));
  try {
    return work(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The stack's file text; `outdir` is cdktn's scratch directory (`withScratch`). */
export function synthStack(spec: StackSpec, outdir: string): string {
  const app = new App({ outdir, stackTraces: false, skipValidation: true, skipBackendValidation: true, context: {} });
  const stack = new TerraformStack(app, spec.name);
  const mapping = mappingOf(spec.cloud.provider);
  const tagsFor = (who: Who): Record<string, string> => {
    const tags: Record<string, string> = { ...spec.cloud.tags, tenant: who.tenant, plan: who.plan, isolation: spec.isolation.name, "managed-by": "paybill" };
    return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, mapping.tagValue(v)]));
  };
  const b = new StackBuild(stack, spec.cloud, tagsFor);
  addBackend(stack, spec);
  stack.addOverride("terraform.required_version", REQUIRED_TERRAFORM);
  mapping.provider(b, spec);

  const levelOf = (kind: Kind): "stack" | "each" =>
    spec.mode === "tenant" ? "stack" : spec.mode === "dynamic" ? "each" : spec.isolation.dedicated.has(kind) ? "each" : "stack";
  if (takesTenants(spec)) addTenants(stack, spec);
  if (spec.mode === "tenant") {
    new TerraformVariable(stack, "variable-offboarding", {
      type: "bool",
      default: false,
      description: "true while the stack's tenant offboards: its deletion protection is lifted so the destroy that follows can finish",
    }).overrideLogicalId("offboarding");
  }

  const shared = sharedWho(spec);
  const each = eachWho();
  const prefix = spec.cloud.settings.name_prefix;
  const stackParts: Record<string, string | readonly string[]> = {};
  const eachParts: Record<string, string | readonly string[]> = {};
  for (const kind of KINDS) {
    const level = levelOf(kind);
    const who = level === "stack" ? shared : each;
    const name = (what: string) => resourceName(spec.cloud.provider, prefix, who.slug, who.level, what);
    if (kind === "keys" && level === "each" && KINDS.some((k) => NEEDS_KEY.has(k) && levelOf(k) === "stack")) {
      const platform = cloudNames.platformOwner(shared.slug);
      Object.assign(stackParts, mapping.keys({ b, spec, who: { ...shared, slug: platform, idPrefix: "platform_" }, parts: {}, name: (what) => resourceName(spec.cloud.provider, prefix, platform, "stack", what) }));
    }
    const parts: Parts = level === "stack" ? { ...stackParts } : { ...stackParts, ...eachParts };
    const made = mapping[kind]({ b, spec, who, parts, name });
    Object.assign(level === "stack" ? stackParts : eachParts, made);
  }
  // `prepareStack()` is the backend check and a preparing resolve of every element, which
  // only records usage for cdktn's validations (skipped) and cross-stack references (one
  // stack per app): the backend check alone, as `toTerraform` resolves every element anyway.
  (stack as unknown as { ensureBackendExists(): void }).ensureBackendExists();
  return bundleText(stack.toTerraform());
}

/** The owner of shared resources: the stack's one tenant, or `shared`. */
function sharedWho(spec: StackSpec): Who {
  const size = spec.cloud.sizes[spec.size];
  const only = spec.mode === "tenant" ? spec.tenants[0] : undefined;
  return {
    level: "stack",
    tenant: only?.name ?? "shared",
    plan: only?.plan ?? spec.plans.map((p) => p.name).join("-"),
    slug: only === undefined ? cloudNames.cellOwner(spec.cloud.name, spec.isolation.name, spec.region) : cloudNames.tenantOwner(only.name),
    size: { database: size.database, storage_gb: size.storage_gb, machine: size.machine, nodes: size.nodes },
    ...(only === undefined ? {} : { offboarding: "var.offboarding" }),
  };
}

/** The owner of per-tenant resources: `each` of `local.tenants`. */
function eachWho(): Who {
  return {
    level: "each",
    tenant: "${each.key}",
    plan: "${each.value.plan}",
    slug: "${each.value.slug}",
    size: { database: "${each.value.database}", storage_gb: "${each.value.storage_gb}", machine: "${each.value.machine}", nodes: "${each.value.nodes}" },
    offboarding: "each.value.offboarding",
  };
}

/**
 * `var.tenants` (the tenants that onboard at run time, as data) merged with the static
 * tenants of the stack, each with its plan's sizes: `local.tenants`, what per-tenant
 * resources iterate over. A static tenant wins over a variable entry of the same name.
 * A tenant entry's `offboarding` (default false) lifts its resources' deletion protection
 * for the apply before the one that removes it.
 */
function addTenants(stack: TerraformStack, spec: StackSpec): void {
  const planNames = spec.plans.map((p) => p.name);
  const variable = new TerraformVariable(stack, "variable-tenants", {
    type: "map(object({ plan = string, offboarding = optional(bool, false) }))",
    default: {},
    description: `tenants onboarded at run time: name => { plan = one of ${planNames.join(", ")}, offboarding = true while it offboards }`,
    validation: [
      {
        condition: `\${alltrue([for t in values(var.tenants) : contains(${JSON.stringify(planNames)}, t.plan)])}`,
        errorMessage: `every tenant's plan must be one of: ${planNames.join(", ")}`,
      },
    ],
  });
  variable.overrideLogicalId("tenants");
  const sizes = Object.fromEntries(spec.plans.map((p) => [p.name, spec.cloud.sizes[p.size]]));
  const statics = Object.fromEntries((spec.mode === "dynamic" ? [] : spec.tenants).map((t) => [t.name, { plan: t.plan }]));
  new TerraformLocal(stack, "local-plan_sizes", sizes).overrideLogicalId("plan_sizes");
  new TerraformLocal(stack, "local-static_tenants", statics).overrideLogicalId("static_tenants");
  // Each tenant's owner name, then its plan's sizes and every resource name (names.ts), so per-tenant resources read `each.value.names.<what>`.
  new TerraformLocal(stack, "local-tenant_owners", `\${{ for name, t in merge(var.tenants, local.static_tenants) : name => (${tenantOwnerExpr("name")}) }}`).overrideLogicalId("tenant_owners");
  const names = tenantNamesExpr(spec.cloud.provider, spec.cloud.settings.name_prefix, "local.tenant_owners[name]");
  new TerraformLocal(
    stack,
    "local-tenants",
    `\${{ for name, t in merge(var.tenants, local.static_tenants) : name => merge(local.plan_sizes[t.plan], { plan = t.plan, offboarding = try(t.offboarding, false), slug = local.tenant_owners[name], names = ${names} }) }}`,
  ).overrideLogicalId("tenants");
}
