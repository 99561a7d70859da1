/**
 * What the runtime checks at open on PostgreSQL (spec/database.md, "Roles"): that the role
 * it connected as cannot get round row-level security — not superuser, not BYPASSRLS, owner
 * of no `paybill_*` or entity table, no CREATE on the schema — and is a member of both
 * runtime roles (roles.ts); and that `paybillc migrate` has created the runtime's tables at
 * this runtime's version. An admin connection opens only with `privileged: true`.
 */
import type { Database } from "./adapter.js";
import { PaybillRuntimeError } from "./errors.js";
import { LATEST_VERSION } from "./migrations.js";
import { asRole } from "./role-database.js";
import { CONTROL_ROLE, RUNTIME_ROLE } from "./roles.js";

interface RoleFacts extends Record<string, unknown> {
  name: string;
  schema: string | null;
  superuser: boolean;
  bypassrls: boolean;
  can_create: boolean | null;
  owned: string[] | null;
  runtime_member: boolean | null;
  control_member: boolean | null;
}

const PRIVILEGED_HELP =
  "connect as a login role that is only a member of `paybill_runtime` and `paybill_control` (spec/database.md), or pass `privileged: true` to open with an admin connection";

/** Refuses a connecting role that could bypass row-level security or is not a member of the runtime's roles. */
export async function checkConnectingRole(db: Database, entityTables: readonly string[]): Promise<void> {
  const [facts] = await db.query<RoleFacts>(
    `select r.rolname as name, current_schema() as schema, r.rolsuper as superuser, r.rolbypassrls as bypassrls,
       has_schema_privilege(session_user, current_schema(), 'CREATE') as can_create,
       (select array_agg(c.relname::text order by c.relname) from pg_class c
         where c.relnamespace = (select oid from pg_namespace where nspname = current_schema())
           and c.relkind in ('r', 'p') and (c.relname like 'paybill\\_%' or c.relname = any($1::text[]))
           and pg_has_role(session_user, c.relowner, 'MEMBER')) as owned,
       pg_has_role(session_user, (select oid from pg_roles where rolname = '${RUNTIME_ROLE}'), 'MEMBER') as runtime_member,
       pg_has_role(session_user, (select oid from pg_roles where rolname = '${CONTROL_ROLE}'), 'MEMBER') as control_member
     from pg_roles r where r.rolname = session_user`,
    [[...entityTables]],
  );
  if (facts === undefined) throw new Error("the connecting role is not in pg_roles");
  const role = `\`${facts.name}\``;
  if (facts.superuser) throw unsafe(`the runtime refuses to run as ${role}: it is a superuser, which bypasses row-level security`);
  if (facts.bypassrls) throw unsafe(`the runtime refuses to run as ${role}: it has BYPASSRLS, which bypasses row-level security`);
  if (facts.owned !== null && facts.owned.length > 0) {
    throw unsafe(`the runtime refuses to run as ${role}: it owns ${facts.owned.map((t) => `\`${t}\``).join(", ")}, and an owner can turn row-level security off`);
  }
  if (facts.can_create === true) throw unsafe(`the runtime refuses to run as ${role}: it may create objects in the schema \`${facts.schema ?? ""}\``);
  if (facts.runtime_member !== true || facts.control_member !== true) {
    const missing = [facts.runtime_member === true ? undefined : RUNTIME_ROLE, facts.control_member === true ? undefined : CONTROL_ROLE].filter((r) => r !== undefined);
    throw new PaybillRuntimeError(
      "PBR151",
      `the connecting role ${role} is not a member of ${missing.map((r) => `\`${r}\``).join(" and ")}`,
      `run \`paybillc migrate\` (it creates the roles), then as an admin: \`GRANT ${missing.join(", ")} TO ${facts.name}\``,
    );
  }
}

/** Refuses a database whose runtime tables `paybillc migrate` has not created, or not at this runtime's version. */
export async function checkMigrated(db: Database): Promise<void> {
  const [present] = await db.query<{ table: string | null; schema: string | null }>("select to_regclass('paybill_migrations')::text as table, current_schema() as schema");
  const where = present?.schema === null || present?.schema === undefined ? "this database" : `the schema \`${present.schema}\``;
  if (present?.table === null || present?.table === undefined) throw behind(`the runtime's tables are not in ${where}`);
  const [row] = await asRole(db, RUNTIME_ROLE).query<{ version: number | null }>("select max(version) as version from paybill_migrations");
  const version = Number(row?.version ?? 0);
  if (version < LATEST_VERSION) throw behind(`the runtime's tables in ${where} are at version ${version}, behind this runtime's ${LATEST_VERSION}`);
  if (version > LATEST_VERSION) {
    throw new PaybillRuntimeError(
      "PBR102",
      `the database's runtime tables are at version ${version}, newer than this runtime's ${LATEST_VERSION}`,
      "upgrade @paybill/runtime in this service, or open another database",
    );
  }
}

function unsafe(message: string): PaybillRuntimeError {
  return new PaybillRuntimeError("PBR150", message, PRIVILEGED_HELP);
}

function behind(message: string): PaybillRuntimeError {
  return new PaybillRuntimeError("PBR152", message, "apply them as an admin with `paybillc migrate --database <admin url>` (with `--schema` for a schema), then open the runtime again");
}
