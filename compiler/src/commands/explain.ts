/**
 * `paybillc explain [paths...] --request FILE`: decide one request against the project, as
 * the runtime would, and print the decision with every policy rule behind it — where it is
 * written and its condition. Nothing is performed and no database is needed: the request
 * file carries the row (`resource`) the action works on.
 *
 * Exit 0 when the request is allowed, 1 when it is denied or pending (or the project has
 * errors), 2 for a usage error (no such file, a request file that is not a request).
 */
import { readFile } from "node:fs/promises";
import type { Model, PolicyDecl } from "@paybill/lang";
import { type Bundle, type Decision, type DecisionRequest, Decider, type Reason } from "@paybill/runtime";
import type { Io } from "../io.js";
import { displayPath, type OutputFormat, printFrames, printJson } from "../output/report.js";
import { tenantFacts } from "../testing/run.js";
import { compileProject } from "./compile-project.js";
import { REQUEST_HELP } from "./request-help.js";

export interface ExplainOptions {
  readonly format: OutputFormat;
  readonly request: string;
}

export async function explain(paths: readonly string[], options: ExplainOptions, io: Io): Promise<number> {
  const text = await readFile(options.request, "utf8").catch((e: NodeJS.ErrnoException) => {
    io.err(`paybillc: cannot read the request file \`${options.request}\`: ${e.code === "ENOENT" ? "no such file" : e.message}\n`);
    return undefined;
  });
  if (text === undefined) return 2;
  const checked = await compileProject(paths, options.format, io);
  if (!checked.ok) return checked.status;
  const { bundle } = checked;
  if (options.format === "text") printFrames(checked.diagnostics, io);
  const request = parseRequest(text, bundle);
  if (typeof request === "string") {
    io.err(`paybillc: ${options.request}: ${request}\n\n${REQUEST_HELP}\n`);
    return 2;
  }
  const decision = new Decider(bundle).decide(request);
  const rules = ruleLocations(checked.model, io);
  if (options.format === "json") {
    printJson({ request, decision: decision.decision, reasons: decision.reasons.map((r) => ({ ...r, ...ruleDetail(r, bundle, rules) })), redact: decision.redact ?? [] }, io);
  } else {
    printDecision(request, decision, bundle, rules, io);
  }
  return decision.decision === "allow" ? 0 : 1;
}

/** The request file → a request, or what is wrong with it. */
export function parseRequest(text: string, bundle: Bundle): DecisionRequest | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return `the request is not JSON (${(e as Error).message})`;
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) return "the request must be a JSON object";
  const r = json as Record<string, unknown>;
  for (const key of ["agent", "action"]) if (typeof r[key] !== "string") return `\`${key}\` must be a string`;
  if (r.input !== undefined && (r.input === null || typeof r.input !== "object" || Array.isArray(r.input))) return "`input` must be an object";
  let tenant: DecisionRequest["tenant"];
  if (typeof r.tenant === "string") {
    if (bundle.tenants[r.tenant] === undefined) {
      const names = Object.keys(bundle.tenants);
      return `no static tenant is called \`${r.tenant}\`${names.length > 0 ? ` (they are ${names.map((n) => `\`${n}\``).join(", ")})` : ""}; give {"id", "plan", "state"} for another`;
    }
    tenant = tenantFacts(bundle, r.tenant);
  } else if (r.tenant !== null && typeof r.tenant === "object" && typeof (r.tenant as Record<string, unknown>).id === "string") {
    const t = r.tenant as Record<string, unknown>;
    tenant = { id: t.id as string, plan: typeof t.plan === "string" ? t.plan : "", state: typeof t.state === "string" ? t.state : "active", ...(typeof t.region === "string" ? { region: t.region } : {}) };
  } else {
    return "`tenant` must name a static tenant or be an object with an `id`";
  }
  const approvals = Array.isArray(r.approvals)
    ? r.approvals.map((a) => (typeof a === "string" ? { group: a, by: "explain", at: new Date().toISOString() } : (a as { group: string; by: string; at: string })))
    : [];
  return {
    tenant,
    agent: r.agent as string,
    action: r.action as string,
    input: (r.input as Record<string, unknown> | undefined) ?? {},
    ...(r.resource !== undefined ? { resource: r.resource as Record<string, unknown> | null } : {}),
    ...(r.workflow !== undefined ? { workflow: r.workflow as { name: string; state: string } } : {}),
    approvals,
    ...(typeof r.time === "string" ? { time: r.time } : {}),
  };
}

/** `policy#n` → `file:line:col` of that rule. */
export function ruleLocations(model: Model, io: Io): Map<string, string> {
  const out = new Map<string, string>();
  for (const unit of model.units) {
    for (const decl of unit.ast.declarations) {
      if (decl.kind !== "Policy") continue;
      const rules = (decl as PolicyDecl).body.filter((e) => e.kind === "Rule");
      rules.forEach((rule, i) => {
        const { line, column } = unit.source.position(rule.span.start);
        out.set(`${decl.name.name}#${i}`, `${displayPath(io.cwd, unit.source.name)}:${line}:${column}`);
      });
    }
  }
  return out;
}

function ruleDetail(reason: Reason, bundle: Bundle, rules: Map<string, string>): { at?: string; when?: string } {
  if (!("rule" in reason) || reason.rule === undefined) return {};
  const policy = bundle.policies.find((p) => p.name === reason.policy);
  const rule = policy?.rules.find((r) => r.id === reason.rule);
  return { ...(rules.has(reason.rule) ? { at: rules.get(reason.rule) } : {}), ...(rule?.when === undefined ? {} : { when: rule.when.cel }) };
}

function printDecision(request: DecisionRequest, decision: Decision, bundle: Bundle, rules: Map<string, string>, io: Io): void {
  const verb = { allow: "may", deny: "may not", pending: "must wait to" }[decision.decision];
  io.out(`${decision.decision}: ${request.agent} ${verb} ${request.action} for tenant ${request.tenant.id}\n`);
  for (const reason of decision.reasons) {
    if ("rule" in reason && reason.rule !== undefined) {
      const detail = ruleDetail(reason, bundle, rules);
      const label = reason.kind === "error" || reason.kind === "cost" ? `${reason.effect} (${reason.kind})` : reason.kind;
      io.out(`  ${label.padEnd(15)} ${reason.policy}${detail.at === undefined ? "" : `  ${detail.at}`}\n`);
      io.out(`  ${"".padEnd(15)} ${detail.when === undefined ? "unconditional" : `when ${detail.when}`}\n`);
      if (reason.kind === "approval") io.out(`  ${"".padEnd(15)} ${reason.message}\n`);
      if (reason.kind === "error" || reason.kind === "cost") io.out(`  ${"".padEnd(15)} ${reason.message}\n`);
    } else {
      io.out(`  ${reason.kind.padEnd(15)} ${"message" in reason ? reason.message : ""}\n`);
    }
  }
  if (decision.redact !== undefined && decision.redact.length > 0) io.out(`  hidden fields   ${decision.redact.join(", ")}\n`);
}
