/**
 * In-process Terraform emission for the terraform tests: a project from inline sources or
 * the example, checked and emitted; and small generated projects (one cloud, a plan per
 * isolation model, static tenants).
 */
import { checkProject, hasErrors, SourceFile } from "@paybill/lang";
import { emitTerraform, type TerraformOutput } from "../../src/emit/terraform/index.js";

export function emitTf(files: Record<string, string> | readonly [string, string][]): TerraformOutput {
  const entries = Array.isArray(files) ? files : Object.entries(files);
  const checked = checkProject(entries.map(([name, text]) => new SourceFile(name, text)));
  if (hasErrors(checked.diagnostics) || checked.model === undefined) throw new Error(checked.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  const out = emitTerraform(checked.model);
  if (out === undefined) throw new Error("no clouds");
  return out;
}

export const REGIONS = { aws: "eu-west-1", azure: "westeurope", gcp: "europe-west1", oci: "eu-frankfurt-1", ibm: "eu-de" } as const;
export type Provider = keyof typeof REGIONS;

export interface TenantSpec {
  readonly name: string;
  readonly plan: "free" | "business" | "enterprise";
}

/** A project on one cloud: free (pooled), business (bridge), enterprise (silo), and `tenants`. */
export function cloudProject(provider: Provider, tenants: readonly TenantSpec[], extra = ""): Record<string, string> {
  const project = provider === "gcp" ? `  project = "acme-prod"\n` : "";
  return {
    "infra.paybill": `package acme
import std.isolation.{silo, pooled, bridge}
cloud ${provider} main {
  region = "${REGIONS[provider]}"
${project}  tags { team = "platform" }
${extra}}
plan free { price = 0, isolation = pooled }
plan business { price = 99 usd per month, isolation = bridge }
plan enterprise { price = custom, isolation = silo }
`,
    "tenants.paybill": `package acme\n${tenants.map((t) => `tenant ${t.name} { plan = ${t.plan} }`).join("\n")}\n`,
  };
}

export type TfJson = {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  locals?: Record<string, unknown>;
  variable?: Record<string, unknown>;
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown>;
};

export function stackJson(out: TerraformOutput, name: string): TfJson {
  const found = out.stacks.find((s) => s.spec.name === name);
  if (found === undefined) throw new Error(`no stack ${name}: ${out.stacks.map((s) => s.spec.name).join(", ")}`);
  return JSON.parse(found.text) as TfJson;
}

/** Every resource of a stack as [type, name, body]. */
export function resources(json: TfJson): [string, string, Record<string, unknown>][] {
  return Object.entries(json.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([name, body]): [string, string, Record<string, unknown>] => [type, name, body]));
}
