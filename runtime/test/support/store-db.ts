/**
 * Databases for the runtime's database tests: embedded PGlite always, and the PostgreSQL
 * server named by PAYBILL_TEST_DATABASE_URL when it is set. One runtime per test file and
 * backend (PGlite is slow to start), in a schema of its own on PostgreSQL (dropped at the
 * end) so test files running at once never share a table. Tests isolate themselves with
 * fresh tenants (`newTenant`).
 *
 * On PostgreSQL the runtime opens as the tests' login role (`paybill_test_login`, a member
 * of the runtime's roles and nothing more, created once for the cluster), after an admin
 * connection (the URL's superuser) has migrated the schema and created the entity tables,
 * as `paybillc migrate` would. On PGlite the runtime's connection is the superuser. Either
 * way `admin` (and `adminOf(runtime)`) is the connection a test sets up and inspects rows
 * with, and tampers as an attacker would: it is not under row-level security.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { Bundle } from "../../src/bundle/format.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import type { Database, Sql } from "../../src/store/adapter.js";
import { entityTablesSql } from "../../src/store/entity-tables.js";
import { migrate } from "../../src/store/migrate.js";
import { openDatabase } from "../../src/store/open-database.js";
import { CONTROL_ROLE, RUNTIME_ROLE } from "../../src/store/roles.js";
import { storeBundle } from "./store-bundle.js";

export type Backend = "pglite" | "postgres";

export const PG_URL = process.env.PAYBILL_TEST_DATABASE_URL;
export const BACKENDS: Backend[] = PG_URL === undefined || PG_URL === "" ? ["pglite"] : ["pglite", "postgres"];

export interface TestRuntime {
  readonly runtime: Runtime;
  /** A connection outside row-level security (a superuser), for setup, inspection and tampering. */
  readonly admin: Database;
  readonly backend: Backend;
  /** Moves the runtime's clock (milliseconds from now). */
  readonly clock: { offsetMs: number };
  close(): Promise<void>;
}

export function testSchema(file: string): string {
  return `paybill_test_${file}_${process.pid}_${randomUUID().slice(0, 8)}`;
}

/** The login role the PostgreSQL tests open runtimes with: a member of the runtime's roles, nothing more. */
export const TEST_LOGIN_ROLE = "paybill_test_login";

const admins = new WeakMap<Runtime, Database>();

/** The admin connection of a runtime a test support opened (its own connection on PGlite). */
export function adminOf(runtime: Runtime): Database {
  return admins.get(runtime) ?? runtime.database;
}

/**
 * An admin connection to PostgreSQL in `schema` (created), with the runtime's tables
 * migrated and the tests' login role in place: what `paybillc migrate` leaves.
 */
export async function openAdmin(url: string, schema: string): Promise<Database> {
  const admin = await openDatabase({ url, schema, privileged: true, max: 2 });
  try {
    await migrate(admin);
    await ensureTestLogin(admin);
  } catch (error) {
    await admin.close();
    throw error;
  }
  return admin;
}

/** `url` with the tests' login role instead of its user (trust authentication: no password). */
export function loginUrl(url: string, role = TEST_LOGIN_ROLE): string {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = "";
  return parsed.toString();
}

/** Creates the login role once for the cluster; test files doing it at once take turns, and a lost race is no error. */
export async function ensureTestLogin(admin: { transaction<T>(body: (tx: Sql) => Promise<T>): Promise<T> }): Promise<void> {
  await admin.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtext('paybill.test.login'))");
    await tx.exec(`DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${TEST_LOGIN_ROLE}') THEN
    CREATE ROLE ${TEST_LOGIN_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT pg_has_role('${TEST_LOGIN_ROLE}', '${RUNTIME_ROLE}', 'MEMBER') OR NOT pg_has_role('${TEST_LOGIN_ROLE}', '${CONTROL_ROLE}', 'MEMBER') THEN
    GRANT ${RUNTIME_ROLE}, ${CONTROL_ROLE} TO ${TEST_LOGIN_ROLE};
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$`);
  });
}

export async function openTestRuntime(backend: Backend, file: string, bundle: Bundle = storeBundle()): Promise<TestRuntime> {
  const clock = { offsetMs: 0 };
  const options = { bundle, clock: () => new Date(Date.now() + clock.offsetMs) };
  if (backend === "pglite" || PG_URL === undefined) {
    const runtime = await openRuntime(options);
    await runtime.database.exec(entityTablesSql(runtime.bundle));
    return { runtime, admin: runtime.database, backend, clock, close: () => runtime.close() };
  }
  const schema = testSchema(file);
  const admin = await openAdmin(PG_URL, schema);
  try {
    await admin.exec(entityTablesSql(bundle));
    const runtime = await openRuntime({ ...options, database: { url: loginUrl(PG_URL), schema, max: 10 } });
    admins.set(runtime, admin);
    return {
      runtime,
      admin,
      backend,
      clock,
      async close() {
        await runtime.close();
        await admin.exec(`drop schema if exists "${schema}" cascade`);
        await admin.close();
      },
    };
  } catch (error) {
    await admin.exec(`drop schema if exists "${schema}" cascade`);
    await admin.close();
    throw error;
  }
}

/**
 * The runtime a test file's `describe` block shares: opened before its tests, closed (and
 * its schema dropped) after them. Read `runtime` and `clock` inside tests, not at load.
 */
export function sharedTestRuntime(backend: Backend, file: string, bundle?: Bundle): Pick<TestRuntime, "runtime" | "admin" | "clock"> {
  let opened: TestRuntime | undefined;
  beforeAll(async () => {
    opened = await openTestRuntime(backend, file, bundle);
  });
  afterAll(async () => {
    await opened?.close();
  });
  const get = (): TestRuntime => {
    if (opened === undefined) throw new Error("the test runtime is not open yet: use it inside a test");
    return opened;
  };
  return {
    get runtime() {
      return get().runtime;
    },
    get admin() {
      return get().admin;
    },
    get clock() {
      return get().clock;
    },
  };
}

/** Runs `body` with the runtime's clock `ms` later, then puts the clock back. */
export async function later<T>(clock: { offsetMs: number }, ms: number, body: () => Promise<T>): Promise<T> {
  const base = clock.offsetMs;
  clock.offsetMs = base + ms;
  try {
    return await body();
  } finally {
    clock.offsetMs = base;
  }
}

/** A tenant nobody else uses, on `plan`. */
export async function newTenant(runtime: Runtime, plan = "business"): Promise<string> {
  const id = `t_${randomUUID().slice(0, 12)}`;
  await runtime.tenants.put({ id, plan, state: "active" });
  return id;
}

/** Runs `body` as someone who can get round the audit table's append-only trigger (a superuser: the attacker of the tamper tests). */
export function asSuperuser<T>(runtime: Runtime, body: (tx: Sql) => Promise<T>): Promise<T> {
  return adminOf(runtime).transaction(async (tx) => {
    await tx.query("set local session_replication_role = replica");
    return body(tx);
  });
}

/** Inserts a ticket directly (the test's own setup, not an agent action). */
export async function seedTicket(runtime: Runtime, tenant: string, values: { status?: string; amount?: number; email?: string } = {}): Promise<string> {
  const id = randomUUID();
  await adminOf(runtime).query("insert into tickets (tenant_id, id, customer, email, status, amount) values ($1, $2, $3, $4, $5, $6)", [
    tenant,
    id,
    "Ada",
    values.email ?? "ada@example.com",
    values.status ?? "open",
    values.amount ?? 250,
  ]);
  return id;
}
