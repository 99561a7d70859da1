/**
 * How `paybillc tenants provision` makes a tenant's new placement ready (the runtime's
 * `routing.databasesFollow`): the runtime's tables and the project's migrations applied to
 * it, a bridge schema created and guarded — as `paybillc migrate --all-tenants` does for
 * every tenant (migrate-all.ts). The project's own database is reached through the open
 * runtime's connection (a PGlite directory is opened once per process); another server is
 * opened for the step and closed after it. On PostgreSQL the runtime's login role may not
 * create a schema: PAYBILL_ADMIN_DATABASE_URL, an admin's URL of the same server, does it;
 * without one the step fails and says so.
 */
import { join } from "node:path";
import type { routing } from "@paybill/runtime";
import { type Client, MIGRATIONS_DIR, openClient, readMigrations } from "../emit/db/index.js";
import { tablesOf } from "../emit/db/snapshot.js";
import { migratePlacement, type Project } from "./migrate-all.js";
import type { ProjectRuntime } from "./project-runtime.js";

/** An admin's URL of the project's PostgreSQL server: what creates a bridge tenant's schema there when the runtime's login role may not. */
export const ADMIN_URL = "PAYBILL_ADMIN_DATABASE_URL";

export function placementMigrator(project: ProjectRuntime): (target: routing.PlacementTarget) => Promise<string> {
  let work: Promise<Project> | undefined;
  const projectWork = async (): Promise<Project> => {
    const read = await readMigrations(join(project.dir, MIGRATIONS_DIR));
    if (!read.ok) throw new Error(`the project's migrations cannot be read: ${read.problem}`);
    const tables = read.folder.snapshot === undefined ? [] : Object.values(tablesOf(read.folder.snapshot)).map((t) => t.name);
    return { migrations: read.folder.migrations, tables };
  };
  return async (target) => {
    work ??= projectWork();
    const own = sameTarget(target.database, project.database);
    const db = project.runtime.database;
    // On PostgreSQL the runtime's login role may not create a schema: the admin's URL of the same server, when given, does it.
    const admin = process.env[ADMIN_URL];
    const client: Client =
      own && "url" in target.database && admin !== undefined && admin !== ""
        ? await openClient({ url: admin })
        : own
          ? { kind: db.kind, exec: (s) => db.exec(s), query: (t, p) => db.query(t, p), transaction: (body) => db.transaction((tx) => body(tx)), close: async () => {} }
          : await openClient(target.database);
    try {
      const outcome = await migratePlacement(client, target.schema, target.tenant, await work);
      const where = target.schema === undefined ? `its ${target.model} database` : `its schema \`${target.schema}\``;
      if (outcome.status === "failed") {
        const help = outcome.error?.message.includes("permission denied") === true ? `set ${ADMIN_URL} to an admin's URL of the server, or run \`paybillc migrate --all-tenants\` as an admin, then provision again` : outcome.error?.help;
        throw new Error(`${where}: error[${outcome.error?.code}]: ${outcome.error?.message} (${help})`);
      }
      return outcome.status === "applied" ? `migrated ${where}: ${outcome.applied.join(", ")}` : `${where} is up to date`;
    } finally {
      await client.close();
    }
  };
}

function sameTarget(a: routing.DatabaseTarget, b: routing.DatabaseTarget): boolean {
  return "url" in a ? "url" in b && a.url === b.url : "dataDir" in b && a.dataDir === b.dataDir;
}
