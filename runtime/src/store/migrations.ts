/**
 * The runtime's own tables (`paybill_*`), as numbered migrations. A migration, once
 * released, is never edited: a change is a new migration with the next version.
 *
 * - `paybill_tenants`: the tenant registry (static tenants from the bundle and those
 *   onboarded at run time).
 * - `paybill_runs`, `paybill_run_history`: workflow runs, their counters and their moves.
 * - `paybill_approvals`: actions waiting for (or granted, rejected, resumed by) a group.
 * - `paybill_quota_counters`: usage per tenant, quota and period (`2026-01-31`).
 * - `paybill_audit`, `paybill_audit_heads`: the per-tenant hash chain and the row that
 *   holds each chain's head (locked to serialise appends). The audit table refuses
 *   UPDATE, DELETE and TRUNCATE.
 * - `paybill_audit_append(…)` (version 2): one append in one round trip. It takes the
 *   head (locking it until the transaction ends), hashes the record's canonical text
 *   around the previous hash and the seq (audit/record.ts, `recordHashParts`), inserts the
 *   record and moves the head. Its statements run one after the other, each seeing what
 *   the one before wrote, which a single statement of data-modifying CTEs cannot do with
 *   the head row (updated twice). It returns `seq prev hash` as one text, a scalar a
 *   caller can put in a `case` (act.ts appends only when the effect was performed).
 * - Version 3 replaces that function with one `update` of the head that computes the new
 *   hash from the old one and keeps the old one (`prev_hash`), so an append is one head
 *   write and one insert, in plain SQL a statement can carry (audit/append.ts).
 * - Version 4, the control plane (control/, spec/control-plane.md): the tenant's cloud,
 *   billing standing (`past_due_since`, `suspend_at`, `suspended_for`), the plan it is
 *   moving to (`pending_plan`), whether the bundle declares it (`static`) and its current
 *   provisioning plan (`provisioning`, JSON with the flow number its steps are kept
 *   under); `paybill_tenant_transitions` (one row per lifecycle transition),
 *   `paybill_billing_events` (one row per billing event id, with the hash of its body),
 *   `paybill_provisioning_steps` (each attempt at each step of a flow, with its outcome)
 *   and `paybill_usage` (gauges per tenant, metric and month: the last value and the peak).
 * - Version 5, least privilege (roles.ts, spec/database.md): the roles `paybill_runtime`
 *   and `paybill_control` (created when missing), their grants, and row-level security
 *   enabled and forced on every `paybill_*` table but `paybill_migrations`: the runtime
 *   role sees and writes only its bound tenant's rows (`paybill_tenants` by `id`,
 *   `paybill_run_history` through its run), the control role every tenant's. Neither may
 *   UPDATE, DELETE or TRUNCATE `paybill_audit`, and neither owns a table. Every later
 *   table that holds a tenant's rows gets the same by `tenantTableSql` (its grants per role).
 * - Version 14, `paybill_total_counters`: what policies' `total(…)` and `count(…)` read, per
 *   tenant, counter (`total send_money.amount per day`) and period (`2026-01-31`), as
 *   `numeric` (quota/totals.ts, spec/runtime.md §Totals).
 * - Version 10, `paybill_agent_tokens`: bearer tokens bound to a tenant and an agent (the
 *   MCP server's over HTTP), kept as the SHA-256 of the token, never the token
 *   (store/agent-tokens.ts); `revoked_at` once revoked.
 * - Version 9, declarations with their effect (spec/runtime.md, spec/control-plane.md): a
 *   run's `expires_at` (when its current state's `timeout` runs out) and `expired_at`; the
 *   approval status `expired`; a tenant's trial (`trial_ends_at`, and `trial_ended_at` once
 *   the trial ended, converted or not).
 * - Version 6: `paybill_audit.hash_rule`, the rule a record was hashed by (audit/record.ts):
 *   1 for the records written before it (the time hashed at milliseconds), 2 for every
 *   record appended since (the time hashed as stored, microseconds).
 * - Version 12, `paybill_untrusted` (runs/provenance.ts, spec/runtime.md §Provenance): the
 *   normalised untrusted values a run has seen, one row per run and value (keyed by its
 *   SHA-256), with where it came from. The runtime role may select and insert only: what a
 *   run recorded cannot be changed or removed through it.
 * - Version 8, `paybill_bundles`: every bundle the database was opened with (by hash), its
 *   `release` and signing key, and `opened`, the order of its latest open, so the bundle
 *   with the largest `opened` is the one the database ran last (bundle/release.ts refuses
 *   an older release). Not per tenant: one deployment's history.
 * - Version 18, `paybill_data_moves` (control/data-move.ts, control/offboarding.ts): one row per
 *   data move or erasure of a tenant's rows, with its phase and how far each table got, so a
 *   run killed at any point resumes where it was (spec/control-plane.md, "Data moves").
 * - Version 16, `paybill_performances`: the host effects allowed (`effect host`, runs/performances.ts),
 *   one row per allowed act keyed by its audit record's id, with the input as audited
 *   (`@secret`/`@pii` masked), and once the host reports, when, whether it succeeded and
 *   the id of the report's audit record. Unreported rows are the pending performances.
 */

import { CONTROL_ROLE, roleSql, RUNTIME_ROLE } from "./roles.js";
import { securedBy, securityOf, tableSecuritySql } from "./table-policies.js";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "runtime tables",
    sql: `
create table paybill_tenants (
  id text primary key,
  plan text not null,
  state text not null default 'active',
  region text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table paybill_runs (
  id uuid primary key,
  tenant_id text not null,
  workflow text not null,
  agent text not null,
  state text not null,
  final boolean not null default false,
  steps integer not null default 0,
  writes integer not null default 0,
  max_steps integer,
  max_writes integer,
  deadline timestamptz,
  started_at timestamptz not null,
  updated_at timestamptz not null
);
create index paybill_runs_tenant on paybill_runs (tenant_id, started_at);

create table paybill_run_history (
  run_id uuid not null references paybill_runs (id),
  seq integer not null,
  from_state text,
  to_state text not null,
  at timestamptz not null,
  primary key (run_id, seq)
);

create table paybill_approvals (
  id uuid primary key,
  tenant_id text not null,
  run_id uuid references paybill_runs (id),
  agent text not null,
  action text not null,
  input jsonb not null,
  approval_group text not null,
  status text not null check (status in ('pending', 'granted', 'rejected', 'resumed')),
  requested_at timestamptz not null,
  request_audit_id uuid not null,
  decided_by text,
  decided_at timestamptz,
  note text,
  resumed_audit_id uuid
);
create index paybill_approvals_tenant on paybill_approvals (tenant_id, status, requested_at);

create table paybill_quota_counters (
  tenant_id text not null,
  quota text not null,
  period text not null,
  used bigint not null,
  primary key (tenant_id, quota, period)
);

create table paybill_audit_heads (
  tenant_id text primary key,
  seq bigint not null,
  hash text not null
);

create table paybill_audit (
  tenant_id text not null,
  seq bigint not null,
  id uuid not null unique,
  time timestamptz not null,
  agent text not null,
  action text not null,
  input jsonb not null,
  decision text not null,
  reasons jsonb not null,
  run_id uuid,
  approval_id uuid,
  effect jsonb,
  prev_hash text not null,
  hash text not null,
  primary key (tenant_id, seq)
);

create function paybill_audit_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'paybill_audit is append-only' using errcode = '42501';
end
$$;
create trigger paybill_audit_no_change before update or delete on paybill_audit
  for each row execute function paybill_audit_append_only();
create trigger paybill_audit_no_truncate before truncate on paybill_audit
  for each statement execute function paybill_audit_append_only();
`,
  },
  {
    version: 2,
    name: "audit append in one call",
    sql: `
create or replace function paybill_audit_append(
  p_tenant text, p_id uuid, p_time timestamptz, p_agent text, p_action text, p_input jsonb, p_decision text,
  p_reasons jsonb, p_run uuid, p_approval uuid, p_effect jsonb, p_before text, p_between text, p_after text
) returns text language plpgsql volatile as $$
declare
  n bigint;
  prev text;
  h text;
begin
  insert into paybill_audit_heads as hd (tenant_id, seq, hash) values (p_tenant, 1, repeat('0', 64))
    on conflict (tenant_id) do update set seq = hd.seq + 1
    returning hd.seq, hd.hash into n, prev;
  h := encode(sha256(convert_to(p_before || prev || p_between || n::text || p_after, 'UTF8')), 'hex');
  insert into paybill_audit (tenant_id, seq, id, time, agent, action, input, decision, reasons, run_id, approval_id, effect, prev_hash, hash)
    values (p_tenant, n, p_id, p_time, p_agent, p_action, p_input, p_decision, p_reasons, p_run, p_approval, p_effect, prev, h);
  update paybill_audit_heads set hash = h where tenant_id = p_tenant;
  return n::text || ' ' || prev || ' ' || h;
end
$$;
`,
  },
  {
    version: 3,
    name: "audit head keeps the previous hash",
    sql: `
alter table paybill_audit_heads add column prev_hash text;
drop function if exists paybill_audit_append(text, uuid, timestamptz, text, text, jsonb, text, jsonb, uuid, uuid, jsonb, text, text, text);
`,
  },
  {
    version: 4,
    name: "control plane",
    sql: `
alter table paybill_tenants
  add column cloud text,
  add column pending_plan text,
  add column past_due_since timestamptz,
  add column suspend_at timestamptz,
  add column suspended_for text check (suspended_for in ('billing', 'operator')),
  add column static boolean not null default false,
  add column provisioning jsonb;
create index paybill_tenants_suspend_at on paybill_tenants (suspend_at) where suspend_at is not null;

create table paybill_tenant_transitions (
  tenant_id text not null,
  seq integer not null,
  event text not null,
  from_state text,
  to_state text not null,
  reason text,
  actor text not null,
  at timestamptz not null,
  plan text not null,
  pending_plan text,
  audit_id uuid not null,
  primary key (tenant_id, seq)
);

create table paybill_billing_events (
  id text primary key,
  tenant_id text not null,
  type text not null,
  at timestamptz not null,
  body_hash text not null,
  received_at timestamptz not null,
  applied boolean not null,
  transitions integer[] not null
);
create index paybill_billing_events_tenant on paybill_billing_events (tenant_id, at);

create table paybill_provisioning_steps (
  tenant_id text not null,
  flow integer not null,
  step_index integer not null,
  attempt integer not null,
  kind text not null,
  step jsonb not null,
  provisioner text not null,
  ok boolean not null,
  detail text not null,
  outputs jsonb,
  at timestamptz not null,
  primary key (tenant_id, flow, step_index, attempt)
);

create table paybill_usage (
  tenant_id text not null,
  metric text not null,
  period text not null,
  quantity double precision not null,
  peak double precision not null,
  at timestamptz not null,
  primary key (tenant_id, metric, period)
);
`,
  },
  {
    version: 5,
    name: "roles and row-level security",
    sql: leastPrivilegeSql(),
  },
  {
    version: 6,
    name: "audit hash rule",
    sql: `
alter table paybill_audit add column hash_rule smallint not null default 1 check (hash_rule in (1, 2));
`,
  },
  {
    version: 8,
    name: "bundles run",
    sql: `
create table paybill_bundles (
  hash text primary key,
  release bigint,
  signed_by text,
  opened bigint not null,
  first_opened_at timestamptz not null default now(),
  last_opened_at timestamptz not null default now()
);
grant select, insert, update on paybill_bundles to ${CONTROL_ROLE};
${tableSecuritySql(securityOf("paybill_bundles"))}`,
  },
  {
    version: 9,
    name: "timeouts and trials",
    sql: `
alter table paybill_runs add column expires_at timestamptz, add column expired_at timestamptz;
create index paybill_runs_expires_at on paybill_runs (expires_at) where expires_at is not null and not final;

alter table paybill_approvals drop constraint if exists paybill_approvals_status_check;
alter table paybill_approvals add constraint paybill_approvals_status_check
  check (status in ('pending', 'granted', 'rejected', 'resumed', 'expired'));

alter table paybill_tenants add column trial_ends_at timestamptz, add column trial_ended_at timestamptz;
create index paybill_tenants_trial_ends_at on paybill_tenants (trial_ends_at) where trial_ends_at is not null and trial_ended_at is null;
`,
  },
  {
    version: 10,
    name: "agent tokens",
    sql: `
create table paybill_agent_tokens (
  tenant_id text not null,
  id text not null,
  agent text not null,
  label text,
  hash text not null,
  created_at timestamptz not null,
  revoked_at timestamptz,
  primary key (tenant_id, id)
);
${tenantTableSql("paybill_agent_tokens", { runtime: "select, insert, update", control: "select, insert, update" })}`,
  },
  {
    version: 11,
    name: "run context",
    // A run's trusted context (spec/runtime.md §Run context), written once at start: the trigger refuses any later change
    // (it fires only for an UPDATE that names the columns, so an act's step count pays nothing for it).
    sql: `
alter table paybill_runs add column context jsonb, add column context_hash text;
create function paybill_runs_context_fixed() returns trigger language plpgsql as $$
begin
  if new.context is distinct from old.context or new.context_hash is distinct from old.context_hash then
    raise exception 'a run''s context cannot change after it starts' using errcode = '42501';
  end if;
  return new;
end $$;
create trigger paybill_runs_context_fixed before update of context, context_hash on paybill_runs for each row execute function paybill_runs_context_fixed();
`,
  },
  {
    version: 12,
    name: "untrusted values of runs",
    sql: `
create table paybill_untrusted (
  tenant_id text not null,
  run_id uuid not null,
  digest text not null,
  value text not null,
  source text not null,
  observed_at timestamptz not null,
  primary key (tenant_id, run_id, digest)
);
${tenantTableSql("paybill_untrusted", { runtime: "select, insert", control: "select" })}`,
  },
  {
    version: 13,
    name: "approval rule timeouts",
    sql: `
alter table paybill_approvals add column expires_at timestamptz;
create index paybill_approvals_expires_at on paybill_approvals (expires_at) where expires_at is not null and status in ('pending', 'granted');
`,
  },
  {
    version: 14,
    name: "totals over windows",
    sql: `
create table paybill_total_counters (
  tenant_id text not null,
  counter text not null,
  period text not null,
  value numeric not null,
  primary key (tenant_id, counter, period)
);
${tenantTableSql("paybill_total_counters", { runtime: "select, insert, update", control: "select" })}`,
  },
  {
    version: 16,
    name: "host performances",
    sql: `
create table paybill_performances (
  tenant_id text not null,
  id uuid not null,
  action text not null,
  agent text not null,
  run_id uuid,
  input jsonb not null,
  created_at timestamptz not null,
  reported_at timestamptz,
  ok boolean,
  report_audit_id uuid,
  primary key (tenant_id, id)
);
create index paybill_performances_pending on paybill_performances (tenant_id, created_at) where reported_at is null;
${tenantTableSql("paybill_performances", { runtime: "select, insert, update", control: "select" })}`,
  },
  {
    version: 17,
    name: "untrusted values per run, counted",
    // What a run has recorded in paybill_untrusted, kept on its row (spec/runtime.md §Provenance,
    // "How much a run records"): act and observe check it against the run's cap under the run's lock.
    sql: `
alter table paybill_runs add column untrusted_values integer not null default 0, add column untrusted_chars bigint not null default 0;
update paybill_runs r set untrusted_values = s.n, untrusted_chars = s.chars
  from (select run_id, count(*) as n, sum(length(value)) as chars from paybill_untrusted group by run_id) s where r.id = s.run_id;
`,
  },
  {
    version: 18,
    name: "tenant data moves and erasures",
    sql: `
create table paybill_data_moves (
  tenant_id text not null,
  move_id text not null,
  kind text not null,
  phase text not null,
  source jsonb not null,
  target jsonb,
  progress jsonb not null,
  started_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (tenant_id, move_id)
);
${tenantTableSql("paybill_data_moves", { control: "select, insert, update" })}`,
  },
];

/**
 * Grants on a later migration's runtime table, then its row-level security and policies as
 * table-policies.ts lists them (version 5 grants its own tables).
 */
// Function declarations, not constants: MIGRATIONS above calls them while the module loads.
function tenantTableSql(table: string, grants: { runtime?: string; control?: string } = {}): string {
  return [
    grants.runtime === undefined ? "" : `grant ${grants.runtime} on ${table} to ${RUNTIME_ROLE};\n`,
    grants.control === undefined ? "" : `grant ${grants.control} on ${table} to ${CONTROL_ROLE};\n`,
    tableSecuritySql(securityOf(table)),
  ].join("");
}

/** Migration 5's text (written once; a later change is a new migration). */
function leastPrivilegeSql(): string {
  const runtime = RUNTIME_ROLE;
  const control = CONTROL_ROLE;
  return [
    roleSql(runtime),
    "\n",
    roleSql(control),
    "\n",
    `DO $$ BEGIN\n  EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${runtime}, ${control}', current_schema());\nEND $$;\n`,
    `grant select on paybill_migrations to ${runtime}, ${control};\n`,
    `grant select on paybill_tenants to ${runtime};\n`,
    `grant select, insert, update on paybill_runs, paybill_approvals, paybill_quota_counters, paybill_audit_heads to ${runtime};\n`,
    `grant select, insert on paybill_run_history, paybill_audit to ${runtime};\n`,
    `grant select, insert, update on paybill_tenants, paybill_tenant_transitions, paybill_billing_events, paybill_provisioning_steps, paybill_usage, paybill_audit_heads to ${control};\n`,
    `grant select, insert on paybill_audit to ${control};\n`,
    `grant select on paybill_runs, paybill_run_history, paybill_approvals, paybill_quota_counters to ${control};\n`,
    // paybill_runs … paybill_usage (by tenant_id), then paybill_tenants (by id) and paybill_run_history (through its run).
    ...securedBy(5).map(tableSecuritySql),
  ].join("");
}

export const LATEST_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
