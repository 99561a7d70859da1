/**
 * Effects ready to run: an action's `effect` compiled at load (key and `set` values), then
 * evaluated per request against the validated input and converted to what a SQL parameter
 * takes (cel/values.ts `fromCel`). Effects see `principal`, `action`, `tenant`, `context`
 * and `input`; no `resource` (spec/language.md §8.4).
 *
 * `prepare` throws an `EffectError` (a stable `code`, a `path`) for an input the schema
 * refuses or an expression that fails: the caller has already been told `allow`, so this
 * is an error to report, not a decision.
 */
import type { Environment } from "@marcbachmann/cel-js";
import type { ActionSchema, Bundle, EffectSpec, EntitySchema, RowFilter } from "../bundle/format.js";
import { type Activation, type CelProgram, celErrorMessage, compileCel } from "../cel/program.js";
import { fromCel } from "../cel/values.js";
import type { PreparedEffect, PreparedFilter } from "./decider-api.js";

export type EffectErrorCode = "unknown_action" | "invalid_input" | "effect_not_compiled" | "effect_failed";

export class EffectError extends Error {
  constructor(
    readonly code: EffectErrorCode,
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "EffectError";
  }
}

type Compiled = { readonly program: CelProgram } | { readonly error: string };

export interface CompiledEffect {
  readonly spec: EffectSpec;
  readonly entity: EntitySchema | undefined;
  readonly key?: Compiled;
  readonly set: readonly { readonly field: string; readonly value: Compiled; readonly keep?: readonly string[] }[];
  /** A list read's filter, its values compiled. */
  readonly where?: CompiledFilter;
}

type CompiledFilter =
  | { readonly all: readonly CompiledFilter[] }
  | { readonly any: readonly CompiledFilter[] }
  | { readonly field: string; readonly op: "==" | "!=" | "<" | "<=" | ">" | ">="; readonly value: Compiled };

export interface LoadProblem {
  /** `action close_ticket effect key`, `policy p rule p#0`. */
  readonly where: string;
  readonly message: string;
}

function compile(env: Environment, source: string, where: string, problems: LoadProblem[]): Compiled {
  const result = compileCel(env, source);
  if (result.ok) return { program: result.program };
  problems.push({ where, message: result.message });
  return { error: result.message };
}

export function compileEffect(env: Environment, bundle: Bundle, action: ActionSchema, problems: LoadProblem[]): CompiledEffect | undefined {
  const spec = action.effect;
  if (spec === undefined) return undefined;
  const entity = Object.hasOwn(bundle.entities, spec.entity) ? bundle.entities[spec.entity] : undefined;
  if (entity === undefined) problems.push({ where: `action ${action.name} effect`, message: `unknown entity \`${spec.entity}\`` });
  const where = `action ${action.name} effect`;
  return {
    spec,
    entity,
    key: spec.key === undefined ? undefined : compile(env, spec.key.cel, `${where} key`, problems),
    set: (spec.set ?? []).map((s) => ({
      field: s.field,
      value: compile(env, s.value.cel, `${where} set ${s.field}`, problems),
      ...(s.keep === undefined || spec.op !== "update" ? {} : { keep: s.keep }),
    })),
    ...(spec.many?.where === undefined ? {} : { where: compileFilter(env, spec.many.where, `${where} where`, problems) }),
  };
}

function compileFilter(env: Environment, filter: RowFilter, where: string, problems: LoadProblem[]): CompiledFilter {
  if ("all" in filter) return { all: filter.all.map((f) => compileFilter(env, f, where, problems)) };
  if ("any" in filter) return { any: filter.any.map((f) => compileFilter(env, f, where, problems)) };
  return { field: filter.field, op: filter.op, value: compile(env, filter.value.cel, `${where} ${filter.field}`, problems) };
}

function prepareFilter(filter: CompiledFilter, activation: Activation): PreparedFilter {
  if ("all" in filter) return { all: filter.all.map((f) => prepareFilter(f, activation)) };
  if ("any" in filter) return { any: filter.any.map((f) => prepareFilter(f, activation)) };
  return { field: filter.field, op: filter.op, value: fromCel(evaluate(filter.value, activation, `effect.where.${filter.field}`)) };
}

/** Runs one compiled expression; throws an EffectError naming `path`. */
export function evaluate(compiled: Compiled, activation: Activation, path: string): unknown {
  if ("error" in compiled) throw new EffectError("effect_not_compiled", `\`${path}\` did not compile: ${compiled.error}`, path);
  try {
    return compiled.program.run(activation);
  } catch (e) {
    throw new EffectError("effect_failed", `\`${path}\` failed: ${celErrorMessage(e)}`, path);
  }
}

/** The evaluated key of a read, update or delete (undefined for an insert). */
export function keyOf(effect: CompiledEffect, activation: Activation): unknown {
  return effect.key === undefined ? undefined : fromCel(evaluate(effect.key, activation, "effect.key"));
}

export function prepare(effect: CompiledEffect, activation: Activation): PreparedEffect {
  const { spec, entity } = effect;
  if (entity === undefined) throw new EffectError("effect_not_compiled", `unknown entity \`${spec.entity}\``, "effect");
  const base = { op: spec.op, entity: spec.entity, table: entity.table, keyColumn: entity.key };
  const key = keyOf(effect, activation);
  let values: Record<string, unknown> | undefined;
  if (spec.op === "insert" || spec.op === "update") {
    values = {};
    const input = activation.input as Readonly<Record<string, unknown>>;
    for (const s of effect.set) {
      // An update keeps a field whose value reads an optional input the agent left out.
      if (s.keep?.some((name) => input[name] === undefined || input[name] === null)) continue;
      values[s.field] = fromCel(evaluate(s.value, activation, `effect.set.${s.field}`));
    }
  }
  const many = spec.many === undefined ? undefined : { ...(effect.where === undefined ? {} : { where: prepareFilter(effect.where, activation) }), limit: spec.many.limit };
  return { ...base, ...(key === undefined ? {} : { key }), ...(values === undefined ? {} : { values }), ...(many === undefined ? {} : { many }) };
}
