/**
 * An audit record and its hash. Each tenant has its own chain: record n carries the hash
 * of record n-1 (`prevHash`; the first carries GENESIS), and its own hash is the SHA-256
 * of the canonical JSON of everything it says, that link included. Editing, deleting or
 * reordering a stored record breaks a hash or a link (verify.ts says which).
 *
 * Hash rules (the record's `hash_rule` column, `hashRule` here): rule 1, the first
 * runtime's, hashed the time as JavaScript prints it (milliseconds) while `timestamptz`
 * stores microseconds, so moving a stored time by less than a millisecond went unseen.
 * Rule 2 (every record appended since runtime migration 6) hashes the time exactly as the
 * database stores and reads it back (`…T12:00:00.123456Z`, microseconds, UTC) and says
 * `"rule":2` in the hashed text. A rule-1 record still verifies, and only if its stored
 * time has no digits below the millisecond (its hash could not have covered them).
 */
import { canonicalJson, sha256Hex } from "../bundle/canonical.js";

export const GENESIS = "0".repeat(64);

/** What happened to a written row: kept in the record without the values (they may be personal data). */
export interface AuditEffect {
  readonly op: string;
  readonly entity: string;
  readonly key: unknown;
}

/** What the caller appends. */
export interface AuditEntry {
  readonly tenant: string;
  /** The agent, or the person who granted or rejected an approval. */
  readonly agent: string;
  /** The action, or `approval.grant` / `approval.reject`. */
  readonly action: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly decision: "allow" | "deny" | "pending";
  readonly reasons: readonly unknown[];
  readonly run?: string;
  readonly approval?: string;
  readonly effect?: AuditEffect;
}

export interface AuditRecord extends AuditEntry {
  readonly id: string;
  /** 1, 2, 3… per tenant. */
  readonly seq: number;
  /** ISO 8601 in UTC at the stored precision, microseconds: `2026-12-07T15:11:03.123000Z`. */
  readonly time: string;
  /** Which hash rule the record was hashed by (absent: 1, the first runtime's; see the header). */
  readonly hashRule?: HashRule;
  readonly prevHash: string;
  readonly hash: string;
}

export type HashRule = 1 | 2;

/** The rule every record appended now is hashed by. */
export const CURRENT_HASH_RULE: HashRule = 2;

/** A time as the database stores and reads back a `timestamptz`: UTC, microseconds. */
export function storedTime(time: Date): string {
  return time.toISOString().replace(/Z$/, "000Z");
}

/**
 * The time text a rule hashes: rule 2 the stored text itself; rule 1 the millisecond text,
 * when the stored time has none below (otherwise the stored text, which cannot match).
 */
function hashedTime(record: { time: string; hashRule?: HashRule }): string {
  if ((record.hashRule ?? 1) === 2) return record.time;
  const micro = /^(.*\.\d{3})000Z$/.exec(record.time);
  return micro === null ? record.time : `${micro[1]}Z`;
}

export function recordHash(record: Omit<AuditRecord, "hash">): string {
  return sha256Hex(
    canonicalJson({
      prev: record.prevHash,
      seq: record.seq,
      tenant: record.tenant,
      id: record.id,
      time: hashedTime(record),
      rule: record.hashRule === 2 ? 2 : undefined,
      agent: record.agent,
      action: record.action,
      input: record.input,
      decision: record.decision,
      reasons: record.reasons,
      run: record.run,
      approval: record.approval,
      effect: record.effect,
    }),
  );
}

/**
 * The text `recordHash` hashes, cut where the two values only the database knows at append
 * time go (the previous hash and the seq, both from the chain's head): the hashed text is
 * `before + prevHash + between + seq + after`. The database hashes it as it appends, so the
 * head stays locked for one statement only (store/migrations.ts, `paybill_audit_append`).
 */
export interface HashParts {
  readonly before: string;
  readonly between: string;
  readonly after: string;
}

export function recordHashParts(record: Omit<AuditRecord, "hash" | "prevHash" | "seq">): HashParts {
  // The members recordHash hashes, in canonical (sorted) order; `prev` and `seq` are the gaps.
  const members: Record<string, unknown> = {
    action: record.action,
    agent: record.agent,
    approval: record.approval,
    decision: record.decision,
    effect: record.effect,
    id: record.id,
    input: record.input,
    prev: PREV,
    reasons: record.reasons,
    rule: record.hashRule === 2 ? 2 : undefined,
    run: record.run,
    seq: SEQ,
    tenant: record.tenant,
    time: hashedTime(record),
  };
  const pieces: string[] = [];
  let text = "{";
  for (const key of Object.keys(members).sort()) {
    const value = members[key];
    if (value === undefined) continue;
    if (text !== "{" || pieces.length > 0) text += ",";
    text += `${JSON.stringify(key)}:`;
    if (value === PREV) {
      pieces.push(`${text}"`);
      text = '"';
    } else if (value === SEQ) {
      pieces.push(text);
      text = "";
    } else {
      text += canonicalJson(value);
    }
  }
  pieces.push(`${text}}`);
  const [before, between, after] = pieces;
  if (before === undefined || between === undefined || after === undefined) throw new Error("the record's hash parts are incomplete");
  return { before, between, after };
}

const PREV = Symbol("prev");
const SEQ = Symbol("seq");
