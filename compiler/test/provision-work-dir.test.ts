/**
 * A stack's work directory (server/src/provision/work-dir.ts): prepared with the stack
 * file and the tenant set, rewritten in full on the next preparation, and left exactly as
 * it was — no temporaries, no half of a preparation — when one fails.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StackEntry } from "../src/emit/terraform/manifest.js";
import { ownStack, prepareWorkDir } from "../../server/src/provision/work-dir.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "paybill-workdir-"));
  dirs.push(dir);
  return dir;
}

const contents = async (dir: string): Promise<Record<string, string>> =>
  Object.fromEntries(await Promise.all((await readdir(dir)).sort().map(async (f) => [f, await readFile(join(dir, f), "utf8")] as const)));

describe("prepareWorkDir", () => {
  it("writes the stack and the sorted tenant set; a stack without the variable loses a stale set and plan", async () => {
    const root = await temp();
    const stack = join(root, "cdk.tf.json");
    await writeFile(stack, '{"resource":{}}');
    const dir = join(root, "work/cell");
    await prepareWorkDir(dir, stack, { zed: { plan: "business" }, acme: { plan: "business" } });
    expect(await contents(dir)).toEqual({
      "cdk.tf.json": '{"resource":{}}',
      "terraform.tfvars.json": '{\n  "tenants": {\n    "acme": {\n      "plan": "business"\n    },\n    "zed": {\n      "plan": "business"\n    }\n  }\n}\n',
    });
    await writeFile(join(dir, "tfplan"), "old plan");
    await writeFile(join(dir, "terraform.tfstate"), "state");
    await prepareWorkDir(dir, stack, undefined);
    expect(await contents(dir)).toEqual({ "cdk.tf.json": '{"resource":{}}', "terraform.tfstate": "state" });
  });

  it("leaves the directory as it was when the preparation fails", async () => {
    const root = await temp();
    const stack = join(root, "cdk.tf.json");
    await writeFile(stack, "{}");
    const dir = join(root, "cell");
    await prepareWorkDir(dir, stack, { acme: { plan: "business" } });
    await writeFile(join(dir, "tfplan"), "plan");
    const before = await contents(dir);
    await expect(prepareWorkDir(dir, join(root, "missing.tf.json"), {})).rejects.toThrow(/ENOENT/);
    expect(await contents(dir)).toEqual(before);
  });

  it("keeps the stack's manifest entry beside it, so a tenant's own stack is found after it left the build, and destroys from the copy it has", async () => {
    const root = await temp();
    const stack = join(root, "cdk.tf.json");
    await writeFile(stack, '{"variable":{"offboarding":{"type":"bool"}}}');
    const entry = { file: "main-silo-tenant-umbrella/cdk.tf.json", mode: "tenant", tenants: ["umbrella"], plans: ["pro"] } as unknown as StackEntry;
    const work = join(root, "work");
    await prepareWorkDir(join(work, "main-silo-tenant-umbrella"), stack, undefined, { record: { name: "main-silo-tenant-umbrella", entry } });
    await prepareWorkDir(join(work, "main-bridge"), stack, { umbrella: { plan: "pro", offboarding: true } }, { record: { name: "main-bridge", entry: { ...entry, mode: "shared" } } });
    expect(await ownStack(work, "umbrella")).toEqual({ name: "main-silo-tenant-umbrella", entry });
    expect(await ownStack(work, "acme")).toBeUndefined();
    expect(await ownStack(join(root, "nowhere"), "umbrella")).toBeUndefined();
    expect(JSON.parse(await readFile(join(work, "main-bridge/terraform.tfvars.json"), "utf8"))).toEqual({ tenants: { umbrella: { plan: "pro", offboarding: true } } });
    // The build lost the stack: the copy in the work directory is used, with the offboarding variable.
    await rm(stack);
    await prepareWorkDir(join(work, "main-silo-tenant-umbrella"), undefined, undefined, { vars: { offboarding: true } });
    const dir = await contents(join(work, "main-silo-tenant-umbrella"));
    expect(dir["cdk.tf.json"]).toBe('{"variable":{"offboarding":{"type":"bool"}}}');
    expect(JSON.parse(dir["terraform.tfvars.json"] ?? "{}")).toEqual({ offboarding: true });
  });
});
