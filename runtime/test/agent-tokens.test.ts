/**
 * Agent tokens: created for a tenant's agent and shown once, kept as their SHA-256 only;
 * a live token authenticates as its tenant and agent, anything else — a changed secret, a
 * token moved to another tenant, a revoked one — does not. Mistakes are PBR codes.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PaybillRuntimeError } from "../src/store/errors.js";
import { BACKENDS, newTenant, sharedTestRuntime } from "./support/store-db.js";

describe.each(BACKENDS)("agent tokens on %s", (backend) => {
  const t = sharedTestRuntime(backend, "tokens");

  it("are shown once and kept hashed; a live token authenticates as its tenant and agent", async () => {
    const tenant = await newTenant(t.runtime);
    const { token, record } = await t.runtime.tokens.create({ tenant, agent: "support_bot", label: "ci" });
    expect(token).toMatch(new RegExp(`^pbt\\.${tenant}\\.[0-9a-f]{16}\\.[A-Za-z0-9_-]{43}$`));
    expect(record).toMatchObject({ tenant, agent: "support_bot", label: "ci" });
    expect(record.revokedAt).toBeUndefined();
    const secret = token.split(".")[3] as string;
    const rows = await t.runtime.database.query<Record<string, unknown>>("select * from paybill_agent_tokens where tenant_id = $1", [tenant]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(rows[0]?.["hash"]).toBe(createHash("sha256").update(token).digest("hex"));
    expect(await t.runtime.tokens.authenticate(token)).toEqual({ id: record.id, tenant, agent: "support_bot" });
    expect(await t.runtime.tokens.list(tenant)).toEqual([record]);
  });

  it("refuse a changed secret, a token moved to another tenant, garbage and a revoked token", async () => {
    const tenant = await newTenant(t.runtime);
    const other = await newTenant(t.runtime);
    const { token, record } = await t.runtime.tokens.create({ tenant, agent: "support_bot" });
    const [, , id, secret] = token.split(".") as [string, string, string, string];
    const flipped = `${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`;
    expect(await t.runtime.tokens.authenticate(`pbt.${tenant}.${id}.${flipped}`)).toBeUndefined();
    expect(await t.runtime.tokens.authenticate(`pbt.${other}.${id}.${secret}`)).toBeUndefined();
    for (const junk of ["", "Bearer x", "pbt", `pbt.${tenant}.${id}`, `${token}.x`, `pbt.${tenant}'--.${id}.${secret}`]) {
      expect(await t.runtime.tokens.authenticate(junk)).toBeUndefined();
    }
    const revoked = await t.runtime.tokens.revoke(tenant, record.id);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect(await t.runtime.tokens.authenticate(token)).toBeUndefined();
    // Revoking again keeps the first time.
    expect(await t.runtime.tokens.revoke(tenant, record.id)).toEqual(revoked);
    expect(await t.runtime.tokens.list(tenant)).toEqual([revoked]);
  });

  it("name the mistake: an unknown agent, tenant or token", async () => {
    const tenant = await newTenant(t.runtime);
    const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e: unknown) => (e instanceof PaybillRuntimeError ? e.code : String(e)));
    expect(await codeOf(t.runtime.tokens.create({ tenant, agent: "ghost" }))).toBe("PBR192");
    expect(await codeOf(t.runtime.tokens.create({ tenant: "t_nobody", agent: "support_bot" }))).toBe("PBR110");
    expect(await codeOf(t.runtime.tokens.create({ tenant: "a.b", agent: "support_bot" }))).toBe("PBR110");
    expect(await codeOf(t.runtime.tokens.revoke(tenant, "0123456789abcdef"))).toBe("PBR193");
  });
});
