/**
 * `paybillc fmt`: rewriting, `--check`, and never touching a file that has errors.
 */
import { readdir, readFile, stat, chmod } from "node:fs/promises";
import { join } from "node:path";
import { format, SourceFile } from "@paybill/lang";
import { describe, expect, it } from "vitest";
import { paybillc, project, STACK_LINE, THREE_ERRORS } from "./support/cli.js";

const MESSY = "plan   free{price=0 usd per month\n features=[tickets]}\nagent support_bot{roles=[support]}\n";

function formatted(text: string): string {
  const result = format(new SourceFile("x.paybill", text));
  if (!result.ok) throw new Error("the fixture should format");
  return result.text;
}

describe("paybillc fmt", () => {
  it("the fixture really is unformatted", () => {
    expect(formatted(MESSY)).not.toBe(MESSY);
  });

  it("rewrites an unformatted file, lists it on stdout, and is then a no-op", async () => {
    const dir = await project({ "a.paybill": MESSY, "b.paybill": formatted(MESSY) });
    const run = await paybillc(["fmt"], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("a.paybill\n");
    expect(run.stderr).toBe("rewrote 1 of 2 files\n");
    expect(await readFile(join(dir, "a.paybill"), "utf8")).toBe(formatted(MESSY));
    expect((await readdir(dir)).sort()).toEqual(["a.paybill", "b.paybill"]); // no temp files left

    const again = await paybillc(["fmt"], dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("");
    expect((await paybillc(["fmt", "--check"], dir)).code).toBe(0);
  });

  it("keeps a rewritten file's permissions", async () => {
    const dir = await project({ "a.paybill": MESSY });
    await chmod(join(dir, "a.paybill"), 0o640);
    expect((await paybillc(["fmt"], dir)).code).toBe(0);
    expect((await stat(join(dir, "a.paybill"))).mode & 0o777).toBe(0o640);
  });

  it("--check lists unformatted files, writes nothing and exits 1", async () => {
    const dir = await project({ "src/a.paybill": MESSY, "src/b.paybill": formatted(MESSY), "c.paybill": MESSY });
    const run = await paybillc(["fmt", "--check"], dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("c.paybill\nsrc/a.paybill\n");
    expect(run.stderr).toBe("2 of 3 files not formatted; run `paybillc fmt` to rewrite them\n");
    expect(await readFile(join(dir, "src/a.paybill"), "utf8")).toBe(MESSY);
    expect(await readFile(join(dir, "c.paybill"), "utf8")).toBe(MESSY);
  });

  it("--check exits 0 when every file is formatted", async () => {
    const dir = await project({ "a.paybill": formatted(MESSY) });
    const run = await paybillc(["fmt", "--check"], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe("checked 1 file, all formatted\n");
  });

  it("leaves a file with syntax errors byte-identical, reports it with code frames and exits 1", async () => {
    const broken = `  ${THREE_ERRORS.replaceAll("\n", "\r\n")}\t`;
    const dir = await project({ "broken.paybill": broken, "ok.paybill": MESSY });
    const before = await readFile(join(dir, "broken.paybill"));
    const run = await paybillc(["fmt"], dir);
    expect(run.code).toBe(1);
    expect(Buffer.compare(await readFile(join(dir, "broken.paybill")), before)).toBe(0);
    expect(run.stderr).toContain("error[PB1002]: expected a value, found `=`\n  --> broken.paybill:1:20\n");
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.stdout).toBe("ok.paybill\n"); // the other file is still formatted
    expect(run.stderr.endsWith("rewrote 1 of 2 files; 1 file with errors left as it is\n")).toBe(true);

    const checked = await paybillc(["fmt", "--check", "broken.paybill"], dir);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toBe("");
    expect(Buffer.compare(await readFile(join(dir, "broken.paybill")), before)).toBe(0);
  });

  it("prints one JSON object with --format json", async () => {
    const dir = await project({ "a.paybill": MESSY, "bad.paybill": THREE_ERRORS });
    const run = await paybillc(["fmt", "--check", "--format", "json"], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("");
    const result = JSON.parse(run.stdout) as { unformatted: string[]; diagnostics: { code: string; file: string; line: number }[] };
    expect(result.unformatted).toEqual(["a.paybill"]);
    expect(result.diagnostics.map((d) => `${d.file}:${d.line} ${d.code}`)).toEqual(["bad.paybill:1 PB1002", "bad.paybill:2 PB1002", "bad.paybill:3 PB1001"]);
  });

  it("exits 2 for a path that does not exist", async () => {
    const dir = await project({});
    const run = await paybillc(["fmt", "nope"], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("paybillc: no such file or directory: nope\n");
  });
});
