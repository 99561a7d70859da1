/**
 * `paybillc init`: the starter project checks, is formatted, tests and builds clean, and its
 * paybill.json lets `tenants provision` run without flags; init never overwrites a file and
 * leaves nothing when it refuses.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STARTER } from "../src/commands/init.js";
import { paybillc, project } from "./support/cli.js";

describe("paybillc init", () => {
  it("writes a project that checks, is formatted, tests and builds clean, and provisions with its settings", async () => {
    const root = await project();
    const made = await paybillc(["init", "shop"], root);
    expect([made.code, made.stderr]).toEqual([0, "init: wrote project.paybill, tests.paybill, paybill.json, .gitignore, tsconfig.json, host.ts, package.json in shop\nnext: `paybillc check shop`, `paybillc test shop`, `paybillc build shop`; `npm install` there, then `npm run typecheck` type-checks host.ts against the generated SDK\n"]);
    const dir = join(root, "shop");
    expect((await readdir(dir)).sort()).toEqual([".gitignore", "host.ts", "package.json", "paybill.json", "project.paybill", "tests.paybill", "tsconfig.json"]);
    // The package depends on the Paybill packages of this compiler's release.
    const manifest = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { name: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const version = (JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
    expect(manifest.name).toBe("shop");
    expect(manifest.dependencies).toEqual({ "@paybill/runtime": `^${version}` });
    expect(manifest.devDependencies["@paybill/compiler"]).toBe(`^${version}`);
    for (const args of [["check", "shop"], ["fmt", "--check", "shop"], ["test", "shop"], ["build", "shop"]]) {
      const ran = await paybillc(args, root);
      expect(ran.code, `${args.join(" ")}: ${ran.stderr}${ran.stdout}`).toBe(0);
    }
    expect((await paybillc(["test", "shop"], root)).stdout).toContain("2 tests passed, 0 failed");
    // paybill.json names the dry-run provisioner: no flag needed.
    expect((await paybillc(["tenants", "onboard", "acme", "--plan", "free", "--project", "shop"], root)).code).toBe(0);
    const provisioned = await paybillc(["tenants", "provision", "acme", "--project", "shop"], root);
    expect(provisioned.code, provisioned.stderr).toBe(0);
    expect(provisioned.stdout).toMatch(/tenant `acme` is active\n$/);
  });

  it("never overwrites a file: refused with PB9011, the directory as it was", async () => {
    const root = await project({ "shop/tests.paybill": "// mine\n" });
    const refused = await paybillc(["init", "shop"], root);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error\[PB9011\]: `shop\/tests\.paybill` is already there; init writes nothing over an existing file, so nothing was written\n/);
    expect(await readdir(join(root, "shop"))).toEqual(["tests.paybill"]);
    expect(await readFile(join(root, "shop/tests.paybill"), "utf8")).toBe("// mine\n");
    expect(existsSync(join(root, "shop/project.paybill"))).toBe(false);
    // The working directory, holding other files but none of init's: written beside them.
    await writeFile(join(root, "notes.txt"), "keep\n");
    expect((await paybillc(["init"], root)).code).toBe(0);
    expect((await readdir(root)).sort()).toEqual([".gitignore", "host.ts", "notes.txt", "package.json", "paybill.json", "project.paybill", "shop", "tests.paybill", "tsconfig.json"]);
    expect(Object.keys(STARTER)).toEqual(["project.paybill", "tests.paybill", "paybill.json", ".gitignore", "tsconfig.json", "host.ts"]);
  });
});
