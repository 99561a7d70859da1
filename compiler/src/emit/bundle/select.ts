/**
 * Which declarations the bundle holds: every agent, approval group, entity, action, policy, workflow, plan
 * and static tenant of the project, plus the standard library's policies the project
 * imports (`import std.policies.{tenant_boundary}` brings one, `import std.policies` all of
 * them: an imported policy applies like one of the project's own). The standard library
 * declares no other kind the bundle carries; its providers and isolation models appear only
 * as names (`isolation.model`).
 *
 * The bundle names a declaration by its own name, without its module. Two included
 * declarations of one kind with the same name (in two packages of the project) cannot both
 * be in it: PB2001, at the second — except policies, which nothing else names: policies of
 * one name in several packages (or a project policy named like an imported standard one)
 * are each named `<package>.<name>` in the bundle (and so in every decision's reasons).
 */
import { type Declaration, type Diagnostic, diagnostic, type Ident, type Model, type Span, type Unit } from "@paybill/lang";
import { compareStrings } from "./values.js";

type Kind = "Agent" | "Group" | "Entity" | "Action" | "Policy" | "Workflow" | "Plan" | "Tenant";
export type Decl<K extends Kind> = Extract<Declaration, { kind: K }>;

export interface Included<K extends Kind> {
  readonly decl: Decl<K>;
  readonly unit: Unit;
  /** A policy whose name another package's policy shares: its name in the bundle, `<package>.<name>`. */
  readonly bundleName?: string;
}

export interface Selection {
  readonly agents: readonly Included<"Agent">[];
  /** The declared approval groups (`group g { … }`). */
  readonly groups: readonly Included<"Group">[];
  readonly entities: readonly Included<"Entity">[];
  readonly actions: readonly Included<"Action">[];
  readonly policies: readonly Included<"Policy">[];
  readonly workflows: readonly Included<"Workflow">[];
  readonly plans: readonly Included<"Plan">[];
  readonly tenants: readonly Included<"Tenant">[];
  /** The project's clouds, by name (a plan's only cloud when it names none). */
  readonly clouds: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

const WORDS: Record<Kind, string> = {
  Agent: "agents",
  Group: "groups",
  Entity: "entities",
  Action: "actions",
  Policy: "policies",
  Workflow: "workflows",
  Plan: "plans",
  Tenant: "tenants",
};

export function select(model: Model): Selection {
  const diagnostics: Diagnostic[] = [];
  const of = <K extends Kind>(kind: K): Included<K>[] => unique(kind, collect(model, kind), model, diagnostics);
  const clouds = model.units.flatMap((unit) => unit.ast.declarations.flatMap((d) => (d.kind === "Cloud" ? [(d.name ?? d.provider).name] : [])));
  return {
    agents: of("Agent"),
    groups: of("Group"),
    entities: of("Entity"),
    actions: of("Action"),
    policies: qualified([...collect(model, "Policy"), ...importedPolicies(model)], model),
    workflows: of("Workflow"),
    plans: of("Plan"),
    tenants: of("Tenant"),
    clouds: [...new Set(clouds)].sort(compareStrings),
    diagnostics,
  };
}

function collect<K extends Kind>(model: Model, kind: K): Included<K>[] {
  const found: Included<K>[] = [];
  for (const unit of model.units) for (const decl of unit.ast.declarations) if (decl.kind === kind) found.push({ decl: decl as Decl<K>, unit });
  return found;
}

/** Each included policy's name in the bundle (`<package>.<name>` where packages share the name), for what names policies (`expect … by p`). */
export function policyBundleNames(model: Model): Map<Decl<"Policy">, string> {
  const all = qualified([...collect(model, "Policy"), ...importedPolicies(model)], model);
  return new Map(all.map((p) => [p.decl, p.bundleName ?? p.decl.name.name]));
}

/** Standard-library policies some project file imports, each once. */
function importedPolicies(model: Model): Included<"Policy">[] {
  const found = new Map<Decl<"Policy">, Included<"Policy">>();
  for (const unit of model.units) {
    for (const imported of unit.ast.imports) {
      const module = model.modules.get(imported.path.parts.map((p) => p.name).join("."));
      if (module === undefined || !module.std) continue;
      const table = module.table("policy");
      const symbols = imported.members === undefined ? [...table.values()] : imported.members.flatMap((m) => table.get(m.name) ?? []);
      for (const symbol of symbols) if (symbol.decl.kind === "Policy") found.set(symbol.decl, { decl: symbol.decl, unit: symbol.unit });
    }
  }
  return [...found.values()];
}

interface Named {
  readonly decl: { readonly name: Ident; readonly span: Span };
  readonly unit: Unit;
}

function unique<T extends Named>(kind: Kind, found: T[], model: Model, diagnostics: Diagnostic[]): T[] {
  // Project files before the standard library, then by file and position: the report stands
  // on the declaration a reader would rename.
  found.sort((a, b) => Number(a.unit.std) - Number(b.unit.std) || compareStrings(a.unit.source.name, b.unit.source.name) || a.decl.span.start - b.decl.span.start);
  const first = new Map<string, T>();
  for (const item of found) {
    const name = item.decl.name.name;
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, item);
      continue;
    }
    const where = (i: T) => `\`${moduleOf(model, i.unit)}\` (${i.unit.source.name}:${i.unit.source.position(i.decl.name.span.start).line})`;
    // An imported standard-library policy clashes with the project's own: report it there.
    const at = item.unit.std ? earlier : item;
    diagnostics.push(
      diagnostic(
        "duplicateName",
        at.unit.source,
        at.decl.name.span,
        `two ${WORDS[kind]} are called \`${name}\`, in ${where(earlier)} and ${where(item)}, and the bundle names each by its own name`,
        "rename one of them; names in the bundle carry no module",
      ),
    );
  }
  return [...first.values()];
}

/** Policies, each once; those whose name is shared across packages named `<package>.<name>`. */
function qualified(found: Included<"Policy">[], model: Model): Included<"Policy">[] {
  found.sort((a, b) => Number(a.unit.std) - Number(b.unit.std) || compareStrings(a.unit.source.name, b.unit.source.name) || a.decl.span.start - b.decl.span.start);
  const modules = new Map<string, Set<string>>();
  for (const item of found) {
    const name = item.decl.name.name;
    const set = modules.get(name) ?? new Set<string>();
    set.add(moduleOf(model, item.unit));
    modules.set(name, set);
  }
  return found.map((item) => {
    const name = item.decl.name.name;
    return (modules.get(name)?.size ?? 0) > 1 ? { ...item, bundleName: `${moduleOf(model, item.unit)}.${name}` } : item;
  });
}

function moduleOf(model: Model, unit: Unit): string {
  for (const module of model.modules.values()) if (module.units.includes(unit)) return module.name;
  return "main";
}
