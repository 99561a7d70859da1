/**
 * Which project a command works on — one convention for every command (spec/control-plane.md,
 * "Project settings"): the paths or the project directory given as arguments, or with
 * `-p, --project <dir>` (one of the two, PB9018 for both); given neither, the nearest
 * directory from the working directory upwards that holds `paybill.json` (the manifest, as
 * `tsconfig.json` or `Cargo.toml` are found); with no manifest there either, the working
 * directory. The project is shown as a path relative to the working directory, so the
 * commands a help line suggests run as printed from where the user is.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { SETTINGS_FILE } from "./settings.js";

/** The nearest directory from `cwd` upwards holding `paybill.json`, absolute; undefined when none does. */
export function findProjectRoot(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, SETTINGS_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The located project as the commands show it: `.` for the working directory, else a relative path. */
export function locatedProject(cwd: string): string {
  const root = findProjectRoot(cwd);
  if (root === undefined) return ".";
  return relative(resolve(cwd), root).split("\\").join("/") || ".";
}

/** Two ways of naming the project at once: the caller reports PB9018. */
export class ProjectGivenTwice extends Error {
  readonly code = "PB9018";
  readonly help: string;

  constructor(command: string, positional: readonly string[], option: string) {
    super(`the project is given twice: \`${positional.join(" ")}\` and \`--project ${option}\``);
    this.help = `give it once: \`paybillc ${command} ${option}\` or \`paybillc ${command} --project ${option}\``;
  }
}

/** A command's paths: the positional ones, else `--project`, else the located project. */
export function projectPaths(command: string, positional: readonly string[], option: string | undefined, cwd: string): string[] {
  if (positional.length > 0 && option !== undefined) throw new ProjectGivenTwice(command, positional, option);
  if (positional.length > 0) return [...positional];
  if (option !== undefined) return [option];
  return [locatedProject(cwd)];
}
