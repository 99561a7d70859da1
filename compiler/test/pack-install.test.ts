/**
 * Paybill outside this repository: the four packages packed with `npm pack` (as a release
 * would publish them), a project made by the packed `paybillc init`, the tarballs installed
 * into it with npm (from the local cache where it can: `--prefer-offline`), and there
 * `check`, `test`, `build` and the generated SDK's type check (`npm run typecheck`) pass —
 * with the standard library, the runtime and the compiler all resolved inside the project,
 * none from this clone. A misspelt action in the host then fails the type check.
 *
 * Slow (an npm install): no timing assertion, a generous time limit. Build first
 * (`npx tsc -b`): the tarballs hold the packages' dist/.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

interface Ran {
  readonly code: number;
  readonly out: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((resolve) => {
    // No npm_* of an enclosing `npm test`: the project's own npm settings only.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    execFile(command, args, { cwd, env: { ...env, NO_COLOR: "1" }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

describe("the packed packages in a project of their own", () => {
  let work = "";
  let project = "";

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "paybill-pack-"));
    const packs = join(work, "packs");
    await mkdir(packs);
    const packed = await run(NPM, ["pack", "--workspace", "lang", "--workspace", "runtime", "--workspace", "server", "--workspace", "compiler", "--pack-destination", packs, "--silent"], ROOT);
    expect(packed.code, packed.out).toBe(0);
    const tarballs = (await readdir(packs)).sort();
    expect(tarballs).toEqual(["paybill-compiler-0.1.0.tgz", "paybill-lang-0.1.0.tgz", "paybill-runtime-0.1.0.tgz", "paybill-server-0.1.0.tgz"].map((t) => t.replace("0.1.0", VERSION)));
    // The repository keeps one standard library: the copy made for the pack is gone.
    expect(existsSync(join(ROOT, "lang", "stdlib"))).toBe(false);

    // The project as `paybillc init` makes it (this build: the code the tarball holds).
    const made = await run(process.execPath, [join(ROOT, "compiler", "bin", "paybillc.js"), "init", "shop"], work);
    expect(made.code, made.out).toBe(0);
    project = join(work, "shop");
    const installed = await run(NPM, ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", ...tarballs.map((t) => join(packs, t))], project);
    expect(installed.code, installed.out).toBe(0);
  }, 900_000);

  afterAll(async () => {
    if (work !== "") await rm(work, { recursive: true, force: true });
  });

  it("installs inside the project: nothing resolved from this clone", async () => {
    for (const name of ["lang", "runtime", "server", "compiler"]) {
      const dir = await realpath(join(project, "node_modules", "@paybill", name));
      expect(dir.startsWith(project + sep), dir).toBe(true);
    }
    expect(existsSync(join(project, "node_modules", "@paybill", "lang", "stdlib", "std", "isolation.paybill"))).toBe(true);
    const manifest = JSON.parse(await readFile(join(project, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    expect(Object.keys(manifest.devDependencies)).toContain("@paybill/compiler");
  });

  it("checks, tests, builds and type-checks the generated SDK there", async () => {
    const check = await run(NPM, ["run", "check"], project);
    expect(check.code, check.out).toBe(0);
    expect(check.out).toContain("checked 2 files, no problems");
    const test = await run(NPM, ["test"], project);
    expect(test.code, test.out).toBe(0);
    expect(test.out).toContain("2 tests passed, 0 failed");
    const build = await run(NPM, ["run", "build"], project);
    expect(build.code, build.out).toBe(0);
    expect(existsSync(join(project, "out", "sdk", "index.ts"))).toBe(true);
    const typecheck = await run(NPM, ["run", "typecheck"], project);
    expect(typecheck.code, typecheck.out).toBe(0);
    expect(typecheck.out).not.toMatch(/error TS\d+/);
  });

  it("a misspelt action in the host fails the type check", async () => {
    const host = join(project, "host.ts");
    const text = await readFile(host, "utf8");
    expect(text).toContain('action: "add_note"');
    await writeFile(host, text.replace('action: "add_note"', 'action: "add_nte"'));
    try {
      const typecheck = await run(NPM, ["run", "typecheck"], project);
      expect(typecheck.code).not.toBe(0);
      expect(typecheck.out).toMatch(/host\.ts\(\d+,\d+\): error TS\d+: .*add_nte/);
    } finally {
      await writeFile(host, text);
    }
  });
});

const VERSION = (JSON.parse(await readFile(join(ROOT, "compiler", "package.json"), "utf8")) as { version: string }).version;
