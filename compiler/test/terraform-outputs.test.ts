/**
 * Stack outputs (spec/infrastructure.md §Outputs): every stack of every cloud declares what
 * the runtime needs of it — the key, the bucket, the database endpoint and a reference to its
 * credentials (never a secret), the cluster endpoint — each either the stack's own value or,
 * for a per-tenant resource, a map tenant => value over that resource (the shape the
 * Terraform provisioner reads one tenant's outputs by). Each names a resource of the stack
 * and, on AWS (the one full provider schema here: the derived azurerm and google schemas hold
 * arguments only, not computed attributes), an attribute that resource has.
 */
import { describe, expect, it } from "vitest";
import { loadProviderSchema, type ProviderSchema } from "./support/provider-schema.js";
import { cloudProject, emitTf, type Provider, resources, type TfJson } from "./support/terraform.js";

const TENANTS = [
  { name: "corner_shop", plan: "free" },
  { name: "initech", plan: "business" },
  { name: "globex", plan: "enterprise" },
] as const;

const COMMON = ["bucket", "cluster_endpoint", "database_credentials", "database_endpoint", "key"];
const EXPECTED: Record<Provider, readonly string[]> = {
  aws: [...COMMON, "audit_checkpoint_bucket"],
  azure: COMMON,
  gcp: [...COMMON, "database_connection"],
  oci: COMMON,
  // IBM: the endpoint is in the instance's connection, not a resource attribute (spec/infrastructure.md §Outputs).
  ibm: COMMON.filter((o) => o !== "database_endpoint"),
};

const SCHEMAS: Partial<Record<Provider, ProviderSchema>> = {
  aws: loadProviderSchema("aws", "5.100.0", "terraform-aws-5.100.0-schema.json.gz"),
};

const SHARED = /^\$\{([a-z0-9_]+)\.([a-z0-9_]+)\.([a-z0-9_[\].]+)\}$/;
const EACH = /^\$\{\{ for tenant, r in ([a-z0-9_]+)\.([a-z0-9_]+) : tenant => r\.([a-z0-9_[\].]+) \}\}$/;
const VARIABLE = /^\$\{var\.[a-z0-9_]+\}$/;

type Outputs = Record<string, { value: string; description: string }>;

describe.each(["aws", "azure", "gcp", "oci", "ibm"] as const)("%s stack outputs", (provider) => {
  const stacks = emitTf(cloudProject(provider, TENANTS)).stacks.filter((s) => s.spec.cloud.provider === provider);

  it("every stack of every isolation model declares what the runtime needs", () => {
    expect(new Set(stacks.map((s) => s.spec.mode))).toEqual(new Set(["shared", "dynamic", "tenant"]));
    for (const { spec, text } of stacks) {
      const outputs = (JSON.parse(text) as { output?: Outputs }).output ?? {};
      const names = Object.keys(outputs).filter((n) => n !== "platform_key");
      expect(names.sort(), spec.name).toEqual([...EXPECTED[provider]].sort());
    }
  });

  it("each output is one attribute of a resource of the stack: a map by tenant exactly when the resource is per tenant", () => {
    const schema = SCHEMAS[provider];
    for (const { spec, text } of stacks) {
      const json = JSON.parse(text) as TfJson & { output?: Outputs };
      const made = new Map(resources(json).map(([type, id, body]) => [`${type}.${id}`, { type, each: body.for_each !== undefined }]));
      for (const [name, { value, description }] of Object.entries(json.output ?? {})) {
        const where = `${spec.name}: output ${name}`;
        expect(description.length, where).toBeGreaterThan(10);
        if (VARIABLE.test(value)) continue;
        const each = EACH.exec(value);
        const shared = SHARED.exec(value);
        const [, type, id, attr] = each ?? shared ?? [];
        expect(type, `${where} = ${value}`).toBeDefined();
        const resource = made.get(`${type}.${id}`);
        expect(resource, `${where}: no resource ${type}.${id}`).toBeDefined();
        expect(resource?.each, `${where}: per tenant ${resource?.each}, but the output is ${each === null ? "one value" : "a map"}`).toBe(each !== null);
        if (schema !== undefined && type !== undefined && attr !== undefined) {
          const first = attr.split(/[.[]/)[0] ?? "";
          const attributes = schema.resources[type]?.block.attributes ?? {};
          expect(Object.keys(attributes), `${where}: ${type} has no attribute ${first}`).toContain(first);
        }
      }
    }
  });

  it("no output holds a secret: credentials are a reference (an ARN, an OCID, an identity, a CRN)", () => {
    for (const { text } of stacks) {
      const outputs = (JSON.parse(text) as { output?: Outputs }).output ?? {};
      for (const value of Object.values(outputs)) expect(value.value).not.toMatch(/password|secret_string|primary_access_key|connection_string/);
      expect((outputs.database_credentials?.description ?? "").includes("never the password") || (outputs.database_credentials?.description ?? "").includes("no password")).toBe(true);
    }
  });
});
