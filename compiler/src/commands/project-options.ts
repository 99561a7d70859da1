/**
 * The options every command on a project's runtime shares (`tenants`, `billing`, `audit`,
 * `mcp token`): `--project`, `--database` and `--format`, declared once so their wording and
 * defaults cannot drift apart. Declarations only: nothing here opens a project.
 */
import { type Command, Option } from "commander";

/** How a command's action reports its exit status to `main`. */
export type Status = (status: number) => void;

export interface Common {
  readonly project?: string;
  readonly database?: string;
  readonly format: "text" | "json";
}

/** `--project`, `--database` and `--format` on a subcommand. */
export function common(command: Command, formats: readonly string[] = ["text", "json"]): Command {
  return command
    .option("-p, --project <dir>", "the project's directory, built with `paybillc build`", ".")
    .option("--database <url-or-dir>", "a postgres:// URL, or a PGlite data directory (default: <project>/.paybill/db)")
    .addOption(new Option("--format <format>", "how to print results").choices([...formats]).default("text"));
}
