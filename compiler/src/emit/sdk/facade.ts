/**
 * The typed facade at the end of `out/sdk/index.ts`: `typed(runtime)` returns the same
 * runtime calls with the project's names in their types, so a misspelled action, input
 * field, workflow or state is a compile error in host code. The text is the same for every
 * project; only the declarations before it (sdk-ts.ts) change. It calls the runtime and
 * adds nothing else at run time but one check: the runtime loaded the bundle these types
 * were generated from.
 */

/** `StartRunOf` as FACADE writes it, and as it is written when some workflow declares a run context. */
export const START_RUN_OF = `  readonly agent?: WorkflowAgents[W];
};`;
export const START_RUN_WITH_CONTEXT = `  readonly agent?: WorkflowAgents[W];
} & ([WorkflowContexts[W]] extends [never] ? { readonly context?: never } : { readonly context: WorkflowContexts[W] });`;

export const FACADE = `
/** \`act\`'s request, with the input type of the action named. */
export type ActRequestOf<A extends ActionName> = {
  readonly tenant: string;
  readonly agent: AgentName;
  readonly action: A;
  readonly input: ActionInputs[A];
  /** The workflow run the action belongs to (its id from \`runs.start\`). */
  readonly run?: string;
};

/** \`decide\`'s request: \`act\`'s, plus what-if approvals and time. */
export type DecideRequestOf<A extends ActionName> = ActRequestOf<A> & Pick<DecideRequest, "approvals" | "time">;

/** \`runs.start\`'s request; the agent, when given, must be the workflow's. */
export type StartRunOf<W extends WorkflowName> = {
  readonly workflow: W;
  readonly tenant: string;
  readonly agent?: WorkflowAgents[W];
};

/** A run of workflow \`W\`, in one of its states. */
export type RunOf<W extends WorkflowName> = Run & { readonly workflow: W; readonly state: StateOf<W> };

/** A run of any workflow: test \`run.workflow\` to narrow it. */
export type AnyRun = { [W in WorkflowName]: RunOf<W> }[WorkflowName];

/** What names a run: a run from \`runs.start\`, \`runs.get\` or \`runs.next\`, or its id with its workflow. */
export type RunRef<W extends WorkflowName> = { readonly id: string; readonly workflow: W };

/** What an allowed act of host action \`A\` tells the host to perform; report with \`id\`. */
export type PerformOf<A extends ActionName> = { readonly id: string; readonly action: A; readonly input: ActionInputs[A] };

/** \`act\`'s result, \`perform\` typed by the action. */
export type ActResultOf<A extends ActionName> = Omit<ActResult, "perform"> & { readonly perform?: PerformOf<A> };

/** A host performance not yet reported, its action one of the host actions. */
export type PendingOf = { [A in HostActionName]: Omit<PendingPerformance, "action"> & { readonly action: A } }[HostActionName];

/** The runtime's calls with this project's names; the results are the runtime's own types. */
export interface PaybillClient {
  /** The runtime itself, for what the facade leaves as it is (approvals, audit, tenants, quotas). */
  readonly runtime: Runtime;
  /** Decides the action and, when allowed, performs it (a host action: returns \`perform\`); audited either way. */
  act<A extends ActionName>(request: ActRequestOf<A>): Promise<ActResultOf<A>>;
  /** Records the host's outcome of an allowed host act (\`id\`: its \`perform.id\`); once. */
  report(tenant: string, id: string, outcome: HostOutcome): Promise<Report>;
  readonly performances: {
    /** The tenant's host performances not yet reported, oldest first. */
    pending(tenant: string): Promise<PendingOf[]>;
  };
  /** What \`act\` would decide now, without writing anything. */
  decide<A extends ActionName>(request: DecideRequestOf<A>): Promise<Decision>;
  readonly runs: {
    /** Starts a run of the workflow for the tenant, in its start state. */
    start<W extends WorkflowName>(request: StartRunOf<W>): Promise<RunOf<W>>;
    get(runId: string): Promise<AnyRun | undefined>;
    /** Moves the run to \`state\`, one of its workflow's states (the runtime checks the edge). */
    next<W extends WorkflowName>(run: RunRef<W>, state: StateOf<W>): Promise<RunOf<W>>;
    /** The run and the actions its current state allows: the tools an agent may be offered now. */
    allowed<W extends WorkflowName>(run: RunRef<W>): Promise<{ run: RunOf<W>; actions: ActionName[] } | undefined>;
    history(runId: string): Promise<RunMove[]>;
    /**
     * Records what a tool of the host returned (a web page, an e-mail) as untrusted output of
     * the run: \`untrusted(x)\` in a condition matches those values from the next decision on.
     * \`source\` names the tool; \`values\` are strings, numbers or bools (PBR215 otherwise).
     */
    observe(runId: string, observation: Observation & { readonly values: readonly (string | number | bigint | boolean)[] }): Promise<ObserveResult>;
  };
}

/**
 * This project's view of \`runtime\`. Throws when the runtime loaded another bundle than the
 * one these types were generated from (rebuild, and load that build's \`bundle.json\`).
 */
export function typed(runtime: Runtime): PaybillClient {
  if (runtime.bundle.hash !== BUNDLE_HASH) {
    throw new Error(
      \`paybill sdk: the runtime loaded bundle \${runtime.bundle.hash}, but this SDK was generated from \${BUNDLE_HASH}; help: load the bundle.json of the build that wrote this SDK, or build again\`,
    );
  }
  return {
    runtime,
    act: <A extends ActionName>(request: ActRequestOf<A>) => runtime.act(request) as Promise<ActResultOf<A>>,
    report: (tenant, id, outcome) => runtime.report(tenant, id, outcome),
    performances: { pending: (tenant) => runtime.performances.pending(tenant) as Promise<PendingOf[]> },
    decide: (request) => runtime.decide(request),
    runs: {
      start: <W extends WorkflowName>(request: StartRunOf<W>) => runtime.runs.start(request) as Promise<RunOf<W>>,
      get: (runId) => runtime.runs.get(runId) as Promise<AnyRun | undefined>,
      next: <W extends WorkflowName>(run: RunRef<W>, state: StateOf<W>) => runtime.runs.next(run.id, state) as Promise<RunOf<W>>,
      allowed: <W extends WorkflowName>(run: RunRef<W>) =>
        runtime.runs.allowed(run.id) as Promise<{ run: RunOf<W>; actions: ActionName[] } | undefined>,
      history: (runId) => runtime.runs.history(runId),
      observe: (runId, observation) => runtime.runs.observe(runId, observation),
    },
  };
}
`;
