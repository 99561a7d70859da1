/**
 * The tenant router (spec/runtime.md §Tenant routing): one object an agent service (or a
 * control-plane tool: migrate, data moves, offboarding) asks "where is this tenant's data?",
 * answered from the registry. `placementConnection(id)` gives `{ sql, schema, model }`: a
 * Database whose every transaction runs in the tenant's placement — the pooled database, its
 * bridge schema (search_path set per transaction, scoped.ts) or its silo database.
 *
 * One connection (pool, or PGlite instance) per server, opened on first use and shared by
 * every tenant placed there: a hundred bridge schemas of one cell cost one pool.
 */
import type { Bundle } from "../bundle/format.js";
import type { Tenant } from "../control/types.js";
import type { Database } from "../store/adapter.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { openDatabase } from "../store/open-database.js";
import { type DatabaseTarget, type PlacementTarget, type ResolveOptions, resolvePlacement, type TenancyModel } from "./placements.js";
import { inSchema } from "./scoped.js";

export interface RouterOptions extends ResolveOptions {
  readonly bundle: Pick<Bundle, "plans">;
  /** The registry: a tenant by id (e.g. `runtime.tenants.get`). */
  readonly tenants: (id: string) => Promise<Tenant | undefined>;
  /** Opens a server (default: a PostgreSQL pool by URL, PGlite by data directory). */
  readonly open?: (target: DatabaseTarget) => Promise<Database>;
}

export interface PlacementConnection {
  readonly tenant: string;
  readonly model: TenancyModel;
  readonly target: PlacementTarget;
  /** The tenant's schema (bridge), or undefined: the database's own (`public` unless its URL says otherwise). */
  readonly schema: string | undefined;
  /** SQL in the tenant's placement. Closing it does nothing: the router owns its servers. */
  readonly sql: Database;
  /** The whole server the placement is on (a bridge schema's cell database): for creating the schema, or a tool's cross-schema work. */
  readonly server: Database;
}

export class TenantRouter {
  readonly #options: RouterOptions;
  readonly #servers = new Map<string, Promise<Database>>();

  constructor(options: RouterOptions) {
    this.#options = options;
  }

  /** The tenant's registry entry (PBR110 when it has none). */
  async tenant(id: string): Promise<Tenant> {
    const tenant = await this.#options.tenants(id);
    if (tenant === undefined) throw new PaybillRuntimeError("PBR110", `unknown tenant \`${id}\``, "onboard it first (`tenants.onboard`), or check the id");
    return tenant;
  }

  /** Where the tenant's data is, without opening anything. */
  async target(tenant: string | Tenant): Promise<PlacementTarget> {
    const entry = typeof tenant === "string" ? await this.tenant(tenant) : tenant;
    return resolvePlacement(this.#options.bundle, entry, this.#options);
  }

  async placementConnection(tenant: string | Tenant): Promise<PlacementConnection> {
    const target = await this.target(tenant);
    const server = await this.server(target.database);
    return { tenant: target.tenant, model: target.model, target, schema: target.schema, sql: target.schema === undefined ? server : inSchema(server, target.schema), server };
  }

  /** The server a target names, opened once. */
  server(target: DatabaseTarget): Promise<Database> {
    const key = "url" in target ? `url ${target.url}` : `dir ${target.dataDir}`;
    let found = this.#servers.get(key);
    if (found === undefined) {
      const open = this.#options.open ?? defaultOpen;
      found = open(target);
      // A failed open is not kept: the next call tries again.
      found.catch(() => this.#servers.delete(key));
      this.#servers.set(key, found);
    }
    return found;
  }

  /** Closes every server the router opened. */
  async close(): Promise<void> {
    const servers = [...this.#servers.values()];
    this.#servers.clear();
    await Promise.all(servers.map((s) => s.then((db) => db.close(), () => undefined)));
  }
}

function defaultOpen(target: DatabaseTarget): Promise<Database> {
  return "url" in target ? openDatabase({ url: target.url }) : openDatabase({ pglite: { dataDir: target.dataDir } });
}
