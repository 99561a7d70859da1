/**
 * The error the database-backed runtime throws when its caller (the host service) asks for
 * something impossible: an unknown tenant, run or approval, a move along no edge, a failed
 * effect, a database this runtime cannot open. Agents never see these as exceptions: what
 * an agent asks for is decided, not thrown.
 *
 * Codes are stable (PBR1xx; PBR0xx are the bundle loader's); messages are lowercase with user input in backticks, and a
 * help line says what to do.
 */

export type RuntimeErrorCode =
  /** The database configuration is not one this runtime understands. */
  | "PBR101"
  /** The database was migrated by a newer runtime. */
  | "PBR102"
  /** A migration failed (rolled back). */
  | "PBR103"
  /** Unknown tenant. */
  | "PBR110"
  /** Unknown workflow, or a run started for the wrong agent. */
  | "PBR111"
  /** Unknown run. */
  | "PBR112"
  /** A move along no declared edge, or out of a final state, or after the deadline. */
  | "PBR113"
  /** Unknown approval, or one not in the state the call needs. */
  | "PBR114"
  /** The effect failed in the database; the transaction rolled back (no audit, no advance). */
  | "PBR120"
  /** The runtime is closed. */
  | "PBR130"
  /** A lifecycle event the tenant's state does not allow (control/lifecycle.ts). */
  | "PBR140"
  /** A plan that is not in the bundle. */
  | "PBR141"
  /** Onboarding a tenant id that is already registered. */
  | "PBR142"
  /** A tenant id that is not a lowercase name (`^[a-z][a-z0-9_-]{0,62}$`). */
  | "PBR143"
  /** A billing event that cannot be applied: unknown type, bad time, or an id seen before with another body. */
  | "PBR144"
  /** A plan change of a tenant declared in the bundle (its plan is the bundle's). */
  | "PBR145"
  /** A usage record or export the runtime cannot take: bad metric, quantity, time or period. */
  | "PBR146"
  /** Resuming a granted approval of a tenant that is not active (the approval stays granted). */
  | "PBR147"
  /** Onboarding an id whose cloud resource names (control/cloud-names.ts) another registered tenant already has. */
  | "PBR148"
  /** PostgreSQL: the connecting role is unsafe for the runtime (superuser, BYPASSRLS, owns a table, may create in the schema). */
  | "PBR150"
  /** The connecting role is not a member of the runtime's roles (`paybill_runtime`, `paybill_control`), or they do not exist. */
  | "PBR151"
  /** PostgreSQL: the runtime's tables are missing or behind this runtime (`paybillc migrate` applies them). */
  | "PBR152"
  /** A privilege the runtime's role lacks (42501), named with the grant that gives it. */
  | "PBR153"
  /** A write outside the bound tenant, refused by row-level security. */
  | "PBR154"
  /** The PostgreSQL connection was lost (terminated, reset, unreachable): the call failed, the pool opens a fresh one (store/connection-loss.ts). */
  | "PBR190"
  /** A PGlite data directory another process (or another open in this one) holds (store/data-dir-lock.ts). */
  | "PBR191"
  /** An agent token for an agent the bundle does not declare (store/agent-tokens.ts). */
  | "PBR192"
  /** An agent token id the tenant does not have (revoke). */
  | "PBR193"
  /** A tenant id with a NUL or a lone surrogate: it names no tenant, so nothing is decided or audited. */
  | "PBR170"
  /** Resuming an approval whose `@secret`/`@pii` inputs were not stored, without their values. */
  | "PBR171"
  /** A value given on resume for a masked input that is not the one approved (its keyed hash differs), or for no masked input. */
  | "PBR172"
  /** An `auditKey` that is not at least 32 bytes. */
  | "PBR173"
  /** A text a host call would store (an approval's `by` or `note`) with a NUL or a lone surrogate. */
  | "PBR174"
  /** `runs.observe` given a bad source or values (not scalars, unstorable text, over the limits): nothing recorded. */
  | "PBR215"
  | "PBR216"
  /** A gauge (`seats`) recorded above the limit of the same name in the tenant's plan. */
  | "PBR200"
  /** An audit key (signing or public) that cannot be read or is not an ed25519 key. */
  | "PBR160"
  /** A checkpoint asked (on demand, or periodically by `audit.every`) of a runtime without an audit signing key or sink. */
  | "PBR161"
  /** Checkpoints to verify against but no public key to check their signatures with. */
  | "PBR162"
  /** The checkpoint sink cannot be written or read, or holds a line that is not a checkpoint. */
  | "PBR163"
  /** `audit.every` that is not a positive interval or record count. */
  | "PBR164"
  /** The S3 checkpoint sink misconfigured (bucket, retention), or a request to its bucket failed (no such bucket, access denied, no region, the network). */
  | "PBR165"
  /** A run context value missing, of the wrong type, or not storable (the message names its path, `context.<field>`). */
  | "PBR210"
  /** A run context with a field the workflow's `context` does not declare. */
  | "PBR211"
  /** A run context given for a workflow that declares none. */
  | "PBR212"
  /** A run context with more than 256 values (list elements counted). */
  | "PBR213"
  /** Routing: a tenant whose plan's isolation model is not `pooled`, `bridge` or `silo`. */
  | "PBR217"
  /** Routing: a silo tenant with no recorded database among its outputs. */
  | "PBR218"
  /** Routing: a database user or password that cannot be found (no user, an unset `env:` variable, a secret reference without a resolver). */
  | "PBR219"
  /** An approver the host does not say belongs to the approval's group (`groups`), or `groups` that is not a list of names. */
  | "PBR220"
  /** An agent's name given as the approver: an agent never grants or rejects an approval. */
  | "PBR221"
  /** A tenant data move whose copy does not match its source (row count or checksum of a table): nothing switched or deleted. */
  | "PBR230"
  /** Entities that reference each other in a cycle: a tenant's rows cannot be copied in foreign-key order. */
  | "PBR231"
  /** A data move's endpoints: not a schema name, the same schema twice, a table missing, a move resumed with other schemas; a schema an erasure may not drop. */
  | "PBR232"
  /** An erasure before the tenant's plan's `retention` has passed since it was offboarded. */
  | "PBR233"
  /** An erasure of a tenant that is not offboarded (or not registered). */
  | "PBR234"
  /** A move by an agent along an edge only the host takes (not `by agent`), or by an agent that is not the run's. */
  | "PBR235"
  /** A move along an edge whose guard (`when …`) does not hold or cannot be evaluated. */
  | "PBR236"
  /** A move in a run that has used all of its steps (a move is a step). */
  | "PBR237"
  /** A host report for a performance the tenant does not have (unknown id, another tenant's, or not a host act's). */
  | "PBR240"
  /** A second report of a host performance. */
  | "PBR241"
  /** A host report that is neither `{ ok: true, result? }` nor `{ ok: false, error }`. */
  | "PBR242"
  /** Control server (server/, spec/control-server.md): a call under /api without credentials (401). */
  | "PBR243"
  /** Control server: credentials that are not a live API token or a valid OIDC token (401). */
  | "PBR244"
  /** Control server: the caller's roles do not allow the call, or it approves for another group (403). */
  | "PBR245"
  /** Control server: the caller is over its rate limit (429). */
  | "PBR246"
  /** Control server: a Stripe webhook whose signature does not match (400; nothing applied). */
  | "PBR247"
  /** Control server: pushing usage to Stripe without an API key. */
  | "PBR248"
  /** Control server: a request that does not match the route's schema (400). */
  | "PBR249"
  /** Control server: no such route (404), or Stripe's webhook on a server without Stripe. */
  | "PBR250"
  /** Control server: binding to an address that is not loopback without `--expose`. */
  | "PBR251"
  /** Control server: its tables (API tokens, the record of calls) are not in the database. */
  | "PBR252"
  /** Control server: an answer the server could not give (500; see its log). */
  | "PBR259"
  /** Approval notification settings that cannot be used: a webhook URL that is not http(s), attempts, back-off or timeout out of range. */
  | "PBR265";

export class PaybillRuntimeError extends Error {
  readonly code: RuntimeErrorCode;
  readonly help: string;

  constructor(code: RuntimeErrorCode, message: string, help: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PaybillRuntimeError";
    this.code = code;
    this.help = help;
  }
}
