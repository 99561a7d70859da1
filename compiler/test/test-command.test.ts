/**
 * `paybillc test` and `paybillc explain`, run as a user runs them: the example's tests pass,
 * a policy broken on purpose makes the tests that depend on it fail (exit 1, the test named,
 * what was expected and what came), and `explain` shows the rules behind a decision.
 */
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { testUuid } from "../src/testing/values.js";
import { paybillc, project, STACK_LINE } from "./support/cli.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const HELPDESK = join(root, "examples", "helpdesk");

async function helpdeskCopy(edit?: (file: string, text: string) => string): Promise<string> {
  const dir = await project();
  await cp(HELPDESK, dir, { recursive: true });
  if (edit !== undefined) {
    for (const file of ["policies.paybill", "tests.paybill", "workflows.paybill"]) {
      const path = join(dir, file);
      await writeFile(path, edit(file, await readFile(path, "utf8")));
    }
  }
  return dir;
}

describe("paybillc test", () => {
  it("passes every test of the helpdesk example", async () => {
    const run = await paybillc(["test", "examples/helpdesk"], root);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/✓ support closes an open ticket/);
    expect(run.stdout).toMatch(/✓ an escalated refund waits for finance/);
    expect(run.stdout).not.toMatch(/✗/);
    expect(run.stdout).toMatch(/\n\d+ tests passed, 0 failed/);
    expect(run.code).toBe(0);
  });

  it("fails when a policy is broken on purpose, naming the test, the expectation and the outcome", async () => {
    // The finance limit moves from 100 to 1000: a bot may now refund 250 without approval.
    const dir = await helpdeskCopy((file, text) => (file === "policies.paybill" ? text.replace("input.amount > 100.0", "input.amount > 1000.0") : text));
    const run = await paybillc(["test", "."], dir);
    expect(run.stdout).toMatch(/✗ bot cannot refund 250 without finance\n\s+expected deny by `refunds_need_finance_over_100`, got allow by `bots_refund_small_amounts`\n\s+at tests\.paybill:\d+:\d+/);
    expect(run.stdout).toMatch(/✓ support closes an open ticket/);
    expect(run.stdout).toMatch(/[1-9]\d* failed/);
    expect(run.code).toBe(1);
  });

  it("fails when the expected deciding policy is not the one that decided", async () => {
    const dir = await helpdeskCopy((file, text) =>
      file === "tests.paybill" ? text.replace("expect deny by never_ask_for_credentials", "expect deny by tags_from_vocabulary") : text,
    );
    const run = await paybillc(["test", "."], dir);
    expect(run.stdout).toMatch(/✗ no agent asks for a password\n\s+expected deny by `tags_from_vocabulary`, got deny by `never_ask_for_credentials`/);
    expect(run.code).toBe(1);
  });

  it("reports the project's errors instead of running tests, exit 1", async () => {
    const dir = await helpdeskCopy((file, text) => (file === "tests.paybill" ? text.replace("do close_ticket", "do close_tickets") : text));
    const run = await paybillc(["test", "."], dir);
    expect(run.stderr).toMatch(/PB2002/);
    expect(run.stdout).toBe("");
    expect(run.code).toBe(1);
  });

  it("prints machine-readable results with --format json", async () => {
    const run = await paybillc(["test", "examples/helpdesk", "--format", "json", "--filter", "refund"], root);
    const json = JSON.parse(run.stdout) as { passed: number; failed: number; tests: { name: string; passed: boolean; got: { decision: string } }[] };
    expect(json.failed).toBe(0);
    expect(json.tests.length).toBeGreaterThan(2);
    expect(json.tests.every((t) => t.name.includes("refund") && t.passed)).toBe(true);
    expect(run.code).toBe(0);
  });
});

describe("paybillc test with policies of one name in two packages", () => {
  it("names each `<package>.<name>`, and `expect … by p` means the package's own `p`", async () => {
    const dir = await project({
      "a.paybill": "package a\nimport std.isolation.{pooled}\nplan free { price = 0, isolation = pooled }\nagent bot {}\naction go { input { n: int } }\npolicy p { permit bot to go }\ntenant acme { plan = free }\n",
      "b.paybill": "package b\nimport a.{bot, go, acme}\npolicy p { forbid bot to go when input.n > 10 }\ntest \"big\" {\n  as bot\n  tenant acme\n  do go { n: 11 }\n  expect deny by p\n}\ntest \"small\" {\n  as bot\n  tenant acme\n  do go { n: 1 }\n  expect allow\n}\n",
    });
    const run = await paybillc(["test", dir], root);
    expect(run.stderr, run.stdout).not.toMatch(STACK_LINE);
    expect([run.code, run.stdout]).toEqual([0, expect.stringMatching(/2 tests passed/)]);
    // `by p` in package b is b's `p`, named `b.p` in the bundle: a's `p` does not satisfy it.
    await writeFile(join(dir, "b.paybill"), (await readFile(join(dir, "b.paybill"), "utf8")).replace("input.n > 10", "input.n > 100"));
    const wrong = await paybillc(["test", dir], root);
    expect([wrong.code, wrong.stdout]).toEqual([1, expect.stringContaining("expected deny by `b.p`, got allow")]);
  });
});

describe("paybillc explain", () => {
  it("shows the decision, the rule that made it, where it is written and its condition", async () => {
    const dir = await project({
      "request.json": JSON.stringify({
        tenant: "globex",
        agent: "support_bot",
        action: "refund",
        input: { ticket: "6f1c1a52-3c55-4a5e-9d0b-6f1f0e0b7a11", amount: 250.0, reason: "broken" },
        workflow: { name: "resolve_ticket", state: "resolve" },
      }),
    });
    const run = await paybillc(["explain", HELPDESK, "--request", join(dir, "request.json")], root);
    expect(run.stdout).toMatch(/^deny: support_bot may not refund for tenant globex/);
    expect(run.stdout).toMatch(/forbid\s+refunds_need_finance_over_100\s+examples\/helpdesk\/policies\.paybill:\d+:\d+/);
    expect(run.stdout).toMatch(/when input\.amount > 100\.0/);
    expect(run.code).toBe(1);
  });

  it("refuses a request file that is not a request, saying what is wrong and what one looks like", async () => {
    const dir = await project({ "bad.json": '{"agent": "support_bot"}', "broken.json": "{ nope" });
    for (const [file, message] of [
      ["bad.json", /`action` must be a string/],
      ["broken.json", /the request is not JSON/],
      ["missing.json", /cannot read the request file `.*missing\.json`: no such file/],
    ] as const) {
      const run = await paybillc(["explain", HELPDESK, "--request", join(dir, file)], root);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(STACK_LINE);
      expect(run.code).toBe(2);
    }
  });
});

describe("test ids", () => {
  it("a name becomes a stable, well-formed UUID; a UUID stays itself; different names differ", () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(testUuid(a)).toMatch(uuid);
        expect(testUuid(a)).toBe(testUuid(a));
        expect(testUuid(testUuid(a))).toBe(testUuid(a));
        if (a !== b) expect(testUuid(a)).not.toBe(testUuid(b));
      }),
    );
    fc.assert(fc.property(fc.uuid(), (u) => testUuid(u) === u));
  });
});
