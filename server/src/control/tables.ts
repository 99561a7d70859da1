/**
 * No sequences (a `uuid` key, not `bigserial`): a host's `drizzle-kit push` with the
 * `!paybill_*` tables filter spec/database.md tells it to set would drop one as not its own.
 *
 * The control server's own tables, beside the runtime's (spec/control-server.md, "Tables"):
 * `paybill_api_tokens` (API tokens: the SHA-256 of each, never the token, with its roles)
 * and `paybill_api_calls` (every state-changing call: who, what, the answer's status).
 * Created by `installControlTables` with a role that may create tables — on the embedded
 * database the runtime's own connection; on PostgreSQL the admin URL, by
 * `paybillc migrate --database <admin url>` — and granted to the runtime's
 * control role, which the server's login role is a member of.
 */
import { CONTROL_ROLE, type Sql } from "@paybill/runtime";

export const TOKENS_TABLE = "paybill_api_tokens";
export const CALLS_TABLE = "paybill_api_calls";

// Two `paybillc migrate` runs at once take turns (in a transaction the lock is held until it commits).
const CREATE = `
select pg_advisory_xact_lock(hashtext('paybill_api_tables'));
create table if not exists ${TOKENS_TABLE} (
  id text primary key,
  label text,
  roles text[] not null,
  hash text not null unique,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create table if not exists ${CALLS_TABLE} (
  id uuid primary key default gen_random_uuid(),
  at timestamptz not null default now(),
  who text not null,
  method text not null,
  path text not null,
  status integer not null
);
`;

/** Creates the tables when they are missing, and grants them to the control role when it exists; nothing when they are there. */
export async function installControlTables(sql: Sql): Promise<void> {
  if (await controlTablesInstalled(sql)) return;
  await sql.exec(CREATE);
  const [role] = await sql.query<{ n: number }>("select count(*)::int as n from pg_roles where rolname = $1", [CONTROL_ROLE]);
  if (Number(role?.n) > 0) {
    await sql.exec(
      `grant select, insert, update on ${TOKENS_TABLE} to ${CONTROL_ROLE}; grant select, insert on ${CALLS_TABLE} to ${CONTROL_ROLE};`,
    );
  }
}

/** Whether the tables are there (the server refuses to start without them: PB9335). */
export async function controlTablesInstalled(sql: Sql): Promise<boolean> {
  const rows = await sql.query<{ t: string | null }>("select to_regclass($1)::text as t, to_regclass($2)::text as u", [TOKENS_TABLE, CALLS_TABLE]);
  const row = rows[0] as { t: string | null; u: string | null } | undefined;
  return row?.t != null && row.u != null;
}
