/**
 * The `paybillc serve tokens create|list|revoke` declarations (cli.ts calls
 * `registerServeTokenCommands`): options and help only; the commands (serve-tokens.ts) are
 * imported when one runs.
 */
import type { Command } from "commander";
import type { Io } from "../io.js";
import { type Common, common, type Status } from "./project-options.js";

const TOKENS_HELP = `
API tokens of \`paybillc serve --control\` (spec/control-server.md), in the project's
database. Roles: operator, auditor, billing, approver:<group> (repeat --role for several).
\`create\` prints the token once on stdout; only its SHA-256 is stored. A revoked token is
refused at once by a running server. On the embedded database, run these while the server
is stopped (one process per data directory).

Examples:
  $ paybillc serve tokens create --role operator --label "signup service"
  $ paybillc serve tokens create --role approver:finance --role auditor
  $ paybillc serve tokens list
  $ paybillc serve tokens revoke 3f9c0a1b-…
`;

export function registerServeTokenCommands(serve: Command, io: Io, setStatus: Status): void {
  const tokens = serve.command("tokens").description("create, list and revoke the control API's tokens").addHelpText("after", TOKENS_HELP);
  const load = () => import("./serve-tokens.js");
  common(tokens.command("create").description("a token with roles, printed once"))
    .requiredOption("--role <role>", "operator | auditor | billing | approver:<group> (repeatable)", (value: string, previous: string[] = []) => [...previous, value])
    .option("--label <text>", "what the token is for (shown by `list`)")
    .action(async (options: Common & { role: string[]; label?: string }) => {
      setStatus(await (await load()).createServeToken(options, io));
    });
  common(tokens.command("list").description("the tokens (ids, roles, when created and revoked; never the tokens)")).action(async (options: Common) => {
    setStatus(await (await load()).listServeTokens(options, io));
  });
  common(tokens.command("revoke").description("revoke a token: refused from then on").argument("<id>", "the token's id (`list` shows it)")).action(async (id: string, options: Common) => {
    setStatus(await (await load()).revokeServeToken(id, options, io));
  });
}
