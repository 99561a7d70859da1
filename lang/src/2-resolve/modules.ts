/**
 * The resolve stage's first half: files → modules, declarations → symbols, imports →
 * scopes. Reports duplicate names (PB2001), missing modules (PB2003), import cycles
 * between project modules (PB2004) and imported names that do not exist (PB2005).
 */
import type { ImportDecl } from "../ast/nodes.js";
import { type Diagnostic, diagnostic, withRelated } from "../diagnostics/diagnostic.js";
import { Scope } from "./scope.js";
import { didYouMean } from "./suggest.js";
import { declarationName, Module, NAMESPACE_OF, NAMESPACE_WORDS, type Unit } from "./symbols.js";

export const DEFAULT_MODULE = "main";
const PRELUDE = "std.clouds";

export interface Modules {
  readonly modules: ReadonlyMap<string, Module>;
  readonly scopes: ReadonlyMap<Unit, Scope>;
  readonly diagnostics: readonly Diagnostic[];
}

const moduleName = (unit: Unit): string =>
  unit.ast.package === undefined ? DEFAULT_MODULE : unit.ast.package.name.parts.map((p) => p.name).join(".");

export function buildModules(units: readonly Unit[]): Modules {
  const diagnostics: Diagnostic[] = [];
  const modules = new Map<string, Module>();
  for (const unit of units) {
    const name = moduleName(unit);
    if (!unit.std && (name === "std" || name.startsWith("std.")) && unit.ast.package !== undefined) {
      diagnostics.push(
        diagnostic("reservedWord", unit.source, unit.ast.package.name.span, `\`${name}\` is a standard library module; a project cannot add to it`, "name your package something else, such as your product's name"),
      );
      continue;
    }
    let module = modules.get(name);
    if (module === undefined) {
      module = new Module(name, unit.std);
      modules.set(name, module);
    }
    module.units.push(unit);
    for (const decl of unit.ast.declarations) {
      const { name: declared, node } = declarationName(decl);
      if (declared === "") continue;
      const namespace = NAMESPACE_OF[decl.kind];
      const earlier = module.declare({ name: declared, namespace, decl, unit, module, nameNode: node });
      if (earlier !== undefined) {
        const at = earlier.unit.source.position(earlier.decl.span.start);
        const twice = diagnostic(
          "duplicateName",
          unit.source,
          node?.span ?? decl.span,
          `${NAMESPACE_WORDS[namespace]} \`${declared}\` is declared twice`,
          `the first is at ${earlier.unit.source.name}:${at.line}:${at.column}; rename or remove one`,
        );
        diagnostics.push(withRelated(twice, [{ file: earlier.unit.source, span: earlier.nameNode?.span ?? earlier.decl.span, message: `the first \`${declared}\`` }]));
      }
    }
  }

  const prelude = modules.get(PRELUDE);
  const scopes = new Map<Unit, Scope>();
  const edges = new Map<string, Map<string, ImportDecl>>();
  for (const [name, module] of modules) {
    for (const unit of module.units) {
      const scope = new Scope(module, prelude, () => modules.values());
      scopes.set(unit, scope);
      for (const imp of unit.ast.imports) {
        const path = imp.path.parts.map((p) => p.name).join(".");
        const target = modules.get(path);
        if (target === undefined) {
          diagnostics.push(
            diagnostic("missingModule", unit.source, imp.path.span, `no module is called \`${path}\``, missingModuleHelp(path, modules.keys())),
          );
          continue;
        }
        if (!target.std && !module.std && target !== module) {
          const out = edges.get(name) ?? new Map<string, ImportDecl>();
          edges.set(name, out);
          if (!out.has(path)) out.set(path, imp);
        }
        if (imp.members !== undefined) {
          for (const member of imp.members) {
            const symbols = target.named(member.name);
            if (symbols.length === 0) {
              const help = didYouMean(member.name, new Set(target.symbols().map((s) => s.name)));
              diagnostics.push(
                diagnostic("unknownImportMember", unit.source, member.span, `module \`${path}\` declares nothing called \`${member.name}\``, help),
              );
            } else if (scope.members.has(member.name)) {
              diagnostics.push(diagnostic("duplicateName", unit.source, member.span, `\`${member.name}\` is imported twice`, "import it from one module, and refer to the other by its module (`import m` then `m.name`)"));
            } else {
              scope.members.set(member.name, [...symbols]);
            }
          }
        } else {
          scope.modules.set(imp.alias?.name ?? (imp.path.parts[imp.path.parts.length - 1]?.name ?? path), target);
        }
      }
    }
  }
  diagnostics.push(...findCycles(modules, edges));
  return { modules, scopes, diagnostics };
}

function missingModuleHelp(path: string, known: Iterable<string>): string {
  const suggestion = didYouMean(path, known);
  if (suggestion !== undefined) return suggestion;
  if (path.startsWith("std.")) return "the standard library has `std.isolation`, `std.clouds` and `std.policies`";
  return "a module is the set of project files that start with the same `package` line";
}

/** Each cycle among project modules, reported once at the import that closes it. */
function findCycles(modules: ReadonlyMap<string, Module>, edges: ReadonlyMap<string, ReadonlyMap<string, ImportDecl>>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, "active");
    stack.push(name);
    for (const [target, imp] of [...(edges.get(name) ?? new Map<string, ImportDecl>())].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const seen = state.get(target);
      if (seen === "active") {
        const cycle = [...stack.slice(stack.indexOf(target)), target];
        const unit = modules.get(name)?.units.find((u) => u.ast.imports.includes(imp));
        if (unit !== undefined) {
          diagnostics.push(
            diagnostic("importCycle", unit.source, imp.span, `modules import each other: ${cycle.map((m) => `\`${m}\``).join(" → ")}`, "move what both need into a third module that imports neither"),
          );
        }
      } else if (seen === undefined) {
        visit(target);
      }
    }
    stack.pop();
    state.set(name, "done");
  };
  for (const name of [...edges.keys()].sort()) if (!state.has(name)) visit(name);
  return diagnostics;
}
