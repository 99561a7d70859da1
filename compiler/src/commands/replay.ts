/**
 * `paybillc replay [project] --audit export.ndjson --bundle new.json`: re-decides the
 * decisions of an audit export (`paybillc audit export`) under a candidate bundle and lists
 * every one whose outcome would change, with the rules behind the recorded outcome and the
 * new one (replay/replay.ts says what is rebuilt from the export and when a record cannot
 * be replayed). The baseline — the bundle that made the decisions — is `--baseline`, by
 * default the project's built `out/bundle.json`. Nothing is performed; no database.
 *
 * Exit 0 when no replayed decision changes, 1 when one does (for CI: a policy change that
 * alters past decisions fails the job), 2 for a usage error: an export that cannot be read
 * or has a line that is not a record (PB9015), a bundle that cannot be read (PB9016), a
 * tenant neither bundle declares without `--plan` (PB9017).
 */
import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Bundle, BundleError, readBundle } from "@paybill/runtime";
import type { Io } from "../io.js";
import { displayPath, type OutputFormat, plural, printJson } from "../output/report.js";
import { type ChangedDecision, type ExportedRecord, replay, type RuleOutcome, UnknownTenantPlan } from "../replay/replay.js";
import { CommandProblem, printProblem } from "./project-runtime.js";

export interface ReplayCliOptions {
  readonly audit: string;
  readonly bundle: string;
  readonly baseline?: string;
  readonly plan?: string;
  readonly format: OutputFormat;
}

export async function replayCommand(project: string, options: ReplayCliOptions, io: Io): Promise<number> {
  try {
    const records = parseExport(await readText(options.audit, io), options.audit);
    const candidate = await loadBundle(options.bundle, io, "the candidate bundle");
    const baselinePath = options.baseline ?? join(project, "out", "bundle.json");
    const baseline = await loadBundle(baselinePath, io, "the baseline bundle", options.baseline === undefined ? project : undefined);
    let report: ReturnType<typeof replay>;
    try {
      report = replay(records, { baseline, candidate, ...(options.plan === undefined ? {} : { plan: options.plan }) });
    } catch (error) {
      if (!(error instanceof UnknownTenantPlan)) throw error;
      const plans = Object.keys(candidate.plans).sort();
      throw new CommandProblem("PB9017", error.message, `give its plan: \`${commandLine(project, options)} --plan ${plans[0] ?? "<plan>"}\` (the plans are ${plans.map((p) => `\`${p}\``).join(", ")})`, 2);
    }
    if (options.format === "json") {
      printJson({ baseline: baseline.hash, candidate: candidate.hash, ...report }, io);
    } else {
      for (const change of report.changed) printChange(change, io);
      for (const u of report.unreplayable) io.err(`not replayed: tenant ${u.tenant} record ${u.seq} (${u.action}): ${u.why}\n`);
      const same = baseline.hash === candidate.hash ? " (the candidate is the baseline: build the change into another directory, or give --baseline)" : "";
      io.err(
        `replay: ${plural(report.decisions, "decision")}, ${report.replayed} replayed under ${displayPath(io.cwd, resolve(io.cwd, options.bundle))}: ` +
          `${report.changed.length} would change, ${report.unreplayable.length} could not be replayed${same}\n`,
      );
    }
    return report.changed.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof CommandProblem) return printProblem(error.code, error.message, error.help, error.status, options.format, io);
    throw error;
  }
}

function commandLine(project: string, options: ReplayCliOptions): string {
  return `paybillc replay${project === "." ? "" : ` ${project}`} --audit ${options.audit} --bundle ${options.bundle}${options.baseline === undefined ? "" : ` --baseline ${options.baseline}`}`;
}

async function readText(path: string, io: Io): Promise<string> {
  try {
    return await readFile(resolve(io.cwd, path), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CommandProblem("PB9015", `cannot read the audit export \`${path}\`: ${code === "ENOENT" ? "no such file" : (error as Error).message}`, "write one with `paybillc audit export --tenant <id> --out export.ndjson`", 2);
  }
}

const FIELDS: readonly [string, string][] = [
  ["tenant", "string"],
  ["seq", "number"],
  ["time", "string"],
  ["agent", "string"],
  ["action", "string"],
  ["input", "object"],
  ["decision", "string"],
  ["reasons", "object"],
];

/** The export's lines → records, or PB9015 at the first line that is not one. */
export function parseExport(text: string, name: string): ExportedRecord[] {
  const out: ExportedRecord[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === "") continue;
    const bad = (why: string): CommandProblem =>
      new CommandProblem("PB9015", `${name}:${i + 1}: ${why}`, "give the file `paybillc audit export` wrote, one record per line, unedited", 2);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw bad(`the line is not JSON (${(error as Error).message})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad("the line is not an audit record (not an object)");
    const record = value as Record<string, unknown>;
    for (const [field, type] of FIELDS) {
      if (typeof record[field] !== type || record[field] === null) throw bad(`the line is not an audit record (\`${field}\` is not a${type === "object" ? "n object" : ` ${type}`})`);
    }
    if (!["allow", "deny", "pending"].includes(record["decision"] as string)) throw bad(`\`decision\` is \`${String(record["decision"])}\`, not allow, deny or pending`);
    out.push(record as unknown as ExportedRecord);
  }
  return out;
}

async function loadBundle(path: string, io: Io, what: string, project?: string): Promise<Bundle> {
  const absolute = resolve(io.cwd, path);
  const exists = await stat(absolute).then((s) => s.isFile(), () => false);
  if (!exists) {
    const help = project === undefined ? "check the path; `paybillc build <project> --out <dir>` writes <dir>/bundle.json" : `run \`paybillc build${project === "." ? "" : ` ${project}`}\` first, or give the bundle that made the decisions with --baseline`;
    throw new CommandProblem("PB9016", `cannot read ${what} \`${path}\`: no such file`, help, 2);
  }
  try {
    return await readBundle(absolute);
  } catch (error) {
    if (error instanceof BundleError) throw new CommandProblem("PB9016", `${what} \`${path}\` cannot be used: ${error.reason}${error.path === undefined ? "" : ` at \`${error.path}\``}`, error.help, 2);
    throw error;
  }
}

function printChange(change: ChangedDecision, io: Io): void {
  const where = change.workflow === undefined ? "" : ` in ${change.workflow.name}.${change.workflow.state}`;
  io.out(`tenant ${change.tenant} record ${change.seq} (${change.time}): ${change.agent} ${change.action}${where}: ${change.before.decision} → ${change.after.decision}\n`);
  printSide("before", change.before, io);
  printSide("after", change.after, io);
}

function printSide(label: string, side: ChangedDecision["before"], io: Io): void {
  const lines = [...side.rules.map(ruleLine), ...side.reasons];
  io.out(`  ${label.padEnd(7)}${lines[0] ?? "(no reason recorded)"}\n`);
  for (const line of lines.slice(1)) io.out(`         ${line}\n`);
}

function ruleLine(rule: RuleOutcome): string {
  return `${rule.kind} ${rule.policy} (${rule.rule}): ${rule.when === undefined ? "unconditional" : `when ${rule.when}`}`;
}
