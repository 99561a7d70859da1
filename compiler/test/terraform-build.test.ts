/**
 * `paybillc build` and its Terraform output, run as a subprocess: the stacks and manifest it
 * writes, the change summary against the previous build, the refusal of an unplanned
 * isolation move (nothing written), and what it never deletes (state beside a stack, files
 * an edited manifest names).
 */
import { cp, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HELPDESK } from "./support/bundle.js";
import { paybillc, project } from "./support/cli.js";

async function helpdeskCopy(): Promise<string> {
  const dir = await project();
  await cp(HELPDESK, dir, { recursive: true, filter: (src) => !src.includes(`${HELPDESK}/out`) });
  return dir;
}

async function addTenants(dir: string, text: string): Promise<void> {
  const plans = join(dir, "plans.paybill");
  await writeFile(plans, `${await readFile(plans, "utf8")}${text}\n`);
}

describe("paybillc build: terraform", () => {
  it("writes a stack per cell and a manifest, then reports what one new tenant changed", async () => {
    const dir = await helpdeskCopy();
    expect((await paybillc(["build"], dir)).code).toBe(0);
    const stacks = (await readdir(join(dir, "out/terraform"))).sort();
    expect(stacks).toEqual(["manifest.json", "primary-bridge-eu-west-1", "primary-pooled-eu-west-1", "primary-silo-eu-west-1", "primary-silo-tenant-globex", "secondary-silo-tenant-umbrella"]);
    const before = await readFile(join(dir, "out/terraform/primary-pooled-eu-west-1/cdk.tf.json"));
    await addTenants(dir, "tenant acme { plan = enterprise }\ntenant hooli { plan = business }");
    const run = await paybillc(["build"], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("terraform: 6 stacks; since the previous build 1 added, 0 removed, 1 changed, 4 unchanged\n");
    expect(run.stderr).toContain("  stacks added: primary-silo-tenant-acme\n  stacks changed: primary-bridge-eu-west-1\n  tenants added: acme, hooli\n");
    expect(await readFile(join(dir, "out/terraform/primary-pooled-eu-west-1/cdk.tf.json"))).toEqual(before);
    const manifest = JSON.parse(await readFile(join(dir, "out/terraform/manifest.json"), "utf8"));
    expect(manifest.tenants.hooli).toEqual({ plan: "business", isolation: "bridge", cloud: "primary", region: "eu-west-1", stack: "primary-bridge-eu-west-1" });
  });

  it("refuses a plan change that moves a tenant between isolation models, unless told, and writes nothing", async () => {
    const dir = await helpdeskCopy();
    expect((await paybillc(["build"], dir)).code).toBe(0);
    const bundle = await readFile(join(dir, "out/bundle.json"));
    const plans = join(dir, "plans.paybill");
    await writeFile(plans, (await readFile(plans, "utf8")).replace("tenant demo { plan = free }", "tenant demo { plan = enterprise }"));
    const refused = await paybillc(["build"], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /error\[PB9004\]: tenant `demo` would move from pooled to silo isolation \(stack `primary-pooled-eu-west-1` → `primary-silo-tenant-demo`\)\n\s+--> plans\.paybill:\d+:8/,
    );
    expect(refused.stderr).toContain("`--allow-isolation-change`; nothing written");
    expect(await readFile(join(dir, "out/bundle.json"))).toEqual(bundle);
    expect(await readdir(join(dir, "out/terraform"))).not.toContain("primary-silo-tenant-demo");
    const allowed = await paybillc(["build", "--allow-isolation-change"], dir);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain("tenant `demo` moves from pooled (primary-pooled-eu-west-1) to silo (primary-silo-tenant-demo): its data must be moved");
    expect(await readdir(join(dir, "out/terraform"))).toContain("primary-silo-tenant-demo");
  });

  it("removes a dropped stack's file but keeps the state beside it, and believes no path an edited manifest names", async () => {
    const dir = await helpdeskCopy();
    await addTenants(dir, "tenant acme { plan = enterprise }");
    expect((await paybillc(["build"], dir)).code).toBe(0);
    await writeFile(join(dir, "out/terraform/primary-silo-tenant-acme/terraform.tfstate"), "{}");
    await writeFile(join(dir, "keep.txt"), "mine");
    const manifestPath = join(dir, "out/terraform/manifest.json");
    const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
    manifest.stacks.evil = { ...manifest.stacks["primary-pooled-eu-west-1"], file: "../../../keep.txt" };
    await writeFile(manifestPath, JSON.stringify(manifest));
    const plans = join(dir, "plans.paybill");
    await writeFile(plans, (await readFile(plans, "utf8")).replace("tenant acme { plan = enterprise }", ""));
    const run = await paybillc(["build", "--format", "json"], dir);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.terraform.changes.stacks.removed).toEqual(["evil", "primary-silo-tenant-acme"]);
    expect(report.terraform.changes.tenants.removed).toEqual(["acme"]);
    expect(await readdir(join(dir, "out/terraform/primary-silo-tenant-acme"))).toEqual(["terraform.tfstate"]);
    expect(await readFile(join(dir, "keep.txt"), "utf8")).toBe("mine");
  });

  it("writes no terraform folder for a project without clouds", async () => {
    const dir = await project({ "app.paybill": "agent bot { roles = [support] }\n" });
    expect((await paybillc(["build"], dir)).code).toBe(0);
    expect(await readdir(join(dir, "out"))).toEqual(["bundle.json"]);
  });
});
