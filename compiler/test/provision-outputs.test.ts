/**
 * `paybillc tenants show` prints the outputs its provisioning recorded for a tenant (the
 * runtime puts them on the tenant record; runtime/test/control-provision.test.ts), one a
 * line, sorted by name; a tenant without any prints no outputs section.
 */
import type { Bundle, Tenant } from "@paybill/runtime";
import { describe, expect, it } from "vitest";
import { tenantLines } from "../src/commands/control-view.js";

const bundle = { plans: {} } as unknown as Bundle;
const tenant: Tenant = { id: "acme", plan: "business", state: "active", static: false, createdAt: "2026-12-01T00:00:00.000Z", updatedAt: "2026-12-01T00:00:00.000Z" };

describe("tenant view", () => {
  it("lists the recorded outputs, sorted, values as text", () => {
    const lines = tenantLines(
      { ...tenant, outputs: { key: "arn:aws:kms:eu-west-1:1:key/k", database_endpoint: "acme-db:5432", database_credentials: "arn:aws:secretsmanager:eu-west-1:1:secret:rds!db", ports: [5432] } },
      bundle,
    );
    const at = lines.indexOf("  outputs (its latest provisioning):");
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1)).toEqual([
      "    database_credentials = arn:aws:secretsmanager:eu-west-1:1:secret:rds!db",
      "    database_endpoint = acme-db:5432",
      "    key = arn:aws:kms:eu-west-1:1:key/k",
      "    ports = [5432]",
    ]);
  });

  it("prints no outputs section for a tenant without outputs", () => {
    expect(tenantLines(tenant, bundle).some((l) => l.includes("outputs"))).toBe(false);
  });
});
