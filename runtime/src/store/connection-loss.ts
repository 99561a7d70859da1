/**
 * What a lost PostgreSQL connection looks like, and the error the runtime throws for it
 * (PBR190) instead of the driver's own: a backend terminated (`pg_terminate_backend`, a
 * server restart or failover), a socket reset, a server that cannot be reached. The pg
 * adapter (pg-adapter.ts) asks `isConnectionLoss` of every failure and of its cause (an
 * effect's failure arrives wrapped as PBR120), and drops the connection from the pool.
 *
 * It must not decide anything about a statement's own failure (a constraint, a type): those
 * stay what they are.
 */
import { PaybillRuntimeError } from "./errors.js";

/** SQLSTATEs of a connection the server ended: class 08 (connection exception) and 57P01–57P03 (shutdown, crash, starting up). */
const LOST_STATES = /^(08...|57P0[123])$/;
/** Node's socket errors. */
const LOST_ERRNOS = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/** The `pg` driver's own messages for a connection that ended or was never made (it gives them no code). */
const LOST_MESSAGES = /^(Connection terminated|Client has encountered a connection error|Client was closed|Connection terminated unexpectedly|timeout expired)/;

/** Whether `error` (or the error it wraps, one level down) says the connection was lost. */
export function isConnectionLoss(error: unknown): boolean {
  return lost(error) || (error instanceof Error && lost(error.cause));
}

function lost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = "code" in error ? error.code : undefined;
  if (typeof code === "string" && (LOST_STATES.test(code) || LOST_ERRNOS.has(code))) return true;
  return LOST_MESSAGES.test(error.message);
}

/** Where in a transaction the connection went: at COMMIT the outcome is unknown. */
export type LossPhase = "connect" | "statement" | "commit" | "single";

/** PBR190, with the driver's error as its cause (never in the message: it may hold a host name). */
export function connectionLost(phase: LossPhase, cause: unknown): PaybillRuntimeError {
  if (phase === "connect") {
    return new PaybillRuntimeError(
      "PBR190",
      "the database cannot be reached: no connection could be made",
      "check that PostgreSQL is running and reachable at the configured URL; nothing was done, so the call can be made again",
      { cause },
    );
  }
  if (phase === "single") {
    return new PaybillRuntimeError(
      "PBR190",
      "the database connection was lost during a statement run outside a transaction: a write may or may not have been applied",
      "read the state back before running it again; the connection was dropped and the next call opens a fresh one",
      { cause },
    );
  }
  if (phase === "commit") {
    return new PaybillRuntimeError(
      "PBR190",
      "the database connection was lost while the transaction committed: it may or may not have been applied",
      "read the state back (the audit chain, the run) before acting again; the connection was dropped and the next call opens a fresh one",
      { cause },
    );
  }
  return new PaybillRuntimeError(
    "PBR190",
    "the database connection was lost before the transaction ended: nothing was written",
    "act again: the connection was dropped and the next call opens a fresh one; if it keeps happening, check the database server",
    { cause },
  );
}
