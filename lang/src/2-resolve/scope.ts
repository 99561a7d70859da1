/**
 * What a name means in one file: the file's own module, the names it imports, the
 * modules it imports (for `alias.name`), and the prelude (cloud providers are always in
 * scope). Lookups record nothing; the checker keeps the side table of references.
 */
import type { Ident, QualifiedName } from "../ast/nodes.js";
import { type Module, NAMESPACE_WORDS, type Namespace, type Declared } from "./symbols.js";
import { didYouMean } from "./suggest.js";

export type Lookup =
  | { readonly ok: true; readonly symbol: Declared }
  | { readonly ok: false; readonly message: string; readonly help: string | undefined; readonly kind: "unknownName" | "notImported" | "wrongKind" };

export class Scope {
  /** Names brought in by `import m.{a, b}`, with every symbol of that name in `m`. */
  readonly members = new Map<string, Declared[]>();
  /** Modules brought in by `import m` / `import m as x`, by the name used in this file. */
  readonly modules = new Map<string, Module>();

  constructor(
    readonly module: Module,
    private readonly prelude: Module | undefined,
    private readonly everything: () => Iterable<Module>,
  ) {}

  lookup(namespace: Namespace, name: QualifiedName | Ident): Lookup {
    const parts = name.kind === "Ident" ? [name.name] : name.parts.map((p) => p.name);
    if (parts.length === 0 || parts.some((p) => p === "")) return { ok: false, message: "", help: undefined, kind: "unknownName" };
    if (parts.length > 1) return this.qualified(namespace, parts);
    const simple = parts[0] as string;
    const found =
      this.module.table(namespace).get(simple) ??
      this.members.get(simple)?.find((s) => s.namespace === namespace) ??
      (namespace === "provider" ? this.prelude?.table("provider").get(simple) : undefined);
    if (found !== undefined) return { ok: true, symbol: found };
    return this.missing(namespace, simple);
  }

  /** Every name of this namespace visible here without qualification. */
  visible(namespace: Namespace): string[] {
    const names = new Set(this.module.table(namespace).keys());
    for (const [name, symbols] of this.members) if (symbols.some((s) => s.namespace === namespace)) names.add(name);
    if (namespace === "provider") for (const name of this.prelude?.table("provider").keys() ?? []) names.add(name);
    return [...names].sort();
  }

  private qualified(namespace: Namespace, parts: string[]): Lookup {
    const moduleName = parts.slice(0, -1).join(".");
    const name = parts[parts.length - 1] as string;
    const module = this.modules.get(moduleName);
    if (module === undefined) {
      const imported = [...this.modules].find(([, m]) => m.name === moduleName);
      const help =
        imported !== undefined
          ? `this file imports it as \`${imported[0]}\`: write \`${imported[0]}.${name}\``
          : (didYouMean(moduleName, this.modules.keys()) ?? `import it first: \`import ${moduleName.startsWith("std.") || !["isolation", "clouds", "policies"].includes(moduleName) ? moduleName : `std.${moduleName}`}\``);
      return {
        ok: false,
        message: `no imported module is called \`${moduleName}\``,
        help,
        kind: "unknownName",
      };
    }
    const found = module.table(namespace).get(name);
    if (found !== undefined) return { ok: true, symbol: found };
    const help = didYouMean(name, module.table(namespace).keys());
    return { ok: false, message: `module \`${module.name}\` has no ${NAMESPACE_WORDS[namespace]} \`${name}\``, help, kind: "unknownName" };
  }

  private missing(namespace: Namespace, name: string): Lookup {
    const word = NAMESPACE_WORDS[namespace];
    const other = [...this.module.named(name), ...(this.members.get(name) ?? [])].find((s) => s.namespace !== namespace);
    if (other !== undefined) {
      const what = NAMESPACE_WORDS[other.namespace];
      return {
        ok: false,
        message: `\`${name}\` is ${/^[aeiou]/.test(what) ? "an" : "a"} ${what}, not ${/^[aeiou]/.test(word) ? "an" : "a"} ${word}`,
        help: didYouMean(name, this.visible(namespace)) ?? `name ${/^[aeiou]/.test(word) ? "an" : "a"} ${word} here`,
        kind: "wrongKind",
      };
    }
    for (const module of this.everything()) {
      if (module === this.module) continue;
      if (module.table(namespace).has(name)) {
        return {
          ok: false,
          message: `${word} \`${name}\` is declared in \`${module.name}\`, which this file does not import`,
          help: `add \`import ${module.name}.{${name}}\` at the top of the file`,
          kind: "notImported",
        };
      }
    }
    const suggestion = didYouMean(name, this.visible(namespace));
    return { ok: false, message: `no ${word} is called \`${name}\``, help: suggestion ?? `declare it with \`${namespace} ${name} { … }\``, kind: "unknownName" };
  }
}
