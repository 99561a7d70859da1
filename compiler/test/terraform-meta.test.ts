/**
 * Terraform's meta-arguments that the cloud mappings write reach the stacks' JSON as
 * Terraform reads them: `depends_on` a list of addresses of resources in the same stack,
 * `lifecycle` a block (an object). What each mapping orders explicitly: EKS after its
 * cluster and node role policies are attached (so a destroy detaches them last), Cloud SQL
 * after the private services connection, Azure's PostgreSQL server ignoring the zone Azure
 * picks. Every stack of every cloud and isolation model is looked at;
 * terraform-validate.test.ts runs `terraform validate` on the AWS ones. A mapping that writes
 * them among a resource's attributes (where cdktn's merge deleted them) is an internal error.
 */
import { App, TerraformStack } from "cdktn";
import { describe, expect, it } from "vitest";
import { StackBuild, type Who } from "../src/emit/terraform/constructs.js";
import { PROVIDERS } from "../src/emit/terraform/infra.js";
import { withScratch } from "../src/emit/terraform/stack.js";
import { cloudProject, emitTf, resources, type TfJson } from "./support/terraform.js";

const TENANTS = [
  { name: "corner_shop", plan: "free" },
  { name: "initech", plan: "business" },
  { name: "globex", plan: "enterprise" },
] as const;

/** Per cloud: resource address => what its meta-arguments must be, in every stack that has it. */
const EXPECTED: Record<string, Record<string, { depends_on?: string[]; lifecycle?: Record<string, unknown> }>> = {
  aws: {
    "aws_eks_cluster.compute": { depends_on: ["aws_iam_role_policy_attachment.compute_cluster_policy"] },
    "aws_eks_node_group.compute_nodes": { depends_on: [0, 1, 2].map((i) => `aws_iam_role_policy_attachment.compute_nodes_policy_${i}`) },
  },
  azure: {
    "azurerm_postgresql_flexible_server.database": { lifecycle: { ignore_changes: ["zone"] } },
    "azurerm_key_vault_key.key": { depends_on: ["azurerm_role_assignment.key_vault_officer"] },
    "azurerm_kubernetes_cluster.compute": { depends_on: ["azurerm_role_assignment.compute_key_user"] },
  },
  gcp: {
    "google_sql_database_instance.database": {
      depends_on: ["google_service_networking_connection.network_services", ...["sql", "storage", "gke"].map((a) => `google_kms_crypto_key_iam_member.key_${a}`)],
    },
  },
};

describe.each(PROVIDERS)("meta-arguments in the %s stacks", (provider) => {
  const stacks = emitTf(cloudProject(provider, TENANTS)).stacks.map((s) => ({ name: s.spec.name, json: JSON.parse(s.text) as TfJson }));

  it("every depends_on is a list of addresses of resources of the same stack, every lifecycle an object", () => {
    for (const { name, json } of stacks) {
      const addresses = new Set(resources(json).map(([type, id]) => `${type}.${id}`));
      for (const [type, id, body] of resources(json)) {
        if (body.depends_on !== undefined) {
          expect(Array.isArray(body.depends_on), `${name}: ${type}.${id}`).toBe(true);
          for (const dep of body.depends_on as unknown[]) expect(addresses.has(String(dep)), `${name}: ${type}.${id} depends on ${String(dep)}`).toBe(true);
        }
        if (body.lifecycle !== undefined) expect(typeof body.lifecycle === "object" && !Array.isArray(body.lifecycle), `${name}: ${type}.${id}`).toBe(true);
      }
    }
  });

  it("what the mapping orders or ignores is in the JSON of every stack of every isolation model", () => {
    const expected = EXPECTED[provider] ?? {};
    for (const [address, meta] of Object.entries(expected)) {
      const [type = "", id = ""] = address.split(".");
      const found = stacks.filter(({ json }) => json.resource?.[type]?.[id] !== undefined);
      // pooled, bridge, a static silo tenant and the dynamic silo cell all have a database and a cluster.
      expect(found.length, address).toBe(4);
      for (const { name, json } of found) {
        const body = json.resource?.[type]?.[id] ?? {};
        // A bridge cell's shared database server is encrypted with the cell's own key (its tenants' keys are their own).
        const dependsOn = name.includes("-bridge-") && type === "google_sql_database_instance" ? meta.depends_on?.map((d) => d.replace(".key_", ".platform_key_")) : meta.depends_on;
        expect({ depends_on: body.depends_on, lifecycle: body.lifecycle }, `${name}: ${address}`).toEqual({ depends_on: dependsOn, lifecycle: meta.lifecycle });
      }
    }
  });
});

describe("meta-arguments in StackBuild", () => {
  const size = { database: "db", storage_gb: 20, machine: "m", nodes: 1 };
  const shared: Who = { level: "stack", tenant: "shared", plan: "free", slug: "shared", size };
  const each: Who = { level: "each", tenant: "${each.key}", plan: "${each.value.plan}", slug: "${each.value.slug}", size };
  const build = <T>(work: (b: StackBuild) => T): T =>
    withScratch((outdir) => work(new StackBuild(new TerraformStack(new App({ outdir, skipValidation: true }), "s"), { source: "hashicorp/aws", version: "5.100.0" }, () => ({}))));

  it("are options of a resource, never among its attributes", () => {
    for (const key of ["depends_on", "lifecycle", "for_each", "count", "provider"])
      expect(() => build((b) => b.resource(shared, "aws_vpc", "v", { cidr_block: "10.0.0.0/16", [key]: [] })), key).toThrow(/meta-argument/);
  });

  it("depend only on resources made before, and a shared resource never on a per-tenant one", () => {
    expect(() => build((b) => b.resource(shared, "aws_vpc", "v", {}, { dependsOn: ["aws_vpc.later"] }))).toThrow(/not made before it/);
    expect(() =>
      build((b) => {
        const key = b.resource(each, "aws_kms_key", "k", {});
        b.resource(shared, "aws_vpc", "v", {}, { dependsOn: [key.address] });
      }),
    ).toThrow(/depends on a per-tenant one/);
    const json = build((b) => {
      const vpc = b.resource(shared, "aws_vpc", "v", {});
      b.resource(each, "aws_subnet", "s", { vpc_id: b.ref(vpc, "id") }, { dependsOn: [vpc.address], lifecycle: { prevent_destroy: true } });
      b.stack.prepareStack();
      return b.stack.toTerraform() as TfJson;
    });
    expect(json.resource?.aws_subnet?.s).toMatchObject({ depends_on: ["aws_vpc.v"], lifecycle: { prevent_destroy: true }, for_each: "${local.tenants}" });
  });
});
