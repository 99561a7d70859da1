/**
 * One project convention for every command: the argument or `--project` (both: PB9018),
 * else the nearest `paybill.json` upwards, else the working directory; and the commands a
 * help line suggests run as printed from where the user is.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findProjectRoot, locatedProject, projectPaths } from "../src/project/locate.js";
import { STARTER } from "../src/commands/init.js";
import { paybillc, project } from "./support/cli.js";

const FILES = { "shop/project.paybill": STARTER["project.paybill"] as string, "shop/tests.paybill": STARTER["tests.paybill"] as string, "shop/paybill.json": "{}\n", "shop/src/deep/.keep": "" };

describe("locating the project", () => {
  it("is the nearest paybill.json upwards, else the working directory", async () => {
    const root = await project(FILES);
    expect(findProjectRoot(join(root, "shop/src/deep"))).toBe(join(root, "shop"));
    expect(locatedProject(join(root, "shop/src/deep"))).toBe("../..");
    expect(locatedProject(join(root, "shop"))).toBe(".");
    expect(locatedProject(root)).toBe(".");
    expect(projectPaths("check", ["a", "b"], undefined, root)).toEqual(["a", "b"]);
    expect(projectPaths("check", [], "shop", root)).toEqual(["shop"]);
    expect(() => projectPaths("build", ["shop"], "shop", root)).toThrow("the project is given twice: `shop` and `--project shop`");
  });

  it("check, test, build and explain from a folder inside the project work on the whole project", async () => {
    const root = await project(FILES);
    const deep = join(root, "shop/src/deep");
    const check = await paybillc(["check"], deep);
    expect([check.code, check.stderr]).toEqual([0, "checked 2 files, no problems\n"]);
    expect((await paybillc(["test"], deep)).stdout).toContain("2 tests passed, 0 failed");
    const build = await paybillc(["build", "--format", "json"], deep);
    expect(build.code, build.stderr).toBe(0);
    expect((await paybillc(["explain", "--agent", "assistant", "--format", "json"], deep)).code).toBe(0);
    // The same project by argument and by --project: the same bundle.
    const byArgument = await paybillc(["build", "shop", "--check"], root);
    const byOption = await paybillc(["build", "--project", "shop", "--check"], root);
    expect([byArgument.code, byOption.code]).toEqual([0, 0]);
    // Outside any project the working directory is the project, as before manifests.
    const elsewhere = await paybillc(["check"], root);
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.stderr).toBe("checked 2 files, no problems\n");
  });

  it("the runtime commands find it too; their help lines run as printed from where the user is", async () => {
    const root = await project(FILES);
    const deep = join(root, "shop/src/deep");
    const unbuilt = await paybillc(["tenants", "list"], deep);
    expect(unbuilt.code).toBe(2);
    expect(unbuilt.stderr).toBe(`error[PB9301]: there is no built bundle at ${join(root, "shop/out/bundle.json")}\n  = help: run \`paybillc build ../..\` first\n`);
    const suggested = /run `paybillc (build [^`]*)` first/.exec(unbuilt.stderr)?.[1]?.split(" ") ?? [];
    expect((await paybillc(suggested, deep)).code).toBe(0);
    // serve reads the project's bundle (refusing a tenant it lacks before any database opens), not ./out/bundle.json.
    for (const [args, cwd] of [[["--project", "shop"], root], [[], deep]] as const) {
      const served = await paybillc(["serve", "--mcp", "--tenant", "nobody", "--agent", "assistant", ...args], cwd);
      expect([served.code, served.stderr.split("\n")[0]]).toEqual([2, "error[PB9202]: there is no tenant `nobody`"]);
    }
    const onboarded = await paybillc(["tenants", "onboard", "acme", "--plan", "free"], deep);
    expect(onboarded.code, onboarded.stderr).toBe(0);
    // The same database from the root, by --project.
    const shown = await paybillc(["tenants", "show", "acme", "--project", "shop", "--format", "json"], root);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ tenant: { id: "acme", plan: "free" } });
  });

  it("the project given twice is PB9018, with the two ways to write it", async () => {
    const root = await project(FILES);
    await mkdir(join(root, "other"));
    for (const [args, help] of [
      [["build", "shop", "--project", "shop"], "give it once: `paybillc build shop` or `paybillc build --project shop`"],
      [["check", "shop", "--project", "shop"], "give it once: `paybillc check shop` or `paybillc check --project shop`"],
      [["replay", "shop", "--project", "shop", "--audit", "a", "--bundle", "b"], "give it once: `paybillc replay shop` or `paybillc replay --project shop`"],
    ] as const) {
      const ran = await paybillc([...args], root);
      expect(ran.code, args.join(" ")).toBe(2);
      expect(ran.stderr).toBe(`error[PB9018]: the project is given twice: \`shop\` and \`--project shop\`\n  = help: ${help}\n`);
    }
    const serve = await paybillc(["serve", "--mcp", "--tenant", "t", "--agent", "a", "--project", "shop", "--bundle", "x.json"], root);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toMatch(/^error\[PB9018\]: the bundle is given twice/);
  });
});
