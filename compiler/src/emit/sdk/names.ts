/**
 * The TypeScript names the SDK gives a project's declarations: an entity's type is the
 * entity's name (`Ticket`), an action's input type its name in PascalCase with `Input`
 * (`read_ticket` → `ReadTicketInput`). A name the SDK already uses, that TypeScript
 * reserves, or that an earlier declaration took gets a suffix (`RunEntity`, `…Input2`).
 * Names are handed out in sorted order, so the same project always gets the same names.
 */

/** The names the SDK itself declares or imports (sdk-ts.ts, facade.ts); compiler/test/sdk-emit.test.ts reads them back from its output. */
export const SDK_NAMES: readonly string[] = [
  "ActRequestOf",
  "ActResult",
  "ActResultOf",
  "ActionInputs",
  "ActionName",
  "AgentName",
  "AnyRun",
  "BUNDLE_HASH",
  "DecideRequest",
  "DecideRequestOf",
  "Decimal",
  "Decision",
  "Entities",
  "EntityName",
  "FeatureName",
  "HostActionName",
  "HostOutcome",
  "Observation",
  "ObserveResult",
  "PaybillClient",
  "PendingOf",
  "PendingPerformance",
  "PerformOf",
  "PlanName",
  "Report",
  "Run",
  "RunMove",
  "RunOf",
  "RunRef",
  "Runtime",
  "StartRunOf",
  "StateOf",
  "WorkflowAgents",
  "WorkflowContexts",
  "WorkflowName",
  "WorkflowStates",
  "typed",
];

/** Words that cannot name an interface or a type alias. */
const TYPESCRIPT = new Set(
  "any bigint boolean break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof interface let never new null number object package private protected public return static string super switch symbol this throw true try typeof undefined unknown var void while with yield".split(
    " ",
  ),
);

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export class TypeNames {
  readonly #taken = new Set<string>(SDK_NAMES);

  /** A fresh name from `base`, `fallback` appended when `base` is taken or not allowed, then a number. */
  claim(wanted: string, fallback: string): string {
    // Paybill names are identifiers; anything else (only a caller's mistake) is made one.
    const base = IDENT.test(wanted) ? wanted : `_${wanted.replace(/[^A-Za-z0-9_$]/g, "_")}`;
    let name = this.#free(base) ? base : `${base}${fallback}`;
    for (let n = 2; !this.#free(name); n++) name = `${base}${fallback}${n}`;
    this.#taken.add(name);
    return name;
  }

  #free(name: string): boolean {
    return IDENT.test(name) && !TYPESCRIPT.has(name) && !this.#taken.has(name);
  }
}

/** `read_ticket` → `ReadTicket`. */
export function pascalCase(name: string): string {
  return name
    .split("_")
    .filter((part) => part.length > 0)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** A property name as source: bare when it is an identifier, else quoted. */
export function propertyName(name: string): string {
  return IDENT.test(name) ? name : JSON.stringify(name);
}

/** A union of string literals, or `never` for none. */
export function literalUnion(names: readonly string[]): string {
  return names.length === 0 ? "never" : names.map((n) => JSON.stringify(n)).join(" | ");
}
