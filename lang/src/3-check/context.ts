/**
 * What every check shares: where diagnostics go, how a name is resolved (and the
 * reference recorded in the side table), and the file being checked.
 */
import type { Ident, QualifiedName } from "../ast/nodes.js";
import type { DiagnosticKind } from "../diagnostics/catalog.js";
import { type Diagnostic, diagnostic } from "../diagnostics/diagnostic.js";
import type { Scope } from "../2-resolve/scope.js";
import type { Namespace, Declared, Unit } from "../2-resolve/symbols.js";
import type { Span } from "../source/source-file.js";

export class Context {
  readonly diagnostics: Diagnostic[] = [];
  /** Reference node (an `Ident` or `QualifiedName`) → the declaration it names. */
  readonly references = new Map<Ident | QualifiedName, Declared>();

  constructor(private readonly scopes: ReadonlyMap<Unit, Scope>) {}

  report(kind: DiagnosticKind, unit: Unit, span: Span, message: string, help?: string): void {
    this.diagnostics.push(diagnostic(kind, unit.source, span, message, help));
  }

  scope(unit: Unit): Scope {
    const scope = this.scopes.get(unit);
    if (scope === undefined) throw new Error(`no scope for ${unit.source.name}`);
    return scope;
  }

  /** Resolves a reference in `unit`, recording it, or reports why it does not resolve. */
  resolve(unit: Unit, namespace: Namespace, name: Ident | QualifiedName): Declared | undefined {
    const found = this.scope(unit).lookup(namespace, name);
    if (found.ok) {
      this.references.set(name, found.symbol);
      return found.symbol;
    }
    if (found.message !== "") this.report(found.kind, unit, name.span, found.message, found.help);
    return undefined;
  }
}
