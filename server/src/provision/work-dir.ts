/**
 * A stack's work directory `<workDir>/<stack>/`: the stack's `cdk.tf.json`, the
 * `terraform.tfvars.json` holding its tenant set (and `offboarding` while a tenant's own
 * stack is destroyed), and `paybill-stack.json`, the stack's manifest entry — next to
 * whatever terraform keeps there (`.terraform/`, the local state). The files are written to
 * temporaries first and renamed into place only when all are written, so a failure never
 * leaves a stack file from one preparation beside a tenant set from another.
 *
 * The copy of the stack file is what destroys a static silo tenant's own stack after the
 * tenant left the sources: the next build no longer has the stack (write-build removes its
 * `cdk.tf.json` from the output), the work directory still does (`ownStack`).
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { StackEntry } from "./manifest.js";
import type { StackTenant } from "./types.js";

export const STACK_FILE = "cdk.tf.json";
export const VARS_FILE = "terraform.tfvars.json";
export const PLAN_FILE = "tfplan";
export const RECORD_FILE = "paybill-stack.json";

export interface PrepareOptions {
  /** The stack's manifest entry, kept as `paybill-stack.json`. */
  readonly record?: { readonly name: string; readonly entry: StackEntry };
  /** Variables besides `tenants` (`offboarding`). */
  readonly vars?: Readonly<Record<string, unknown>>;
}

/**
 * Copies `stackFile` into `dir` (undefined: keeps the copy there) and writes the tenant set
 * (undefined: the stack takes no `tenants` variable) with `options.vars`; with neither a
 * stale tfvars file is removed. Removes a previous `tfplan`.
 */
export async function prepareWorkDir(
  dir: string,
  stackFile: string | undefined,
  tenants: Readonly<Record<string, StackTenant>> | undefined,
  options: PrepareOptions = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const stack = await readFile(stackFile ?? join(dir, STACK_FILE));
  const suffix = `.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const files = [{ name: STACK_FILE, contents: stack as string | Buffer }];
  const vars = { ...(tenants === undefined ? {} : { tenants: sorted(tenants) }), ...options.vars };
  const hasVars = Object.keys(vars).length > 0;
  if (hasVars) files.push({ name: VARS_FILE, contents: `${JSON.stringify(vars, null, 2)}\n` });
  if (options.record !== undefined) files.push({ name: RECORD_FILE, contents: `${JSON.stringify(options.record, null, 2)}\n` });
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
  if (!hasVars) await rm(join(dir, VARS_FILE), { force: true });
  for (const file of written) await rename(file.temporary, join(dir, file.name));
}

function sorted(tenants: Readonly<Record<string, StackTenant>>): Record<string, StackTenant> {
  return Object.fromEntries(
    Object.keys(tenants)
      .sort()
      .map((name) => [name, { plan: tenants[name]?.plan ?? "", ...(tenants[name]?.offboarding === true ? { offboarding: true } : {}) }]),
  );
}

/** The tenant's own stack (`mode: tenant`) as a work directory under `workDir` records it, or undefined. */
export async function ownStack(workDir: string, tenant: string): Promise<{ name: string; entry: StackEntry } | undefined> {
  let names: string[];
  try {
    names = (await readdir(workDir)).sort();
  } catch {
    return undefined;
  }
  for (const name of names) {
    let record: { name?: unknown; entry?: Partial<StackEntry> };
    try {
      record = JSON.parse(await readFile(join(workDir, name, RECORD_FILE), "utf8"));
    } catch {
      continue;
    }
    const entry = record.entry;
    if (record.name === name && entry?.mode === "tenant" && Array.isArray(entry.tenants) && entry.tenants.includes(tenant)) return { name, entry: entry as StackEntry };
  }
  return undefined;
}
