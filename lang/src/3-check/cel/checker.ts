/**
 * The state of one `checkCel` run, shared by the visitors: the side table of types, the
 * problems found, and the helpers that report them. One instance per call, never module
 * state, so concurrent checks cannot see each other.
 *
 * Reporting helpers return `error`, the type that silences every later report about the
 * same mistake: a visitor that sees an `error` operand returns `error` without a word.
 */
import type { CelExpr } from "../../ast/cel.js";
import type { DiagnosticKind } from "../../diagnostics/catalog.js";
import type { Span } from "../../source/source-file.js";
import { type CelType, T, typeName } from "./cel-types.js";
import { mismatchHelp } from "./mismatch-help.js";
import type { CelNames } from "./names.js";
import { type CelProblem, celProblem } from "./problems.js";
import { typeList } from "./type-utils.js";
import type { WindowScope } from "./windows.js";

/** Variables bound by enclosing comprehensions (`x` in `list.all(x, …)`), innermost last. */
export type Scope = ReadonlyMap<string, CelType>;

export class Checker {
  readonly types = new Map<CelExpr, CelType>();
  readonly problems: CelProblem[] = [];

  constructor(
    readonly variables: ReadonlyMap<string, CelType>,
    private readonly visit: (checker: Checker, expr: CelExpr, scope: Scope) => CelType,
    readonly names?: CelNames,
    /** The actions `total(…)` and `count(…)` may count: only a policy condition has them. */
    readonly windows?: WindowScope,
  ) {}

  /** Types `expr` and records its type in the side table. */
  check(expr: CelExpr, scope: Scope): CelType {
    const type = this.visit(this, expr, scope);
    this.types.set(expr, type);
    return type;
  }

  report(kind: DiagnosticKind, span: Span, message: string, help?: string): CelType {
    this.problems.push(celProblem(kind, span, message, help));
    return T.error;
  }

  /** ``expected `double`, found `string` `` at the offending operand, with a fix when one is known. */
  mismatch(node: CelExpr, expected: CelType | readonly CelType[], found: CelType, help?: string): CelType {
    const list = Array.isArray(expected) ? (expected as readonly CelType[]) : [expected as CelType];
    const only = list.length === 1 ? list[0] : undefined;
    const fix = help ?? (only === undefined ? undefined : mismatchHelp(only, found, node));
    return this.report("celTypeMismatch", node.span, `expected ${typeList(list)}, found \`${typeName(found)}\``, fix);
  }

  /** Like `mismatch`, with the expectation in words (`a list or a map`). */
  mismatchDescribed(node: CelExpr, expected: string, found: CelType, help?: string): CelType {
    return this.report("celTypeMismatch", node.span, `expected ${expected}, found \`${typeName(found)}\``, help);
  }
}
