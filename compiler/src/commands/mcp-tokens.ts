/**
 * `paybillc mcp token create|list|revoke`: the agent tokens `serve --mcp --http` takes as
 * bearer tokens (spec/mcp.md), on the project's runtime and database (project-runtime.ts)
 * — the database `serve --database` is given. `create` prints the token once, on stdout;
 * the database keeps only its SHA-256, so it cannot be shown again. Errors are the
 * runtime's (PBR110 unknown tenant, PBR192 unknown agent, PBR193 unknown token), exit 1.
 */
import type { AgentToken } from "@paybill/runtime";
import type { Io } from "../io.js";
import { printJson } from "../output/report.js";
import { type ProjectOptions, withProjectRuntime } from "./project-runtime.js";

export function createToken(options: ProjectOptions & { tenant: string; agent: string; label?: string }, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async ({ runtime }) => {
    const { token, record } = await runtime.tokens.create({ tenant: options.tenant, agent: options.agent, ...(options.label === undefined ? {} : { label: options.label }) });
    if (options.format === "json") printJson({ token, ...record }, io);
    else {
      io.out(`${token}\n`);
      io.err(`mcp token: created \`${record.id}\` for agent \`${record.agent}\` of tenant \`${record.tenant}\`; it is shown this once (only its hash is kept)\n`);
    }
    return 0;
  });
}

export function listTokens(options: ProjectOptions & { tenant: string }, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async ({ runtime }) => {
    const tokens = await runtime.tokens.list(options.tenant);
    if (options.format === "json") printJson({ tokens }, io);
    else if (tokens.length === 0) io.err(`mcp token: tenant \`${options.tenant}\` has no tokens\n`);
    else for (const t of tokens) io.out(`${line(t)}\n`);
    return 0;
  });
}

export function revokeToken(id: string, options: ProjectOptions & { tenant: string }, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async ({ runtime }) => {
    const token = await runtime.tokens.revoke(options.tenant, id);
    if (options.format === "json") printJson(token, io);
    else io.err(`mcp token: \`${token.id}\` of tenant \`${token.tenant}\` is revoked (since ${token.revokedAt ?? "now"})\n`);
    return 0;
  });
}

function line(t: AgentToken): string {
  const state = t.revokedAt === undefined ? "active" : `revoked ${t.revokedAt}`;
  return `${t.id}  ${t.agent}  created ${t.createdAt}  ${state}${t.label === undefined ? "" : `  ${t.label}`}`;
}
