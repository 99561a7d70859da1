/**
 * A workflow run as stored (`paybill_runs`) and what it has left: steps, writes and time
 * before its deadline. Budgets are fixed when the run starts, from the workflow's
 * `budget { … }`; a budget the workflow does not set is unlimited. A run in a state with a
 * `timeout` expires at `expiresAt` (expiry.ts).
 */
import type { Row } from "../store/adapter.js";

export interface Run {
  readonly id: string;
  readonly tenant: string;
  readonly workflow: string;
  readonly agent: string;
  readonly state: string;
  /** The run reached a final state: nothing more happens in it. */
  readonly final: boolean;
  /** Actions decided in the run (allowed, denied by a policy, or pending). */
  readonly steps: number;
  /** Effects that wrote (insert, update, delete). */
  readonly writes: number;
  readonly budget: { readonly steps?: number; readonly writes?: number; readonly deadline?: string };
  readonly startedAt: string;
  readonly updatedAt: string;
  /** When the current state's `timeout` runs out (absent: the state has none, or the run ended). */
  readonly expiresAt?: string;
  /** Set when the run expired: it stayed in `state` past its timeout, and is final from then on. */
  readonly expiredAt?: string;
  /** The trusted context the host started it with (its workflow declares `context`), as stored. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** `sha256:` + hex of the context's canonical JSON, as recorded in the run's `run.start` audit record. */
  readonly contextHash?: string;
  /** What the run has recorded as untrusted output (provenance.ts): distinct values and their characters. */
  readonly untrusted: { readonly values: number; readonly chars: number };
}

export interface RunMove {
  readonly seq: number;
  /** Absent for the start. */
  readonly from?: string;
  readonly to: string;
  readonly at: string;
}

/** `context.budget`: what is left. An unlimited budget shows as Number.MAX_SAFE_INTEGER. */
export function budgetLeft(run: Run): { steps: number; writes: number; deadline?: string } {
  return {
    steps: run.budget.steps === undefined ? Number.MAX_SAFE_INTEGER : Math.max(0, run.budget.steps - run.steps),
    writes: run.budget.writes === undefined ? Number.MAX_SAFE_INTEGER : Math.max(0, run.budget.writes - run.writes),
    ...(run.budget.deadline === undefined ? {} : { deadline: run.budget.deadline }),
  };
}

export function runFromRow(row: Row): Run {
  const limit = (value: unknown): number | undefined => (value === null || value === undefined ? undefined : Number(value));
  const steps = limit(row["max_steps"]);
  const writes = limit(row["max_writes"]);
  const deadline = row["deadline"];
  const time = (name: string, value: unknown): Record<string, string> => (value === null || value === undefined ? {} : { [name]: iso(value) });
  return {
    id: String(row["id"]),
    tenant: String(row["tenant_id"]),
    workflow: String(row["workflow"]),
    agent: String(row["agent"]),
    state: String(row["state"]),
    final: row["final"] === true,
    steps: Number(row["steps"]),
    writes: Number(row["writes"]),
    budget: {
      ...(steps === undefined ? {} : { steps }),
      ...(writes === undefined ? {} : { writes }),
      ...(deadline === null || deadline === undefined ? {} : { deadline: iso(deadline) }),
    },
    startedAt: iso(row["started_at"]),
    updatedAt: iso(row["updated_at"]),
    ...time("expiresAt", row["expires_at"]),
    ...time("expiredAt", row["expired_at"]),
    ...contextOf(row),
    // Absent before migration 17 is applied: nothing counted.
    untrusted: { values: Number(row["untrusted_values"] ?? 0), chars: Number(row["untrusted_chars"] ?? 0) },
  };
}

/** The stored context: an object (pg and row_to_json parse jsonb) or its JSON text. */
function contextOf(row: Row): { context?: Readonly<Record<string, unknown>>; contextHash?: string } {
  const raw = row["context"];
  if (raw === null || raw === undefined) return {};
  const value: unknown = typeof raw === "string" ? JSON.parse(raw) : raw;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  const hash = row["context_hash"];
  return { context: value as Record<string, unknown>, ...(typeof hash === "string" ? { contextHash: hash } : {}) };
}

export function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}
