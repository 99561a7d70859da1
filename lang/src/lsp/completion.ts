/**
 * Completion by a small context analysis of the tree and the text before the cursor:
 *   - after `resource.`, `input.`, `tenant.`, `principal.`, `context.`, `action.` (and
 *     deeper, `context.budget.`): the fields of that variable's type where the cursor is,
 *     with their types and docs;
 *   - after `alias.` (a module this file imports): that module's constants;
 *   - after `given` in a test: what a test can give (`approval`, `context`, `untrusted`) and
 *     the entities whose rows it can give;
 *   - where one kind of name only is valid (`completion-slots.ts`: after `permit`, `to`,
 *     `effect update`, `requires feature`, a test's `as`, `in`, `at`, `do`, `tenant`): those names;
 *   - elsewhere: the keywords of the enclosing declaration (or of the top level), CEL
 *     variables inside a condition (an edge guard's: `tenant`, `context`; and the lookup
 *     `exists` in a policy's), and every name the file can see (a constant with its type and value).
 * The variable's type comes from the checker's `celTypes` for the enclosing rule or
 * declaration; while the current text is broken there, from the previous analysis.
 */
import { WINDOW_COMPLETIONS } from "../3-check/cel/windows.js";
import { type CompletionItem, CompletionItemKind } from "vscode-languageserver/node";
import type { CelExpr } from "../ast/cel.js";
import type { ConstDecl, Declaration, WorkflowDecl } from "../ast/nodes.js";
import type { Scope } from "../2-resolve/scope.js";
import type { Model } from "../3-check/model.js";
import { declarationName, type Module, NAMESPACE_WORDS, type Namespace, type Unit } from "../2-resolve/symbols.js";
import { type CelType, typeName } from "../3-check/cel/cel-types.js";
import { ACTION, CONTEXT, PRINCIPAL, TENANT } from "../3-check/env.js";
import { BUILTIN_TYPES } from "../3-check/field-types.js";
import type { Analysis } from "./analysis.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { fieldsOf } from "./cel-at.js";
import { type Slot, slotAt } from "./completion-slots.js";
import { FUNCTION_DOCS } from "./describe.js";
import { type Enclosing, enclosingAt } from "./enclosing.js";
import { describeConst } from "./hover-data.js";
import { allNodes, type Located, pathAt } from "./locate.js";

const VARIABLES = ["principal", "action", "input", "resource", "tenant", "context", "run"];
const GUARD_VARIABLES = ["tenant", "context"];
const FIXED: Record<string, CelType> = { principal: PRINCIPAL, action: ACTION, tenant: TENANT, context: CONTEXT };

const TOP_LEVEL = ["package", "import", "cloud", "plan", "tenant", "entity", "agent", "group", "action", "policy", "workflow", "test", "const"];
const INSIDE: Partial<Record<Declaration["kind"], readonly string[]>> = {
  Plan: ["price", "trial", "grace", "retention", "isolation", "limits", "features", "on", "per", "custom"],
  Tenant: ["plan", "region", "isolation"],
  Agent: ["roles", "description", "runs", "required"],
  Group: ["description"],
  Entity: [...BUILTIN_TYPES],
  Action: ["input", "effect", "requires", "feature", "read", "insert", "update", "delete", "set", "host", "many", "where", "limit", "row", ...BUILTIN_TYPES],
  Policy: ["permit", "forbid", "require", "approval", "from", "for", "timeout", "any", "agent", "role", "to", "when", "read", "insert", "update", "delete"],
  Workflow: ["agent", "budget", "context", "start", "state", "allow", "next", "by", "host", "when", "await", "approval", "from", "final", "timeout", "read"],
  Test: ["as", "in", "at", "tenant", "given", "approval", "from", "context", "untrusted", "do", "expect", "allow", "deny", "pending", "by"],
  Cloud: ["region"],
};

/** What follows `given` in a test (spec/language.md §5.9), besides an entity's name. */
const GIVEN: readonly CompletionItem[] = [
  { label: "approval", kind: CompletionItemKind.Keyword, detail: "given approval from \"group\"", documentation: "An approval the request already has." },
  { label: "context", kind: CompletionItemKind.Keyword, detail: "given context { field: value }", documentation: "The run's trusted context, as the host starts the run with it (`run.context`, `from_context`); checked against the workflow's `context { … }`." },
  { label: "untrusted", kind: CompletionItemKind.Keyword, detail: "given untrusted \"text\"", documentation: "A value the run has seen in untrusted output, so `untrusted(x)` matches it (repeat for more values)." },
];

const ITEM_KIND: Record<Namespace, CompletionItemKind> = {
  provider: CompletionItemKind.Module,
  isolation: CompletionItemKind.Enum,
  cloud: CompletionItemKind.Module,
  plan: CompletionItemKind.Class,
  tenant: CompletionItemKind.EnumMember,
  agent: CompletionItemKind.Interface,
  group: CompletionItemKind.Constant,
  entity: CompletionItemKind.Struct,
  action: CompletionItemKind.Function,
  policy: CompletionItemKind.Event,
  workflow: CompletionItemKind.Class,
  test: CompletionItemKind.Method,
  const: CompletionItemKind.Constant,
};

const MEMBER = /([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*\.\s*([A-Za-z_]\w*)?$/;

export function completion(analysis: Analysis, previous: Analysis | undefined, unit: Unit, offset: number): CompletionItem[] {
  const lineStart = unit.source.text.lastIndexOf("\n", offset - 1) + 1;
  const before = unit.source.text.slice(lineStart, offset);
  const path = pathAt(unit.ast, offset);
  const header = enclosingAt(unit.source.text, offset);
  const decl =
    path.find((n): n is Declaration => n !== unit.ast && n.kind !== undefined && n.kind in INSIDE_KINDS) ??
    (header === undefined ? undefined : findDeclaration(unit, header));
  const kind = decl?.kind ?? header?.kind;
  const key = decl !== undefined ? { kind: decl.kind, name: declarationName(decl).name } : header;
  // While this file is broken its recovered tree may have lost the `package` line: use the last clean scope.
  const broken = hasErrors(analysis.diagnostics.filter((d) => d.file === unit.source));
  const cleanUnit = broken ? previous?.units.get(unit.source.name) : undefined;
  const scope = cleanUnit !== undefined ? previous?.modules?.scopes.get(cleanUnit) : analysis.modules?.scopes.get(unit);
  const member = MEMBER.exec(before);
  if (member !== null) {
    const parts = (member[1] ?? "").split(".").map((p) => p.trim());
    const root = parts[0] ?? "";
    if (!VARIABLES.includes(root)) return parts.length === 1 ? moduleConstants(scope?.modules.get(root), cleanUnit !== undefined ? previous : analysis) : [];
    // The first of: this check's type here, the last clean check's, the fixed shape — that has fields.
    const record = [() => variableType(analysis, decl, offset, root), () => variableTypeBefore(previous, unit, key, root), () => (root === "run" ? analysis.model?.run : FIXED[root])]
      .map((candidate) => {
        let type = candidate();
        for (const field of parts.slice(1)) type = fieldsOf(type)?.fields.get(field)?.type;
        return fieldsOf(type);
      })
      .find((r) => r !== undefined);
    if (record === undefined) return [];
    return [...record.fields].map(([name, f]) => ({
      label: name,
      kind: CompletionItemKind.Field,
      detail: typeName(f.type),
      ...(f.doc === undefined ? {} : { documentation: f.doc }),
    }));
  }
  if (kind === "Test" && /\bgiven\s+[A-Za-z_]*$/.test(before)) {
    const entities = scope === undefined ? [] : [...scope.visible("entity")].map((name): CompletionItem => ({ label: name, kind: ITEM_KIND.entity, detail: NAMESPACE_WORDS.entity }));
    return [...GIVEN, ...entities];
  }
  const slot = slotAt(kind, before);
  if (slot !== undefined) return slotItems(slot, scope, analysis.model ?? previous?.model, unit);
  const items: CompletionItem[] = [];
  const words = kind === undefined ? TOP_LEVEL : (INSIDE[kind] ?? []);
  for (const word of words) items.push({ label: word, kind: CompletionItemKind.Keyword });
  if (kind !== undefined && inCondition(path, before)) {
    // An edge's guard (`next b when …`) sees `tenant` and `context` only (check-edges.ts).
    for (const name of kind === "Workflow" ? GUARD_VARIABLES : VARIABLES) items.push({ label: name, kind: CompletionItemKind.Variable, detail: "CEL variable" });
    if (kind === "Policy") for (const w of WINDOW_COMPLETIONS) items.push({ label: w.label, kind: CompletionItemKind.Function, detail: w.detail, documentation: w.doc });
    for (const [name, documentation] of Object.entries(FUNCTION_DOCS)) items.push({ label: name, kind: CompletionItemKind.Function, detail: `${name}(value) -> bool`, documentation });
  }
  if (scope !== undefined && kind !== undefined) {
    for (const namespace of Object.keys(NAMESPACE_WORDS) as Namespace[]) {
      if (namespace === "test") continue;
      for (const name of scope.visible(namespace)) {
        const found = namespace === "const" ? scope.lookup("const", { kind: "Ident", span: { start: 0, end: 0 }, name }) : undefined;
        items.push(found?.ok === true && found.symbol.decl.kind === "Const" ? constItem(name, found.symbol.decl, analysis) : { label: name, kind: ITEM_KIND[namespace], detail: NAMESPACE_WORDS[namespace] });
      }
    }
  }
  if (kind === "Policy" && inCondition(path, before)) items.push(LOOKUP_ITEM);
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = `${i.label}\u0000${i.kind}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Only the names a slot takes (`completion-slots.ts`). */
function slotItems(slot: Slot, scope: Scope | undefined, model: Model | undefined, unit: Unit): CompletionItem[] {
  if ("features" in slot) return [...(model?.features ?? [])].map((name) => ({ label: name, kind: CompletionItemKind.EnumMember, detail: "feature" }));
  if ("statesOf" in slot) {
    const found = scope?.lookup("workflow", { kind: "Ident", span: { start: 0, end: 0 }, name: slot.statesOf });
    const declared = found?.ok === true ? found.symbol.decl : unit.ast.declarations.find((d) => d.kind === "Workflow" && d.name.name === slot.statesOf);
    if (declared === undefined || declared.kind !== "Workflow") return [];
    return (declared as WorkflowDecl).body.flatMap((e) => (e.kind === "State" ? [{ label: e.name.name, kind: CompletionItemKind.EnumMember, detail: `state of ${slot.statesOf}` }] : []));
  }
  const keywords = (slot.keywords ?? []).map((label): CompletionItem => ({ label, kind: CompletionItemKind.Keyword }));
  if (scope === undefined) return keywords;
  return [...keywords, ...slot.namespaces.flatMap((namespace) => [...scope.visible(namespace)].map((name): CompletionItem => ({ label: name, kind: ITEM_KIND[namespace], detail: NAMESPACE_WORDS[namespace] })))];
}

/** `exists(Entity, row, …)`, in policy conditions (hover-data.ts says what it does). */
const LOOKUP_ITEM: CompletionItem = {
  label: "exists",
  kind: CompletionItemKind.Function,
  detail: "exists(Entity, row, row.field == value): bool",
  documentation: "A lookup: true when a row of the entity in the tenant has every field equal to its value (one field at least indexed).",
};

/** A constant, with its type and value. */
function constItem(name: string, decl: ConstDecl, analysis: Analysis): CompletionItem {
  const type = analysis.model?.celTypes.get(decl.value)?.get(decl.value);
  return {
    label: name,
    kind: CompletionItemKind.Constant,
    detail: type === undefined || type.kind === "error" ? "const" : `const: ${typeName(type)}`,
    documentation: { kind: "markdown", value: describeConst(decl, analysis.model) },
  };
}

/** After `alias.`, where `alias` is a module this file imports: its constants. */
function moduleConstants(module: Module | undefined, analysis: Analysis | undefined): CompletionItem[] {
  if (module === undefined || analysis === undefined) return [];
  return [...module.table("const")].flatMap(([name, symbol]) => (symbol.decl.kind === "Const" ? [constItem(name, symbol.decl, analysis)] : []));
}

const INSIDE_KINDS: Record<Declaration["kind"], true> = {
  Provider: true, Isolation: true, Cloud: true, Plan: true, Tenant: true, Agent: true, Group: true, Entity: true, Action: true, Policy: true, Workflow: true, Test: true, Const: true,
};

function inCondition(path: readonly Located[], before: string): boolean {
  return path.some((n) => n.kind?.startsWith("Cel") === true) || /\bwhen\b/.test(before);
}

/** The type the checker gave `name` in the rule (or else the declaration) around the offset. */
function variableType(analysis: Analysis | undefined, decl: Declaration | undefined, offset: number, name: string): CelType | undefined {
  const model = analysis?.model;
  if (model === undefined || decl === undefined) return undefined;
  const rule = decl.kind === "Policy" ? decl.body.find((r) => r.kind === "Rule" && r.span.start <= offset && offset <= r.span.end) : undefined;
  for (const within of rule === undefined ? [decl] : [rule, decl]) {
    for (const node of allNodes(within)) {
      const types = model.celTypes.get(node as CelExpr);
      const found = types === undefined ? undefined : identType(types, name);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The same, in the previous analysis of this file: the declaration of the same kind and name. */
function variableTypeBefore(previous: Analysis | undefined, unit: Unit, key: Enclosing | undefined, name: string): CelType | undefined {
  const old = previous?.units.get(unit.source.name);
  if (old === undefined || key === undefined) return undefined;
  const same = findDeclaration(old, key);
  return same === undefined ? undefined : variableType(previous, same, same.span.start, name);
}

function findDeclaration(unit: Unit, key: Enclosing): Declaration | undefined {
  return unit.ast.declarations.find((d) => d.kind === key.kind && declarationName(d).name === key.name);
}

function identType(types: ReadonlyMap<CelExpr, CelType>, name: string): CelType | undefined {
  for (const [expr, type] of types) if (expr.kind === "CelIdent" && expr.name === name && type.kind !== "error") return type;
  return undefined;
}
