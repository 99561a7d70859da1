/**
 * A stack's work directory `<workDir>/<stack>/`: the stack's `cdk.tf.json` and the
 * `terraform.tfvars.json` holding its tenant set, next to whatever terraform keeps there
 * (`.terraform/`, the local state). Both files are written to temporaries first and renamed
 * into place only when both are written, so a failure never leaves a stack file from one
 * preparation beside a tenant set from another.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { StackTenant } from "./types.js";

export const STACK_FILE = "cdk.tf.json";
export const VARS_FILE = "terraform.tfvars.json";
export const PLAN_FILE = "tfplan";

/**
 * Copies `stackFile` into `dir` and writes the tenant set (undefined: the stack takes no
 * `tenants` variable, and a stale tfvars file is removed). Removes a previous `tfplan`.
 */
export async function prepareWorkDir(dir: string, stackFile: string, tenants: Readonly<Record<string, StackTenant>> | undefined): Promise<void> {
  await mkdir(dir, { recursive: true });
  const stack = await readFile(stackFile);
  const suffix = `.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const files = [{ name: STACK_FILE, contents: stack as string | Buffer }];
  if (tenants !== undefined) files.push({ name: VARS_FILE, contents: `${JSON.stringify({ tenants: sorted(tenants) }, null, 2)}\n` });
  const written = files.map((f) => ({ ...f, temporary: join(dir, `${f.name}${suffix}`) }));
  try {
    for (const file of written) {
      const handle = await open(file.temporary, "w");
      try {
        await handle.writeFile(file.contents);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    await Promise.all(written.map((f) => rm(f.temporary, { force: true })));
    throw error;
  }
  await rm(join(dir, PLAN_FILE), { force: true });
  if (tenants === undefined) await rm(join(dir, VARS_FILE), { force: true });
  for (const file of written) await rename(file.temporary, join(dir, file.name));
}

function sorted(tenants: Readonly<Record<string, StackTenant>>): Record<string, StackTenant> {
  return Object.fromEntries(
    Object.keys(tenants)
      .sort()
      .map((name) => [name, { plan: tenants[name]?.plan ?? "" }]),
  );
}
