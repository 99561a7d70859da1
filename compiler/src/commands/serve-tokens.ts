/**
 * `paybillc serve tokens create --role R… [--label L] | list | revoke ID`: the control API's
 * tokens (spec/control-server.md, "Authentication") in the project's database, as the
 * runtime's control role. The tables are `paybillc migrate`'s (on the embedded database
 * they are created when missing). `create` prints the token once on stdout; only its
 * SHA-256 is kept. On the embedded database, run it while the server is stopped (one process per
 * data directory). Bad roles: PB9336 (exit 2); an unknown token id: PB9337 (exit 1).
 */
import type { Database } from "@paybill/runtime";
import { controlTablesInstalled, createApiToken, installControlTables, listApiTokens, parseRole, type Role, revokeApiToken } from "@paybill/server/control";
import type { Io } from "../io.js";
import { printJson } from "../output/report.js";
import { CommandProblem, type ProjectOptions, withProjectRuntime } from "./project-runtime.js";

export function createServeToken(options: ProjectOptions & { role: string[]; label?: string }, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async ({ runtime }) => {
    const roles: Role[] = [];
    for (const text of options.role) {
      const role = parseRole(text);
      if (role === undefined) throw new CommandProblem("PB9336", `\`${text}\` is not a role`, "give `operator`, `auditor`, `billing` or `approver:<group>` (repeat --role for several)", 2);
      roles.push(role);
    }
    await tablesOf(runtime.database);
    const { token, record } = await createApiToken(runtime.database, { roles, ...(options.label === undefined ? {} : { label: options.label }) });
    if (options.format === "json") printJson({ token, ...record }, io);
    else {
      io.out(`${token}\n`);
      io.err(`serve token: created \`${record.id}\` (${record.roles.join(", ")}); it is shown this once (only its hash is kept)\n`);
    }
    return 0;
  });
}

export function listServeTokens(options: ProjectOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async ({ runtime }) => {
    await tablesOf(runtime.database);
    const tokens = await listApiTokens(runtime.database);
    if (options.format === "json") printJson({ tokens }, io);
    else if (tokens.length === 0) io.err("serve token: there are no tokens\n");
    else for (const t of tokens) io.out(`${t.id}  ${t.roles.join(",")}  created ${t.createdAt}${t.revokedAt === undefined ? "" : `  revoked ${t.revokedAt}`}${t.label === undefined ? "" : `  ${t.label}`}\n`);
    return 0;
  });
}

export function revokeServeToken(id: string, options: ProjectOptions, io: Io): Promise<number> {
  return withProjectRuntime(options, io, async ({ runtime }) => {
    if (!(await revokeApiToken(runtime.database, id))) throw new CommandProblem("PB9337", `there is no live token \`${id}\``, "list the tokens with `paybillc serve tokens list`", 1);
    if (options.format === "json") printJson({ revoked: id }, io);
    else io.err(`serve token: revoked \`${id}\`\n`);
    return 0;
  });
}

/** The embedded database gets the tables here; PostgreSQL's login role cannot create them (PB9338). */
async function tablesOf(db: Database): Promise<void> {
  if (await controlTablesInstalled(db)) return;
  if (db.kind === "pglite") return installControlTables(db);
  throw new CommandProblem("PB9338", "the control server's tables are not in this database", "create them with `paybillc migrate --database <admin url>`", 2);
}
