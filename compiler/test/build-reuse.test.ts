/**
 * `paybillc build` reuses an emitter's output from the build record in `out/`
 * (project/build-record.ts): a second build of the same project reuses every stack, the
 * database schema and the SDK, and its output is byte for byte a fresh build's; a changed
 * input, an edited or deleted output file, or an unreadable record makes the emitter run
 * again for what changed, and only for that.
 */
import { cp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HELPDESK } from "./support/bundle.js";
import { paybillc, project } from "./support/cli.js";
import { emitTf } from "./support/terraform.js";

async function helpdeskCopy(): Promise<string> {
  const dir = await project();
  const left = [join(HELPDESK, "out"), join(HELPDESK, ".paybill")];
  await cp(HELPDESK, dir, { recursive: true, filter: (source) => !left.some((path) => source === path || source.startsWith(`${path}/`)) });
  return dir;
}

async function build(dir: string, out = "out"): Promise<string[]> {
  const run = await paybillc(["build", dir, "--out", join(dir, out), "--format", "json"], dir);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { reused: string[] }).reused;
}

/** Every file under `dir`, relative path → bytes. */
async function tree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path.slice(dir.length + 1), await readFile(path, "utf8"));
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const STACKS = [
  "terraform/primary-bridge-eu-west-1/cdk.tf.json",
  "terraform/primary-pooled-eu-west-1/cdk.tf.json",
  "terraform/primary-silo-eu-west-1/cdk.tf.json",
  "terraform/primary-silo-tenant-globex/cdk.tf.json",
  "terraform/secondary-silo-tenant-umbrella/cdk.tf.json",
];
const EVERYTHING = [...STACKS, "db/schema.ts", "sdk/index.ts"].sort();

describe("paybillc build reuses unchanged output", () => {
  it("reuses every piece on a second build, and writes what a fresh build writes", async () => {
    const dir = await helpdeskCopy();
    expect(await build(dir)).toEqual([]);
    expect((await build(dir)).sort()).toEqual(EVERYTHING);
    expect(await build(dir, "fresh")).toEqual([]);
    const again = await tree(join(dir, "out"));
    expect(again.has("build-record.json")).toBe(true);
    expect(again).toEqual(await tree(join(dir, "fresh")));
  });

  it("makes again what a changed input changes, and only that", async () => {
    const dir = await helpdeskCopy();
    await build(dir);
    const before = await tree(join(dir, "out"));
    // A tenant's region: its own stack changes; other stacks and the entities (so the schema) do not.
    const plans = join(dir, "plans.paybill");
    await writeFile(plans, (await readFile(plans, "utf8")).replace('tenant globex { plan = enterprise, region = "eu-central-1" }', 'tenant globex { plan = enterprise, region = "eu-west-1" }'));
    const reused = await build(dir);
    expect(reused).not.toContain("terraform/primary-silo-tenant-globex/cdk.tf.json");
    expect(reused).toContain("db/schema.ts");
    expect(reused).toContain("terraform/primary-pooled-eu-west-1/cdk.tf.json");
    expect(reused).toContain("terraform/secondary-silo-tenant-umbrella/cdk.tf.json");
    const after = await tree(join(dir, "out"));
    expect(after.get("terraform/primary-silo-tenant-globex/cdk.tf.json")).not.toBe(before.get("terraform/primary-silo-tenant-globex/cdk.tf.json"));
    expect(after.get("terraform/primary-silo-tenant-globex/cdk.tf.json")).toContain('"eu-west-1"');
    await build(dir, "fresh");
    expect(after).toEqual(await tree(join(dir, "fresh")));
  });

  it("makes the schema and the SDK again when an entity changes", async () => {
    const dir = await helpdeskCopy();
    await build(dir);
    const before = await tree(join(dir, "out"));
    const data = join(dir, "data.paybill");
    await writeFile(data, (await readFile(data, "utf8")).replace("  subject     string(max: 200)", "  subject     string(max: 200)\n  origin      string(max: 20)?"));
    const reused = await build(dir);
    expect(reused.sort()).toEqual(STACKS);
    const after = await tree(join(dir, "out"));
    expect(after.get("db/schema.ts")).toContain("origin");
    expect(after.get("sdk/index.ts")).toContain("origin");
    expect(before.get("db/schema.ts")).not.toContain("origin");
    await build(dir, "fresh");
    // The record differs (the fresh build found the new migration already in the folder).
    const fresh = await tree(join(dir, "fresh"));
    after.delete("build-record.json");
    fresh.delete("build-record.json");
    expect(after).toEqual(fresh);
  });

  it("makes a file again when it was edited or deleted since", async () => {
    const dir = await helpdeskCopy();
    await build(dir);
    const built = await tree(join(dir, "out"));
    const stack = "terraform/primary-pooled-eu-west-1/cdk.tf.json";
    await writeFile(join(dir, "out", stack), `${built.get(stack)} `);
    await rm(join(dir, "out", "sdk/index.ts"));
    await writeFile(join(dir, "out", "db/schema.ts"), "// edited\n");
    const reused = await build(dir);
    expect(reused).not.toContain(stack);
    expect(reused).not.toContain("sdk/index.ts");
    expect(reused).not.toContain("db/schema.ts");
    expect(reused.length).toBe(EVERYTHING.length - 3);
    expect(await tree(join(dir, "out"))).toEqual(built);
  });

  it("reuses nothing with an unreadable or foreign record, and still builds", async () => {
    const dir = await helpdeskCopy();
    await build(dir);
    const built = await tree(join(dir, "out"));
    await writeFile(join(dir, "out", "build-record.json"), "{ not json");
    expect(await build(dir)).toEqual([]);
    expect(await tree(join(dir, "out"))).toEqual(built);
    // A record naming a file outside the output directory is not believed.
    const record = JSON.parse(built.get("build-record.json") as string) as { entries: Record<string, { input: string; files: Record<string, string> }> };
    const entry = record.entries["sdk/index.ts"] as { input: string; files: Record<string, string> };
    entry.files = { "../plans.paybill": "sha256:0" };
    await writeFile(join(dir, "out", "build-record.json"), JSON.stringify(record));
    expect(await build(dir)).not.toContain("sdk/index.ts");
    expect(await tree(join(dir, "out"))).toEqual(built);
  });

  it("writes, for many stacks made in worker threads, the texts one thread makes", async () => {
    // 120 silo tenants: enough stacks for the built compiler to share them out to workers (emit/terraform/reuse.ts).
    const lines = [
      "import std.isolation.{silo, pooled}",
      'cloud aws primary { region = "eu-west-1" }',
      "plan free { price = 0, isolation = pooled }",
      "plan enterprise { price = custom, isolation = silo }",
      ...Array.from({ length: 120 }, (_, i) => `tenant t${String(i).padStart(3, "0")} { plan = enterprise }`),
    ];
    const text = `${lines.join("\n")}\n`;
    const dir = await project({ "app.paybill": text });
    await build(dir);
    const written = await tree(join(dir, "out"));
    const expected = emitTf({ [join(dir, "app.paybill")]: text });
    expect(expected.stacks.length).toBe(122);
    for (const stack of expected.stacks) expect(written.get(`terraform/${stack.spec.name}/cdk.tf.json`), stack.spec.name).toBe(stack.text);
  });
});
