/**
 * The Terraform provisioner with the real terraform on hand-made stacks that use only the
 * builtin `terraform_data` resource (no provider download, no network, the local backend):
 * a step adds the tenant to its stack's `tenants` variable and applies; a failing apply is
 * an outcome with terraform's message, and a retry after the fix converges (then a further
 * run has no changes); a preview changes nothing; a tenant's own stack is destroyed to
 * deprovision it; a pooled tenant has nothing to remove. Skipped by name, with a warning,
 * only when terraform is missing.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KEPT_AT_OFFBOARDING } from "../src/emit/terraform/constructs.js";
import { TerraformProvisioner, type TerraformProvisionerOptions, tenantOutputs } from "../../server/src/provision/terraform.js";
import type { ProvisionStep } from "../../server/src/provision/types.js";

const TERRAFORM = process.env.PAYBILL_TERRAFORM ?? "/usr/local/bin/terraform";
const available = existsSync(TERRAFORM);
if (!available) console.warn(`Terraform provisioner tests NOT RUN: no terraform at ${TERRAFORM}`);
const runIt = available ? it : it.skip;

/** A Terraform interpolation, `${expression}` in HCL's JSON syntax. */
const tf = (expression: string): string => `$${"{"}${expression}}`;

/**
 * A shared stack iterating over `var.tenants`: one `terraform_data` per tenant whose
 * creation runs a command that fails for the tenant named in PAYBILL_TEST_FAIL.
 */
const SHARED_STACK = {
  terraform: { backend: { local: { path: "terraform.tfstate" } } },
  variable: { tenants: { type: "map(object({ plan = string }))", default: {} } },
  resource: {
    terraform_data: {
      tenant: {
        for_each: tf("var.tenants"),
        input: tf("each.value.plan"),
        provisioner: [{ "local-exec": { command: `if [ "$PAYBILL_TEST_FAIL" = "${tf("each.key")}" ]; then echo "tenant ${tf("each.key")} refused by the test" >&2; exit 1; fi` } }],
      },
    },
  },
  output: {
    tenants: { value: tf("sort(keys(terraform_data.tenant))") },
    // Per tenant: a map tenant => value, as the compiled stacks declare their per-tenant outputs.
    plan: { value: tf("{ for name, t in terraform_data.tenant : name => t.output }") },
    token: { value: "s3cr3t", sensitive: true },
  },
};

/** Fails a destroy unless `offboarding` was true at the last apply: deletion protection, as a cloud enforces it. */
const PROTECTED = (offboarding: string) => ({
  input: tf(`${offboarding} ? "unprotected" : "protected"`),
  provisioner: [{ "local-exec": { when: "destroy", command: `test "${tf("self.output")}" = unprotected || { echo "deletion protection is on" >&2; exit 1; }` } }],
});

/** Never destroyable (a COMPLIANCE-locked bucket): the provisioner must leave it, marked kept. */
const LOCKED = { "//": { paybill: KEPT_AT_OFFBOARDING }, provisioner: [{ "local-exec": { when: "destroy", command: "echo 'objects are locked' >&2; exit 1" } }] };

/** The silo cell: per-tenant resources with deletion protection and a kept one, as the compiled stacks have. */
const SILO_CELL = {
  terraform: { backend: { local: { path: "terraform.tfstate" } } },
  variable: { tenants: { type: "map(object({ plan = string, offboarding = optional(bool, false) }))", default: {} } },
  locals: { tenants: tf("{ for name, t in var.tenants : name => { plan = t.plan, offboarding = try(t.offboarding, false) } }") },
  resource: {
    terraform_data: {
      database: { for_each: tf("local.tenants"), ...PROTECTED("each.value.offboarding") },
      audit: { for_each: tf("local.tenants"), ...LOCKED },
    },
  },
  output: { database: { value: tf("{ for name, d in terraform_data.database : name => d.id }") } },
};

/** A static silo tenant's own stack with deletion protection and a kept resource. */
const PROTECTED_OWN_STACK = {
  terraform: { backend: { local: { path: "terraform.tfstate" } } },
  variable: { offboarding: { type: "bool", default: false } },
  resource: { terraform_data: { database: PROTECTED("var.offboarding"), audit: LOCKED } },
};

/** A static silo tenant's own stack. */
const OWN_STACK = {
  terraform: { backend: { local: { path: "terraform.tfstate" } } },
  resource: { terraform_data: { everything: { input: "globex" } } },
};

/** A pooled stack: shared resources only. */
const POOLED_STACK = {
  terraform: { backend: { local: { path: "terraform.tfstate" } } },
  resource: { terraform_data: { shared: { input: "pooled" } } },
};

const entry = (file: string, isolation: string, mode: string, plans: string[], tenants: string[], tenantsVariable: boolean) => ({
  file,
  sha256: "0".repeat(64),
  cloud: "main",
  provider: "aws",
  region: "eu-west-1",
  isolation,
  mode,
  tenantsVariable,
  plans,
  tenants,
});

const MANIFEST = {
  format: "paybill-terraform",
  version: 1,
  stacks: {
    "main-bridge-eu-west-1": entry("main-bridge-eu-west-1/cdk.tf.json", "bridge", "shared", ["business"], [], true),
    "main-pooled-eu-west-1": entry("main-pooled-eu-west-1/cdk.tf.json", "pooled", "shared", ["free"], [], false),
    "main-silo-tenant-globex": entry("main-silo-tenant-globex/cdk.tf.json", "silo", "tenant", ["enterprise"], ["globex"], false),
    "main-silo-eu-west-1": entry("main-silo-eu-west-1/cdk.tf.json", "silo", "dynamic", ["pro"], [], true),
    "main-silo-tenant-umbrella": entry("main-silo-tenant-umbrella/cdk.tf.json", "silo", "tenant", ["pro"], ["umbrella"], false),
  },
  tenants: {
    umbrella: { plan: "pro", isolation: "silo", cloud: "main", region: "eu-west-1", stack: "main-silo-tenant-umbrella" },
    globex: { plan: "enterprise", isolation: "silo", cloud: "main", region: "eu-west-1", stack: "main-silo-tenant-globex" } },
};

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A build output with the three stacks, and an empty work directory beside it. */
async function setup(): Promise<{ outDir: string; workDir: string }> {
  const root = await mkdtemp(join(tmpdir(), "paybill-provision-"));
  dirs.push(root);
  const outDir = join(root, "out");
  const stacks: Record<string, object> = {
    "main-bridge-eu-west-1": SHARED_STACK,
    "main-pooled-eu-west-1": POOLED_STACK,
    "main-silo-tenant-globex": OWN_STACK,
    "main-silo-eu-west-1": SILO_CELL,
    "main-silo-tenant-umbrella": PROTECTED_OWN_STACK,
  };
  for (const [name, stack] of Object.entries(stacks)) {
    await mkdir(join(outDir, "terraform", name), { recursive: true });
    await writeFile(join(outDir, "terraform", name, "cdk.tf.json"), JSON.stringify(stack, null, 2));
  }
  await writeFile(join(outDir, "terraform/manifest.json"), JSON.stringify(MANIFEST, null, 2));
  // An empty CLI configuration: no warning about a missing one, no plugin cache.
  await writeFile(join(root, "terraform.rc"), "");
  return { outDir, workDir: join(root, "work") };
}

function provisioner(paths: { outDir: string; workDir: string }, extra: Partial<TerraformProvisionerOptions> = {}): TerraformProvisioner & { lines: string[] } {
  const lines: string[] = [];
  const p = new TerraformProvisioner({
    ...paths,
    terraform: TERRAFORM,
    env: { TF_CLI_CONFIG_FILE: join(paths.outDir, "../terraform.rc"), PAYBILL_TEST_FAIL: "", ...extra.env },
    onProgress: (line) => lines.push(line),
    ...extra,
  });
  return Object.assign(p, { lines });
}

const bridge = (tenant: string): ProvisionStep => ({ kind: "provision", tenant, placement: { plan: "business", isolation: "bridge" } });
const state = async (workDir: string, stack: string): Promise<string[]> => {
  const path = join(workDir, stack, "terraform.tfstate");
  if (!existsSync(path)) return [];
  const parsed = JSON.parse(await readFile(path, "utf8")) as { resources: { type: string; name: string; instances: { index_key?: string }[] }[] };
  return parsed.resources.flatMap((r) => r.instances.map((i) => `${r.type}.${r.name}${i.index_key === undefined ? "" : `[${i.index_key}]`}`)).sort();
};

describe("TerraformProvisioner", () => {
  runIt("applies the tenant's resources into its stack, beside the tenants already placed there", async () => {
    const paths = await setup();
    const p = provisioner(paths, { placed: async (stack): Promise<Record<string, { plan: string }>> => (stack === "main-bridge-eu-west-1" ? { initech: { plan: "business" } } : {}) });
    const outcome = await p.run(bridge("acme"), { attempt: 1 });
    expect(outcome.ok, outcome.detail).toBe(true);
    expect(outcome.detail).toContain("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");
    // The stack's outputs as this tenant sees them: its own entry of a per-tenant map, the rest as they are.
    expect(outcome.outputs).toEqual({ tenants: ["acme", "initech"], plan: "business", token: "(sensitive)" });
    expect(await state(paths.workDir, "main-bridge-eu-west-1")).toEqual(["terraform_data.tenant[acme]", "terraform_data.tenant[initech]"]);
    const vars = JSON.parse(await readFile(join(paths.workDir, "main-bridge-eu-west-1/terraform.tfvars.json"), "utf8"));
    expect(vars).toEqual({ tenants: { acme: { plan: "business" }, initech: { plan: "business" } } });
    // Progress came line by line, each command announced, each line naming the stack.
    expect(p.lines).toContain("main-bridge-eu-west-1: $ terraform init -input=false -no-color");
    expect(p.lines.some((l) => l.startsWith("main-bridge-eu-west-1: $ terraform apply"))).toBe(true);
    expect(p.lines.every((l) => l.startsWith("main-bridge-eu-west-1: "))).toBe(true);
    // No temporaries left beside the stack.
    expect((await readdir(join(paths.workDir, "main-bridge-eu-west-1"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  runIt("a failing apply is an outcome with terraform's message; a retry after the fix converges, then nothing changes", async () => {
    const paths = await setup();
    const failing = provisioner(paths, { env: { PAYBILL_TEST_FAIL: "acme" } });
    const failed = await failing.run(bridge("acme"), { attempt: 1 });
    expect(failed.ok).toBe(false);
    expect(failed.detail).toMatch(/^main-bridge-eu-west-1: terraform apply exited 1\n/);
    expect(failed.detail).toContain("tenant acme refused by the test");
    expect(failed.detail).toContain("Error: local-exec provisioner error");
    expect(failed.outputs).toBeUndefined();
    const fixed = provisioner(paths);
    const retried = await fixed.run(bridge("acme"), { attempt: 2 });
    expect(retried.ok, retried.detail).toBe(true);
    // The tainted instance is replaced.
    expect(retried.detail).toContain("Apply complete! Resources: 1 added, 0 changed, 1 destroyed.");
    expect(await state(paths.workDir, "main-bridge-eu-west-1")).toEqual(["terraform_data.tenant[acme]"]);
    const again = await fixed.run(bridge("acme"), { attempt: 3 });
    expect(again).toEqual({ ok: true, detail: "main-bridge-eu-west-1: no changes, the stack matches the configuration", outputs: { tenants: ["acme"], plan: "business", token: "(sensitive)" } });
    expect(fixed.lines.some((l) => l.includes("$ terraform apply"))).toBe(true);
    expect(fixed.lines.filter((l) => l.includes("$ terraform apply"))).toHaveLength(1);
  });

  runIt("a preview (apply: false) plans and changes nothing", async () => {
    const paths = await setup();
    const outcome = await provisioner(paths, { apply: false }).run(bridge("acme"));
    expect(outcome.ok, outcome.detail).toBe(true);
    expect(outcome.detail).toContain('terraform_data.tenant["acme"] will be created');
    expect(outcome.detail).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
    expect(await state(paths.workDir, "main-bridge-eu-west-1")).toEqual([]);
  });

  runIt("retiring a tenant takes it out of the stack's tenant set; the others stay", async () => {
    const paths = await setup();
    let placed: Record<string, { plan: string }> = { initech: { plan: "business" } };
    const p = provisioner(paths, { placed: async () => placed });
    expect((await p.run(bridge("acme"))).ok).toBe(true);
    placed = { initech: { plan: "business" }, acme: { plan: "business" } };
    const retired = await p.run({ kind: "retire", tenant: "acme", placement: { plan: "business", isolation: "bridge" } });
    expect(retired.ok, retired.detail).toBe(true);
    expect(retired.detail).toContain("Resources: 0 added, 0 changed, 1 destroyed.");
    expect(await state(paths.workDir, "main-bridge-eu-west-1")).toEqual(["terraform_data.tenant[initech]"]);
  });

  runIt("offboarding a tenant of a cell lifts its deletion protection, leaves what is kept, then removes the rest; the others stay", async () => {
    const paths = await setup();
    let placed: Record<string, { plan: string }> = {};
    const p = provisioner(paths, { placed: async () => placed });
    const pro = (_tenant: string) => ({ plan: "pro", isolation: "silo" });
    for (const tenant of ["acme", "initech"]) {
      const made = await p.run({ kind: "provision", tenant, placement: pro(tenant) });
      expect(made.ok, made.detail).toBe(true);
      placed = { ...placed, [tenant]: { plan: "pro" } };
    }
    const cell = "main-silo-eu-west-1";
    expect(await state(paths.workDir, cell)).toEqual(["terraform_data.audit[acme]", "terraform_data.audit[initech]", "terraform_data.database[acme]", "terraform_data.database[initech]"]);
    const gone = await p.run({ kind: "deprovision", tenant: "acme", placement: pro("acme") });
    expect(gone.ok, gone.detail).toBe(true);
    expect(gone.detail).toContain("Resources: 0 added, 0 changed, 1 destroyed.");
    // The lifting apply changed only acme's database; audit[acme] left the state, not destroyed (its destroy always fails).
    expect(p.lines).toContain(`${cell}: Removed terraform_data.audit["acme"]`);
    expect(await state(paths.workDir, cell)).toEqual(["terraform_data.audit[initech]", "terraform_data.database[initech]"]);
    const vars = JSON.parse(await readFile(join(paths.workDir, cell, "terraform.tfvars.json"), "utf8"));
    expect(vars).toEqual({ tenants: { initech: { plan: "pro" } } });
    // Run again (a retry after a crash): nothing of acme's is left, nothing is lifted, no changes.
    placed = { initech: { plan: "pro" } };
    const again = await p.run({ kind: "deprovision", tenant: "acme", placement: pro("acme") });
    expect(again).toMatchObject({ ok: true, detail: `${cell}: no changes, the stack matches the configuration` });
  });

  runIt("a static silo tenant taken out of the sources is destroyed from its work directory's copy of the stack, protection lifted first", async () => {
    const paths = await setup();
    const p = provisioner(paths);
    const placement = { plan: "pro", isolation: "silo" };
    const made = await p.run({ kind: "provision", tenant: "umbrella", placement });
    expect(made.ok, made.detail).toBe(true);
    const own = "main-silo-tenant-umbrella";
    expect(await state(paths.workDir, own)).toEqual(["terraform_data.audit", "terraform_data.database"]);
    // The next build has neither the tenant nor its stack: the output directory lost the stack file.
    const manifest = JSON.parse(await readFile(join(paths.outDir, "terraform/manifest.json"), "utf8"));
    delete manifest.stacks[own];
    delete manifest.tenants.umbrella;
    await writeFile(join(paths.outDir, "terraform/manifest.json"), JSON.stringify(manifest));
    await rm(join(paths.outDir, "terraform", own), { recursive: true });
    const gone = await p.run({ kind: "deprovision", tenant: "umbrella", placement });
    expect(gone.ok, gone.detail).toBe(true);
    expect(gone.detail).toContain("Resources: 0 added, 0 changed, 1 destroyed.");
    expect(p.lines).toContain(`${own}: Removed terraform_data.audit`);
    expect(await state(paths.workDir, own)).toEqual([]);
    // Not the silo cell: nothing was applied there.
    expect(existsSync(join(paths.workDir, "main-silo-eu-west-1"))).toBe(false);
  });

  runIt("a static tenant's own stack is applied to provision it and destroyed to deprovision it", async () => {
    const paths = await setup();
    const p = provisioner(paths);
    const placement = { plan: "enterprise", isolation: "silo" };
    const made = await p.run({ kind: "provision", tenant: "globex", placement });
    expect(made.ok, made.detail).toBe(true);
    expect(existsSync(join(paths.workDir, "main-silo-tenant-globex/terraform.tfvars.json"))).toBe(false);
    expect(await state(paths.workDir, "main-silo-tenant-globex")).toEqual(["terraform_data.everything"]);
    const gone = await p.run({ kind: "deprovision", tenant: "globex", placement });
    expect(gone.ok, gone.detail).toBe(true);
    expect(gone.detail).toContain("Resources: 0 added, 0 changed, 1 destroyed.");
    expect(await state(paths.workDir, "main-silo-tenant-globex")).toEqual([]);
  });

  it("reads one tenant's outputs from recorded `terraform output -json` text", () => {
    const text = JSON.stringify({
      database_endpoint: { sensitive: false, type: ["map", "string"], value: { acme: "acme-db.x.rds.amazonaws.com:5432", initech: "initech-db:5432" } },
      cluster_endpoint: { sensitive: false, type: "string", value: "https://ABC.gr7.eu-west-1.eks.amazonaws.com" },
      subnets: { sensitive: false, type: ["list", "string"], value: ["a", "b"] },
      bucket: { sensitive: false, type: ["map", "string"], value: { initech: "pb-initech-data" } },
      password: { sensitive: true, type: "string", value: "hunter2" },
    });
    expect(tenantOutputs(text, "acme")).toEqual({
      database_endpoint: "acme-db.x.rds.amazonaws.com:5432",
      cluster_endpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
      subnets: ["a", "b"],
      password: "(sensitive)",
    });
    expect(tenantOutputs("{}", "acme")).toEqual({});
    expect(tenantOutputs("not json", "acme")).toBeUndefined();
    expect(tenantOutputs("[1]", "acme")).toBeUndefined();
  });

  it("needs no terraform when there is nothing to run: a pooled tenant, a data move, an unknown placement, a missing build", async () => {
    const paths = await setup();
    const p = provisioner(paths, { terraform: "/nonexistent/terraform" });
    const pooled = await p.run({ kind: "deprovision", tenant: "acme", placement: { plan: "free", isolation: "pooled" } });
    expect(pooled).toEqual({ ok: true, detail: "main-pooled-eu-west-1: tenant `acme` has no resources of its own in this pooled stack; nothing to remove" });
    const move = await p.run({ kind: "move_data", tenant: "acme", from: { plan: "free", isolation: "pooled" }, to: { plan: "business", isolation: "bridge" } });
    expect(move.ok).toBe(false);
    expect(move.detail).toContain("does not move data");
    const unknown = await p.run({ kind: "provision", tenant: "acme", placement: { plan: "gold", isolation: "bridge" } });
    expect(unknown).toEqual({ ok: false, detail: expect.stringMatching(/^no compiled stack serves plan `gold` \(bridge\)\n= help: run `paybillc build`/) });
    const elsewhere = await p.run({ kind: "provision", tenant: "acme", placement: { plan: "business", isolation: "bridge", region: "us-east-1" } });
    expect(elsewhere.detail).toContain("no compiled stack serves plan `business` (bridge) in region `us-east-1`");
    const missing = await provisioner({ outDir: join(paths.outDir, "nowhere"), workDir: paths.workDir }).run(bridge("acme"));
    expect(missing.ok).toBe(false);
    expect(missing.detail).toMatch(/^there is no Terraform manifest at .*nowhere\/terraform\/manifest\.json\n= help: run `paybillc build <project>` first/);
    const noTerraform = await p.run(bridge("acme"));
    expect(noTerraform.ok).toBe(false);
    expect(noTerraform.detail).toContain("cannot run /nonexistent/terraform: spawn /nonexistent/terraform ENOENT");
  });
});
