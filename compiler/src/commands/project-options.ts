/**
 * The options every command on a project's runtime shares (`tenants`, `billing`, `audit`,
 * `mcp token`): `--project`, `--database` and `--format`, declared once so their wording and
 * defaults cannot drift apart; `projectOption` is the same `--project` for the commands that
 * also take the project (or its paths) as arguments. One convention for all
 * (project/locate.ts): the argument or `--project`, else the nearest `paybill.json` upwards,
 * else the working directory. Declarations only: nothing here opens a project.
 */
import { type Command, Option } from "commander";

/** `-p, --project <dir>`, for commands that also take the project as arguments (give one of the two). */
export function projectOption(): Option {
  return new Option("-p, --project <dir>", "the project's directory, instead of the argument (default: the nearest directory upwards with a paybill.json, else this one)");
}

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
    .option("-p, --project <dir>", "the project's directory, built with `paybillc build` (default: the nearest directory upwards with a paybill.json, else this one)")
    .option("--database <url-or-dir>", "a postgres:// URL, or a PGlite data directory (default: <project>/.paybill/db)")
    .addOption(new Option("--format <format>", "how to print results").choices([...formats]).default("text"));
}
