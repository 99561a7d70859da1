/**
 * `paybillc build` as CI runs it, on a fresh checkout (spec/infrastructure.md §7): the
 * isolation guard (PB9004) holds with no `out/`, because it compares with the committed
 * placements record, and an unreadable record stops the build (PB9008); `--check` writes
 * nothing and fails (PB9007) listing every file a build would change — in `out/` when it
 * exists, in `migrations/`, the record — and passes when all are up to date; and no build
 * leaves cdktn's `cdktf.out/` behind, in the working directory or anywhere else. A refusal's
 * exit status is held by a spawned run; set-up builds and repeated runs are made in process.
 */
import { existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HELPDESK } from "./support/bundle.js";
import { paybillc, project } from "./support/cli.js";
import { paybillcHere } from "./support/in-process.js";

/** The example as committed: sources, migrations, the placements record; no `out/`. */
async function checkout(): Promise<string> {
  const dir = await project();
  const skip = ["out", ".paybill", "agent"].map((name) => join(HELPDESK, name));
  await cp(HELPDESK, dir, { recursive: true, filter: (src) => !skip.some((path) => src === path || src.startsWith(`${path}/`)) });
  return dir;
}

async function edit(path: string, from: string, to: string): Promise<void> {
  const text = await readFile(path, "utf8");
  expect(text).toContain(from);
  await writeFile(path, text.replace(from, to));
}

/** Every file under `dir` with its size and modification time, to show nothing was written. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(dir, { recursive: true })) {
    const s = await stat(join(dir, name));
    if (s.isFile()) out[name] = `${s.size}:${s.mtimeMs}`;
  }
  return out;
}

describe("the isolation guard on a fresh checkout", () => {
  it("refuses a silo tenant declared pooled with no out/ to compare with (PB9004), unless allowed; then the record says where it is", async () => {
    const dir = await checkout();
    const record = JSON.parse(await readFile(join(dir, "paybill-placements.json"), "utf8"));
    expect(record.tenants.globex).toMatchObject({ isolation: "silo", stack: "primary-silo-tenant-globex" });
    await edit(join(dir, "plans.paybill"), "tenant globex { plan = enterprise", "tenant globex { plan = free");
    const refused = await paybillc(["build"], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error\[PB9004\]: tenant `globex` would move from silo to pooled isolation \(stack `primary-silo-tenant-globex` → `primary-pooled-eu-central-1`\)\n\s+--> plans\.paybill:\d+:8/);
    expect(existsSync(join(dir, "out"))).toBe(false);
    expect(JSON.parse(await readFile(join(dir, "paybill-placements.json"), "utf8"))).toEqual(record);
    // CI's frozen mode reports the same refusal.
    expect((await paybillcHere(["build", "--check"], dir)).stderr).toContain("error[PB9004]: tenant `globex` would move from silo to pooled");

    const allowed = await paybillcHere(["build", "--allow-isolation-change"], dir);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain("tenant `globex` moves from silo (primary-silo-tenant-globex) to pooled (primary-pooled-eu-central-1): its data must be moved");
    expect(JSON.parse(await readFile(join(dir, "paybill-placements.json"), "utf8")).tenants.globex).toMatchObject({ isolation: "pooled", plan: "free" });
    // The move is now the recorded state: a build from scratch passes.
    const again = await checkoutOf(dir);
    expect((await paybillcHere(["build"], again)).code).toBe(0);
  }, 300_000);

  it("refuses a placements record it cannot read (PB9008), writing nothing", async () => {
    const dir = await checkout();
    // The first through the binary (its exit status), the second in process.
    for (const [i, text] of ["{ not json", '{"format":"paybill-placements","version":1,"tenants":{"globex":{"plan":"enterprise"}}}'].entries()) {
      await writeFile(join(dir, "paybill-placements.json"), text);
      const run = await (i === 0 ? paybillc : paybillcHere)(["build"], dir);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error\[PB9008\]: the placements record paybill-placements\.json cannot be read: .+\n {2}= help: restore it from version control/);
      expect(existsSync(join(dir, "out"))).toBe(false);
    }
  }, 300_000);
});

/** A copy of `dir` without its `out/`, as a new clone of it would be. */
async function checkoutOf(dir: string): Promise<string> {
  const copy = await project();
  await cp(dir, copy, { recursive: true, filter: (src) => src !== join(dir, "out") && !src.startsWith(`${join(dir, "out")}/`) });
  return copy;
}

describe("paybillc build --check", () => {
  it("passes when up to date, fails listing what a build would change, and never writes", async () => {
    const dir = await checkout();
    // A fresh checkout: no out/ to compare, the committed files are up to date.
    const fresh = await paybillc(["build", "--check"], dir);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).toContain("note: there is no output directory out to compare; only the project's committed files were checked\n");
    expect(existsSync(join(dir, "out"))).toBe(false);

    expect((await paybillcHere(["build"], dir)).code).toBe(0);
    const built = await snapshot(dir);
    const upToDate = await paybillcHere(["build", "--check"], dir);
    expect(upToDate.code, upToDate.stderr).toBe(0);
    expect(upToDate.stderr).toMatch(/^up to date: \d+ files compared, nothing would change$/m);

    // A new entity field: the bundle, the schema, the SDK and a new migration would change.
    await edit(join(dir, "data.paybill"), "entity Ticket @table(\"tickets\") {", "entity Ticket @table(\"tickets\") {\n  urgency     int?");
    const stale = await paybillc(["build", "--check"], dir);
    expect(stale.code).toBe(1);
    for (const line of ["  changed out/bundle.json\n", "  changed out/db/schema.ts\n", "  changed out/sdk/index.ts\n"]) expect(stale.stderr).toContain(line);
    expect(stale.stderr).toMatch(/\n {2}added {3}migrations\/\d{4}_\w+\.sql\n/);
    expect(stale.stderr).toMatch(/error\[PB9007\]: the build is not up to date: \d+ files would change\n {2}= help: run `paybillc build` and commit what it writes/);
    const json = JSON.parse((await paybillcHere(["build", "--check", "--format", "json"], dir)).stdout);
    expect(json).toMatchObject({ upToDate: false, outputChecked: true, error: { code: "PB9007" } });
    expect(json.changes).toContainEqual({ path: "out/bundle.json", change: "changed" });
    // Only the source edit, nothing of the build.
    const after = await snapshot(dir);
    delete after["data.paybill"];
    delete built["data.paybill"];
    expect(after).toEqual(built);

    // Without out/ (CI), the new migration alone fails the check.
    const clone = await checkoutOf(dir);
    const ci = await paybillcHere(["build", "--check"], clone);
    expect(ci.code).toBe(1);
    expect(ci.stderr).toMatch(/\n {2}added {3}migrations\/\d{4}_\w+\.sql\n/);
    expect(ci.stderr).not.toContain("out/bundle.json");
  }, 300_000);

  it("fails when the committed placements record would change", async () => {
    const dir = await checkout();
    await edit(join(dir, "plans.paybill"), "tenant demo { plan = free }", "tenant demo { plan = free }\ntenant hooli { plan = free }");
    const run = await paybillc(["build", "--check"], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("  changed paybill-placements.json\n");
  }, 300_000);
});

describe("no cdktf.out", () => {
  it("a build from another working directory leaves no cdktf.out there, in the project or in the temporary directory", async () => {
    const cwd = await project();
    const temp = join(cwd, "tmp");
    await mkdir(temp);
    const dir = join(cwd, "proj");
    await cp(await checkout(), dir, { recursive: true });
    const run = await paybillc(["build", "proj"], cwd, { TMPDIR: temp });
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(dir, "out/terraform/manifest.json"))).toBe(true);
    const everything = await readdir(cwd, { recursive: true });
    expect(everything.filter((path) => path.split("/").includes("cdktf.out"))).toEqual([]);
    expect(await readdir(temp)).toEqual([]);
  }, 300_000);
});
