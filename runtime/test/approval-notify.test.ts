/**
 * Approval notifications (spec/runtime.md, Approvals, "Notifications"): a pending act posts a
 * Slack-compatible message (text and blocks: what the agent wants, the masked input, the rules
 * behind the wait) to a local HTTP receiver; the act never waits for the delivery nor fails
 * with it; 5xx and lost connections are retried, another 4xx is final; bad settings are
 * PBR265. Delivery sits above the store, so one backend (PGlite) covers it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalMessage, Delivery } from "../src/runs/approval-notify.js";
import { openRuntime, type Runtime } from "../src/runtime.js";
import { entityTablesSql } from "../src/store/entity-tables.js";
import { attemptsBundle } from "./support/attempts-bundle.js";
import { storeBundle } from "./support/store-bundle.js";
import { newTenant, seedTicket } from "./support/store-db.js";

interface Received {
  readonly headers: IncomingMessage["headers"];
  readonly body: ApprovalMessage;
}

/** A receiver answering each request with the next of `answers` (then 200); `hold` delays an answer until released. */
class Receiver {
  readonly received: Received[] = [];
  answers: number[] = [];
  hold: Promise<void> | undefined;
  #server: Server | undefined;

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#answer(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    this.received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as ApprovalMessage });
    await this.hold;
    res.writeHead(this.answers.shift() ?? 200).end("ok");
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.#server === undefined ? resolve() : this.#server.close(() => resolve())));
  }
}

const text = (message: ApprovalMessage | undefined): string => JSON.stringify(message?.blocks ?? []);

describe("approval notifications", () => {
  const receiver = new Receiver();
  const deliveries: Delivery[] = [];
  let runtime: Runtime;

  beforeAll(async () => {
    const url = await receiver.start();
    runtime = await openRuntime({
      bundle: storeBundle(),
      approvals: { webhook: { url, headers: { authorization: "Bearer hook-secret" }, attempts: 3, backoffMs: 1, consoleUrl: "http://console.local/" }, onDelivery: (d) => deliveries.push(d) },
    });
    await runtime.database.exec(entityTablesSql(runtime.bundle));
  });
  afterAll(async () => {
    await runtime.close();
    await receiver.close();
  });

  const pendingRefund = async () => {
    const tenant = await newTenant(runtime);
    const run = await runtime.runs.start({ workflow: "resolve_ticket", tenant });
    await runtime.runs.next(run.id, "escalate");
    const ticket = await seedTicket(runtime, tenant);
    const pending = await runtime.act({ tenant, agent: "support_bot", action: "refund", input: { ticket, amount: 250 }, run: run.id });
    expect(pending.decision).toBe("pending");
    return { tenant, run, ticket, id: pending.approvalId ?? "", pending };
  };

  it("a pending act posts what the agent wants, for whom, and the rules behind the wait; the act does not wait for it", async () => {
    receiver.received.length = 0;
    deliveries.length = 0;
    let release: () => void = () => {};
    receiver.hold = new Promise((resolve) => {
      release = resolve;
    });
    const { tenant, run, ticket, id, pending } = await pendingRefund();
    // The act resolved while the receiver still holds the request.
    expect(deliveries).toEqual([]);
    release();
    await runtime.approvals.notified();
    receiver.hold = undefined;
    expect(deliveries).toEqual([{ approval: id, ok: true, attempts: 1, status: 200 }]);
    const [message] = receiver.received;
    expect(message?.headers["content-type"]).toBe("application/json");
    expect(message?.headers.authorization).toBe("Bearer hook-secret");
    expect(message?.body.text).toBe(`support_bot wants to refund for tenant ${tenant}: waiting for an approval from finance`);
    const blocks = text(message?.body);
    expect(message?.body.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "Approval needed: refund" } });
    expect(blocks).toContain(ticket);
    expect(blocks).toContain(run.id);
    expect(blocks).toContain("the run's workflow state awaits `finance`");
    // The permits that would allow once approved are listed with their policies.
    const permits = pending.reasons.flatMap((r) => (r.kind === "permit" ? [r.rule] : []));
    expect(permits.length).toBeGreaterThan(0);
    for (const rule of permits) expect(blocks).toContain(`permit \`${rule}\``);
    expect(blocks).toContain(pending.auditId);
    expect(message?.body.blocks.at(-1)).toEqual({
      type: "actions",
      elements: [{ type: "button", text: { type: "plain_text", text: "Review in the console" }, url: `http://console.local/#/approvals/${id}`, action_id: "paybill_review" }],
    });
  });

  it("retries a 503 and a 429, then delivers; the approval is pending all along and resumes once after a grant", async () => {
    receiver.received.length = 0;
    deliveries.length = 0;
    receiver.answers = [503, 429];
    const { id } = await pendingRefund();
    await runtime.approvals.notified();
    expect(receiver.received).toHaveLength(3);
    expect(deliveries).toEqual([{ approval: id, ok: true, attempts: 3, status: 200 }]);
    expect((await runtime.approvals.get(id))?.status).toBe("pending");
    await runtime.approvals.grant(id, { by: "fran", groups: ["finance"] });
    expect((await runtime.resume(id)).decision).toBe("allow");
    await expect(runtime.resume(id)).rejects.toMatchObject({ code: "PBR114" });
  });

  it("gives up on a 400 at once and after `attempts` failures; the run goes on", async () => {
    receiver.received.length = 0;
    deliveries.length = 0;
    receiver.answers = [400];
    const first = await pendingRefund();
    await runtime.approvals.notified();
    expect(deliveries).toEqual([{ approval: first.id, ok: false, attempts: 1, status: 400, error: "HTTP 400" }]);
    receiver.answers = [500, 502, 503];
    const second = await pendingRefund();
    await runtime.approvals.notified();
    expect(deliveries[1]).toEqual({ approval: second.id, ok: false, attempts: 3, status: 503, error: "HTTP 503" });
    expect(receiver.received).toHaveLength(4);
    await runtime.approvals.reject(second.id, { by: "fran", groups: ["finance"] });
    expect((await runtime.approvals.get(second.id))?.status).toBe("rejected");
  });
});

describe("approval notifications to a receiver that is not there", () => {
  it("retries the lost connection and never fails the act", async () => {
    const gone = new Receiver();
    const url = await gone.start();
    await gone.close();
    const deliveries: Delivery[] = [];
    const runtime = await openRuntime({ bundle: storeBundle(), approvals: { webhook: { url, attempts: 2, backoffMs: 1 }, onDelivery: (d) => deliveries.push(d) } });
    try {
      await runtime.database.exec(entityTablesSql(runtime.bundle));
      const tenant = await newTenant(runtime);
      const run = await runtime.runs.start({ workflow: "resolve_ticket", tenant });
      await runtime.runs.next(run.id, "escalate");
      const ticket = await seedTicket(runtime, tenant);
      const pending = await runtime.act({ tenant, agent: "support_bot", action: "refund", input: { ticket, amount: 250 }, run: run.id });
      expect(pending.decision).toBe("pending");
      await runtime.approvals.notified();
      expect(deliveries).toMatchObject([{ approval: pending.approvalId, ok: false, attempts: 2 }]);
      expect(deliveries[0]?.status).toBeUndefined();
    } finally {
      await runtime.close();
    }
  });
});

describe("approval notifications of masked inputs", () => {
  it("show a `@secret` input as the approvals table keeps it, never its value", async () => {
    const receiver = new Receiver();
    const url = await receiver.start();
    const runtime = await openRuntime({ bundle: attemptsBundle(), approvals: { webhook: { url, backoffMs: 1 } } });
    try {
      await runtime.database.exec(entityTablesSql(runtime.bundle));
      const tenant = await newTenant(runtime, "basic");
      const opened = await runtime.act({ tenant, agent: "bot", action: "open_account", input: { name: "a" } });
      const account = String(opened.result?.["id"]);
      const run = await runtime.runs.start({ workflow: "secure", tenant });
      const pending = await runtime.act({ tenant, agent: "bot", action: "update_password", input: { account, password: "hunter2-very-secret" }, run: run.id });
      expect(pending.decision).toBe("pending");
      await runtime.approvals.notified();
      const blocks = text(receiver.received[0]?.body);
      expect(blocks).toContain(account);
      expect(blocks).toContain("***");
      expect(blocks).not.toContain("hunter2");
    } finally {
      await runtime.close();
      await receiver.close();
    }
  });
});

describe("approval notification settings", () => {
  it.each([
    [{ url: "ftp://hooks.example.com/x" }, "is not an http or https URL"],
    [{ url: "not a url" }, "is not a URL"],
    [{ url: "https://hooks.example.com/x", attempts: 0 }, "`attempts` must be a whole number from 1 to 20, not 0"],
    [{ url: "https://hooks.example.com/x", backoffMs: 1.5 }, "`backoffMs` must be a whole number from 0"],
  ])("refuses %j (PBR265)", async (webhook, message) => {
    await expect(openRuntime({ bundle: storeBundle(), approvals: { webhook } })).rejects.toMatchObject({ code: "PBR265", message: expect.stringContaining(message) });
  });
});
