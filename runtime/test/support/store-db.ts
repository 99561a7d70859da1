/**
 * Databases for the runtime's database tests: embedded PGlite always, and the PostgreSQL
 * server named by PAYBILL_TEST_DATABASE_URL when it is set. One runtime per test file and
 * backend (PGlite is slow to start), in a schema of its own on PostgreSQL (dropped at the
 * end) so test files running at once never share a table. Tests isolate themselves with
 * fresh tenants (`newTenant`).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { Bundle } from "../../src/bundle/format.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import type { Sql } from "../../src/store/adapter.js";
import { entityTablesSql } from "../../src/store/entity-tables.js";
import { storeBundle } from "./store-bundle.js";

export type Backend = "pglite" | "postgres";

export const PG_URL = process.env.PAYBILL_TEST_DATABASE_URL;
export const BACKENDS: Backend[] = PG_URL === undefined || PG_URL === "" ? ["pglite"] : ["pglite", "postgres"];

export interface TestRuntime {
  readonly runtime: Runtime;
  readonly backend: Backend;
  /** Moves the runtime's clock (milliseconds from now). */
  readonly clock: { offsetMs: number };
  close(): Promise<void>;
}

export function testSchema(file: string): string {
  return `paybill_test_${file}_${process.pid}_${randomUUID().slice(0, 8)}`;
}

export async function openTestRuntime(backend: Backend, file: string, bundle: Bundle = storeBundle()): Promise<TestRuntime> {
  const clock = { offsetMs: 0 };
  const schema = backend === "postgres" ? testSchema(file) : undefined;
  const database = backend === "postgres" && PG_URL !== undefined ? { url: PG_URL, schema: schema as string, max: 10 } : {};
  const runtime = await openRuntime({ bundle, database, clock: () => new Date(Date.now() + clock.offsetMs) });
  await runtime.database.exec(entityTablesSql(runtime.bundle));
  return {
    runtime,
    backend,
    clock,
    async close() {
      if (schema !== undefined) await runtime.database.exec(`drop schema if exists "${schema}" cascade`);
      await runtime.close();
    },
  };
}

/**
 * The runtime a test file's `describe` block shares: opened before its tests, closed (and
 * its schema dropped) after them. Read `runtime` and `clock` inside tests, not at load.
 */
export function sharedTestRuntime(backend: Backend, file: string, bundle?: Bundle): Pick<TestRuntime, "runtime" | "clock"> {
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
    get clock() {
      return get().clock;
    },
  };
}

/** A tenant nobody else uses, on `plan`. */
export async function newTenant(runtime: Runtime, plan = "business"): Promise<string> {
  const id = `t_${randomUUID().slice(0, 12)}`;
  await runtime.tenants.put({ id, plan, state: "active" });
  return id;
}

/** Runs `body` as someone who can get round the audit table's append-only trigger (a superuser: the attacker of the tamper tests). */
export function asSuperuser<T>(runtime: Runtime, body: (tx: Sql) => Promise<T>): Promise<T> {
  return runtime.database.transaction(async (tx) => {
    await tx.query("set local session_replication_role = replica");
    return body(tx);
  });
}

/** Inserts a ticket directly (the test's own setup, not an agent action). */
export async function seedTicket(runtime: Runtime, tenant: string, values: { status?: string; amount?: number; email?: string } = {}): Promise<string> {
  const id = randomUUID();
  await runtime.database.query("insert into tickets (tenant_id, id, customer, email, status, amount) values ($1, $2, $3, $4, $5, $6)", [
    tenant,
    id,
    "Ada",
    values.email ?? "ada@example.com",
    values.status ?? "open",
    values.amount ?? 250,
  ]);
  return id;
}
