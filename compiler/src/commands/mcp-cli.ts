/**
 * The `paybillc mcp token create|list|revoke` command declarations (cli.ts calls
 * `registerMcpCommands`): options and help only; the commands (mcp-tokens.ts) are imported
 * when one runs.
 */
import type { Command } from "commander";
import type { Io } from "../io.js";
import { type Common, common, type Status } from "./project-options.js";

const MCP_TOKEN_HELP = `
Bearer tokens for \`paybillc serve --mcp --http\` (spec/mcp.md), bound to a tenant and an
agent, in the project's database (give \`serve\` the same --database). \`create\` prints the
token once on stdout; only its SHA-256 is stored, so keep it then. A revoked token is
refused at once by a running server.

Examples:
  $ paybillc mcp token create --tenant initech --agent support_bot --label "support desk"
  $ paybillc mcp token list --tenant initech
  $ paybillc mcp token revoke 3f9c0a1b2c3d4e5f --tenant initech
`;

export function registerMcpCommands(program: Command, io: Io, setStatus: Status): void {
  const token = program
    .command("mcp")
    .description("manage what the MCP server (`serve --mcp`) needs")
    .command("token")
    .description("create, list and revoke the bearer tokens of `serve --mcp --http`")
    .addHelpText("after", MCP_TOKEN_HELP);
  const tokens = () => import("./mcp-tokens.js");
  common(token.command("create").description("a token for an agent of a tenant, printed once"))
    .requiredOption("--tenant <id>", "the tenant the token acts for")
    .requiredOption("--agent <name>", "the agent the token acts as")
    .option("--label <text>", "what the token is for (shown by `list`)")
    .action(async (options: Common & { tenant: string; agent: string; label?: string }) => {
      setStatus(await (await tokens()).createToken(options, io));
    });
  common(token.command("list").description("a tenant's tokens (ids, agents, when created and revoked; never the tokens)"))
    .requiredOption("--tenant <id>", "the tenant")
    .action(async (options: Common & { tenant: string }) => {
      setStatus(await (await tokens()).listTokens(options, io));
    });
  common(token.command("revoke").description("revoke a token: refused from then on").argument("<id>", "the token's id (`list` shows it)"))
    .requiredOption("--tenant <id>", "the tenant")
    .action(async (id: string, options: Common & { tenant: string }) => {
      setStatus(await (await tokens()).revokeToken(id, options, io));
    });
}
