/**
 * `createPaybillMcpServer`: an MCP server (the SDK's low-level `Server`, so tool inputs are
 * the JSON Schemas tools.ts derives from the bundle) for one session — one tenant, one
 * agent, usually one workflow run (session.ts). It lists the actions the run's current
 * state allows plus the control tools, sends every action call through `runtime.act`, and
 * sends `notifications/tools/list_changed` when the state the list came from changes (after
 * `paybill_move`, or a move made by someone else and seen on the next call).
 *
 * Tool calls never throw to the client: what the runtime decides or refuses is a tool
 * result (results.ts). Transports are the caller's (commands/serve.ts).
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { type CallToolResult, CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { PaybillRuntimeError, type Runtime } from "@paybill/runtime";
import { actAnswer, errorAnswer, reasonText } from "./results.js";
import { PaybillSession, SessionError, type SessionOptions, type SessionView } from "./session.js";
import { actionTool, MOVE_TOOL, moveTool, STATUS_TOOL, statusTool, type ToolSpec } from "./tools.js";

export interface PaybillMcpServer {
  readonly server: Server;
  readonly session: PaybillSession;
}

/** Opens the session (starting the workflow's run, if one is given), then builds its server. Throws SessionError or PaybillRuntimeError. */
export async function createPaybillMcpServer(runtime: Runtime, options: SessionOptions & { readonly version?: string }): Promise<PaybillMcpServer> {
  const session = await PaybillSession.open(runtime, options);
  const server = new Server(
    { name: "paybill", version: options.version ?? "0.0.0" },
    { capabilities: { tools: { listChanged: true } }, instructions: instructions(session, options.workflow) },
  );
  // The state the tool list was last made for: when the database's differs, the list changed.
  let shown = stateKey(await session.view());
  const seen = async (view: SessionView): Promise<void> => {
    const key = stateKey(view);
    if (key === shown) return;
    shown = key;
    await server.sendToolListChanged();
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const view = await session.view();
    shown = stateKey(view);
    return { tools: toolsOf(runtime, view) };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const name = request.params.name;
    const args = request.params.arguments ?? {};
    try {
      const answer = await call(runtime, session, name, args);
      await seen(await session.view());
      return answer;
    } catch (error) {
      if (error instanceof PaybillRuntimeError || error instanceof SessionError) return errorAnswer(error.code, error.message, error.help);
      // Not the agent's doing (a database gone, a bug): said without a stack trace.
      const message = error instanceof Error ? error.message : String(error);
      return errorAnswer("PB9209", `the server failed to answer: ${message}`, "the host service's log has details; try again later");
    }
  });
  return { server, session };
}

async function call(runtime: Runtime, session: PaybillSession, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const view = await session.view();
  if (name === STATUS_TOOL) return status(session, view);
  if (name === MOVE_TOOL && view.run === undefined) return moveOutsideRun(runtime, session, args);
  if (name === MOVE_TOOL && view.run !== undefined) {
    // Decided and audited by the runtime like a host's move (move.ts), whatever the arguments: a state that is not a text names no edge.
    const state = args["state"];
    const moved = await session.move(typeof state === "string" ? state : "");
    const after = await session.view();
    const text = `moved from \`${view.run.state}\` to \`${moved.state}\`; allowed now: ${list(after.actions)}${moved.final ? " (a final state: the run is over)" : ""}`;
    return { content: [{ type: "text", text }], structuredContent: { from: view.run.state, state: moved.state, final: moved.final, actions: after.actions, next: after.next } };
  }
  // Every other name goes to `act`, as an in-process call would: an unknown action or one the
  // state does not allow is decided (denied) and audited there, in the runtime's order of checks.
  const result = await runtime.act({
    tenant: session.tenant,
    agent: session.agent,
    action: name,
    input: args,
    ...(session.runId === undefined ? {} : { run: session.runId }),
  });
  const help = result.decision === "deny" ? `allowed now: ${list(view.actions)}${view.next.length > 0 ? `; \`${MOVE_TOOL}\` moves the run to ${list(view.next)}` : ""}` : undefined;
  return actAnswer(runtime.bundle, name, result, help);
}

/**
 * `paybill_move` in a session with no run: not a tool the session offers, so like any such
 * name it goes to `act` (no run), which decides it — an unknown action, or the tenant's or
 * the input's refusal first, in the runtime's order of checks — and audits it; the answer is
 * PB9204 with that record's id and reasons. Should the bundle declare an action of that name
 * (the tool the session lists outside a run), act's answer is that action's.
 */
async function moveOutsideRun(runtime: Runtime, session: PaybillSession, args: Record<string, unknown>): Promise<CallToolResult> {
  const result = await runtime.act({ tenant: session.tenant, agent: session.agent, action: MOVE_TOOL, input: args });
  if (result.decision !== "deny") return actAnswer(runtime.bundle, MOVE_TOOL, result);
  const reasons = result.reasons.map((reason) => ({ ...reason, text: reasonText(runtime.bundle, reason) }));
  return errorAnswer("PB9204", "this session works in no workflow run, so there is no state to move", "the host starts the server with `--workflow` or `--run`", {
    auditId: result.auditId,
    reasons,
  });
}

function status(session: PaybillSession, view: SessionView): CallToolResult {
  const run = view.run;
  const left = run === undefined ? undefined : {
    ...(run.budget.steps === undefined ? {} : { steps: Math.max(0, run.budget.steps - run.steps) }),
    ...(run.budget.writes === undefined ? {} : { writes: Math.max(0, run.budget.writes - run.writes) }),
    ...(run.budget.deadline === undefined ? {} : { deadline: run.budget.deadline }),
  };
  const structured = {
    tenant: session.tenant,
    agent: session.agent,
    run: run === undefined ? null : { id: run.id, workflow: run.workflow, state: run.state, final: run.final, steps: run.steps, writes: run.writes },
    budgetLeft: left ?? null,
    actions: view.actions,
    next: view.next,
  };
  const lines =
    run === undefined
      ? [`agent \`${session.agent}\` of tenant \`${session.tenant}\`, in no workflow run`]
      : [
          `run ${run.id} of workflow \`${run.workflow}\`, state \`${run.state}\`${run.final ? " (final)" : ""}`,
          `budget left: ${left?.steps ?? "unlimited"} steps, ${left?.writes ?? "unlimited"} writes${left?.deadline === undefined ? "" : `, until ${left.deadline}`}`,
        ];
  lines.push(`allowed now: ${list(view.actions)}`, `can move to: ${list(view.next)}`);
  return { content: [{ type: "text", text: lines.join("\n") }], structuredContent: structured };
}

function toolsOf(runtime: Runtime, view: SessionView): ToolSpec[] {
  const tools: ToolSpec[] = [];
  for (const name of view.actions) {
    const action = runtime.bundle.actions[name];
    if (action !== undefined) tools.push(actionTool(action));
  }
  tools.push(statusTool());
  if (view.run !== undefined && view.next.length > 0) tools.push(moveTool(view.run.state, view.next));
  return tools;
}

function stateKey(view: SessionView): string {
  return JSON.stringify([view.run?.state ?? null, view.actions, view.next]);
}

function instructions(session: PaybillSession, workflow: string | undefined): string {
  const where = session.runId === undefined ? "outside any workflow" : `in workflow run ${session.runId}${workflow === undefined ? "" : ` of \`${workflow}\``}`;
  return (
    `You act as agent \`${session.agent}\` for tenant \`${session.tenant}\`, ${where}. ` +
    "The tools are the actions allowed right now; each call is decided by the tenant's policies and audited. " +
    `A denied call says why. \`${STATUS_TOOL}\` shows the state and the budget left; \`${MOVE_TOOL}\` moves the run to a next state, which changes the tools.`
  );
}

function list(names: readonly string[]): string {
  return names.length === 0 ? "none" : names.map((n) => `\`${n}\``).join(", ");
}
