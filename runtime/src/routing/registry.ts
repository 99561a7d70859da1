/**
 * Every tenant of the registry with what routing needs (plan, region, cloud, recorded
 * outputs), read as the control role (its policy admits every tenant) on an admin or
 * control connection: what `paybillc migrate --all-tenants` fans out over. Offboarded
 * tenants have no placement left and are not listed.
 */
import { listTenants } from "../control/rows.js";
import type { Tenant } from "../control/types.js";
import type { Sql } from "../store/adapter.js";
import { CONTROL_ROLE } from "../store/roles.js";
import { ident } from "../store/sql.js";

export async function registeredTenants(db: { transaction<T>(body: (tx: Pick<Sql, "query" | "exec">) => Promise<T>): Promise<T> }): Promise<Tenant[]> {
  return db.transaction(async (tx) => {
    await tx.exec(`set local role ${ident(CONTROL_ROLE)}`);
    return (await listTenants(tx as Sql)).filter((t) => t.state !== "offboarded");
  });
}
