/**
 * `paybillc billing event|sweep|usage`: what a billing system tells the control plane and
 * what it reads back (spec/control-plane.md), on the project's runtime (project-runtime.ts).
 * An event is applied once per id — sending it again changes nothing and says so; `sweep`
 * ends the trials that ran out, suspends the tenants whose grace period has ended and
 * expires the workflow runs past their state's `timeout`; `usage` exports a month's
 * metering, the plan's price first.
 */
import { type BillingEventType, billingPeriod, PaybillRuntimeError, type Run, type Transition, type UsageRow } from "@paybill/runtime";
import type { Io } from "../io.js";
import { printJson } from "../output/report.js";
import { tenantLines, transitionLine } from "./control-view.js";
import { CommandProblem, printProblem, type ProjectOptions, withProjectRuntime } from "./project-runtime.js";

export interface EventOptions extends ProjectOptions {
  readonly tenant: string;
  readonly id: string;
  readonly at?: string;
  readonly paid?: boolean;
}

export function event(type: BillingEventType, options: EventOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async ({ runtime }) => {
    const result = await runtime.billing.event({
      id: options.id,
      type,
      tenant: options.tenant,
      ...(options.at === undefined ? {} : { at: options.at }),
      ...(options.paid === undefined ? {} : { paid: options.paid }),
    });
    if (options.format === "json") printJson(result, io);
    else {
      const what = result.duplicate
        ? `event \`${options.id}\` was applied before: nothing changed`
        : result.applied
          ? `${type} applied to \`${options.tenant}\``
          : `${type} recorded for \`${options.tenant}\`: nothing to change`;
      io.err(`billing: ${what}\n`);
      const transitions = transitionsBlock(result.transitions, result.duplicate ? "transitions when it was first applied:" : "transitions:");
      io.out(`${[...tenantLines(result.tenant, runtime.bundle), ...transitions].join("\n")}\n`);
    }
    return 0;
  });
}

export interface SweepOptions extends ProjectOptions {
  /** The time to sweep at (ISO 8601; default now). */
  readonly now?: string;
}

export function sweep(options: SweepOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async ({ runtime }) => {
    const now = options.now === undefined ? undefined : parseTime(options.now, "--now");
    const transitions = await runtime.billing.sweep(now);
    // The same periodic job expires the workflow runs past their state's timeout.
    const runs = await runtime.runs.sweep(now);
    // And the approvals past their `require approval … timeout`.
    const approvals = await runtime.approvals.sweep(now);
    if (options.format === "json") printJson({ transitions, expiredRuns: runs, ...(approvals.length === 0 ? {} : { expiredApprovals: approvals }) }, io);
    else {
      if (transitions.length === 0) io.err("billing sweep: no tenant's trial or grace period has ended\n");
      else {
        const tenants = new Set(transitions.map((t) => t.tenant)).size;
        io.err(`billing sweep: ${transitions.length} ${transitions.length === 1 ? "transition" : "transitions"} for ${tenants} ${tenants === 1 ? "tenant" : "tenants"}\n`);
        io.out(`${transitions.map(transitionLine).join("\n")}\n`);
      }
      if (runs.length > 0) {
        io.err(`billing sweep: ${runs.length} workflow ${runs.length === 1 ? "run" : "runs"} expired (a state's \`timeout\` ran out)\n`);
        io.out(`${runs.map(runLine).join("\n")}\n`);
      }
      if (approvals.length > 0) {
        io.err(`billing sweep: ${approvals.length} ${approvals.length === 1 ? "approval" : "approvals"} expired (a rule's approval \`timeout\` ran out)\n`);
        io.out(`${approvals.map((a) => `approval ${a.id} ${a.tenant} ${a.action} from ${a.group} expired`).join("\n")}\n`);
      }
    }
    return 0;
  });
}

export interface UsageOptions extends Omit<ProjectOptions, "format"> {
  readonly period: string;
  readonly tenant?: string;
  readonly format: "text" | "json" | "csv";
  /** Print the rows as Stripe meter events (@paybill/server/stripe), one JSON per line. */
  readonly stripe?: boolean;
  /** With `stripe`: send them (STRIPE_SECRET_KEY; PB9339 without it). */
  readonly send?: boolean;
}

export async function usage(options: UsageOptions, io: Io): Promise<number> {
  const format = options.format === "json" ? "json" : "text";
  try {
    // A period that is no month is refused before the runtime opens (seconds on PGlite).
    billingPeriod(options.period);
  } catch (error) {
    if (error instanceof PaybillRuntimeError) return printProblem(error.code, error.message, error.help, 1, format, io);
    throw error;
  }
  const key = process.env.STRIPE_SECRET_KEY;
  if (options.send === true && options.stripe !== true) return printProblem("PB9201", "`--send` is for `--stripe`", "add `--stripe` to send the usage to Stripe as meter events", 2, format, io);
  if (options.send === true && (key === undefined || key === "")) {
    return printProblem("PB9339", "`--send` needs STRIPE_SECRET_KEY", "set STRIPE_SECRET_KEY to the account's secret key, or drop `--send` to print the meter events only", 2, format, io);
  }
  return withProjectRuntime({ ...options, format }, io, async ({ runtime }) => {
    const rows = await runtime.usage.export({ period: options.period, ...(options.tenant === undefined ? {} : { tenant: options.tenant }) });
    if (options.stripe === true) {
      const { meterEvents, pushMeterEvents } = await import("@paybill/server/stripe");
      const events = meterEvents(rows, {});
      for (const event of events) io.out(`${JSON.stringify(event)}\n`);
      if (options.send === true && key !== undefined) {
        await pushMeterEvents(key, events);
        io.err(`billing usage: sent ${events.length} meter event(s) to Stripe\n`);
      } else io.err(`billing usage: ${events.length} meter event(s), not sent (a dry run: add --send)\n`);
      return 0;
    }
    if (options.format === "json") printJson(rows, io);
    else if (options.format === "csv") io.out(csv(rows));
    else if (rows.length === 0) io.err(`no usage recorded in ${options.period}\n`);
    else io.out(usageTable(rows));
    return 0;
  });
}

function transitionsBlock(transitions: readonly Transition[], heading: string): string[] {
  return transitions.length === 0 ? [] : [heading, ...transitions.map(transitionLine)];
}

function parseTime(text: string, option: string): Date {
  const time = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time.getTime())) {
    throw new CommandProblem("PB9304", `\`${text}\` is not a time ${option} accepts`, "write an ISO 8601 time, like `2026-12-01T00:00:00Z`", 2);
  }
  return time;
}

function runLine(run: Run): string {
  return `  run ${run.id}  tenant \`${run.tenant}\`  ${run.workflow}: timed out in \`${run.state}\` at ${run.expiredAt ?? run.expiresAt ?? "?"}`;
}

const COLUMNS = ["tenant", "period", "metric", "quantity", "plan", "unitPrice", "currency", "amount"] as const;
const HEADINGS: Readonly<Record<(typeof COLUMNS)[number], string>> = {
  tenant: "tenant",
  period: "period",
  metric: "metric",
  quantity: "quantity",
  plan: "plan",
  unitPrice: "unit_price",
  currency: "currency",
  amount: "amount",
};

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csv(rows: readonly UsageRow[]): string {
  const field = (value: string | number) => {
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [COLUMNS.map((c) => HEADINGS[c]).join(","), ...rows.map((row) => COLUMNS.map((c) => field(row[c] ?? "")).join(","))].map((line) => `${line}\r\n`).join("");
}

function usageTable(rows: readonly UsageRow[]): string {
  const cells = [COLUMNS.map((c) => HEADINGS[c].toUpperCase()), ...rows.map((row) => COLUMNS.map((c) => String(row[c] ?? "")))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return `${cells.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n")}\n`;
}
