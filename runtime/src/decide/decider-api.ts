/**
 * The pure decider's surface (implemented in decider.ts): built once from a bundle (every
 * CEL expression compiled at load), then called per request without I/O. The
 * database-backed runtime (act) and `paybillc test`/`explain` use only this.
 */
import type { Bundle, DataOp } from "../bundle/format.js";
import type { Decision, DecisionRequest } from "./request.js";

/** An effect ready to run: key and values evaluated, converted to what a SQL parameter takes. */
export interface PreparedEffect {
  readonly op: DataOp;
  readonly entity: string;
  readonly table: string;
  /** The key column and its value (read, update, delete). */
  readonly keyColumn: string;
  readonly key?: unknown;
  /** Column → value (insert, update); an insert's generated `@id` is not here. */
  readonly values?: Readonly<Record<string, unknown>>;
}

export interface DeciderApi {
  readonly bundle: Bundle;
  /**
   * Default deny; forbid beats permit; schema, workflow state, feature and approval checks
   * first. Never throws for a bad request: that is a `deny` with its reason.
   */
  decide(request: DecisionRequest): Decision;
  /**
   * Which row `resource` is, so the caller can load it before deciding: the effect's entity
   * and the evaluated key. Undefined for an insert, no effect, or an input that is invalid
   * (decide reports that).
   */
  resourceKey(request: Pick<DecisionRequest, "action" | "input" | "tenant" | "agent" | "time">): { readonly entity: string; readonly key: unknown } | undefined;
  /**
   * Whether a condition that may decide `agent`'s `action` calls `untrusted()` (then the
   * caller passes the run's recorded values as `untrusted`). Absent: never.
   */
  usesUntrusted?(agent: string, action: string): boolean;
  /** The effect to perform once allowed. Undefined when the action declares none. */
  effect(request: DecisionRequest): PreparedEffect | undefined;
}
