/**
 * Where a tenant's rows are, from the registry (spec/runtime.md §Tenant routing): its plan's
 * isolation model picks the kind of place, its recorded stack outputs (`Tenant.outputs`,
 * what its latest provisioning reported) say which server. Pure: the bundle's plans, the
 * tenant and the environment in, a target out; nothing is opened here (router.ts opens).
 *
 * - pooled: the pooled database (the router's `pooled` target), the tenant's rows beside
 *   other tenants', kept apart by row-level security;
 * - bridge: its schema (`database_schema` when recorded, else `bridgeSchema(id)`) in its
 *   cell's shared server — the recorded database, or the pooled database's server when
 *   nothing is recorded (a project without a provisioner keeps bridge schemas there);
 * - silo: its own database, which must be recorded (PBR218).
 *
 * A recorded database is, first found: `database_url` (`postgres://…`, its password
 * resolved as below when it has none), `database_dir` (a PGlite data directory: local and
 * tests), or `database_endpoint` (`host:port`, as the stacks output it) with
 * `database_name` (default `paybill`) and `database_user` (else the environment's
 * `PAYBILL_DATABASE_USER`). The password comes from `database_credentials`, a secret
 * reference: `env:NAME` reads the environment variable NAME; any other reference (an ARN,
 * an OCID…) goes to the router's `secret` resolver. No reference: the environment's
 * `PAYBILL_DATABASE_PASSWORD`, or none (trust or IAM authentication).
 */
import type { Bundle } from "../bundle/format.js";
import { placementOf } from "../control/placement.js";
import type { Tenant } from "../control/types.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { isSchemaName } from "../store/sql.js";
import { bridgeSchema } from "./schema-name.js";

export type TenancyModel = "pooled" | "bridge" | "silo";

/** A database server (PostgreSQL by URL) or an embedded one (a PGlite data directory). */
export type DatabaseTarget = { readonly url: string } | { readonly dataDir: string };

export interface PlacementTarget {
  readonly tenant: string;
  readonly model: TenancyModel;
  readonly database: DatabaseTarget;
  /** Bridge only: the tenant's schema in `database`. */
  readonly schema?: string;
}

export interface ResolveOptions {
  readonly pooled: DatabaseTarget;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Resolves a secret reference other than `env:NAME` to the password (a cloud's secret store). */
  readonly secret?: (reference: string, tenant: Tenant) => Promise<string>;
}

const MODELS: ReadonlySet<string> = new Set(["pooled", "bridge", "silo"]);

/** The tenancy model of a tenant's plan (its isolation model's name). */
export function tenancyOf(bundle: Pick<Bundle, "plans">, tenant: Pick<Tenant, "id" | "plan" | "region" | "cloud">): TenancyModel {
  const model = placementOf(bundle, tenant.plan, tenant).isolation;
  if (!MODELS.has(model)) {
    throw new PaybillRuntimeError(
      "PBR217",
      `tenant \`${tenant.id}\` is on plan \`${tenant.plan}\`, whose isolation model \`${model}\` routing does not know`,
      "route tenants of `std.isolation`'s `pooled`, `bridge` or `silo` plans; give the plan one of them",
    );
  }
  return model as TenancyModel;
}

export async function resolvePlacement(bundle: Pick<Bundle, "plans">, tenant: Tenant, options: ResolveOptions): Promise<PlacementTarget> {
  const model = tenancyOf(bundle, tenant);
  if (model === "pooled") return { tenant: tenant.id, model, database: options.pooled };
  const recorded = await recordedDatabase(tenant, options);
  if (model === "silo") {
    if (recorded === undefined) {
      throw new PaybillRuntimeError(
        "PBR218",
        `silo tenant \`${tenant.id}\` has no recorded database (no \`database_url\`, \`database_dir\` or \`database_endpoint\` among its outputs)`,
        `provision it with a provisioner that records its stack's outputs (\`paybillc tenants provision ${tenant.id} --provisioner terraform --apply\`), then route it`,
      );
    }
    return { tenant: tenant.id, model, database: recorded };
  }
  const named = tenant.outputs?.database_schema;
  const schema = typeof named === "string" ? named : bridgeSchema(tenant.id);
  if (!isSchemaName(schema)) {
    throw new PaybillRuntimeError("PBR101", `\`${schema}\`, the recorded schema of tenant \`${tenant.id}\`, is not a schema name the runtime accepts`, "record a schema of lowercase letters, digits and `_`, or none (the router derives one)");
  }
  return { tenant: tenant.id, model, database: recorded ?? options.pooled, schema };
}

async function recordedDatabase(tenant: Tenant, options: ResolveOptions): Promise<DatabaseTarget | undefined> {
  const outputs = tenant.outputs ?? {};
  const env = options.env ?? process.env;
  const text = (key: string): string | undefined => (typeof outputs[key] === "string" && outputs[key] !== "" ? (outputs[key] as string) : undefined);
  const dir = text("database_dir");
  const url = text("database_url");
  const endpoint = text("database_endpoint");
  if (url !== undefined) {
    const parsed = new URL(url);
    if (parsed.password !== "") return { url };
    const password = await passwordOf(tenant, text("database_credentials"), options, env);
    if (password !== undefined) parsed.password = password;
    return { url: parsed.toString() };
  }
  if (dir !== undefined) return { dataDir: dir };
  if (endpoint === undefined) return undefined;
  const user = text("database_user") ?? env.PAYBILL_DATABASE_USER;
  if (user === undefined || user === "") {
    throw new PaybillRuntimeError(
      "PBR219",
      `tenant \`${tenant.id}\`'s database \`${endpoint}\` has no user to connect as`,
      "record `database_user` among its outputs, or set PAYBILL_DATABASE_USER to the service's login role",
    );
  }
  const parsed = new URL(`postgres://${endpoint}`);
  parsed.username = user;
  parsed.pathname = `/${text("database_name") ?? "paybill"}`;
  const password = await passwordOf(tenant, text("database_credentials"), options, env);
  if (password !== undefined) parsed.password = password;
  return { url: parsed.toString() };
}

async function passwordOf(tenant: Tenant, reference: string | undefined, options: ResolveOptions, env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  if (reference === undefined) return env.PAYBILL_DATABASE_PASSWORD;
  if (reference.startsWith("env:")) {
    const value = env[reference.slice(4)];
    if (value === undefined) {
      throw new PaybillRuntimeError("PBR219", `tenant \`${tenant.id}\`'s database password is in \`${reference.slice(4)}\`, which the environment does not set`, `set ${reference.slice(4)} in the service's environment`);
    }
    return value;
  }
  if (options.secret === undefined) {
    throw new PaybillRuntimeError(
      "PBR219",
      `tenant \`${tenant.id}\`'s database credentials are the secret \`${reference}\`, and the router has no \`secret\` resolver`,
      "give the router `secret: (reference) => …` reading the cloud's secret store, or record an `env:NAME` reference",
    );
  }
  return options.secret(reference, tenant);
}
