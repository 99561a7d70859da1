/**
 * The AST of a `.paybill` file. Every node carries the span it was parsed from.
 *
 * The tree is immutable after parsing: later stages keep what they learn (references,
 * types) in side tables keyed by node, never on the nodes. A construct the parser could
 * not read becomes `Missing`, so a tree always exists, even for a broken file. One
 * exception, to spans only: the language server's document store, which owns its trees,
 * moves the spans of a tree's later declarations in place when an edit before them makes
 * the next version (`lsp/shift.ts`); whoever keeps such a tree lets it go then.
 */
import type { Span } from "../source/source-file.js";
import type { CelExpr } from "./cel.js";

/** Stands where the parser expected something and found an error (already reported). */
export interface Missing {
  readonly kind: "Missing";
  readonly span: Span;
}

export interface Ident {
  readonly kind: "Ident";
  readonly span: Span;
  readonly name: string;
}

/** `a.b.c` */
export interface QualifiedName {
  readonly kind: "QualifiedName";
  readonly span: Span;
  readonly parts: readonly Ident[];
}

export interface Comment {
  readonly span: Span;
  readonly text: string;
  /** `/* … *\/` rather than `// …`. */
  readonly block: boolean;
}

export interface FileNode {
  readonly kind: "File";
  readonly span: Span;
  readonly package: PackageDecl | undefined;
  readonly imports: readonly ImportDecl[];
  readonly declarations: readonly Declaration[];
  readonly comments: readonly Comment[];
}

export interface PackageDecl {
  readonly kind: "Package";
  readonly span: Span;
  readonly name: QualifiedName;
}

/** `import a.b`, `import a.b as c`, `import a.b.{x, y}` */
export interface ImportDecl {
  readonly kind: "Import";
  readonly span: Span;
  readonly path: QualifiedName;
  readonly members: readonly Ident[] | undefined;
  readonly alias: Ident | undefined;
}

export type Declaration =
  | ProviderDecl
  | IsolationDecl
  | CloudDecl
  | PlanDecl
  | TenantDecl
  | AgentDecl
  | GroupDecl
  | EntityDecl
  | ActionDecl
  | PolicyDecl
  | WorkflowDecl
  | TestDecl
  | ConstDecl;

// ---- values: the right-hand side of `key = value` ----

export type Value = StringValue | NumberValue | QuantityValue | DurationValue | BoolValue | ListValue | RefValue | Missing;

export interface StringValue {
  readonly kind: "String";
  readonly span: Span;
  /** The literal as written, quotes included. */
  readonly raw: string;
  /** The decoded text. */
  readonly value: string;
}

export interface NumberValue {
  readonly kind: "Number";
  readonly span: Span;
  readonly raw: string;
}

/** A number with a unit and/or a period: `99 usd per month`, `14 days`, `1000 per day`. */
export interface QuantityValue {
  readonly kind: "Quantity";
  readonly span: Span;
  readonly amount: NumberValue;
  readonly unit: Ident | undefined;
  readonly per: Ident | undefined;
}

/** `10m`, `30s`, `2h`, `14d` */
export interface DurationValue {
  readonly kind: "Duration";
  readonly span: Span;
  readonly raw: string;
}

export interface BoolValue {
  readonly kind: "Bool";
  readonly span: Span;
  readonly value: boolean;
}

export interface ListValue {
  readonly kind: "List";
  readonly span: Span;
  readonly items: readonly Value[];
}

/**
 * A name used as a value, optionally with arguments, `?` and an `on` target:
 * `pooled`, `bridge on primary`, `string(max: 500)`, `enum(open, closed)`, `Ticket.id`, `int?`.
 * Types are written this way too; the checker decides what a reference means.
 */
export interface RefValue {
  readonly kind: "Ref";
  readonly span: Span;
  readonly name: QualifiedName;
  readonly args: readonly Arg[] | undefined;
  readonly optional: boolean;
  readonly on: QualifiedName | undefined;
}

/** `max: 500` or a positional `open` inside `( … )`. */
export interface Arg {
  readonly kind: "Arg";
  readonly span: Span;
  readonly name: Ident | undefined;
  readonly value: Value;
}

/** `@pii`, `@default("open")`, `@renamed(from: "old_name")` */
export interface Annotation {
  readonly kind: "Annotation";
  readonly span: Span;
  readonly name: Ident;
  readonly args: readonly Arg[] | undefined;
}

// ---- generic body entries ----

/** `key = value`; a key may be quoted (`"cost-center" = "ops"`). */
export interface Attribute {
  readonly kind: "Attribute";
  readonly span: Span;
  readonly key: Ident | StringValue;
  readonly value: Value;
}

/** `name { entries }`, e.g. `limits { … }`, `budget { … }`, `tags { … }` */
export interface Block {
  readonly kind: "Block";
  readonly span: Span;
  readonly name: Ident;
  readonly entries: readonly Entry[];
}

export type Entry = Attribute | Block;

// ---- declarations ----

/** `provider aws { regions = [...] }`: a cloud provider, declared in the stdlib. */
export interface ProviderDecl {
  readonly kind: "Provider";
  readonly span: Span;
  readonly name: Ident;
  readonly body: readonly Entry[];
}

/** `isolation silo { database = dedicated, … }`: an isolation model, declared in the stdlib. */
export interface IsolationDecl {
  readonly kind: "Isolation";
  readonly span: Span;
  readonly name: Ident;
  readonly body: readonly Entry[];
}

export interface CloudDecl {
  readonly kind: "Cloud";
  readonly span: Span;
  readonly provider: Ident;
  /** Defaults to the provider's name when omitted. */
  readonly name: Ident | undefined;
  readonly body: readonly Entry[];
}

export interface PlanDecl {
  readonly kind: "Plan";
  readonly span: Span;
  readonly name: Ident;
  readonly body: readonly Entry[];
}

export interface TenantDecl {
  readonly kind: "Tenant";
  readonly span: Span;
  readonly name: Ident;
  readonly body: readonly Entry[];
}

export interface AgentDecl {
  readonly kind: "Agent";
  readonly span: Span;
  readonly name: Ident;
  readonly body: readonly Entry[];
}

/** `group account_holder { … }`: an approval group a `require approval from` rule names. */
export interface GroupDecl {
  readonly kind: "Group";
  readonly span: Span;
  readonly name: Ident;
  readonly body: readonly Entry[];
}

export interface EntityDecl {
  readonly kind: "Entity";
  readonly span: Span;
  readonly name: Ident;
  readonly annotations: readonly Annotation[];
  readonly fields: readonly Field[];
}

/** `email string @pii` in an entity, `amount: decimal` in an action's input. */
export interface Field {
  readonly kind: "Field";
  readonly span: Span;
  readonly name: Ident;
  readonly type: Value;
  readonly annotations: readonly Annotation[];
}

export interface ActionDecl {
  readonly kind: "Action";
  readonly span: Span;
  readonly name: Ident;
  readonly body: readonly ActionEntry[];
}

export type ActionEntry = Attribute | Block | InputBlock | EffectDecl | HostEffect | RequiresFeature;

export interface InputBlock {
  readonly kind: "Input";
  readonly span: Span;
  readonly fields: readonly Field[];
}

export type DataOp = "read" | "insert" | "update" | "delete";

/**
 * `effect update Ticket(input.ticket) set { status = closed }`, or a bounded list read
 * `effect read many Ticket where row.status == input.status limit 20` (`many`, `where`, `limit`).
 */
export interface EffectDecl {
  readonly kind: "Effect";
  readonly span: Span;
  readonly op: DataOp;
  readonly entity: QualifiedName;
  readonly key: CelExpr | undefined;
  readonly assignments: readonly Assignment[] | undefined;
  /** `many`: a list read (with `read`); only then `where` and `limit`. */
  readonly many?: true;
  readonly where?: CelExpr;
  readonly limit?: NumberValue;
}

/** `effect host`: the host performs the allowed action and reports its outcome. */
export interface HostEffect {
  readonly kind: "HostEffect";
  readonly span: Span;
}

/** `field = <CEL>` inside `set { … }` */
export interface Assignment {
  readonly kind: "Assignment";
  readonly span: Span;
  readonly field: Ident;
  readonly value: CelExpr;
}

export interface RequiresFeature {
  readonly kind: "RequiresFeature";
  readonly span: Span;
  readonly feature: Ident;
}

export interface PolicyDecl {
  readonly kind: "Policy";
  readonly span: Span;
  readonly name: Ident;
  readonly body: readonly (Attribute | Rule)[];
}

/**
 * `permit support_bot to close_ticket when <CEL>`, or
 * `require approval from account_holder [for P, …] to send_money when <CEL> [timeout 24h]`
 * (`effect` "require", with `approval`; no `for` leaves `principals` empty: any agent).
 */
export interface Rule {
  readonly kind: "Rule";
  readonly span: Span;
  readonly effect: "permit" | "forbid" | "require";
  readonly principals: readonly PrincipalSelector[];
  readonly actions: readonly ActionSelector[];
  readonly condition: CelExpr | undefined;
  /** Only on a `require approval` rule. */
  readonly approval?: RuleApproval;
}

/** `approval from G … timeout D` of a `require` rule. */
export interface RuleApproval {
  readonly kind: "RuleApproval";
  readonly span: Span;
  readonly group: Ident;
  readonly timeout: DurationValue | undefined;
}

export type PrincipalSelector = AnyAgent | RoleSelector | AgentSelector;
export interface AnyAgent {
  readonly kind: "AnyAgent";
  readonly span: Span;
}
export interface RoleSelector {
  readonly kind: "RoleSelector";
  readonly span: Span;
  readonly role: Ident;
}
export interface AgentSelector {
  readonly kind: "AgentSelector";
  readonly span: Span;
  readonly agent: Ident;
}

export type ActionSelector = AnyAction | DataAccess | ActionRef;
export interface AnyAction {
  readonly kind: "AnyAction";
  readonly span: Span;
}
/** `read Ticket`, `read Ticket.email`, `delete Ticket` */
export interface DataAccess {
  readonly kind: "DataAccess";
  readonly span: Span;
  readonly op: DataOp;
  readonly target: QualifiedName;
}
export interface ActionRef {
  readonly kind: "ActionRef";
  readonly span: Span;
  readonly action: Ident;
}

export interface WorkflowDecl {
  readonly kind: "Workflow";
  readonly span: Span;
  readonly name: Ident;
  readonly body: readonly WorkflowEntry[];
}

export type WorkflowEntry = Attribute | Block | StartDecl | StateDecl | ContextDecl;

/** `context { recipient: string, cap: decimal }`: what the host gives a run when it starts it. */
export interface ContextDecl {
  readonly kind: "Context";
  readonly span: Span;
  readonly fields: readonly Field[];
}

export interface StartDecl {
  readonly kind: "Start";
  readonly span: Span;
  readonly state: Ident;
}

export interface StateDecl {
  readonly kind: "State";
  readonly span: Span;
  readonly name: Ident;
  readonly body: readonly StateEntry[];
}

export type StateEntry = Attribute | AllowDecl | NextDecl | AwaitApproval | FinalDecl;

export interface AllowDecl {
  readonly kind: "Allow";
  readonly span: Span;
  readonly actions: readonly ActionSelector[];
}
export interface NextDecl {
  readonly kind: "Next";
  readonly span: Span;
  readonly states: readonly Ident[];
  /** Each target with its `by` and `when`, in order; absent when no target says either (all `by host`, unguarded). */
  readonly edges?: readonly NextEdge[];
}
/** One target of `next`: `resolve by agent when context.budget.steps > 1`. */
export interface NextEdge {
  readonly kind: "NextEdge";
  readonly span: Span;
  readonly state: Ident;
  /** `by agent` or `by host` (the checker allows no other name); absent: `by host`. */
  readonly by: Ident | undefined;
  /** The guard: the edge is taken only when it holds. */
  readonly when: CelExpr | undefined;
}
/** `await approval from "finance"` */
export interface AwaitApproval {
  readonly kind: "AwaitApproval";
  readonly span: Span;
  readonly group: StringValue | Missing;
}
export interface FinalDecl {
  readonly kind: "Final";
  readonly span: Span;
}

/** `const payees = ["DE89…", "FR76…"]`: a named value (a CEL literal) conditions use by name. */
export interface ConstDecl {
  readonly kind: "Const";
  readonly span: Span;
  readonly name: Ident;
  readonly value: CelExpr;
}

export interface TestDecl {
  readonly kind: "Test";
  readonly span: Span;
  readonly name: StringValue | Missing;
  readonly body: readonly TestStatement[];
}

export type TestStatement = AsStatement | TenantStatement | GivenRecord | GivenApproval | GivenContext | GivenUntrusted | DoStatement | ExpectStatement;

/** `as support_bot in resolve_ticket at resolve` */
export interface AsStatement {
  readonly kind: "As";
  readonly span: Span;
  readonly agent: Ident;
  readonly workflow: Ident | undefined;
  readonly state: Ident | undefined;
}
export interface TenantStatement {
  readonly kind: "TenantIs";
  readonly span: Span;
  readonly tenant: Ident;
}
/** `given Ticket { id: "t-1", status: "open" }` */
export interface GivenRecord {
  readonly kind: "GivenRecord";
  readonly span: Span;
  readonly entity: QualifiedName;
  readonly record: RecordLiteral;
}
/** `given approval from "finance"` */
export interface GivenApproval {
  readonly kind: "GivenApproval";
  readonly span: Span;
  readonly group: StringValue | Missing;
}
/** `given context { recipient: "DE89…", cap: 500.0 }`: the test run's trusted context (its workflow's `context { … }`). */
export interface GivenContext {
  readonly kind: "GivenContext";
  readonly span: Span;
  readonly record: RecordLiteral;
}
/** `given untrusted "DE44 5001"`: a value the test run has seen in untrusted output (`untrusted(x)`). */
export interface GivenUntrusted {
  readonly kind: "GivenUntrusted";
  readonly span: Span;
  readonly value: StringValue | Missing;
}
/** `do refund { ticket: "t-1", amount: 250.0 }` */
export interface DoStatement {
  readonly kind: "Do";
  readonly span: Span;
  readonly action: Ident;
  readonly input: RecordLiteral;
}
/** `expect deny by refunds_need_finance_over_100` */
export interface ExpectStatement {
  readonly kind: "Expect";
  readonly span: Span;
  readonly decision: "allow" | "deny" | "pending";
  readonly by: readonly Ident[];
}

export interface RecordLiteral {
  readonly kind: "Record";
  readonly span: Span;
  readonly fields: readonly RecordField[];
}
export interface RecordField {
  readonly kind: "RecordField";
  readonly span: Span;
  readonly name: Ident;
  readonly value: CelExpr;
}
