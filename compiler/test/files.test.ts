/**
 * File discovery, in process: what is found, what is skipped, and the names printed.
 */
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discover } from "../src/project/files.js";
import { project, VALID } from "./support/cli.js";

describe("discover", () => {
  it("takes an explicitly named file whatever its extension", async () => {
    const dir = await project({ "policy.txt": VALID });
    const found = await discover(["policy.txt"], dir);
    expect(found.files.map((f) => f.name)).toEqual(["policy.txt"]);
    expect(found.files[0]?.path).toBe(join(dir, "policy.txt"));
  });

  it("follows links to files but not to directories, so a cycle cannot hang it", async () => {
    const dir = await project({ "src/a.paybill": VALID, "shared/b.paybill": VALID });
    await symlink(join(dir, "shared/b.paybill"), join(dir, "src/b.paybill"));
    await symlink(dir, join(dir, "src/loop"));
    const found = await discover(["src"], dir);
    expect(found.files.map((f) => f.name)).toEqual(["src/a.paybill", "src/b.paybill"]);
    expect(found.diagnostics).toEqual([]);
  });

  it("walks a hidden or skipped directory when it is named explicitly", async () => {
    const dir = await project({ ".config/a.paybill": VALID, "out/b.paybill": VALID });
    const found = await discover([".config", "out"], dir);
    expect(found.files.map((f) => f.name)).toEqual([".config/a.paybill", "out/b.paybill"]);
  });

  it("normalizes names and reports every missing path", async () => {
    const dir = await project({ "src/a.paybill": VALID });
    const found = await discover(["./src/", "nope", "src/../src/a.paybill", "also-missing/x.paybill"], dir);
    expect(found.files.map((f) => f.name)).toEqual(["src/a.paybill"]);
    expect(found.missing).toEqual(["nope", "also-missing/x.paybill"]);
  });

  it("accepts absolute paths and prints them as given", async () => {
    const dir = await project({ "a.paybill": VALID });
    const found = await discover([dir], "/");
    expect(found.files.map((f) => f.name)).toEqual([`${dir}/a.paybill`]);
  });
});
