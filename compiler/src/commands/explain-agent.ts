/**
 * `paybillc explain [project] --agent A [--state S]`: what agent A can do in the project —
 * each action some rule could permit it, whether it may (`yes`, `depends`, `no`), under
 * which conditions (the permits', the forbids' and the `require approval` rules', each with
 * where it is written), which features it needs, and where it may be asked for (outside
 * workflow runs, and the states of A's workflows). Read off the compiled bundle
 * (capabilities.ts); nothing is decided or performed.
 *
 * `--state` is `<workflow>.<state>`, or the state's name alone when one of A's workflows
 * has it: then only the actions that state allows are listed. An unknown agent (PB9012) or
 * state (PB9013) exits 2 with the names there are and a did-you-mean.
 *
 * Exit 0 when the listing is printed, 1 when the project has errors, 2 for a usage error.
 */
import { closest } from "@paybill/lang";
import type { Bundle } from "@paybill/runtime";
import type { Io } from "../io.js";
import { type OutputFormat, printJson } from "../output/report.js";
import { type AgentCapabilities, agentStates, capabilities, type RuleRef } from "./capabilities.js";
import { compileProject } from "./compile-project.js";
import { ruleLocations } from "./explain.js";
import { printProblem } from "./project-runtime.js";

export interface ExplainAgentOptions {
  readonly format: OutputFormat;
  readonly agent: string;
  readonly state?: string;
}

export async function explainAgent(paths: readonly string[], options: ExplainAgentOptions, io: Io): Promise<number> {
  const checked = await compileProject(paths, options.format, io);
  if (!checked.ok) return checked.status;
  const { bundle } = checked;
  const shown = paths.length === 1 && paths[0] === "." ? "" : ` ${paths.join(" ")}`;
  const agents = Object.keys(bundle.agents).sort();
  if (bundle.agents[options.agent] === undefined) {
    const hint = closest(options.agent, agents);
    return printProblem(
      "PB9012",
      `the project has no agent \`${options.agent}\`${hint === undefined ? "" : `; did you mean \`${hint}\`?`}`,
      agents.length === 0 ? "the project declares no agent: declare one (`agent support_bot { roles = [support] }`)" : `its agents are ${list(agents)}: \`paybillc explain${shown} --agent ${hint ?? agents[0]}\``,
      2,
      options.format,
      io,
    );
  }
  let state: string | undefined;
  if (options.state !== undefined) {
    const found = resolveState(bundle, options.agent, options.state);
    if (typeof found !== "string") return printProblem("PB9013", found.message, found.help(shown), 2, options.format, io);
    state = found;
  }
  const result = capabilities(bundle, options.agent, state, ruleLocations(checked.model, io));
  if (options.format === "json") printJson(result, io);
  else printTable(result, io);
  return 0;
}

/** `S` or `W.S` → `W.S` among the agent's states, or what is wrong. */
function resolveState(bundle: Bundle, agent: string, given: string): string | { message: string; help: (shown: string) => string } {
  const states = agentStates(bundle, agent);
  if (states.includes(given)) return given;
  const bare = states.filter((s) => s.slice(s.indexOf(".") + 1) === given);
  if (bare.length === 1) return bare[0] as string;
  if (bare.length > 1) {
    return { message: `the state \`${given}\` is in more than one of \`${agent}\`'s workflows: ${list(bare)}`, help: (shown) => `name the workflow: \`paybillc explain${shown} --agent ${agent} --state ${bare[0]}\`` };
  }
  if (states.length === 0) {
    return { message: `agent \`${agent}\` runs no workflow, so it has no state \`${given}\``, help: (shown) => `leave out --state: \`paybillc explain${shown} --agent ${agent}\`` };
  }
  const near = closest(given, [...states, ...states.map((s) => s.slice(s.indexOf(".") + 1))]);
  // A bare name suggested is the qualified one when it is in one workflow only.
  const hint = near === undefined ? undefined : states.includes(near) ? near : (states.filter((s) => s.endsWith(`.${near}`)).length === 1 ? states.find((s) => s.endsWith(`.${near}`)) : near);
  const elsewhere = Object.values(bundle.workflows).find((w) => w.agent !== agent && Object.keys(w.states).some((s) => given === s || given === `${w.name}.${s}`));
  const note = elsewhere === undefined ? "" : ` (workflow \`${elsewhere.name}\`, which has it, is run by \`${elsewhere.agent}\`)`;
  const suggestion = hint ?? states[0];
  return {
    message: `agent \`${agent}\`'s workflows have no state \`${given}\`${note}${hint === undefined ? "" : `; did you mean \`${hint}\`?`}`,
    help: (shown) => `its states are ${list(states)}: \`paybillc explain${shown} --agent ${agent} --state ${suggestion}\``,
  };
}

function list(names: readonly string[]): string {
  const shown = names.slice(0, 12).map((n) => `\`${n}\``);
  return names.length > 12 ? `${shown.join(", ")} and ${names.length - 12} more` : shown.join(", ");
}

function printTable(result: AgentCapabilities, io: Io): void {
  const where = result.state === undefined ? "" : ` in state ${result.state}`;
  io.out(`agent ${result.agent}${result.roles.length === 0 ? "" : ` (roles ${result.roles.join(", ")})`}${where}${result.runsRequired ? "; acts only inside workflow runs" : ""}\n`);
  const listed = result.actions.filter((a) => a.may !== "no" || a.permits.length > 0);
  const never = result.actions.filter((a) => !listed.includes(a)).map((a) => a.action);
  if (listed.length === 0) io.out("  no rule permits it any action\n");
  const width = Math.max(6, ...listed.map((a) => a.action.length));
  io.out(listed.length === 0 ? "" : `  ${"ACTION".padEnd(width)}  MAY      WHERE\n`);
  for (const a of listed) {
    const places = [...(a.outsideRuns ? ["outside runs"] : []), ...a.states.map((s) => (a.awaits[s] === undefined ? s : `${s} (awaits approval from ${a.awaits[s]})`))];
    io.out(`  ${a.action.padEnd(width)}  ${a.may.padEnd(7)}  ${places.length === 0 ? "nowhere it may be asked for" : places.join(", ")}\n`);
    const pad = `  ${"".padEnd(width)}  `;
    for (const p of a.permits) io.out(`${pad}permit  ${rule(p)}\n`);
    for (const f of a.forbids) io.out(`${pad}forbid  ${rule(f)}\n`);
    for (const r of a.approvals) io.out(`${pad}approval from ${r.group}  ${rule(r)}\n`);
    if (a.features.length > 0) io.out(`${pad}needs feature ${a.features.join(", ")}: ${a.plans.length === 0 ? "no plan has it" : `plans ${a.plans.join(", ")}`}\n`);
  }
  if (never.length > 0) io.out(`  not permitted: ${never.join(", ")}\n`);
}

function rule(r: RuleRef): string {
  return `${r.policy}${r.at === undefined ? "" : ` (${r.at})`}: ${r.when === undefined ? "unconditional" : `when ${r.when}`}`;
}
