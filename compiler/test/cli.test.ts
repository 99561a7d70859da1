/**
 * The command line itself: help, version, usage errors (exit 2) and internal errors.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli.js";
import type { Io } from "../src/io.js";
import { paybillc, project, STACK_LINE, THREE_ERRORS, VALID } from "./support/cli.js";

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

/** An in-process Io that records what is printed. */
function recorder(cwd: string, overrides: Partial<Io> = {}): Io & { readonly stdout: string[]; readonly stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { cwd, color: false, debug: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t), stdout, stderr, ...overrides };
}

describe("paybillc", () => {
  it("--version prints the package version", async () => {
    const run = await paybillc(["--version"], process.cwd());
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${manifest.version}\n`);
  });

  it("--help describes the commands, the exit codes and gives examples", async () => {
    const run = await paybillc(["--help"], process.cwd());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: paybillc/);
    expect(run.stdout).toMatch(/check \[options\] \[paths\.\.\.\]\s+parse a project/);
    expect(run.stdout).toMatch(/fmt \[options\] \[paths\.\.\.\]\s+rewrite/);
    expect(run.stdout).toContain("Examples:");
    expect(run.stdout).toContain("2 usage or internal error");
  });

  it("each command's help lists its options and examples", async () => {
    const check = await paybillc(["check", "--help"], process.cwd());
    expect(check.code).toBe(0);
    expect(check.stdout).toContain("--format <format>");
    expect(check.stdout).toMatch(/choices: "text", "json", "sarif",\s+default:\s+"text"/);
    expect(check.stdout).toContain("$ paybillc check --format json");
    const fmt = await paybillc(["help", "fmt"], process.cwd());
    expect(fmt.code).toBe(0);
    expect(fmt.stdout).toContain("--check");
    expect(fmt.stdout).toContain("$ paybillc fmt --check");
  });

  it.each([
    ["no command", []],
    ["an unknown command", ["chek"]],
    ["an unknown option", ["check", "--fast"]],
    ["an invalid --format", ["check", "--format", "xml"]],
  ])("exits 2 for %s, without a stack trace", async (_name, args) => {
    const dir = await project({ "a.paybill": VALID });
    const run = await paybillc(args, dir);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toBe("");
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it("suggests the command meant by a typo", async () => {
    const run = await paybillc(["chek"], process.cwd());
    expect(run.stderr).toContain("(Did you mean check?)");
  });
});

describe("main", () => {
  it("turns an unexpected exception into one line and exit 2", async () => {
    const dir = await project({ "a.paybill": VALID });
    const io = recorder(dir, {
      out: () => {
        throw new Error("stdout is gone");
      },
    });
    expect(await main(["check", "--format", "json"], io)).toBe(2);
    expect(io.stderr.join("")).toBe("paybillc: internal error: stdout is gone\nrun again with PAYBILL_DEBUG=1 for details, and please report it\n");
  });

  it("shows the stack of an internal error only when debugging", async () => {
    const dir = await project({ "a.paybill": VALID });
    const io = recorder(dir, {
      debug: true,
      out: () => {
        throw new Error("stdout is gone");
      },
    });
    expect(await main(["check", "--format", "json"], io)).toBe(2);
    expect(io.stderr.join("")).toMatch(STACK_LINE);
  });

  it("colours code frames when asked to", async () => {
    const dir = await project({ "bad.paybill": THREE_ERRORS });
    const io = recorder(dir, { color: true });
    expect(await main(["check"], io)).toBe(1);
    expect(io.stderr.join("")).toContain("\u001b[1;31merror[PB1002]\u001b[0m");
  });
});
