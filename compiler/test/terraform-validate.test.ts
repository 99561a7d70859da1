/**
 * `terraform validate` and `terraform plan` on every generated AWS stack (the helpdesk on AWS
 * only, and a project with a tenant of each isolation model), with the local `terraform` and
 * the offline mirror of hashicorp/aws 5.100.0 (a CLI config with a `filesystem_mirror`, in a
 * temp dir). The plan runs as `terraform test` with the provider mocked (`mock_provider`: the
 * real provider's schema, no credentials, no network; the zones data source given two
 * zones), a tenant onboarded as data on every plan of the stack, and asserts that every
 * per-tenant resource is planned once for each tenant, static and onboarded. Where the
 * binary or the mirror is missing the tests are skipped by name and a warning says so:
 * reported, never silently passed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, sourcesIn } from "./support/bundle.js";
import type { StackSpec } from "../src/emit/terraform/layout.js";
import { cloudProject, emitTf, resources, type TfJson } from "./support/terraform.js";
import * as cloudNames from "@paybill/runtime/cloud-names";

const TERRAFORM = process.env.PAYBILL_TERRAFORM ?? "/usr/local/bin/terraform";
const MIRROR = process.env.PAYBILL_TF_MIRROR ?? "/opt/tf-plugins";
const available = existsSync(TERRAFORM) && existsSync(join(MIRROR, "registry.terraform.io/hashicorp/aws"));
if (!available) console.warn(`terraform validate NOT RUN: ${existsSync(TERRAFORM) ? `no AWS provider mirror at ${MIRROR}` : `no terraform at ${TERRAFORM}`}`);

const work = mkdtempSync(join(tmpdir(), "paybill-tf-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * A directory `terraform init` ran in, by the providers its stack requires: a stack requiring
 * the same ones gets a copy of its `.terraform` (a link into the mirror) and lock file
 * instead of an init of its own, which reads the whole provider to check its hash. `validate`
 * still fails on a stack whose requirements those do not meet ("Missing required provider").
 */
const initialized = new Map<string, string>();

function validate(name: string, text: string): { ok: boolean; output: string } {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cdk.tf.json"), text);
  const config = join(work, "terraform.rc");
  writeFileSync(config, `provider_installation {\n  filesystem_mirror {\n    path = "${MIRROR}"\n  }\n}\n`);
  const env = { ...process.env, TF_CLI_CONFIG_FILE: config, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_PLUGIN_CACHE_DIR: "" };
  const json = JSON.parse(text) as { terraform?: { required_providers?: unknown }; module?: unknown };
  // A stack with modules has more for init to install: it always gets its own.
  const providers = json.module === undefined ? JSON.stringify(json.terraform?.required_providers ?? {}) : undefined;
  const done = providers === undefined ? undefined : initialized.get(providers);
  if (done === undefined) {
    const init = spawnSync(TERRAFORM, ["init", "-backend=false", "-input=false", "-no-color"], { cwd: dir, env, encoding: "utf8" });
    if (init.status !== 0) return { ok: false, output: `${init.stdout}${init.stderr}` };
    if (providers !== undefined) initialized.set(providers, dir);
  } else {
    cpSync(join(done, ".terraform"), join(dir, ".terraform"), { recursive: true, verbatimSymlinks: true });
    cpSync(join(done, ".terraform.lock.hcl"), join(dir, ".terraform.lock.hcl"));
  }
  const run = spawnSync(TERRAFORM, ["validate", "-no-color"], { cwd: dir, env, encoding: "utf8" });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

/**
 * `terraform test` in the directory `validate` prepared: one `plan` run with the AWS provider
 * mocked, a tenant onboarded on each of the stack's plans where it takes tenants, and an
 * assertion per per-tenant resource that it is planned once per tenant.
 */
function plan(name: string, spec: StackSpec, text: string): { ok: boolean; output: string } {
  const dir = join(work, name);
  const json = JSON.parse(text) as TfJson;
  const statics = Object.keys((json.locals?.static_tenants as Record<string, unknown> | undefined) ?? {});
  const onboarded = json.variable?.tenants === undefined ? {} : Object.fromEntries(spec.plans.map((p) => [`onboarded-${p.name}`, { plan: p.name }]));
  const tenants = statics.length + Object.keys(onboarded).length;
  const assert = resources(json)
    .filter(([, , body]) => body.for_each !== undefined)
    .map(([type, id]) => ({ condition: `\${length(${type}.${id}) == ${tenants}}`, error_message: `${type}.${id} is not planned once per tenant (${tenants})` }));
  // After a mocked apply every output has a value: a per-tenant one an entry for every tenant.
  const outputs = Object.entries((json as { output?: Record<string, { value: string }> }).output ?? {}).map(([name, { value }]) =>
    value.startsWith("${{ for tenant")
      ? { condition: `\${length(output.${name}) == ${tenants} && alltrue([for v in values(output.${name}) : v != null])}`, error_message: `output ${name} has no value for some tenant` }
      : { condition: `\${output.${name} != null}`, error_message: `output ${name} has no value` },
  );
  // A bridge cell's shared role: the data buckets of its tenants and the audit bucket of the cell's one database server, and no other.
  const policy = json.resource?.aws_iam_role_policy?.identity_workload_data;
  if (policy !== undefined && String(policy.policy).includes("local.tenants")) {
    const resource = (i: number) => `jsondecode(aws_iam_role_policy.identity_workload_data.policy).Statement[${i}].Resource`;
    const prefix = spec.cloud.settings.name_prefix;
    const slugs = [...statics, ...Object.keys(onboarded)].map((n) => n.toLowerCase().replace(/[^a-z0-9-]+/g, "-"));
    assert.push({
      condition: `\${length(${resource(0)}) == ${2 * tenants} && length(${resource(1)}) == 2 && alltrue([for s in ${JSON.stringify(slugs)} : contains(${resource(0)}, "arn:aws:s3:::${prefix}-\${s}-data")]) && contains(${resource(1)}, "arn:aws:s3:::${prefix}-${cloudNames.cellOwner(spec.cloud.name, spec.isolation.name, spec.region)}-audit")}`,
      error_message: "the shared role does not reach exactly the cell's tenants' buckets",
    });
  }
  const test = {
    mock_provider: {
      aws: {
        mock_data: { aws_availability_zones: { defaults: { names: [`${spec.region}a`, `${spec.region}b`] } } },
        // RDS fills in the secret it manages at apply; the mock would leave the list empty.
        // Attributes the provider checks are ARNs when another resource reads them at apply.
        mock_resource: {
          aws_db_instance: { defaults: { master_user_secret: [{ secret_arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-mock", kms_key_id: "k", secret_status: "active" }] } },
          aws_kms_key: { defaults: { arn: "arn:aws:kms:eu-west-1:123456789012:key/mock" } },
          aws_iam_role: { defaults: { arn: "arn:aws:iam::123456789012:role/mock" } },
        },
      },
    },
    ...(json.variable?.tenants === undefined ? {} : { variables: { tenants: onboarded } }),
    run: {
      plan: { command: "plan", ...(assert.length === 0 ? {} : { assert }) },
      apply: { command: "apply", ...(outputs.length === 0 ? {} : { assert: outputs }) },
      // Every tenant offboarding: their databases unprotected and buckets destroyable; a shared database stays protected.
      offboarding: {
        command: "plan",
        variables: json.variable?.tenants === undefined ? { offboarding: true } : { tenants: Object.fromEntries(Object.entries(onboarded).map(([k, v]) => [k, { ...v, offboarding: true }])) },
        assert: offboardingAsserts(json, spec, Object.keys(onboarded), statics),
      },
    },
  };
  mkdirSync(join(dir, "tests"), { recursive: true });
  writeFileSync(join(dir, "tests", "plan.tftest.json"), JSON.stringify(test, null, 2));
  const env = { ...process.env, TF_CLI_CONFIG_FILE: join(work, "terraform.rc"), TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_PLUGIN_CACHE_DIR: "" };
  const run = spawnSync(TERRAFORM, ["test", "-no-color"], { cwd: dir, env, encoding: "utf8" });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

/**
 * What the offboarding run checks: the onboarded tenants' (all marked offboarding) databases
 * unprotected and buckets destroyable, static tenants' and shared ones untouched; in a
 * tenant's own stack (`offboarding = true`) its own.
 */
function offboardingAsserts(json: TfJson, spec: StackSpec, onboarded: readonly string[], statics: readonly string[]): { condition: string; error_message: string }[] {
  const asserts: { condition: string; error_message: string }[] = [];
  const guards: Record<string, [string, boolean]> = { aws_db_instance: ["deletion_protection", true], aws_s3_bucket: ["force_destroy", false] };
  for (const [type, id, body] of resources(json)) {
    const guard = guards[type];
    if (guard === undefined || (type === "aws_s3_bucket" && id !== "storage")) continue;
    const [attr, protectedValue] = guard;
    const address = `${type}.${id}`;
    const is = (expr: string, lifted: boolean) => (lifted === protectedValue ? `!${expr}.${attr}` : `${expr}.${attr}`);
    const conditions =
      body.for_each !== undefined
        ? [`alltrue([for k in ${JSON.stringify(onboarded)} : ${is(`${address}[k]`, true)}])`, `alltrue([for k in ${JSON.stringify(statics)} : ${is(`${address}[k]`, false)}])`]
        : [is(address, spec.mode === "tenant")];
    for (const condition of conditions) asserts.push({ condition: `\${${condition}}`, error_message: `${address}: ${attr} does not follow the offboarding switch` });
  }
  return asserts;
}

const helpdeskOnAws = Object.fromEntries(
  Object.entries(sourcesIn(join(ROOT, "examples/helpdesk"))).map(([name, text]) => [name, text.replace('cloud = secondary, region = "europe-west3"', 'region = "eu-central-1"')]),
);
const projects = {
  helpdesk: helpdeskOnAws,
  "all-models": cloudProject("aws", [
    { name: "corner_shop", plan: "free" },
    { name: "initech", plan: "business" },
    { name: "Globex_Corp", plan: "enterprise" },
  ]),
};

describe.skipIf(!available)("terraform validate and plan on every AWS stack", () => {
  it("terraform is the expected one", () => {
    expect(execFileSync(TERRAFORM, ["version"], { encoding: "utf8" })).toMatch(/Terraform v1\./);
  });
  for (const [project, files] of Object.entries(projects)) {
    const out = emitTf(files);
    for (const { spec, text } of out.stacks) {
      if (spec.cloud.provider !== "aws") continue;
      it(`${project}: ${spec.name}`, () => {
        // Every AWS stack has a cluster: its `depends_on` reach terraform, which checks each address.
        expect(JSON.parse(text).resource?.aws_eks_cluster?.compute?.depends_on).toEqual(["aws_iam_role_policy_attachment.compute_cluster_policy"]);
        const result = validate(`${project}-${spec.name}`, text);
        expect(result.output).toContain("The configuration is valid");
        expect(result.ok).toBe(true);
        const planned = plan(`${project}-${spec.name}`, spec, text);
        expect(planned.output).toContain("3 passed, 0 failed");
        expect(planned.ok).toBe(true);
      });
    }
  }
  it("the example on AWS has a stack of each isolation model", () => {
    const isolations = new Set(emitTf(helpdeskOnAws).stacks.map((s) => s.spec.isolation.name));
    expect([...isolations].sort()).toEqual(["bridge", "pooled", "silo"]);
    expect(readFileSync(join(ROOT, "examples/helpdesk/plans.paybill"), "utf8")).toContain("cloud = secondary");
  });
});
