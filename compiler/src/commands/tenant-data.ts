/**
 * A tenant's rows from the command line (spec/control-plane.md, "Data moves" and
 * "Offboarding data"), on the project's database — where every placement that names no
 * cloud lives: the pooled tenants' rows in the database's schema, a bridge tenant's in its
 * own schema (`bridgeSchemaOf`) beside it. A placement on a cloud, or a silo tenant (a
 * database of its own), needs the tenant router to reach its database: PB9326, and an
 * operator moves its rows (`--data-moved`).
 *
 * - `provision`: a `move_data` step between pooled and bridge, both without a cloud, is
 *   run by the runtime's data mover (copy, verify, delete the old rows), whatever the
 *   provisioner, unless `--data-moved` says the operator did it;
 * - `tenants export <id> --out <dir>`: `<dir>/<Entity>.ndjson` per entity, audited;
 * - `tenants erase <id>`: the offboarded tenant's rows deleted (a bridge tenant's schema
 *   dropped) once its plan's retention has passed (PBR233), audited.
 */
import { mkdir, open } from "node:fs/promises";
import { join, resolve } from "node:path";
import { bridgeSchemaOf, type DataEndpoint, type Placement, type Provisioner, type ProvisionStep, type Runtime, type StepOutcome, type Tenant } from "@paybill/runtime";
import type { Io } from "../io.js";
import { printJson } from "../output/report.js";
import { CommandProblem, type ProjectOptions, withProjectRuntime } from "./project-runtime.js";

type MoveStep = Extract<ProvisionStep, { kind: "move_data" }>;

/** Where a placement's rows are on the project's database; undefined when they are not there (a cloud, or silo). */
async function endpointOf(runtime: Runtime, tenant: string, placement: Placement): Promise<DataEndpoint | undefined> {
  if (placement.cloud !== undefined) return undefined;
  if (placement.isolation === "bridge") return { sql: runtime.database, schema: bridgeSchemaOf(tenant) };
  if (placement.isolation !== "pooled") return undefined;
  const [row] = await runtime.database.query<{ s: unknown }>("select current_schema() as s");
  return { sql: runtime.database, schema: String(row?.s) };
}

/** Whether the control plane moves this step's rows itself: pooled ⇄ bridge, neither on a cloud (one database). */
export function movedByControlPlane(step: MoveStep): boolean {
  const local = (p: Placement) => p.cloud === undefined && (p.isolation === "pooled" || p.isolation === "bridge");
  return local(step.from) && local(step.to) && step.from.isolation !== step.to.isolation;
}

/**
 * `inner` with the data moves the control plane can do done by the runtime's mover. The
 * move is named by the tenant's `migrate` transition (its flow), so a retry resumes it and a
 * later move between the same schemas is a move of its own.
 */
export function withDataMoves(inner: Provisioner, runtime: Runtime, dataMoved: boolean, io: Io): Provisioner {
  return {
    name: inner.name,
    run: async (step, context): Promise<StepOutcome> => {
      if (step.kind !== "move_data" || !movedByControlPlane(step)) return inner.run(step, context);
      if (dataMoved) return { ok: true, detail: `the operator moved \`${step.tenant}\`'s data from ${step.from.isolation} to ${step.to.isolation} (--data-moved)` };
      const source = await endpointOf(runtime, step.tenant, step.from);
      const target = await endpointOf(runtime, step.tenant, step.to);
      if (source === undefined || target === undefined) return inner.run(step, context);
      const flow = (await runtime.tenants.history(step.tenant)).filter((t) => t.event === "migrate").at(-1)?.seq ?? 0;
      io.err(`moving tenant \`${step.tenant}\`'s rows from \`${source.schema}\` to \`${target.schema}\`\n`);
      const report = await runtime.tenants.moveData({ tenant: step.tenant, moveId: `flow-${flow}`, source, target });
      const rows = report.tables.reduce((n, t) => n + t.rows, 0);
      return {
        ok: true,
        detail: `moved ${rows} rows of ${report.tables.length} tables from \`${source.schema}\` to \`${target.schema}\` (counts and checksums verified; ${report.deleted} old rows deleted${report.resumed ? "; resumed" : ""})`,
      };
    },
  };
}

/** The tenant's endpoint for export and erasure, or PB9326. */
async function tenantEndpoint(runtime: Runtime, tenant: Tenant, placement: Placement): Promise<DataEndpoint> {
  const endpoint = await endpointOf(runtime, tenant.id, placement);
  if (endpoint !== undefined) return endpoint;
  throw new CommandProblem(
    "PB9326",
    `tenant \`${tenant.id}\`'s rows are not in this database: its plan \`${tenant.plan}\` places it ${placement.isolation}${placement.cloud === undefined ? "" : ` on \`${placement.cloud}\``}`,
    "only pooled and bridge tenants of plans without a cloud are in the project's database; reach this tenant's own database (a silo's, or its cloud cell's) with PostgreSQL's tools, e.g. `pg_dump --data-only`, until the tenant router serves these commands",
    1,
  );
}

function placementOfTenant(runtime: Runtime, tenant: Tenant): Placement {
  const spec = runtime.bundle.plans[tenant.plan];
  const cloud = tenant.cloud ?? spec?.isolation.cloud;
  return { plan: tenant.plan, isolation: spec?.isolation.model ?? "pooled", ...(cloud === undefined ? {} : { cloud }), ...(tenant.region === undefined ? {} : { region: tenant.region }) };
}

async function knownTenant(runtime: Runtime, id: string): Promise<Tenant> {
  const tenant = await runtime.tenants.get(id);
  if (tenant === undefined) throw new CommandProblem("PBR110", `there is no tenant \`${id}\``, "see the registered tenants with `paybillc tenants list`", 1);
  return tenant;
}

export interface ExportOptions extends ProjectOptions {
  /** The directory the `<Entity>.ndjson` files are written in (created). */
  readonly out: string;
}

export function exportData(id: string, options: ExportOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async ({ runtime }) => {
    const tenant = await knownTenant(runtime, id);
    const endpoint = await tenantEndpoint(runtime, tenant, placementOfTenant(runtime, tenant));
    const dir = resolve(io.cwd, options.out);
    await mkdir(dir, { recursive: true });
    const files = new Map<string, Awaited<ReturnType<typeof open>>>();
    const fileOf = async (entity: string) => {
      let file = files.get(entity);
      if (file === undefined) {
        file = await open(join(dir, `${entity}.ndjson`), "w");
        files.set(entity, file);
      }
      return file;
    };
    let exported;
    try {
      // Every entity gets its file, an empty one when the tenant has no rows of it.
      for (const entity of Object.keys(runtime.bundle.entities)) await fileOf(entity);
      exported = await runtime.tenants.exportData({ tenant: id, endpoint }, async (entity, text) => void (await (await fileOf(entity)).write(text)));
    } finally {
      for (const file of files.values()) await file.close();
    }
    if (options.format === "json") printJson({ tenant: id, dir, entities: exported }, io);
    else {
      for (const e of exported) io.out(`${e.entity}.ndjson  ${e.rows} ${e.rows === 1 ? "row" : "rows"}  sha256 ${e.sha256}\n`);
      io.err(`exported tenant \`${id}\`'s rows from \`${endpoint.schema}\` to ${dir}\n`);
    }
    return 0;
  });
}

export interface EraseOptions extends ProjectOptions {
  /** Keep a bridge tenant's schema (its rows are deleted either way). */
  readonly keepSchema?: boolean;
}

export function eraseData(id: string, options: EraseOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async ({ runtime }) => {
    const tenant = await knownTenant(runtime, id);
    const placement = placementOfTenant(runtime, tenant);
    const endpoint = await tenantEndpoint(runtime, tenant, placement);
    const dropSchema = placement.isolation === "bridge" && options.keepSchema !== true;
    const report = await runtime.tenants.eraseData({ tenant: id, endpoint, dropSchema });
    if (options.format === "json") printJson(report, io);
    else if (!report.erased) io.out(`tenant \`${id}\`'s data was erased before: nothing to do\n`);
    else io.out(`erased tenant \`${id}\`'s data: ${report.rows} rows${report.droppedSchema ? `, schema \`${endpoint.schema}\` dropped` : ` from \`${endpoint.schema}\``}\n`);
    return 0;
  });
}
