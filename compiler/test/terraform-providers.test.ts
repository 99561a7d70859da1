/**
 * Every generated resource of the AWS, Azure and Google Cloud stacks against its provider's
 * schema at the version the stacks pin (hashicorp/aws 5.100.0, azurerm 4.55.0, google
 * 6.50.0; /work/shared/data), with one checker for all three (support/provider-schema.ts):
 * the resource type exists, every argument and nested block written exists, every required
 * one is present, nested blocks all the way down. The stacks are those of the golden
 * project of each cloud (a plan per isolation model — pooled, bridge, silo — with static
 * tenants, so shared, per-tenant and single-tenant stacks), the same project with every plan
 * at each size and with the cloud's account or project named, and the helpdesk example
 * (AWS and Google Cloud). OCI and IBM have no schema on this machine: spec/infrastructure.md
 * §5 lists what is unchecked there, and the last test keeps that list exactly what their
 * stacks write.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ProviderName } from "../src/emit/terraform/infra.js";
import { ROOT, sourcesIn } from "./support/bundle.js";
import { dataSourceProblems, loadProviderSchema, type ProviderSchema, providerProblems, resourceProblems } from "./support/provider-schema.js";
import { cloudProject, emitTf, type Provider, resources } from "./support/terraform.js";

const SCHEMAS: Partial<Record<ProviderName, ProviderSchema>> = {
  aws: loadProviderSchema("aws", "5.100.0", "terraform-aws-5.100.0-schema.json.gz"),
  azure: loadProviderSchema("azurerm", "4.55.0", "terraform-azurerm-4.55.0-schema.derived.json.gz"),
  gcp: loadProviderSchema("google", "6.50.0", "terraform-google-6.50.0-schema.derived.json.gz"),
};
const CHECKED = ["aws", "azure", "gcp"] as const;

const TENANTS = [
  { name: "corner_shop", plan: "free" },
  { name: "initech", plan: "business" },
  { name: "globex", plan: "enterprise" },
] as const;

/** The projects whose stacks of `provider` are checked, by name. */
function projectsOf(provider: Provider): Record<string, Record<string, string>> {
  const golden = cloudProject(provider, TENANTS);
  const projects: Record<string, Record<string, string>> = { golden };
  for (const size of ["small", "medium", "large"]) {
    const files = { ...golden };
    files["infra.paybill"] = (files["infra.paybill"] ?? "").replace(/isolation = (\w+) }/g, `isolation = $1, size = ${size} }`);
    projects[`every plan ${size}`] = files;
  }
  const named = provider === "gcp" ? "" : '  account = "0123456789"\n';
  const project = provider === "gcp" ? cloudProject(provider, TENANTS, "  defaults { deletion_protection = false }\n") : cloudProject(provider, TENANTS, `${named}  defaults { deletion_protection = false }\n`);
  if (provider === "gcp") project["infra.paybill"] = (project["infra.paybill"] ?? "").replace('  project = "acme-prod"\n', "");
  projects["account named, no deletion protection"] = project;
  if (provider === "aws" || provider === "gcp") projects.helpdesk = sourcesIn(join(ROOT, "examples/helpdesk"));
  return projects;
}

describe.each(CHECKED)("%s stacks against the provider's schema", (provider) => {
  const schema = SCHEMAS[provider];
  if (schema === undefined) throw new Error(`no schema for ${provider}`);
  const stacks = Object.entries(projectsOf(provider)).flatMap(([project, files]) =>
    emitTf(files)
      .stacks.filter((s) => s.spec.cloud.provider === provider)
      .map((s) => ({ project, spec: s.spec, json: JSON.parse(s.text) as Parameters<typeof resources>[0] & { terraform?: { required_providers?: Record<string, { source: string; version: string }> } } })),
  );

  it(`pin ${schema.source} ${schema.version}, the version of the schema`, () => {
    for (const { project, spec, json } of stacks) {
      const pins = Object.values(json.terraform?.required_providers ?? {});
      expect(pins, `${project}: ${spec.name}`).toEqual([{ source: schema.source, version: schema.version }]);
    }
  });

  it("cover every isolation model, shared and per-tenant resources", () => {
    expect(new Set(stacks.map((s) => s.spec.isolation.name))).toEqual(new Set(["pooled", "bridge", "silo"]));
    expect(new Set(stacks.map((s) => s.spec.mode))).toEqual(new Set(["shared", "tenant", "dynamic"]));
    const all = stacks.flatMap((s) => resources(s.json));
    expect(all.some(([, , body]) => body.for_each !== undefined)).toBe(true);
    expect(all.some(([, , body]) => body.for_each === undefined)).toBe(true);
  });

  it("write only resource types, arguments and blocks the provider declares, and every required one", () => {
    const problems: string[] = [];
    let checked = 0;
    for (const { project, spec, json } of stacks) {
      for (const [type, name, body] of resources(json)) {
        checked++;
        problems.push(...resourceProblems(schema, type, body, `${project}: ${spec.name}: ${type}.${name}`));
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(problems).toEqual([]);
  });

  // The derived azurerm and google schemas hold resources only.
  if (schema.dataSources !== undefined) {
    it("configure the provider and read data sources as the provider declares them", () => {
      const problems: string[] = [];
      for (const { project, spec, json } of stacks) {
        const { data, provider: providers } = json as { data?: Record<string, Record<string, Record<string, unknown>>>; provider?: Record<string, Record<string, unknown>[]> };
        for (const [type, byName] of Object.entries(data ?? {}))
          for (const [name, body] of Object.entries(byName)) problems.push(...dataSourceProblems(schema, type, body, `${project}: ${spec.name}: data.${type}.${name}`));
        for (const [name, configs] of Object.entries(providers ?? {})) for (const body of configs) problems.push(...providerProblems(schema, body, `${project}: ${spec.name}: provider ${name}`));
      }
      expect(problems).toEqual([]);
    });
  }
});

describe("the checker", () => {
  const schema = SCHEMAS.aws;
  if (schema === undefined) throw new Error("no schema for aws");
  it("finds an unknown type, an unknown or read-only argument, a missing required one, and faults in nested blocks", () => {
    expect(resourceProblems(schema, "aws_no_such_thing", {}, "r")).toEqual(["r: hashicorp/aws 5.100.0 has no resource type aws_no_such_thing"]);
    expect(resourceProblems(schema, "aws_kms_alias", { name: "alias/x", target_key_id: "k", colour: "red", arn: "x" }, "r")).toEqual(["r.colour: no such argument or block", "r.arn: read-only attribute"]);
    expect(resourceProblems(schema, "aws_kms_alias", { name: "alias/x" }, "r")).toEqual(["r: required argument target_key_id missing"]);
    expect(resourceProblems(schema, "aws_s3_bucket", { acl: "private" }, "r")).toEqual(["r.acl: deprecated"]);
    expect(resourceProblems(schema, "aws_eks_cluster", { name: "c", role_arn: "r" }, "r")).toEqual(["r: required block vpc_config missing"]);
    expect(resourceProblems(schema, "aws_eks_cluster", { name: "c", role_arn: "r", vpc_config: [{ subnet_ids: ["a"], colour: 1 }], encryption_config: [{ resources: ["secrets"], provider: [{}] }] }, "r")).toEqual([
      "r.vpc_config.colour: no such argument or block",
      "r.encryption_config.provider: required argument key_arn missing",
    ]);
    expect(resourceProblems(schema, "aws_eks_cluster", { name: "c", role_arn: "r", vpc_config: [{ subnet_ids: "a" }, { subnet_ids: ["b"] }] }, "r")).toEqual([
      "r.vpc_config: 2 blocks where at most 1 is allowed",
      'r.vpc_config[0].subnet_ids: "a" is not a set',
    ]);
  });

  it("checks data sources and the provider block where the schema has them", () => {
    expect(dataSourceProblems(schema, "aws_availability_zones", { state: "available", colour: 1 }, "d")).toEqual(["d.colour: no such argument or block"]);
    expect(dataSourceProblems(schema, "aws_nothing", {}, "d")).toEqual(["d: hashicorp/aws 5.100.0 has no data source aws_nothing"]);
    expect(providerProblems(schema, { region: "eu-west-1", default_tags: [{ tags: {} }], colour: 1 }, "p")).toEqual(["p.colour: no such argument or block"]);
  });

  it("leaves Terraform's meta-arguments to Terraform, and accepts interpolations for any type", () => {
    expect(resourceProblems(schema, "aws_kms_alias", { name: "alias/x", target_key_id: "${aws_kms_key.k.key_id}", for_each: "${local.tenants}", depends_on: ["aws_kms_key.k"], lifecycle: { prevent_destroy: true } }, "r")).toEqual([]);
    expect(resourceProblems(schema, "aws_kms_key", { deletion_window_in_days: "${var.days}" }, "r")).toEqual([]);
  });
});

/** Every argument and block name `body` writes, nested ones included, without Terraform's own. */
function namesIn(body: Record<string, unknown>, out = new Set<string>()): Set<string> {
  for (const [key, value] of Object.entries(body)) {
    if (["//", "for_each", "depends_on", "lifecycle"].includes(key)) continue;
    out.add(key);
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) if (key !== "tags" && key !== "freeform_tags" && typeof item === "object" && item !== null && !Array.isArray(item)) namesIn(item as Record<string, unknown>, out);
  }
  return out;
}

describe("what is unchecked on OCI and IBM", () => {
  it("spec/infrastructure.md lists exactly the resource types, arguments and blocks their stacks write", () => {
    const spec = readFileSync(join(ROOT, "spec/infrastructure.md"), "utf8");
    const section = spec.slice(spec.indexOf("**OCI and IBM: unchecked.**"), spec.indexOf("**Meta-arguments.**"));
    const listed = new Map<string, Set<string>>();
    for (const row of section.split("\n").filter((line) => /^\| (data )?`/.test(line))) {
      const [, types = "", names = ""] = row.split("|");
      const ticked = (text: string) => [...text.matchAll(/`([a-z0-9_]+)[^`]*`/g)].map((m) => m[1] ?? "");
      for (const type of ticked(types)) listed.set(type, new Set(ticked(names)));
    }
    const written = new Map<string, Set<string>>();
    for (const provider of ["oci", "ibm"] as const) {
      for (const { text } of emitTf(cloudProject(provider, TENANTS)).stacks) {
        const json = JSON.parse(text) as { resource?: Record<string, Record<string, Record<string, unknown>>>; data?: Record<string, Record<string, Record<string, unknown>>> };
        for (const byName of [json.resource ?? {}, json.data ?? {}])
          for (const [type, bodies] of Object.entries(byName)) {
            const names = written.get(type) ?? new Set<string>();
            for (const body of Object.values(bodies)) namesIn(body, names);
            written.set(type, names);
          }
      }
    }
    expect(written.size).toBeGreaterThan(10);
    const sorted = (m: Map<string, Set<string>>) => Object.fromEntries([...m].map(([k, v]) => [k, [...v].sort()]).sort());
    expect(sorted(listed)).toEqual(sorted(written));
  });
});
