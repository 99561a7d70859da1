/**
 * The console in a real browser (Debian's Chromium through playwright-core) against a real
 * control server (`startControlServer`, as `paybillc serve --control` starts it) on a runtime
 * on PGlite, serving the built console. The test is also the agent's host: it acts, and
 * resumes an approval once the console granted it, on the same runtime.
 *
 * An operator who is also an approver for `finance` onboards a tenant and provisions it, sees
 * a pending refund with the rules behind it, grants it and sees the run resume; sees a denied
 * refund's explanation and the audit chain verified. Screenshots go to .ci/artifacts/console/.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createApiToken, installControlTables, startControlServer, type ControlServer } from "@paybill/server";
import type { Runtime as PackageRuntime } from "@paybill/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRuntime, type Runtime } from "../../runtime/src/runtime.js";
import { entityTablesSql } from "../../runtime/src/store/entity-tables.js";
import { storeBundle } from "../../runtime/test/support/store-bundle.js";
import { seedTicket } from "../../runtime/test/support/store-db.js";
import { type ConsoleBrowser, openBrowser } from "./support/browser.js";

const CONSOLE = fileURLToPath(new URL("../", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/", import.meta.url));
const TENANT = "initech";

describe("the console in Chromium", () => {
  let runtime: Runtime;
  let server: ControlServer;
  let browser: ConsoleBrowser;
  let token: string;

  beforeAll(async () => {
    // `npm install` builds the console (the root `prepare`); a fresh checkout without it builds here.
    if (!existsSync(`${DIST}index.html`)) execFileSync("npm", ["run", "build", "--silent"], { cwd: CONSOLE, stdio: "inherit" });
    runtime = await openRuntime({ bundle: storeBundle() });
    await runtime.database.exec(entityTablesSql(runtime.bundle));
    await installControlTables(runtime.database);
    token = (await createApiToken(runtime.database, { roles: ["operator", "approver:finance"], label: "console test" })).token;
    // The runtime as the server's package sees it (the same class: vitest resolves @paybill/runtime to its source).
    server = await startControlServer(runtime as unknown as PackageRuntime, { host: "127.0.0.1", port: 0, consoleDir: DIST });
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await runtime?.close();
  });

  const page = () => browser.page;
  const open = async (hash: string) => {
    await page().goto(`${server.url}/${hash}`);
  };

  it("onboards a tenant and sees it provisioned", async () => {
    await open("#/tenants");
    await page().getByLabel("API token").fill(token);
    await page().getByRole("button", { name: "Use token" }).click();
    await expect.poll(() => page().locator("[data-tenant=acme]").count()).toBe(1);

    await page().getByPlaceholder("new tenant id").fill(TENANT);
    await page().locator("select[name=plan]").selectOption("business");
    await page().getByRole("button", { name: "Onboard" }).click();
    await expect.poll(() => page().getByTestId("tenant-state").textContent()).toBe("pending");
    expect(await page().getByTestId("provisioning").textContent()).toContain("provision");
    await browser.shot("1-tenant-onboarded");

    await page().getByRole("button", { name: "Provision" }).click();
    await expect.poll(() => page().getByTestId("tenant-state").textContent()).toBe("active");
    expect(await page().getByTestId("provisioning").textContent()).toBe("No provisioning under way.");
    const history = await page().getByTestId("history").locator("tbody tr").allTextContents();
    expect(history[0]).toContain("onboard");
    expect(history.at(-1)).toContain("→ active");
    expect(history.join("\n")).toContain("token:");
    expect(await page().getByTestId("usage-chart").locator("canvas").count()).toBe(1);
    expect((await runtime.tenants.get(TENANT))?.state).toBe("active");
    await browser.shot("2-tenant-provisioned");
  });

  it("grants a pending refund from the console, and the run resumes once", async () => {
    const run = await runtime.runs.start({ workflow: "resolve_ticket", tenant: TENANT });
    await runtime.runs.next(run.id, "escalate");
    const ticket = await seedTicket(runtime, TENANT);
    const pending = await runtime.act({ tenant: TENANT, agent: "support_bot", action: "refund", input: { ticket, amount: 250 }, run: run.id });
    expect(pending.decision).toBe("pending");
    const id = pending.approvalId ?? "";

    await open("#/approvals");
    const card = page().locator(`[data-approval="${id}"]`);
    await expect.poll(() => card.count()).toBe(1);
    const text = (await card.textContent()) ?? "";
    expect(text).toContain(`support_bot wants to refund for tenant ${TENANT}, waiting for finance`);
    // The rules behind the wait, from its request's audit record: the state's approval, the permit that would allow.
    expect(text).toContain("approval (group finance): waits for an approval from `finance`");
    expect(text).toContain("permit rule");
    await browser.shot("3-approval-pending");

    await card.getByRole("button", { name: "Grant" }).click();
    await expect.poll(() => card.getByTestId("approval-status").textContent()).toBe("granted");
    const granted = await runtime.approvals.get(id);
    expect(granted).toMatchObject({ status: "granted", decidedBy: expect.stringMatching(/^token:/) });

    // The agent's host sees the grant and resumes: once.
    const resumed = await runtime.resume(id);
    expect(resumed.decision).toBe("allow");
    await expect(runtime.resume(id)).rejects.toMatchObject({ code: "PBR114" });

    await open(`#/runs/${run.id}`);
    await expect.poll(() => page().getByTestId("run-approvals").textContent()).toContain("resumed");
    // The move to `escalate`, the pending refund and the resumed one: three steps of 20.
    expect(await page().getByTestId("run-steps").textContent()).toContain("3 / 20");
    await browser.shot("4-run-resumed");

    // The page an approval notification links to, and the tenant's runs.
    await open(`#/approvals/${id}`);
    await expect.poll(() => page().locator(`[data-approval="${id}"]`).getByTestId("approval-status").textContent()).toBe("resumed");
    await open(`#/runs?tenant=${TENANT}`);
    await expect.poll(() => page().locator(`[data-run="${run.id}"]`).textContent()).toContain("3 / 20");
  });

  it("shows a denied refund's explanation and the audit chain verified", async () => {
    const run = await runtime.runs.start({ workflow: "resolve_ticket", tenant: TENANT });
    await runtime.runs.next(run.id, "resolve");
    const ticket = await seedTicket(runtime, TENANT);
    const denied = await runtime.act({ tenant: TENANT, agent: "support_bot", action: "refund", input: { ticket, amount: 250 }, run: run.id });
    expect(denied.decision).toBe("deny");

    await open(`#/audit?tenant=${TENANT}`);
    await expect.poll(() => page().getByTestId("chain-status").textContent()).toMatch(/^Chain verified: \d+ records, unbroken\.$/);
    const row = page().locator("tr[data-decision=deny]").last();
    expect(await row.textContent()).toContain("refund");
    await row.getByRole("button", { name: "Explain" }).click();
    const explanation = page().getByTestId("explanation");
    await expect.poll(() => explanation.textContent()).toContain("forbid rule refunds_need_finance_over_100#0 of policy refunds_need_finance_over_100");
    await explanation.getByRole("button", { name: "Decide it again now" }).click();
    await expect.poll(() => explanation.getByTestId("decided-now").textContent()).toContain("deny");
    await browser.shot("5-audit-explained");

    // The month's usage per tenant: the agent actions the audit counts, on the tenants page and the tenant's chart.
    await open("#/tenants");
    await expect.poll(() => page().locator(`[data-tenant=${TENANT}]`).textContent()).toMatch(/agent_actions [1-9]/);
    await open(`#/tenants/${TENANT}`);
    await expect.poll(() => page().getByTestId("usage-chart").getAttribute("data-metrics")).not.toBe("0");
    await browser.shot("6-tenant-usage");
    expect(browser.errors).toEqual([]);
  });

  it("shows the API's problem for a bad token, and reads nothing", async () => {
    await open("#/tenants");
    await page().getByLabel("API token").fill("pbt_not-a-token");
    await page().getByRole("button", { name: "Use token" }).click();
    await expect.poll(() => page().getByRole("alert").first().textContent()).toContain("PBR244: the credentials are not a live API token");
    expect(await page().locator("[data-tenant]").count()).toBe(0);
    await browser.shot("7-bad-token");
  });
});
