/**
 * Checks a tenant's chain from its first record to its head and names the first thing
 * wrong: a record whose content no longer matches its hash (edited), a missing record
 * (deleted), a record stored out of its place in the chain (reordered), or a record the
 * head does not know (inserted). Reads in pages, so a long chain is not loaded at once.
 *
 * A chain can also be cut short or rewritten consistently, head included, by someone who
 * can write the database: only a checkpoint kept outside it shows that. Given the
 * tenant's latest signed checkpoint, verify also names a checkpoint whose signature does
 * not hold under the trusted keys (forged_checkpoint), a chain that ends before the
 * checkpoint's seq (truncated), one with no record left (chain_deleted), and a record at
 * the checkpoint's seq with another hash than the signed one (rewound).
 */
import type { KeyObject } from "node:crypto";
import type { Sql } from "../store/adapter.js";
import { type SignedCheckpoint, signatureProblem } from "./checkpoint.js";
import { queryAudit } from "./query.js";
import { GENESIS, recordHash } from "./record.js";

export type AuditProblem = "edited" | "deleted" | "reordered" | "inserted" | "truncated" | "rewound" | "chain_deleted" | "forged_checkpoint";

/** The checkpoint a verification was held against. */
export interface CheckedCheckpoint {
  readonly seq: number;
  readonly time: string;
  readonly key: string;
}

export type VerifyResult =
  | { readonly ok: true; readonly records: number; readonly checkpoint?: CheckedCheckpoint }
  | { readonly ok: false; readonly seq: number; readonly problem: AuditProblem; readonly message: string };

/** The latest checkpoint of the tenant (undefined: none was taken) and the keys its signature may be under. */
export interface VerifyAgainst {
  readonly checkpoint: SignedCheckpoint | undefined;
  readonly trusted: readonly KeyObject[];
}

const PAGE = 1000;

export async function verifyAudit(sql: Sql, tenant: string, against?: VerifyAgainst): Promise<VerifyResult> {
  const checkpoint = against?.checkpoint;
  if (checkpoint !== undefined && against !== undefined) {
    const forged = checkpoint.tenant === tenant ? signatureProblem(checkpoint, against.trusted) : `it is for tenant \`${checkpoint.tenant}\``;
    if (forged !== undefined) return bad(checkpoint.seq, "forged_checkpoint", `the checkpoint of tenant \`${tenant}\` at record ${checkpoint.seq} (${checkpoint.time}) is not genuine: ${forged}`);
  }
  const chain = await walk(sql, tenant, checkpoint?.seq);
  if (!chain.ok || checkpoint === undefined) return chain.result;
  const when = `the checkpoint of ${checkpoint.time}`;
  if (chain.last === 0) {
    return bad(1, "chain_deleted", `the chain of tenant \`${tenant}\` was deleted: ${when} covers ${checkpoint.seq} records and none is left`);
  }
  if (chain.last < checkpoint.seq) {
    return bad(
      chain.last + 1,
      "truncated",
      `the chain of tenant \`${tenant}\` was cut short: it ends at record ${chain.last}, but ${when} signed record ${checkpoint.seq}; records ${chain.last + 1} to ${checkpoint.seq} were deleted and the head rewound`,
    );
  }
  if (chain.atCheckpoint !== checkpoint.hash) {
    return bad(
      checkpoint.seq,
      "rewound",
      `the chain of tenant \`${tenant}\` was rewound and rewritten: record ${checkpoint.seq} is not the one ${when} signed`,
    );
  }
  return { ok: true, records: chain.last, checkpoint: { seq: checkpoint.seq, time: checkpoint.time, key: checkpoint.key } };
}

type Walk = { readonly ok: false; readonly result: VerifyResult } | { readonly ok: true; readonly result: VerifyResult; readonly last: number; readonly atCheckpoint: string | undefined };

/** The chain on its own: every record's hash and link, and the head. `atCheckpoint`: the hash of record `mark`. */
async function walk(sql: Sql, tenant: string, mark: number | undefined): Promise<Walk> {
  const failed = (result: VerifyResult): Walk => ({ ok: false, result });
  let atCheckpoint: string | undefined;
  let expected = 1;
  let prev = GENESIS;
  for (;;) {
    const page = await queryAudit(sql, { tenant, afterSeq: expected - 1, limit: PAGE });
    for (const record of page) {
      if (record.seq !== expected) {
        return failed(bad(expected, "deleted", `record ${expected} of tenant \`${tenant}\` is missing: the chain goes from ${expected - 1} to ${record.seq}`));
      }
      if (record.prevHash !== prev) {
        const [elsewhere] = await sql.query<{ seq: unknown }>("select seq from paybill_audit where tenant_id = $1 and hash = $2", [tenant, record.prevHash]);
        if (elsewhere !== undefined) {
          return failed(bad(expected, "reordered", `record ${expected} of tenant \`${tenant}\` was chained after record ${Number(elsewhere.seq)}, not after record ${expected - 1}`));
        }
        if (expected === 1) {
          return failed(bad(1, "deleted", `the chain of tenant \`${tenant}\` does not start at its first record: records before it were deleted`));
        }
        return failed(bad(expected - 1, "edited", `record ${expected - 1} of tenant \`${tenant}\` was changed and re-hashed: record ${expected} was chained to another hash`));
      }
      if (recordHash(record) !== record.hash) {
        return failed(bad(expected, "edited", `record ${expected} of tenant \`${tenant}\` does not match its hash: its content was changed`));
      }
      if (record.seq === mark) atCheckpoint = record.hash;
      prev = record.hash;
      expected++;
    }
    if (page.length < PAGE) break;
  }
  const last = expected - 1;
  const [head] = await sql.query<{ seq: unknown; hash: string }>("select seq, hash from paybill_audit_heads where tenant_id = $1", [tenant]);
  const headSeq = head === undefined ? 0 : Number(head.seq);
  if (headSeq > last) {
    return failed(bad(last + 1, "deleted", `records ${last + 1} to ${headSeq} of tenant \`${tenant}\` were deleted: the chain's head is at ${headSeq}`));
  }
  if (headSeq < last) {
    return failed(bad(headSeq + 1, "inserted", `records ${headSeq + 1} to ${last} of tenant \`${tenant}\` were added outside the runtime: the chain's head is at ${headSeq}`));
  }
  if (head !== undefined && head.hash !== prev) {
    return failed(bad(last, "edited", `record ${last} of tenant \`${tenant}\` was changed and re-hashed: the chain's head holds another hash`));
  }
  return { ok: true, result: { ok: true, records: last }, last, atCheckpoint };
}

function bad(seq: number, problem: AuditProblem, message: string): VerifyResult {
  return { ok: false, seq, problem, message };
}
