/**
 * Test support for the CEL checker (excluded from the build): parses a condition inside a
 * real policy, so spans are offsets into a `.paybill` file, and offers an environment
 * shaped like Paybill's.
 */
import type { CelExpr } from "../../../ast/cel.js";
import { parse } from "../../../1-parse/parse.js";
import { type Position, SourceFile, type Span } from "../../../source/source-file.js";
import { type CelType, T } from "../cel-types.js";
import type { CelEnv } from "../check-cel.js";

const APPROVAL = T.message("approval", { group: T.string });
export const TICKET = T.message("Ticket", { status: T.string, amount: T.nullable(T.double), priority: T.int, tags: T.dyn });

export const VARIABLES: ReadonlyMap<string, CelType> = new Map([
  ["principal", T.message("principal", { id: T.string, roles: T.list(T.string) })],
  ["input", T.message("refund input", { amount: T.double, tags: T.list(T.string, 20) })],
  ["resource", TICKET],
  ["tenant", T.message("tenant", { id: T.string, plan: T.string, state: T.string, features: T.list(T.string), limits: T.map(T.string, T.int) })],
  ["context", T.message("context", { approvals: T.list(APPROVAL, 10), time: T.timestamp })],
]);

export const ENV: CelEnv = { variables: VARIABLES };

/** The condition sits on line 2 of the file, after this text. */
export const PREFIX = "  forbid any agent to any action when ";

export interface Parsed {
  readonly source: SourceFile;
  readonly expr: CelExpr;
}

/** Parses `condition` as a policy rule's `when` clause; throws if the text does not parse. */
export function parseCondition(condition: string): Parsed {
  const source = new SourceFile("test.paybill", `policy p {\n${PREFIX}${condition}\n}\n`);
  const { ast, diagnostics } = parse(source);
  if (diagnostics.length > 0) throw new Error(`${condition} does not parse: ${diagnostics.map((d) => d.message).join("; ")}`);
  const policy = ast.declarations[0];
  const rule = policy?.kind === "Policy" ? policy.body.find((b) => b.kind === "Rule") : undefined;
  const expr = rule?.kind === "Rule" ? rule.condition : undefined;
  if (expr === undefined) throw new Error(`no condition in ${condition}`);
  return { source, expr };
}

/** What a span covers, and where it starts, for assertions. */
export function located(source: SourceFile, span: Span): { text: string } & Position {
  return { text: source.text.slice(span.start, span.end), ...source.position(span.start) };
}

/**
 * The 1-based column at which `needle` (its `nth` occurrence as a whole token, so `t` is
 * not found inside `input`) starts in the condition line.
 */
export function columnOf(condition: string, needle: string, nth = 1): number {
  const word = /[A-Za-z0-9_]/;
  let seen = 0;
  for (let at = condition.indexOf(needle); at >= 0; at = condition.indexOf(needle, at + 1)) {
    const before = condition[at - 1] ?? " ";
    const after = condition[at + needle.length] ?? " ";
    const whole = !(word.test(needle[0] ?? "") && word.test(before)) && !(word.test(needle[needle.length - 1] ?? "") && word.test(after));
    if (whole && ++seen === nth) return PREFIX.length + at + 1;
  }
  throw new Error(`${needle} (${nth}) not in ${condition}`);
}
