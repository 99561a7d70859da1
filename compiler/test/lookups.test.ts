/**
 * Constants and lookups (issue 15, part 4a) end to end, on the fixture
 * `samples/lookups` (a const imported by member and by module alias, a lookup on `@unique`):
 * `paybillc test` answers lookups from its `given` rows, and breaks when the lookup is
 * dropped; `act` answers them in the tenant's rows on PGlite and, with
 * PAYBILL_TEST_DATABASE_URL, on PostgreSQL as a non-superuser login under row-level
 * security — another tenant's payee is never found. (runtime/test/lookups.test.ts counts
 * the statements and takes the tenant filter away.)
 */
import { randomUUID } from "node:crypto";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { type Bundle, entityTablesSql, openRuntime, type Runtime } from "@paybill/runtime";
import { describe, expect, it } from "vitest";
import { PG_URL, postgresForRuntime, type TestDatabase } from "./db-support.js";
import { emitOk, sourcesIn } from "./support/bundle.js";
import { paybillc, project } from "./support/cli.js";

const FIXTURE = fileURLToPath(new URL("./samples/lookups", import.meta.url));

describe("paybillc test with constants and lookups", () => {
  it("passes: given rows answer the lookup, imported constants are inlined", async () => {
    const run = await paybillc(["test", FIXTURE], FIXTURE);
    expect(run.stdout).toMatch(/4 tests passed, 0 failed/);
    expect(run.code).toBe(0);
  });

  it("fails the unknown-recipient test once the lookup is dropped", async () => {
    const dir = await project();
    await cp(FIXTURE, dir, { recursive: true });
    const file = join(dir, "payments.paybill");
    await writeFile(file, (await readFile(file, "utf8")).replace("exists(Payee, p, p.iban == input.recipient)", "true"));
    const run = await paybillc(["test", dir], dir);
    expect(run.stdout).toMatch(/✗ an unknown recipient is not paid/);
    expect(run.code).toBe(1);
  });
});

/** Where the act test runs: PGlite, and PostgreSQL as the tests' login role under row-level security when PAYBILL_TEST_DATABASE_URL is set. */
const BACKENDS: { name: string; open(bundle: Bundle): Promise<{ runtime: Runtime; admin: Admin; close(): Promise<void> }> }[] = [
  {
    name: "PGlite",
    async open(bundle) {
      const db = await PGlite.create();
      const runtime = await openRuntime({ bundle, database: { pglite: db } });
      await runtime.database.exec(entityTablesSql(bundle));
      const close = async (): Promise<void> => {
        await runtime.close();
        await db.close();
      };
      return { runtime, admin: db, close };
    },
  },
  ...(PG_URL === undefined
    ? []
    : [
        {
          name: "PostgreSQL",
          async open(bundle: Bundle) {
            const database = (await postgresForRuntime()) as TestDatabase & { login: string };
            const admin = await database.connect();
            await admin.exec(entityTablesSql(bundle));
            const runtime = await openRuntime({ bundle, database: { url: database.login } });
            const close = async (): Promise<void> => {
              await runtime.close();
              await database.drop();
            };
            return { runtime, admin, close };
          },
        },
      ]),
];

interface Admin {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

describe.each(BACKENDS)("act with a lookup on $name", (backend) => {
  it("allows a payee of the tenant, denies an unknown one and never sees another tenant's", async () => {
    const bundle = emitOk({ ...sourcesIn(FIXTURE), ...sourcesIn(join(FIXTURE, "pay")) }).bundle;
    const { runtime, admin, close } = await backend.open(bundle);
    try {
      await runtime.tenants.put({ id: "acme", plan: "basic", state: "active" });
      await runtime.tenants.put({ id: "other", plan: "basic", state: "active" });
      await admin.query("insert into payee (tenant_id, id, iban, name) values ($1, $2, $3, $4)", ["acme", randomUUID(), "DE89370400440532013000", "Landlord"]);
      await admin.query("insert into payee (tenant_id, id, iban, name) values ($1, $2, $3, $4)", ["other", randomUUID(), "GB33BUKB20201555555555", "Theirs"]);
      const act = (tenant: string, recipient: string, amount = 100) => runtime.act({ tenant, agent: "assistant", action: "send_money", input: { recipient, amount } });
      expect((await act("acme", "DE89370400440532013000")).decision).toBe("allow");
      expect((await act("acme", "DE89370400440532013000", 2500)).decision).toBe("deny");
      expect((await act("acme", "NL91ABNA0417164300")).decision).toBe("deny");
      // Another tenant's payee is not the tenant's.
      expect((await act("acme", "GB33BUKB20201555555555")).decision).toBe("deny");
      expect((await act("other", "GB33BUKB20201555555555")).decision).toBe("allow");
      expect((await act("other", "DE89370400440532013000")).decision).toBe("deny");
      const decided = await runtime.decide({ tenant: "acme", agent: "assistant", action: "send_money", input: { recipient: "DE89370400440532013000", amount: 1 } });
      expect(decided.decision).toBe("allow");
    } finally {
      await close();
    }
  });
});
