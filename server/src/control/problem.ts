/**
 * Errors as RFC 9457 problem details (`application/problem+json`): a `type` naming the
 * stable code (`urn:paybill:error:PBR110`), a `title`, the `status`, a `detail` and the
 * code's `help` line. Runtime refusals keep the runtime's code; the server's own use
 * PBR243–PBR259 (spec/control-server.md, "Errors").
 */
import type { Context } from "hono";
import { PaybillRuntimeError } from "@paybill/runtime";

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly help: string;
}

export class ProblemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly help: string;

  constructor(status: number, code: string, detail: string, help: string) {
    super(detail);
    this.status = status;
    this.code = code;
    this.help = help;
  }
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Content Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
};

export function problemOf(status: number, code: string, detail: string, help: string): Problem {
  return { type: `urn:paybill:error:${code}`, title: TITLES[status] ?? "Error", status, code, detail, help };
}

/** Unknown tenant, workflow, run or approval: 404; a bad value: 400; a refusal of the state: 409. */
const RUNTIME_STATUS: Record<string, number> = {
  PBR110: 404,
  PBR111: 404,
  PBR112: 404,
  PBR114: 409,
  PBR141: 400,
  PBR143: 400,
  PBR144: 400,
  PBR146: 400,
  PBR220: 403,
  PBR221: 403,
};

/** The problem an error thrown by a handler is (a runtime error keeps its code). */
export function problemFor(error: unknown): Problem {
  if (error instanceof ProblemError) return problemOf(error.status, error.code, error.message, error.help);
  if (error instanceof PaybillRuntimeError) return problemOf(RUNTIME_STATUS[error.code] ?? 409, error.code, error.message, error.help);
  return problemOf(500, "PBR259", "the server could not answer", "see the server's log; the request may be retried");
}

export function problemResponse(c: Context, problem: Problem, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(problem), problem.status as 400, { "content-type": "application/problem+json", ...headers });
}
