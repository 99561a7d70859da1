/**
 * `paybillc serve --control` and `paybillc serve tokens …` on the built helpdesk example
 * (spec/control-server.md): the first start on a database without tokens prints an operator
 * token once, which the API then takes (and nothing else); `/openapi.json` is served; a
 * host that is not loopback is refused without `--expose`; tokens are created with roles
 * (a bad role is PB9336), listed without the token, and revoked (an unknown id is PB9337);
 * SIGTERM stops the server with exit 0. `billing usage --stripe` prints the usage as Stripe
 * meter events and sends nothing without `--send` (which needs STRIPE_SECRET_KEY: PB9339).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtHelpdesk } from "./support/built-helpdesk.js";
import { BIN, STACK_LINE } from "./support/cli.js";

const example = builtHelpdesk("paybill-serve-control-");

/** Starts `serve --control` and waits for its URL line (or its exit). */
async function start(args: readonly string[]) {
  const child = spawn(process.execPath, [BIN, "serve", "--control", "--port", "0", "--project", "built", ...args], { cwd: example.root(), stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString("utf8");
      const found = /control API at (http:\/\/127\.0\.0\.1:\d+)\/api/.exec(err);
      if (found?.[1] !== undefined) resolve(found[1]);
    });
    child.once("exit", (code) => reject(new Error(`the server exited (${String(code)}):\n${err}`)));
  });
  return { child, url, stdout: () => out, stderr: () => err };
}

describe("paybillc serve --control", () => {
  it("prints a first operator token on a database without one; the API takes it and refuses no credentials", async () => {
    const server = await start(["--database", "first-db"]);
    try {
      const token = server.stdout().trim();
      expect(token).toMatch(/^pbt_[A-Za-z0-9_-]{43}$/);
      expect(server.stderr()).toContain("shown this once");
      const listed = await fetch(`${server.url}/api/tenants`, { headers: { authorization: `Bearer ${token}` } });
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { id: string }[]).map((t) => t.id)).toContain("initech");
      const onboarded = await fetch(`${server.url}/api/tenants`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ id: "acme", plan: "business" }) });
      expect(onboarded.status).toBe(200);
      const used = await fetch(`${server.url}/api/usage`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ tenant: "acme", metric: "seats", quantity: 2 }) });
      expect(used.status).toBe(200);
      const anonymous = await fetch(`${server.url}/api/tenants`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("content-type")).toBe("application/problem+json");
      const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
      expect(doc.openapi).toBe("3.1.0");
      expect(Object.keys(doc.paths)).toContain("/api/approvals/{id}/grant");
    } finally {
      server.child.kill("SIGTERM");
      const [code] = (await once(server.child, "exit")) as [number | null];
      expect(code).toBe(0);
      expect(server.stderr()).not.toMatch(STACK_LINE);
    }
    // A second start finds the token: no new one is printed.
    const again = await start(["--database", "first-db"]);
    again.child.kill("SIGTERM");
    await once(again.child, "exit");
    expect(again.stdout()).toBe("");

    // The usage as Stripe meter events: printed, one JSON per line, and sent nowhere without --send.
    const period = new Date().toISOString().slice(0, 7);
    const printed = await example.run(["billing", "usage", "--period", period, "--tenant", "acme", "--stripe", "--project", "built", "--database", "first-db"]);
    expect(printed.code).toBe(0);
    // At the period's last second: the first second of the next month, less one.
    const [year, month] = period.split("-").map(Number);
    const last = Date.UTC(year ?? 0, month ?? 0, 1) / 1000 - 1;
    expect(printed.stdout.trim().split("\n").map((line) => JSON.parse(line))).toEqual([
      { event_name: "paybill_agent_actions", identifier: `paybill:acme:agent_actions:${period}`, timestamp: last, payload: { stripe_customer_id: "acme", value: "0" } },
      { event_name: "paybill_seats", identifier: `paybill:acme:seats:${period}`, timestamp: last, payload: { stripe_customer_id: "acme", value: "2" } },
    ]);
    expect(printed.stderr).toContain("not sent (a dry run");
    const unkeyed = await example.run(["billing", "usage", "--period", period, "--stripe", "--send", "--project", "built", "--database", "first-db"]);
    expect(unkeyed.code).toBe(2);
    expect(unkeyed.stderr).toMatch(/^error\[PB9339\]/);
  });

  it("refuses a host that is not loopback without --expose, and --mcp with --control", async () => {
    const open = await example.run(["serve", "--control", "--host", "0.0.0.0", "--port", "0", "--project", "built", "--database", "expose-db"]);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/^error\[PBR251\]: refusing to serve the control API on `0\.0\.0\.0`/);
    const both = await example.run(["serve", "--control", "--mcp", "--project", "built"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give `--mcp` or `--control`, not both");
    const neither = await example.run(["serve", "--project", "built"]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/^error\[PB9201\]: `serve` needs a protocol/);
    const noAgent = await example.run(["serve", "--mcp", "--tenant", "initech"]);
    expect(noAgent.code).toBe(2);
    expect(noAgent.stderr).toContain("`serve --mcp` needs `--tenant` and `--agent`");
  });

  it("creates tokens with roles (shown once), lists them without the token, and revokes them", async () => {
    const db = ["--project", "built", "--database", join("tokens-db")];
    const bad = await example.run(["serve", "tokens", "create", "--role", "boss", ...db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error\[PB9336\]: `boss` is not a role/);
    const made = await example.run(["serve", "tokens", "create", "--role", "approver:finance", "--role", "auditor", "--label", "desk", "--format", "json", ...db]);
    expect(made.code).toBe(0);
    const record = JSON.parse(made.stdout) as { token: string; id: string; roles: string[] };
    expect(record.roles).toEqual(["approver:finance", "auditor"]);
    const listed = await example.run(["serve", "tokens", "list", ...db]);
    expect(listed.stdout).toContain(record.id);
    expect(listed.stdout).toContain("approver:finance,auditor");
    expect(listed.stdout).not.toContain(record.token);
    expect((await example.run(["serve", "tokens", "revoke", record.id, ...db])).code).toBe(0);
    expect((await example.run(["serve", "tokens", "list", ...db])).stdout).toContain("revoked");
    const unknown = await example.run(["serve", "tokens", "revoke", record.id, ...db]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error\[PB9337\]/);
  });
});
