/**
 * Approval notifications (spec/runtime.md, Approvals, "Notifications"): when an act is
 * pending, the runtime posts a Slack-compatible message (`text` and `blocks`) to the webhook
 * the host configured, saying what the agent wants to do, for which tenant, the input as the
 * approvals table keeps it (`@secret` and `@pii` masked) and the rules behind the wait.
 *
 * Delivery happens after the act's transaction committed and beside it: the act never waits
 * for it and never fails because of it. A failed delivery (the network, a timeout, 408, 429,
 * 5xx) is retried with doubling back-off up to `attempts`; another 4xx is final. Every
 * outcome is counted (`paybill.approvals.notifications`) and handed to `onDelivery`.
 * `drain()` waits for deliveries under way; `close()` stops their retries.
 */
import type { Counter } from "@opentelemetry/api";
import type { Reason } from "../decide/request.js";
import { PaybillRuntimeError } from "../store/errors.js";
import type { ApprovalRequest } from "./approvals.js";

export interface ApprovalWebhook {
  /** Where to POST (http or https): a Slack incoming webhook, or any receiver of the same JSON. */
  readonly url: string;
  /** Extra request headers (e.g. an `authorization` the receiver checks). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Tries in all, the first included (default 5). */
  readonly attempts?: number;
  /** The wait before the first retry, doubling after each (default 1,000 ms). */
  readonly backoffMs?: number;
  /** One try's time limit (default 10,000 ms). */
  readonly timeoutMs?: number;
  /** The console's address: the message links to `<consoleUrl>/#/approvals/<id>`. */
  readonly consoleUrl?: string;
}

export interface ApprovalNotifications {
  readonly webhook?: ApprovalWebhook;
  /** Told of every delivery's outcome (the host logs it); a throw from it is ignored. */
  readonly onDelivery?: (delivery: Delivery) => void;
}

export interface Delivery {
  readonly approval: string;
  readonly ok: boolean;
  readonly attempts: number;
  /** The last answer's status; undefined when no answer came. */
  readonly status?: number;
  readonly error?: string;
}

/** The Slack-compatible message of a pending approval. */
export interface ApprovalMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

const MAX_ATTEMPTS = 20;

/** PBR265 unless the webhook's settings can be used; read once, at `openRuntime`. */
export function checkWebhook(webhook: ApprovalWebhook): void {
  const bad = (what: string): never => {
    throw new PaybillRuntimeError("PBR265", `approval notifications: ${what}`, "pass `approvals: { webhook: { url: \"https://hooks.example.com/…\", attempts?: 1–20, backoffMs?: ≥ 0, timeoutMs?: > 0 } }`");
  };
  let url: URL | undefined;
  try {
    url = new URL(webhook.url);
  } catch {
    bad(`\`${String(webhook.url)}\` is not a URL`);
  }
  if (url !== undefined && url.protocol !== "http:" && url.protocol !== "https:") bad(`\`${webhook.url}\` is not an http or https URL`);
  const whole = (name: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) bad(`\`${name}\` must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? "" : ` to ${max}`}, not ${String(value)}`);
  };
  whole("attempts", webhook.attempts, 1, MAX_ATTEMPTS);
  whole("backoffMs", webhook.backoffMs, 0);
  whole("timeoutMs", webhook.timeoutMs, 1);
  if (webhook.consoleUrl !== undefined) {
    try {
      new URL(webhook.consoleUrl);
    } catch {
      bad(`\`consoleUrl\` \`${String(webhook.consoleUrl)}\` is not a URL`);
    }
  }
}

export function approvalMessage(approval: ApprovalRequest, reasons: readonly Reason[], consoleUrl?: string): ApprovalMessage {
  const text = `${approval.agent} wants to ${approval.action} for tenant ${approval.tenant}: waiting for an approval from ${approval.group}`;
  const rules = reasons.map(ruleLine);
  const input = JSON.stringify(approval.input, null, 2);
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: `Approval needed: ${approval.action}` } },
    { type: "section", text: { type: "mrkdwn", text: `*${mrkdwn(approval.agent)}* wants to *${mrkdwn(approval.action)}* for tenant *${mrkdwn(approval.tenant)}*.` } },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Group*\n${mrkdwn(approval.group)}` },
        { type: "mrkdwn", text: `*Tenant*\n${mrkdwn(approval.tenant)}` },
        { type: "mrkdwn", text: `*Agent*\n${mrkdwn(approval.agent)}` },
        { type: "mrkdwn", text: `*Run*\n${approval.run === undefined ? "none" : mrkdwn(approval.run)}` },
        ...(approval.expiresAt === undefined ? [] : [{ type: "mrkdwn", text: `*Expires*\n${approval.expiresAt}` }]),
      ],
    },
    { type: "section", text: { type: "mrkdwn", text: `*Input*\n\`\`\`${mrkdwn(input.length > 2500 ? `${input.slice(0, 2500)}…` : input)}\`\`\`` } },
    { type: "section", text: { type: "mrkdwn", text: `*Why it waits*\n${rules.map((r) => `• ${mrkdwn(r)}`).join("\n")}` } },
    { type: "context", elements: [{ type: "mrkdwn", text: `approval ${approval.id} · audit record ${approval.requestAuditId}` }] },
  ];
  if (consoleUrl !== undefined) {
    // The console routes by the fragment (`#/approvals/<id>`): any static server serves it.
    const link = `${consoleUrl.replace(/[/#]+$/, "")}/#/approvals/${encodeURIComponent(approval.id)}`;
    blocks.push({ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Review in the console" }, url: link, action_id: "paybill_review" }] });
  }
  return { text, blocks };
}

/** One line per reason: the rule (policy and id) or the workflow state behind it, and what it says. */
function ruleLine(reason: Reason): string {
  if (reason.kind === "approval") return reason.rule === undefined ? `the run's workflow state awaits \`${reason.group}\`` : `rule \`${reason.rule}\` of policy \`${reason.policy}\`: ${reason.message}`;
  if ("rule" in reason) return `${reason.kind} \`${reason.rule}\` of policy \`${reason.policy}\``;
  return reason.message;
}

/** Slack's mrkdwn control characters. */
const mrkdwn = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export class ApprovalNotifier {
  readonly #settings: ApprovalNotifications;
  readonly #counter: Counter | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stop = new AbortController();

  constructor(settings: ApprovalNotifications, counter?: Counter) {
    if (settings.webhook !== undefined) checkWebhook(settings.webhook);
    this.#settings = settings;
    this.#counter = counter;
  }

  /** Starts the delivery of a pending approval's message; returns at once. `load` reads the approval as stored. */
  pending(id: string, reasons: readonly Reason[], load: () => Promise<ApprovalRequest | undefined>): void {
    const webhook = this.#settings.webhook;
    if (webhook === undefined || this.#stop.signal.aborted) return;
    const delivery = this.#deliver(webhook, id, reasons, load)
      .catch((error: unknown) => ({ approval: id, ok: false, attempts: 0, error: error instanceof Error ? error.message : String(error) }))
      .then((done) => this.#report(done));
    this.#inFlight.add(delivery);
    void delivery.finally(() => this.#inFlight.delete(delivery));
  }

  /** Resolves once every delivery under way has ended (delivered, given up or stopped). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Stops retries and waits for the deliveries under way to end. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.drain();
  }

  async #deliver(webhook: ApprovalWebhook, id: string, reasons: readonly Reason[], load: () => Promise<ApprovalRequest | undefined>): Promise<Delivery> {
    const approval = await load();
    if (approval === undefined) return { approval: id, ok: false, attempts: 0, error: "the approval is gone" };
    const body = JSON.stringify(approvalMessage(approval, reasons, webhook.consoleUrl));
    const attempts = webhook.attempts ?? 5;
    let wait = webhook.backoffMs ?? 1000;
    let last: Delivery = { approval: id, ok: false, attempts: 0 };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.#stop.signal.aborted) return { ...last, error: last.error ?? "the runtime closed" };
      try {
        const response = await fetch(webhook.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...webhook.headers },
          body,
          signal: AbortSignal.any([this.#stop.signal, AbortSignal.timeout(webhook.timeoutMs ?? 10_000)]),
        });
        await response.body?.cancel();
        if (response.ok) return { approval: id, ok: true, attempts: attempt, status: response.status };
        last = { approval: id, ok: false, attempts: attempt, status: response.status, error: `HTTP ${response.status}` };
        if (!retryable(response.status)) return last;
      } catch (error) {
        last = { approval: id, ok: false, attempts: attempt, error: error instanceof Error ? error.message : String(error) };
      }
      if (attempt < attempts) {
        await sleep(wait, this.#stop.signal);
        wait *= 2;
      }
    }
    return last;
  }

  #report(delivery: Delivery): void {
    this.#counter?.add(1, { "paybill.outcome": delivery.ok ? "delivered" : "failed" });
    try {
      this.#settings.onDelivery?.(delivery);
    } catch {
      // The host's callback never breaks delivery.
    }
  }
}

const retryable = (status: number): boolean => status === 408 || status === 429 || status >= 500;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
