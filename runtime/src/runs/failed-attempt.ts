/**
 * An allowed act whose effect failed in the database (a foreign key, a numeric overflow, a
 * value the effect could not compute) rolls back whole: no row, no step, no quota, and no
 * record of the write. The attempt is still part of the tenant's history: once the
 * transaction is rolled back, a second one appends a record saying it failed — decision
 * `deny`, first reason `{ kind: "effect", code: "PBR120", message }` (the failure and that
 * nothing was performed), then the policy reasons that allowed it — and the act throws
 * PBR120 carrying that record's id (spec/runtime.md, "A failed effect").
 */
import { appendAudit } from "../audit/append.js";
import type { AuditEntry } from "../audit/record.js";
import type { Database } from "../store/adapter.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { bindTenant } from "../store/tenants.js";

/** Thrown inside the act's transaction (so it rolls back), caught outside it by the runtime. */
export class EffectFailure extends Error {
  constructor(
    readonly error: PaybillRuntimeError,
    /** The record of the failed attempt, to append after the rollback. */
    readonly entry: AuditEntry,
  ) {
    super(error.message, { cause: error });
    this.name = "EffectFailure";
  }
}

/** PBR120 once the failed attempt is in the chain: `auditId` is its record. */
export class EffectFailedError extends PaybillRuntimeError {
  readonly auditId: string;

  constructor(error: PaybillRuntimeError, auditId: string) {
    super("PBR120", error.message, `nothing was performed; the attempt is audit record \`${auditId}\`. ${error.help}`, { cause: error.cause ?? error });
    this.auditId = auditId;
  }
}

/** The reasons of the failed attempt's record: the failure first, then the permits that allowed it. */
export function failedReasons(error: PaybillRuntimeError, allowed: readonly unknown[]): unknown[] {
  return [{ kind: "effect", code: error.code, message: `${error.message}; nothing was performed` }, ...allowed];
}

/**
 * Appends the failed attempt in a transaction of its own; the error the act throws. Should
 * that append fail too (the database gone), the act's own PBR120 is thrown, without an
 * `auditId`: the failure that happened first is the one to report.
 */
export async function recordFailedAttempt(database: Database, failure: EffectFailure, now: Date): Promise<PaybillRuntimeError> {
  try {
    const record = await database.transaction(async (tx) => {
      await bindTenant(tx, failure.entry.tenant);
      return appendAudit(tx, failure.entry, { time: now });
    });
    return new EffectFailedError(failure.error, record.id);
  } catch {
    return failure.error;
  }
}
