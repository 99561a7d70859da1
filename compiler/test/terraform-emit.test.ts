/**
 * The Terraform emitter in process: which stacks each isolation model gives, what each
 * holds (a silo tenant's own database, one pooled database shared), tags on every resource,
 * the pinned provider and Terraform versions, and the golden
 * stack per cloud × isolation model in compiler/test/samples/terraform/ (UPDATE_SNAPSHOTS=1
 * rewrites them).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectGolden } from "../../lang/test/support/golden.js";
import { REQUIRED_TERRAFORM } from "../src/emit/terraform/stack.js";
import { ROOT, sourcesIn } from "./support/bundle.js";
import { loadProviderSchema } from "./support/provider-schema.js";
import { cloudProject, emitTf, type Provider, REGIONS, resources, stackJson } from "./support/terraform.js";

const SAMPLES = join(ROOT, "compiler/test/samples/terraform");
const TENANTS = [
  { name: "corner_shop", plan: "free" },
  { name: "initech", plan: "business" },
  { name: "globex", plan: "enterprise" },
] as const;

describe("stacks of the helpdesk example", () => {
  const out = emitTf(sourcesIn(join(ROOT, "examples/helpdesk")));
  const names = out.stacks.map((s) => s.spec.name);

  it("has a stack for every isolation model it uses, and one per static silo tenant", () => {
    expect(names).toEqual(["primary-bridge-eu-west-1", "primary-pooled-eu-west-1", "primary-silo-eu-west-1", "primary-silo-tenant-globex", "secondary-silo-tenant-umbrella"]);
    expect(out.manifest.tenants.umbrella).toEqual({ plan: "enterprise", isolation: "silo", cloud: "secondary", region: "europe-west3", stack: "secondary-silo-tenant-umbrella" });
    expect(out.manifest.tenants.globex?.region).toBe("eu-central-1");
  });

  it("gives each silo tenant its own database, pooled tenants one shared database, a bridge cell one shared database server", () => {
    const globex = resources(stackJson(out, "primary-silo-tenant-globex")).filter(([t]) => t === "aws_db_instance");
    expect(globex).toHaveLength(1);
    expect(globex[0]?.[2].for_each).toBeUndefined();
    expect((globex[0]?.[2].tags as Record<string, string> | undefined)?.tenant).toBe("globex");
    const umbrella = resources(stackJson(out, "secondary-silo-tenant-umbrella")).filter(([t]) => t === "google_sql_database_instance");
    expect(umbrella).toHaveLength(1);
    const pooled = resources(stackJson(out, "primary-pooled-eu-west-1"));
    expect(pooled.filter(([t]) => t === "aws_db_instance")).toHaveLength(1);
    expect(pooled.every(([, , body]) => body.for_each === undefined)).toBe(true);
    const bridge = stackJson(out, "primary-bridge-eu-west-1");
    // Bridge: one server per cell (its tenants' schemas live there), encrypted with the cell's own key;
    // each tenant keeps its key and bucket.
    const bridgeDb = resources(bridge).filter(([t]) => t === "aws_db_instance");
    expect(bridgeDb.map(([, , b]) => b.for_each)).toEqual([undefined]);
    expect(JSON.stringify(bridgeDb[0]?.[2])).toContain("aws_kms_key.platform_key.arn");
    expect(resources(bridge).filter(([t]) => t === "aws_kms_key" || t === "aws_s3_bucket").map(([t, , b]) => [t, b.for_each])).toEqual(
      expect.arrayContaining([["aws_kms_key", "${local.tenants}"], ["aws_s3_bucket", "${local.tenants}"]]),
    );
    expect(bridge.locals?.static_tenants).toEqual({ initech: { plan: "business" } });
    // Bridge shares compute: one cluster, not per tenant, encrypted with the stack's own key.
    const clusters = resources(bridge).filter(([t]) => t === "aws_eks_cluster");
    expect(clusters.map(([, , b]) => b.for_each)).toEqual([undefined]);
    expect(JSON.stringify(clusters[0]?.[2])).toContain("aws_kms_key.platform_key.arn");
  });

  it("pins every provider to an exact version, and the Terraform versions it runs on", () => {
    for (const { text } of out.stacks) {
      const terraform = (JSON.parse(text) as { terraform: { required_providers: Record<string, { version: string }>; required_version: string } }).terraform;
      for (const p of Object.values(terraform.required_providers)) expect(p.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(terraform.required_version).toBe(REQUIRED_TERRAFORM);
    }
  });
});

// Every resource against its provider's schema: terraform-providers.test.ts.
describe("AWS stacks: tags", () => {
  const schema = loadProviderSchema("aws", "5.100.0", "terraform-aws-5.100.0-schema.json.gz");
  const out = emitTf(cloudProject("aws", TENANTS));

  it("tag every taggable resource with tenant, plan, isolation and managed-by", () => {
    let tagged = 0;
    for (const { spec, text } of out.stacks) {
      for (const [type, name, body] of resources(JSON.parse(text))) {
        if (schema.resources[type]?.block.attributes?.tags === undefined) continue;
        tagged++;
        expect(Object.keys(body.tags ?? {}), `${spec.name} ${type}.${name}`).toEqual(expect.arrayContaining(["tenant", "plan", "isolation", "managed-by", "team"]));
        expect((body.tags as Record<string, string>)["managed-by"]).toBe("paybill");
        expect((body.tags as Record<string, string>).isolation).toBe(spec.isolation.name);
      }
    }
    expect(tagged).toBeGreaterThan(40);
  });
});

describe("tags and labels on the other clouds", () => {
  for (const provider of ["azure", "gcp", "oci", "ibm"] as const) {
    it(`${provider}: every resource with tags or labels names its tenant, plan, isolation and managed-by`, () => {
      const out = emitTf(cloudProject(provider, TENANTS));
      for (const { text } of out.stacks) {
        for (const [type, name, body] of resources(JSON.parse(text))) {
          const tags = body.tags ?? body.labels ?? body.freeform_tags ?? body.resource_labels;
          if (tags === undefined) continue;
          const text_ = JSON.stringify(tags);
          for (const key of ["tenant", "plan", "isolation", "managed-by"]) expect(text_, `${type}.${name}`).toContain(key);
        }
      }
    });
  }
});

describe("golden stacks: one per cloud × isolation model", () => {
  for (const provider of Object.keys(REGIONS) as Provider[]) {
    const out = emitTf(cloudProject(provider, TENANTS));
    const region = REGIONS[provider];
    const cases = { pooled: `main-pooled-${region}`, bridge: `main-bridge-${region}`, silo: "main-silo-tenant-globex", "silo-dynamic": `main-silo-${region}` };
    for (const [isolation, stack] of Object.entries(cases)) {
      it(`${provider} × ${isolation}`, () => {
        const text = out.stacks.find((s) => s.spec.name === stack)?.text;
        expect(text, stack).toBeDefined();
        const file = join(SAMPLES, `${provider}-${isolation}`, "cdk.tf.json");
        expectGolden(file, text ?? "");
      });
    }
  }
});

describe("overrides from .paybill", () => {
  it("a cloud's defaults, sizes and backend, and a plan's size, reach the stacks", () => {
    const files = cloudProject(
      "aws",
      [{ name: "globex", plan: "enterprise" }],
      '  defaults { postgres_version = "17", name_prefix = "hd" }\n  sizes { large { nodes = 5 } }\n  backend { type = "s3", bucket = "acme-state", key_prefix = "helpdesk" }\n',
    );
    files["infra.paybill"] = (files["infra.paybill"] ?? "").replace("plan free { price = 0, isolation = pooled }", "plan free { price = 0, isolation = pooled, size = medium }");
    const out = emitTf(files);
    const silo = stackJson(out, "main-silo-tenant-globex");
    const db = silo.resource?.aws_db_instance?.database ?? {};
    expect(db.engine_version).toBe("17");
    expect(db.identifier).toBe("hd-globex-db");
    expect(db.instance_class).toBe("db.r7g.xlarge");
    expect((silo.resource?.aws_eks_node_group?.compute_nodes?.scaling_config as { desired_size: number }[] | undefined)?.[0]?.desired_size).toBe(5);
    expect((silo.terraform?.backend as Record<string, unknown> | undefined)?.s3).toMatchObject({ bucket: "acme-state", key: "helpdesk/main-silo-tenant-globex.tfstate", region: "eu-west-1", encrypt: true, use_lockfile: true });
    expect(stackJson(out, "main-pooled-eu-west-1").resource?.aws_db_instance?.database?.instance_class).toBe("db.m7g.large");
  });

  it("the checker refuses an unknown setting and a backend without its bucket", () => {
    expect(() => emitTf(cloudProject("aws", [], '  defaults { postgres = "17" }\n'))).toThrow(/PB3007/);
    expect(() => emitTf(cloudProject("aws", [], '  backend { type = "gcs" }\n'))).toThrow(/PB3008/);
    expect(() => emitTf(cloudProject("aws", [], '  backend { type = "ftp" }\n'))).toThrow(/PB3006/);
  });
});
