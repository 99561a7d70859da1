/**
 * `paybillc build`, run as a subprocess: it writes a bundle the runtime loads, the same
 * bytes every time and whatever the files are called, nothing at all on an error, and it
 * leaves the rest of the output directory alone.
 */
import { cp, mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readBundle } from "@paybill/runtime";
import { describe, expect, it } from "vitest";
import { HELPDESK } from "./support/bundle.js";
import { paybillc, project, STACK_LINE, VALID } from "./support/cli.js";

async function helpdeskCopy(): Promise<string> {
  const dir = await project();
  // Without what `npm run demo` and `npm run agent` leave behind (a previous build, a database).
  const left = [join(HELPDESK, "out"), join(HELPDESK, ".paybill")];
  await cp(HELPDESK, dir, { recursive: true, filter: (source) => !left.some((path) => source === path || source.startsWith(`${path}/`)) });
  return dir;
}

describe("paybillc build", () => {
  it("writes out/bundle.json in the project that the runtime loads, and says what it holds", async () => {
    const dir = await helpdeskCopy();
    const run = await paybillc(["build"], dir);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(
      /^built out\/bundle\.json: 4 entities, 9 actions, 16 policies, 2 workflows, 3 plans, 4 tenants \(sha256:[0-9a-f]{64}\)\nterraform: 5 stacks \(no previous build in this output directory to compare with\)\ndb: out\/db\/schema\.ts, 4 tables; [^\n]+\nsdk: out\/sdk\/index\.ts\n$/,
    );
    expect(run.code).toBe(0);
    const bundle = await readBundle(join(dir, "out/bundle.json"));
    expect(run.stderr).toContain(bundle.hash);
    expect(Object.keys(bundle.workflows)).toEqual(["resolve_ticket", "sort_inbox"]);
  });

  it("writes the same bytes on a second run and when the files are renamed", async () => {
    const first = await helpdeskCopy();
    const second = await helpdeskCopy();
    // Reverse the order the files are found in: z-…, y-…, x-…
    const names = (await readdir(second)).filter((n) => n.endsWith(".paybill")).sort();
    for (const [i, name] of names.entries()) await rename(join(second, name), join(second, `${String.fromCharCode(122 - i)}-${name}`));
    expect((await paybillc(["build"], first)).code).toBe(0);
    const once = await readFile(join(first, "out/bundle.json"));
    expect((await paybillc(["build"], first)).code).toBe(0);
    expect((await paybillc(["build", second, "--out", join(second, "elsewhere")], first)).code).toBe(0);
    expect(await readFile(join(first, "out/bundle.json"))).toEqual(once);
    expect(await readFile(join(second, "elsewhere/bundle.json"))).toEqual(once);
    // And the SDK (spec/sdk.md), generated from the same bundle.
    expect(await readFile(join(second, "elsewhere/sdk/index.ts"))).toEqual(await readFile(join(first, "out/sdk/index.ts")));
  });

  it("prints diagnostics as check does, exits 1 and writes nothing when the project has an error", async () => {
    const dir = await project({ "app.paybill": `${VALID}\npolicy p { permit nobody to ping }\n` });
    const build = await paybillc(["build"], dir);
    const check = await paybillc(["check"], dir);
    expect(build.code).toBe(1);
    expect(build.stderr).toBe(check.stderr.replace(/\n$/, "; nothing written\n"));
    expect(build.stderr).toContain("error[PB2002]: no agent is called `nobody`");
    expect(build.stderr).not.toMatch(STACK_LINE);
    expect(await readdir(dir)).toEqual(["app.paybill"]);
  });

  it("writes nothing when only the bundle sees the problem (one name in two modules)", async () => {
    const dir = await project({ "a.paybill": `package a\n${VALID}`, "b.paybill": "package b\nagent support_bot { roles = [x] }\n" });
    const run = await paybillc(["build", "--out", "nested/out"], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error[PB2001]: two agents are called `support_bot`");
    expect((await readdir(dir)).sort()).toEqual(["a.paybill", "b.paybill"]);
  });

  it("replaces only bundle.json in an existing output directory", async () => {
    const dir = await project({ "app.paybill": VALID });
    await mkdir(join(dir, "out/terraform"), { recursive: true });
    await writeFile(join(dir, "out/terraform/main.tf.json"), "{}");
    await writeFile(join(dir, "out/bundle.json"), "old");
    const run = await paybillc(["build", "--format", "json"], dir);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { bundle: string; hash: string; counts: Record<string, number>; diagnostics: unknown[] };
    expect(report.bundle).toBe("out/bundle.json");
    expect(report.counts).toEqual({ entities: 0, actions: 0, policies: 0, workflows: 0, plans: 1, tenants: 0 });
    // With the stacks and the build record (which piece was made from what: project/build-record.ts).
    expect((await readdir(join(dir, "out"))).sort()).toEqual(["build-record.json", "bundle.json", "terraform"]);
    expect(await readFile(join(dir, "out/terraform/main.tf.json"), "utf8")).toBe("{}");
    expect((await readBundle(join(dir, "out/bundle.json"))).hash).toBe(report.hash);
  });

  it("is a usage error (exit 2) to name a project that is not a directory, or an output that is a file", async () => {
    const dir = await project({ "app.paybill": VALID, "taken": "x" });
    const missing = await paybillc(["build", "nowhere"], dir);
    const file = await paybillc(["build", "app.paybill"], dir);
    const output = await paybillc(["build", "--out", "taken"], dir);
    const extra = await paybillc(["build", ".", "more"], dir);
    expect([missing.code, file.code, output.code, extra.code]).toEqual([2, 2, 2, 2]);
    expect(missing.stderr).toBe("paybillc: no such directory: nowhere\n");
    expect(file.stderr).toMatch(/is not a directory/);
    expect(output.stderr).toMatch(/^paybillc: cannot write taken\/bundle\.json: a part of the path is not a directory\n$/);
    expect(await readFile(join(dir, "taken"), "utf8")).toBe("x");
  });

  it("teaches itself in --help", async () => {
    const run = await paybillc(["build", "--help"], process.cwd());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("--out <dir>");
    expect(run.stdout).toContain("nothing is written");
    expect(run.stdout).toContain("$ paybillc build examples/helpdesk");
  });
});
