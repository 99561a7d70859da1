/**
 * One MCP session's place in Paybill: the tenant and agent it acts for and, usually, the
 * workflow run it works in — started for `workflow` when the session opens, or an existing
 * run given by id. What the session may offer is read from the database on every ask (the
 * runtime keeps no state; someone else may move the run), never cached here.
 *
 * Without a run, the tools are the actions some permit rule of the bundle could allow the
 * agent (its agents list the agent or `*`, a selector covers the action as the decider's
 * index matches them): still decided one by one by `act`, but no workflow narrows them.
 */
import type { Bundle, Run, Runtime } from "@paybill/runtime";
import { checkRunContext, PaybillRuntimeError, selectorAllows } from "@paybill/runtime";

export interface SessionOptions {
  readonly tenant: string;
  readonly agent: string;
  /** Start a run of this workflow when the session opens. */
  readonly workflow?: string;
  /** Work in this existing run (its tenant and agent must be the session's). */
  readonly run?: string;
  /** The trusted context of the run `workflow` starts (`--context file.json`): the host's, never the agent's. */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** What the session offers now. */
export interface SessionView {
  readonly run?: Run;
  /** The actions the agent may call now (the run's state allows them, or some permit could). */
  readonly actions: readonly string[];
  /** The states the agent can move the run to: its state's `by agent` edges (none outside a run, or in a final state). */
  readonly next: readonly string[];
}

/** A session that cannot start: the tenant, agent, workflow or run does not fit (a stable code, a help line). */
export class SessionError extends Error {
  constructor(
    readonly code: "PB9202",
    message: string,
    readonly help: string,
  ) {
    super(message);
    this.name = "SessionError";
  }
}

export class PaybillSession {
  private constructor(
    readonly runtime: Runtime,
    readonly tenant: string,
    readonly agent: string,
    readonly runId: string | undefined,
  ) {}

  /** Checks the options (checkSession), then starts the workflow's run or joins the given one. */
  static async open(runtime: Runtime, options: SessionOptions): Promise<PaybillSession> {
    await checkSession(runtime, options);
    const run = options.workflow === undefined ? options.run : (await runtime.runs.start({ workflow: options.workflow, tenant: options.tenant, agent: options.agent, ...(options.context === undefined ? {} : { context: options.context }) })).id;
    return new PaybillSession(runtime, options.tenant, options.agent, run);
  }

  async view(): Promise<SessionView> {
    if (this.runId === undefined) return { actions: permittable(this.runtime.bundle, this.agent), next: [] };
    const allowed = await this.runtime.runs.allowed(this.runId);
    if (allowed === undefined) throw new PaybillRuntimeError("PBR112", `there is no workflow run \`${this.runId}\``, "start a new session");
    const state = this.runtime.bundle.workflows[allowed.run.workflow]?.states[allowed.run.state];
    // The agent moves only along `by agent` edges; the others are the host's (runtime.runs.next).
    const next = state === undefined || state.final || allowed.run.final ? [] : state.next.filter((s) => state.edges?.[s]?.by === "agent");
    return { run: allowed.run, actions: allowed.actions, next };
  }

  /** Moves the run as the session's agent (`by agent` edges only), audited; PaybillRuntimeError (PBR113, PBR235–237) when refused. */
  async move(state: string): Promise<Run> {
    if (this.runId === undefined) {
      throw new SessionError("PB9202", "this session works in no workflow run, so there is no state to move", "serve with `--workflow <name>` or `--run <id>`");
    }
    return this.runtime.runs.next(this.runId, state, { by: this.agent });
  }
}

/**
 * Whether a session with these options can open, without starting anything: the agent is
 * declared, the tenant exists, the workflow is declared for that agent, the run exists and
 * is the tenant's and agent's. Throws SessionError, or PaybillRuntimeError for an unknown run.
 */
export async function checkSession(runtime: Runtime, options: SessionOptions): Promise<void> {
  checkSessionNames(runtime.bundle, options);
  if ((await runtime.tenants.get(options.tenant)) === undefined) {
    throw new SessionError("PB9202", `there is no tenant \`${options.tenant}\``, "declare it in a `.paybill` file and rebuild, or register it with `runtime.tenants.put(…)`");
  }
  if (options.run !== undefined) {
    const run = await runtime.runs.get(options.run);
    if (run === undefined) throw new PaybillRuntimeError("PBR112", `there is no workflow run \`${options.run}\``, "start one with `--workflow <name>` instead of `--run`");
    if (run.tenant !== options.tenant || run.agent !== options.agent) {
      throw new SessionError("PB9202", `run \`${run.id}\` belongs to agent \`${run.agent}\` of tenant \`${run.tenant}\``, `serve it with \`--tenant ${run.tenant} --agent ${run.agent}\``);
    }
  }
}

/**
 * What a session's options must name in the bundle alone — the agent, the workflow it runs
 * and the context that workflow accepts — checked before any database is opened (`serve`
 * refuses them at once, not after starting PGlite).
 */
export function checkSessionNames(bundle: Bundle, options: SessionOptions): void {
  if (!Object.hasOwn(bundle.agents, options.agent)) {
    throw new SessionError("PB9202", `there is no agent \`${options.agent}\` in the bundle`, `declared agents: ${list(Object.keys(bundle.agents))}`);
  }
  if (options.workflow !== undefined && options.run !== undefined) {
    throw new SessionError("PB9202", "give a workflow to start or a run to join, not both", "drop `--workflow` to join the run, or `--run` to start a new one");
  }
  if (options.workflow !== undefined) {
    const workflow = Object.hasOwn(bundle.workflows, options.workflow) ? bundle.workflows[options.workflow] : undefined;
    if (workflow === undefined) {
      throw new SessionError("PB9202", `there is no workflow \`${options.workflow}\` in the bundle`, `declared workflows: ${list(Object.keys(bundle.workflows))}`);
    }
    if (workflow.agent !== options.agent) {
      throw new SessionError("PB9202", `workflow \`${workflow.name}\` is run by agent \`${workflow.agent}\`, not \`${options.agent}\``, `serve it with \`--agent ${workflow.agent}\``);
    }
    // Before any session opens: a context the workflow refuses (PBR210–PBR213) stops the server.
    checkRunContext(workflow, options.context);
  } else if (options.context !== undefined) {
    throw new SessionError("PB9202", "a context is given to the run a session starts", "add `--workflow <name>` to start a run with it; a joined run (`--run`) keeps the context it started with");
  }
}

/** The actions some permit rule could allow `agent`, in the bundle's (sorted) order. */
export function permittable(bundle: Bundle, agent: string): string[] {
  const permits = bundle.policies.flatMap((p) => p.rules).filter((r) => r.effect === "permit" && (r.agents.includes("*") || r.agents.includes(agent)));
  return Object.values(bundle.actions)
    .filter((action) => permits.some((rule) => rule.actions.some((s) => selectorAllows(s, action))))
    .map((action) => action.name);
}


function list(names: readonly string[]): string {
  return names.length === 0 ? "none" : names.map((n) => `\`${n}\``).join(", ");
}
