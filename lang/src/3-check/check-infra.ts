/**
 * Providers, isolation models, clouds, plans and tenants: the control-plane declarations.
 */
import type { Attribute, Block, CloudDecl, Entry, IsolationDecl, PlanDecl, ProviderDecl, TenantDecl, Value } from "../ast/nodes.js";
import { didYouMean } from "../2-resolve/suggest.js";
import type { Declared, Unit } from "../2-resolve/symbols.js";
import {
  checkBody,
  isBool,
  isDuration,
  isLimit,
  isName,
  isNameList,
  isPrice,
  isString,
  isStringList,
  isWholeNumber,
  type Schema,
} from "./attributes.js";
import type { Context } from "./context.js";

const describe = (v: Value): string => (v.kind === "String" ? v.value : v.kind === "Ref" ? v.name.parts.map((p) => p.name).join(".") : "");

export function checkProvider(ctx: Context, unit: Unit, decl: ProviderDecl): void {
  checkBody(ctx, unit, `provider \`${decl.name.name}\``, decl.name.span, decl.body, {
    title: { expect: "a string", required: true, accepts: isString },
    regions: { expect: "a list of region names such as `[\"eu-west-1\"]`", required: true, accepts: isStringList },
    terraform: { expect: "a block `{ source = \"hashicorp/aws\", version = \"5.100.0\" }`", block: true },
    defaults: { expect: "a block of infrastructure settings", block: true },
    sizes: { expect: "a block of sizes `small { … }`, `medium { … }`, `large { … }`", block: true },
  });
  checkInfraBlocks(ctx, unit, `provider \`${decl.name.name}\``, decl.body);
}

// ---- infrastructure settings (spec/infrastructure.md): defaults in std.clouds, overrides in a `cloud` ----

export const SIZES = ["small", "medium", "large"] as const;
const SETTINGS: Schema = {
  postgres_version: { expect: "a PostgreSQL major version such as `\"16\"`", accepts: isString },
  kubernetes_version: { expect: "a Kubernetes version such as `\"1.31\"`", accepts: isString },
  network_cidr: { expect: "an address range such as `\"10.0.0.0/16\"`", accepts: isString },
  // Lowercase words joined by single hyphens: the start of every cloud resource name (spec/infrastructure.md, resource names).
  name_prefix: {
    expect: "a prefix for resource names: lowercase letters and digits joined by single hyphens, at most 20 characters, such as `\"helpdesk\"`",
    accepts: (v) => v.kind === "String" && v.value.length <= 20 && /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(v.value),
  },
  deletion_protection: { expect: "`true` or `false`", accepts: isBool },
};
const SIZE: Schema = {
  database: { expect: "a database instance class, tier or SKU", accepts: isString },
  storage_gb: { expect: "a whole number of gigabytes", accepts: isWholeNumber },
  machine: { expect: "a machine type for compute nodes", accepts: isString },
  nodes: { expect: "a whole number of compute nodes", accepts: isWholeNumber },
};
const BACKENDS: Readonly<Record<string, Schema>> = {
  s3: { type: { expect: "a backend type" }, bucket: { expect: "a bucket name", required: true, accepts: isString }, region: { expect: "a region", accepts: isString }, key_prefix: { expect: "a string", accepts: isString }, encrypt: { expect: "`true` or `false`", accepts: isBool }, use_lockfile: { expect: "`true` or `false`", accepts: isBool } },
  azurerm: { type: { expect: "a backend type" }, resource_group_name: { expect: "a string", required: true, accepts: isString }, storage_account_name: { expect: "a string", required: true, accepts: isString }, container_name: { expect: "a string", required: true, accepts: isString }, key_prefix: { expect: "a string", accepts: isString } },
  gcs: { type: { expect: "a backend type" }, bucket: { expect: "a bucket name", required: true, accepts: isString }, prefix: { expect: "a string", accepts: isString } },
  local: { type: { expect: "a backend type" }, path: { expect: "a directory for the state files, relative to each stack", accepts: isString } },
};

/** `terraform { … }`, `defaults { … }`, `sizes { small { … } }` and `backend { … }` in a provider or cloud body. */
function checkInfraBlocks(ctx: Context, unit: Unit, what: string, body: readonly (Entry | { kind: string })[]): void {
  for (const entry of body) {
    if (entry.kind !== "Block") continue;
    const b = entry as Block;
    if (b.name.name === "terraform") {
      checkBody(ctx, unit, `\`terraform\` of ${what}`, b.name.span, b.entries, { source: { expect: "a provider source such as `\"hashicorp/aws\"`", required: true, accepts: isString }, version: { expect: "an exact version such as `\"5.100.0\"`", required: true, accepts: (v) => v.kind === "String" && /^\d+\.\d+\.\d+$/.test(v.value) } });
    } else if (b.name.name === "defaults") {
      checkBody(ctx, unit, `\`defaults\` of ${what}`, b.name.span, b.entries, SETTINGS);
    } else if (b.name.name === "sizes") {
      const sizes: Schema = Object.fromEntries(SIZES.map((s) => [s, { expect: `a block of settings for \`${s}\``, block: true }]));
      const seen = checkBody(ctx, unit, `\`sizes\` of ${what}`, b.name.span, b.entries, sizes);
      for (const [name, size] of seen) if (size.kind === "Block") checkBody(ctx, unit, `size \`${name}\` of ${what}`, size.name.span, size.entries, SIZE);
    } else if (b.name.name === "backend") {
      const type = b.entries.find((e): e is Attribute => e.kind === "Attribute" && e.key.kind === "Ident" && e.key.name === "type");
      const name = type?.value.kind === "String" ? type.value.value : undefined;
      const schema = name === undefined ? undefined : BACKENDS[name];
      if (schema === undefined) {
        ctx.report("attributeType", unit, type?.value.span ?? b.name.span, `\`backend\` of ${what} needs \`type\`: one of \`s3\`, \`azurerm\`, \`gcs\`, \`local\``, "write `type = \"s3\"` and the backend's settings");
      } else {
        checkBody(ctx, unit, `the \`${name}\` backend of ${what}`, b.name.span, b.entries, schema);
      }
    }
  }
}

const KIND_VALUES = { expect: "`shared` or `dedicated`", required: true, accepts: (v: Value) => isName(v) && ["shared", "dedicated"].includes(describe(v)) };
export function checkIsolation(ctx: Context, unit: Unit, decl: IsolationDecl): void {
  checkBody(ctx, unit, `isolation model \`${decl.name.name}\``, decl.name.span, decl.body, {
    network: KIND_VALUES,
    compute: KIND_VALUES,
    database: KIND_VALUES,
    keys: KIND_VALUES,
    storage: KIND_VALUES,
    identity: KIND_VALUES,
    tenancy: {
      expect: "`row_level_security`, `schema` or `database`",
      required: true,
      accepts: (v) => isName(v) && ["row_level_security", "schema", "database"].includes(describe(v)),
    },
  });
}

/** The regions a provider declares, or undefined when it declares none we could read. */
export function regionsOf(provider: Declared | undefined): string[] | undefined {
  if (provider?.decl.kind !== "Provider") return undefined;
  const entry = provider.decl.body.find((e) => e.kind === "Attribute" && e.key.kind === "Ident" && e.key.name === "regions");
  if (entry?.kind !== "Attribute" || entry.value.kind !== "List") return undefined;
  return entry.value.items.flatMap((item) => (item.kind === "String" ? [item.value] : []));
}

function checkRegion(ctx: Context, unit: Unit, value: Value | undefined, provider: Declared | undefined, where: string): void {
  if (value?.kind !== "String") return;
  const regions = regionsOf(provider);
  if (regions === undefined || regions.includes(value.value)) return;
  ctx.report(
    "unknownRegion",
    unit,
    value.span,
    `${where}: \`${provider?.name}\` has no region \`${value.value}\``,
    didYouMean(value.value, regions) ?? `its regions are listed in \`std.clouds\``,
  );
}

export function checkCloud(ctx: Context, unit: Unit, decl: CloudDecl): Declared | undefined {
  const provider = ctx.resolve(unit, "provider", decl.provider);
  const body = checkBody(ctx, unit, `cloud \`${(decl.name ?? decl.provider).name}\``, (decl.name ?? decl.provider).span, decl.body, {
    region: { expect: "a region of the provider, such as `\"eu-west-1\"`", required: true, accepts: isString },
    project: { expect: "a string", accepts: isString },
    account: { expect: "a string", accepts: isString },
    tags: { expect: "a block of `key = \"value\"`", block: true },
    defaults: { expect: "a block of infrastructure settings that override the provider's", block: true },
    sizes: { expect: "a block of sizes `small { … }`, `medium { … }`, `large { … }` that override the provider's", block: true },
    backend: { expect: "a block `{ type = \"s3\", bucket = \"…\" }` naming where Terraform keeps its state", block: true },
  });
  checkInfraBlocks(ctx, unit, `cloud \`${(decl.name ?? decl.provider).name}\``, decl.body);
  const region = body.get("region");
  if (region?.kind === "Attribute") checkRegion(ctx, unit, region.value, provider, `cloud \`${(decl.name ?? decl.provider).name}\``);
  const tags = body.get("tags");
  if (tags?.kind === "Block") {
    for (const tag of tags.entries) {
      if (tag.kind === "Block" || tag.value.kind !== "String") ctx.report("attributeType", unit, tag.kind === "Block" ? tag.span : tag.value.span, "a tag's value is a string");
    }
  }
  return provider;
}

export function checkPlan(ctx: Context, unit: Unit, decl: PlanDecl, clouds: readonly Declared[]): void {
  const what = `plan \`${decl.name.name}\``;
  const body = checkBody(ctx, unit, what, decl.name.span, decl.body, {
    price: { expect: "a price such as `99 usd per month`, `0`, or `custom`", required: true, accepts: isPrice },
    trial: { expect: "a duration such as `14 days`", accepts: isDuration },
    grace: { expect: "a duration such as `7 days`", accepts: isDuration },
    retention: { expect: "a duration such as `30 days`: how long an offboarded tenant's data is kept", accepts: isDuration },
    isolation: { expect: "an isolation model, optionally `on` a cloud: `bridge on primary`", required: true, accepts: (v) => v.kind === "Ref" && v.args === undefined && !v.optional },
    limits: { expect: "a block of limits such as `seats = 3, agent_actions = 1000 per day`", block: true },
    features: { expect: "a list of feature names such as `[tickets, refunds]`", accepts: isNameList },
    description: { expect: "a string", accepts: isString },
    size: { expect: "`small`, `medium` or `large`: the size of the plan's infrastructure", accepts: (v) => isName(v) && (SIZES as readonly string[]).includes(describe(v)) },
  });
  const isolation = body.get("isolation");
  if (isolation?.kind === "Attribute" && isolation.value.kind === "Ref") {
    ctx.resolve(unit, "isolation", isolation.value.name);
    if (isolation.value.on !== undefined) ctx.resolve(unit, "cloud", isolation.value.on);
    else if (clouds.length > 1) {
      ctx.report(
        "ambiguousCloud",
        unit,
        isolation.value.span,
        `${what} does not say which cloud it runs on, and ${clouds.length} are declared`,
        `write \`${describe(isolation.value)} on ${clouds[0]?.name}\``,
      );
    }
  }
  const limits = body.get("limits");
  if (limits?.kind === "Block") {
    const seen = new Set<string>();
    for (const limit of limits.entries) {
      if (limit.kind === "Block" || !isLimit(limit.value)) {
        ctx.report("attributeType", unit, limit.kind === "Block" ? limit.span : limit.value.span, "a limit is a whole number, or a number `per` a period such as `1000 per day`");
        continue;
      }
      const key = limit.key.kind === "Ident" ? limit.key.name : limit.key.value;
      if (seen.has(key)) ctx.report("duplicateName", unit, limit.key.span, `limit \`${key}\` is set twice in ${what}`);
      seen.add(key);
    }
  }
}

/** The plan's cloud, through `isolation = … on cloud`, or the only cloud declared. */
export function cloudOfPlan(ctx: Context, plan: Declared | undefined, clouds: readonly Declared[]): Declared | undefined {
  if (plan?.decl.kind !== "Plan") return undefined;
  const isolation = plan.decl.body.find((e) => e.kind === "Attribute" && e.key.kind === "Ident" && e.key.name === "isolation");
  if (isolation?.kind === "Attribute" && isolation.value.kind === "Ref" && isolation.value.on !== undefined) {
    return ctx.references.get(isolation.value.on);
  }
  return clouds.length === 1 ? clouds[0] : undefined;
}

export function checkTenant(ctx: Context, unit: Unit, decl: TenantDecl, clouds: readonly Declared[]): void {
  const what = `tenant \`${decl.name.name}\``;
  const body = checkBody(ctx, unit, what, decl.name.span, decl.body, {
    plan: { expect: "the name of a plan", required: true, accepts: isName },
    region: { expect: "a region of the tenant's cloud, such as `\"eu-central-1\"`", accepts: isString },
    cloud: { expect: "the name of a cloud", accepts: isName },
    description: { expect: "a string", accepts: isString },
  });
  const planEntry = body.get("plan");
  const plan = planEntry?.kind === "Attribute" && planEntry.value.kind === "Ref" ? ctx.resolve(unit, "plan", planEntry.value.name) : undefined;
  const cloudEntry = body.get("cloud");
  const cloud =
    cloudEntry?.kind === "Attribute" && cloudEntry.value.kind === "Ref" ? ctx.resolve(unit, "cloud", cloudEntry.value.name) : cloudOfPlan(ctx, plan, clouds);
  const region = body.get("region");
  if (region?.kind === "Attribute" && cloud?.decl.kind === "Cloud") {
    const provider = ctx.references.get(cloud.decl.provider);
    checkRegion(ctx, unit, region.value, provider, what);
  }
}
