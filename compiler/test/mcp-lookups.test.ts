/**
 * A policy with a lookup (`exists(Payee, p, p.iban == input.recipient)`, fixture
 * samples/lookups) through `paybillc serve --mcp` over stdio: a tool call for a payee of
 * the tenant is allowed, one for an unknown recipient or another tenant's payee denied —
 * with the same decision and reasons as `runtime.act` in process on the same database. On
 * PGlite, and on PostgreSQL (the server as the tests' login role) when
 * PAYBILL_TEST_DATABASE_URL is set.
 */
import { randomUUID } from "node:crypto";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { type DatabaseConfig, entityTablesSql, openRuntime, readBundle, type Reason } from "@paybill/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestLogin, loginUrl } from "../../runtime/test/support/store-db.js";
import { BACKENDS, PG_URL, textOf } from "./mcp-support.js";
import { BIN, paybillc } from "./support/cli.js";

const FIXTURE = fileURLToPath(new URL("./samples/lookups", import.meta.url));
const KNOWN = "DE89370400440532013000";
const THEIRS = "GB33BUKB20201555555555";
const UNKNOWN = "ES9121000418450200051332";

describe.each(BACKENDS)("serve --mcp with a lookup (%s)", (backend) => {
  let dir: string;
  let config: DatabaseConfig;
  let serveArgs: string[];
  let client: Client;
  const schema = `paybill_mcp_lookups_${process.pid}_${randomUUID().slice(0, 8)}`;
  /** What `runtime.act` decided in process, per recipient. */
  const inProcess = new Map<string, { decision: string; reasons: readonly Reason[] }>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "paybill-mcp-lookups-"));
    await cp(FIXTURE, dir, { recursive: true });
    const built = await paybillc(["build", "."], dir);
    if (built.code !== 0) throw new Error(`paybillc build failed:\n${built.stderr}`);
    const bundle = await readBundle(join(dir, "out", "bundle.json"));
    const dataDir = join(dir, "db");
    if (backend === "pglite") await mkdir(dataDir);
    config = backend === "postgres" && PG_URL !== undefined ? { url: PG_URL, schema, privileged: true } : { pglite: { dataDir } };
    serveArgs = backend === "postgres" && PG_URL !== undefined ? ["--database", loginUrl(PG_URL), "--schema", schema] : ["--database", dataDir];
    const runtime = await openRuntime({ bundle, database: config });
    try {
      await runtime.database.exec(entityTablesSql(bundle));
      if (backend === "postgres") await ensureTestLogin(runtime.database);
      await runtime.tenants.put({ id: "other", plan: "basic", state: "active" });
      await runtime.database.query("insert into payee (tenant_id, id, iban, name) values ($1, $2, $3, $4)", ["acme", randomUUID(), KNOWN, "Landlord"]);
      await runtime.database.query("insert into payee (tenant_id, id, iban, name) values ($1, $2, $3, $4)", ["other", randomUUID(), THEIRS, "Theirs"]);
      for (const recipient of [KNOWN, THEIRS, UNKNOWN]) {
        const out = await runtime.act({ tenant: "acme", agent: "assistant", action: "send_money", input: { recipient, amount: 100 } });
        inProcess.set(recipient, { decision: out.decision, reasons: out.reasons });
      }
    } finally {
      await runtime.close();
    }
    client = new Client({ name: "paybill-test", version: "0" });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [BIN, "serve", "--mcp", "--bundle", join(dir, "out", "bundle.json"), "--tenant", "acme", "--agent", "assistant", ...serveArgs], cwd: dir, stderr: "pipe" }),
    );
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    if (backend === "postgres" && config !== undefined) {
      const runtime = await openRuntime({ bundle: await readBundle(join(dir, "out", "bundle.json")), database: config });
      await runtime.database.exec(`drop schema if exists "${schema}" cascade`);
      await runtime.close();
    }
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const send = (recipient: string) => client.callTool({ name: "send_money", arguments: { recipient, amount: 100 } });

  it("allows a payee of the tenant, as in process", async () => {
    expect(inProcess.get(KNOWN)?.decision).toBe("allow");
    const known = await send(KNOWN);
    expect(known.isError).toBeFalsy();
    expect(known.structuredContent).toMatchObject({ decision: "allow", action: "send_money" });
  });

  it("denies an unknown recipient and another tenant's payee, with the reasons given in process", async () => {
    for (const recipient of [UNKNOWN, THEIRS]) {
      const expected = inProcess.get(recipient);
      expect(expected?.decision).toBe("deny");
      expect(expected?.reasons.map((r) => r.kind)).toEqual(["no-permit"]);
      const denied = await send(recipient);
      expect(denied.isError).toBe(true);
      const structured = denied.structuredContent as { decision: string; reasons: (Reason & { text: string })[] };
      expect(structured.decision).toBe("deny");
      expect(structured.reasons.map(({ text: _, ...reason }) => reason)).toEqual(expected?.reasons);
      expect(textOf(denied)).toContain("no policy permits this action");
    }
  });
});
