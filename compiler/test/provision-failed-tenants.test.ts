/**
 * A tenant whose provisioning failed does not block its shared stack: the Terraform
 * provisioner's tenant set for another tenant's step leaves it out where its `provision`
 * step is still to do (a failed onboarding, the new placement of a failed plan change), keeps
 * it where it lives or where its new resources were made, and its own retry puts it back.
 * The registry is a real runtime (PGlite); terraform is a stand-in script that succeeds, so
 * what is checked is the tenant set written for each run.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkProject, SourceFile } from "@paybill/lang";
import { openRuntime, type Provisioner, type Runtime } from "@paybill/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { terraformProvisioner } from "../src/commands/provisioners.js";
import { emitBundle } from "../src/emit/bundle/index.js";
import { emitTerraform, manifestText } from "../src/emit/terraform/index.js";
import type { Io } from "../src/io.js";
import { cloudProject } from "./support/terraform.js";

const FAILING: Provisioner = { name: "failing", run: async () => ({ ok: false, detail: "quota exceeded" }) };
const BRIDGE = "main-bridge-eu-west-1";
const SILO = "main-silo-eu-west-1";

describe("a tenant whose provisioning failed", () => {
  let dir: string;
  let runtime: Runtime;
  let terraform: Provisioner;
  const previous = process.env.PAYBILL_TERRAFORM;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "paybill-failed-tenants-"));
    const checked = checkProject(Object.entries(cloudProject("aws", [])).map(([name, text]) => new SourceFile(name, text)));
    if (checked.model === undefined) throw new Error("the project does not check");
    const out = emitTerraform(checked.model);
    if (out === undefined) throw new Error("no stacks");
    for (const { spec, text } of out.stacks) {
      await mkdir(join(dir, "out/terraform", spec.name), { recursive: true });
      await writeFile(join(dir, "out/terraform", spec.name, "cdk.tf.json"), text);
    }
    await writeFile(join(dir, "out/terraform/manifest.json"), manifestText(out.manifest));
    // terraform that always succeeds: init, plan (no changes), output.
    await writeFile(join(dir, "terraform"), "#!/bin/sh\nexit 0\n");
    await chmod(join(dir, "terraform"), 0o755);
    process.env.PAYBILL_TERRAFORM = join(dir, "terraform");
    runtime = await openRuntime({ bundle: emitBundle(checked.model) });
    const io: Io = { cwd: dir, color: false, debug: false, out: () => {}, err: () => {} };
    terraform = terraformProvisioner(runtime, out.manifest, { outDir: join(dir, "out"), workDir: join(dir, "work"), apply: true, dataMoved: false, args: "" }, io);
  });

  afterAll(async () => {
    await runtime?.close();
    if (previous === undefined) delete process.env.PAYBILL_TERRAFORM;
    else process.env.PAYBILL_TERRAFORM = previous;
    await rm(dir, { recursive: true, force: true });
  });

  const tenantSet = async (stack: string) => (JSON.parse(await readFile(join(dir, "work", stack, "terraform.tfvars.json"), "utf8")) as { tenants: Record<string, unknown> }).tenants;

  it("is left out of the shared stack by another tenant's onboarding, and its retry puts it back", async () => {
    await runtime.tenants.onboard({ id: "broken", plan: "business" });
    expect((await runtime.tenants.provision("broken", FAILING)).tenant.state).toBe("provisioning_failed");
    await runtime.tenants.onboard({ id: "fine", plan: "business" });
    const fine = await runtime.tenants.provision("fine", terraform);
    expect(fine.tenant.state).toBe("active");
    expect(await tenantSet(BRIDGE)).toEqual({ fine: { plan: "business" } });
    const retried = await runtime.tenants.provision("broken", terraform);
    expect(retried.tenant.state).toBe("active");
    expect(await tenantSet(BRIDGE)).toEqual({ broken: { plan: "business" }, fine: { plan: "business" } });
  });

  it("after a failed plan change stays where it lives, and is on the new stack only once its resources were made there", async () => {
    await runtime.tenants.onboard({ id: "mover", plan: "business" });
    expect((await runtime.tenants.provision("mover", terraform)).tenant.state).toBe("active");
    await runtime.tenants.changePlan("mover", "enterprise");
    expect((await runtime.tenants.provision("mover", FAILING)).tenant.state).toBe("provisioning_failed");
    await runtime.tenants.onboard({ id: "silo1", plan: "enterprise" });
    expect((await runtime.tenants.provision("silo1", terraform)).tenant.state).toBe("active");
    expect(await tenantSet(SILO)).toEqual({ silo1: { plan: "enterprise" } });
    await runtime.tenants.onboard({ id: "other", plan: "business" });
    expect((await runtime.tenants.provision("other", terraform)).tenant.state).toBe("active");
    expect(Object.keys(await tenantSet(BRIDGE))).toContain("mover");

    // The retry provisions the new stack, then stops at the data move: its new resources exist, so it stays in the set.
    const stopped = await runtime.tenants.provision("mover", terraform);
    expect(stopped.tenant.state).toBe("provisioning_failed");
    expect(stopped.steps.map((s) => [s.step.kind, s.outcome.ok])).toEqual([
      ["provision", true],
      ["move_data", false],
    ]);
    await runtime.tenants.onboard({ id: "silo2", plan: "enterprise" });
    expect((await runtime.tenants.provision("silo2", terraform)).tenant.state).toBe("active");
    expect(await tenantSet(SILO)).toEqual({ mover: { plan: "enterprise" }, silo1: { plan: "enterprise" }, silo2: { plan: "enterprise" } });
  });
});
