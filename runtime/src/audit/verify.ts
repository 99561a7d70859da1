/**
 * Checks a tenant's chain from its first record to its head and names the first thing
 * wrong: a record whose content no longer matches its hash (edited), a missing record
 * (deleted), a record stored out of its place in the chain (reordered), or a record the
 * head does not know (inserted). Reads in pages, so a long chain is not loaded at once.
 */
import type { Sql } from "../store/adapter.js";
import { queryAudit } from "./query.js";
import { GENESIS, recordHash } from "./record.js";

export type AuditProblem = "edited" | "deleted" | "reordered" | "inserted";

export type VerifyResult =
  | { readonly ok: true; readonly records: number }
  | { readonly ok: false; readonly seq: number; readonly problem: AuditProblem; readonly message: string };

const PAGE = 1000;

export async function verifyAudit(sql: Sql, tenant: string): Promise<VerifyResult> {
  let expected = 1;
  let prev = GENESIS;
  for (;;) {
    const page = await queryAudit(sql, { tenant, afterSeq: expected - 1, limit: PAGE });
    for (const record of page) {
      if (record.seq !== expected) {
        return bad(expected, "deleted", `record ${expected} of tenant \`${tenant}\` is missing: the chain goes from ${expected - 1} to ${record.seq}`);
      }
      if (record.prevHash !== prev) {
        const [elsewhere] = await sql.query<{ seq: unknown }>("select seq from paybill_audit where tenant_id = $1 and hash = $2", [tenant, record.prevHash]);
        if (elsewhere !== undefined) {
          return bad(expected, "reordered", `record ${expected} of tenant \`${tenant}\` was chained after record ${Number(elsewhere.seq)}, not after record ${expected - 1}`);
        }
        if (expected === 1) {
          return bad(1, "deleted", `the chain of tenant \`${tenant}\` does not start at its first record: records before it were deleted`);
        }
        return bad(expected - 1, "edited", `record ${expected - 1} of tenant \`${tenant}\` was changed and re-hashed: record ${expected} was chained to another hash`);
      }
      if (recordHash(record) !== record.hash) {
        return bad(expected, "edited", `record ${expected} of tenant \`${tenant}\` does not match its hash: its content was changed`);
      }
      prev = record.hash;
      expected++;
    }
    if (page.length < PAGE) break;
  }
  const last = expected - 1;
  const [head] = await sql.query<{ seq: unknown; hash: string }>("select seq, hash from paybill_audit_heads where tenant_id = $1", [tenant]);
  const headSeq = head === undefined ? 0 : Number(head.seq);
  if (headSeq > last) {
    return bad(last + 1, "deleted", `records ${last + 1} to ${headSeq} of tenant \`${tenant}\` were deleted: the chain's head is at ${headSeq}`);
  }
  if (headSeq < last) {
    return bad(headSeq + 1, "inserted", `records ${headSeq + 1} to ${last} of tenant \`${tenant}\` were added outside the runtime: the chain's head is at ${headSeq}`);
  }
  if (head !== undefined && head.hash !== prev) {
    return bad(last, "edited", `record ${last} of tenant \`${tenant}\` was changed and re-hashed: the chain's head holds another hash`);
  }
  return { ok: true, records: last };
}

function bad(seq: number, problem: AuditProblem, message: string): VerifyResult {
  return { ok: false, seq, problem, message };
}
