/**
 * Modules and their symbols: the vocabulary the resolver and checker share.
 *
 * A module is a package: every project file with the same `package` line (files without
 * one form the module `main`), or one stdlib file (`std.isolation`, …). Declarations live
 * in one namespace per kind group, so a plan and a tenant may share a name, two plans may
 * not.
 */
import type { Declaration, FileNode, Ident } from "../ast/nodes.js";
import type { SourceFile } from "../source/source-file.js";

export interface Unit {
  readonly source: SourceFile;
  readonly ast: FileNode;
  /** Part of the standard library rather than the user's project. */
  readonly std: boolean;
}

export type Namespace =
  | "provider"
  | "isolation"
  | "cloud"
  | "plan"
  | "tenant"
  | "agent"
  | "group"
  | "entity"
  | "action"
  | "policy"
  | "workflow"
  | "test"
  | "const";

export const NAMESPACE_OF: Record<Declaration["kind"], Namespace> = {
  Provider: "provider",
  Isolation: "isolation",
  Cloud: "cloud",
  Plan: "plan",
  Tenant: "tenant",
  Agent: "agent",
  Group: "group",
  Entity: "entity",
  Action: "action",
  Policy: "policy",
  Workflow: "workflow",
  Test: "test",
  Const: "const",
};

/** How a namespace is named in messages: "plan", "isolation model", … */
export const NAMESPACE_WORDS: Record<Namespace, string> = {
  provider: "cloud provider",
  isolation: "isolation model",
  cloud: "cloud",
  plan: "plan",
  tenant: "tenant",
  agent: "agent",
  group: "approval group",
  entity: "entity",
  action: "action",
  policy: "policy",
  workflow: "workflow",
  test: "test",
  const: "const",
};

export interface Declared {
  readonly name: string;
  readonly namespace: Namespace;
  readonly decl: Declaration;
  readonly unit: Unit;
  readonly module: Module;
  /** The node that carries the name (for go-to-definition and duplicate reports). */
  readonly nameNode: Ident | undefined;
}

export class Module {
  readonly units: Unit[] = [];
  private readonly tables = new Map<Namespace, Map<string, Declared>>();

  constructor(
    readonly name: string,
    readonly std: boolean,
  ) {}

  table(namespace: Namespace): ReadonlyMap<string, Declared> {
    return this.tables.get(namespace) ?? new Map();
  }

  /** Adds a symbol; returns the earlier one if the name was already taken. */
  declare(symbol: Declared): Declared | undefined {
    let table = this.tables.get(symbol.namespace);
    if (table === undefined) {
      table = new Map();
      this.tables.set(symbol.namespace, table);
    }
    const earlier = table.get(symbol.name);
    if (earlier !== undefined) return earlier;
    table.set(symbol.name, symbol);
    this.index = undefined;
    return undefined;
  }

  symbols(): Declared[] {
    return [...this.tables.values()].flatMap((table) => [...table.values()]);
  }

  private index: Map<string, Declared[]> | undefined;

  /** Every symbol with this name, of any kind (built on first use, after declarations). */
  named(name: string): readonly Declared[] {
    if (this.index === undefined) {
      this.index = new Map();
      for (const symbol of this.symbols()) this.index.set(symbol.name, [...(this.index.get(symbol.name) ?? []), symbol]);
    }
    return this.index.get(name) ?? [];
  }
}

/** The name a declaration is known by (a cloud without a name is called after its provider). */
export function declarationName(decl: Declaration): { name: string; node: Ident | undefined } {
  switch (decl.kind) {
    case "Cloud":
      return { name: (decl.name ?? decl.provider).name, node: decl.name ?? decl.provider };
    case "Test":
      return { name: decl.name.kind === "String" ? decl.name.value : "", node: undefined };
    default:
      return { name: decl.name.name, node: decl.name };
  }
}
