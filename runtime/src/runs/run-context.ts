/**
 * A run's trusted context (spec/runtime.md §Run context): the values the host gives at
 * `runs.start`, checked against the workflow's declared `context` fields as an action's
 * input is (records.ts), refused with PBR210–PBR213, and kept as stored JSON with its
 * SHA-256 (canonical JSON) on the run row and in the run's `run.start` audit record. No
 * agent call reaches this file: only `runs.start` (and `serve --mcp --context`, which calls
 * it) sets a context, and the row's trigger (migration 11) refuses any later change.
 */
import type { WorkflowSpec } from "../bundle/format.js";
import { canonicalJson, sha256Hex } from "../bundle/canonical.js";
import { RecordError, readInput, recordSchema } from "../decide/records.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { inputJson } from "./request-text.js";

/** The most scalar values a context holds (list elements counted): `from_context` compares each. */
export const MAX_CONTEXT_VALUES = 256;

export interface RunContext {
  /** As stored (JSON; bigints as the input's JSON writes them). */
  readonly stored: Readonly<Record<string, unknown>>;
  /** `sha256:` + hex of its canonical JSON. */
  readonly hash: string;
}

/** The context `given` for `workflow`, checked; undefined when the workflow declares none and none was given. */
export function checkRunContext(workflow: WorkflowSpec, given: unknown): RunContext | undefined {
  const fields = workflow.context;
  if (fields === undefined) {
    if (given === undefined) return undefined;
    throw new PaybillRuntimeError("PBR212", `workflow \`${workflow.name}\` declares no \`context\`, so its runs take none`, `leave \`context\` out, or declare \`context { … }\` in workflow \`${workflow.name}\``);
  }
  const value = given ?? {};
  const declared = fields.map((f) => `\`${f.name}\``).join(", ") || "none";
  try {
    readInput(recordSchema(fields), value);
  } catch (e) {
    if (!(e instanceof RecordError)) throw e;
    const path = e.path.replace(/^input/, "context");
    if (/^unknown field/.test(e.message)) {
      throw new PaybillRuntimeError("PBR211", `the context of workflow \`${workflow.name}\` has no field \`${path.slice("context.".length)}\` (at \`${path}\`)`, `its fields are ${declared}`);
    }
    throw new PaybillRuntimeError("PBR210", `the context of workflow \`${workflow.name}\` is not valid at \`${path}\`: ${e.message.replace(/^the input/, "the context")}`, `give each of ${declared} a value of its declared type`);
  }
  const json = inputJson(value);
  if (!json.ok) throw new PaybillRuntimeError("PBR210", `the context of workflow \`${workflow.name}\` is not valid at \`${json.path.replace(/^input/, "context")}\`: ${json.message.replace(/the input/, "the context")}`, "remove NUL characters and lone surrogates");
  let count = 0;
  for (const v of Object.values(json.stored)) count += Array.isArray(v) ? v.length : 1;
  if (count > MAX_CONTEXT_VALUES) {
    throw new PaybillRuntimeError("PBR213", `the context of workflow \`${workflow.name}\` holds ${count} values, more than ${MAX_CONTEXT_VALUES}`, "keep a run's context to what the user asked for: at most 256 values, list elements counted");
  }
  return { stored: json.stored, hash: `sha256:${sha256Hex(canonicalJson(json.stored))}` };
}
