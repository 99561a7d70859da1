/**
 * A project's settings for the commands that run it (spec/control-plane.md, "Project
 * settings"): `paybill.json` at the project's root, optional. What it may say, so CI and
 * operators need not repeat flags:
 *
 *   {
 *     "provisioner": "terraform",                  // or "dry-run"; `tenants provision` uses it
 *     "terraform": { "workDir": ".paybill/tf" },   // relative to the project
 *     "database": "$DATABASE_URL"                  // a postgres:// URL, a PGlite directory, or $NAME of an environment variable
 *   }
 *
 * A flag given on the command line wins over the file. Any other key, or a value of the
 * wrong kind, is PB9315 with the JSON path of the mistake: a setting that would be ignored
 * is refused, never dropped.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { MANIFEST_FILE } from "@paybill/lang";

/** The manifest: where a project starts (`@paybill/lang`), and its settings. */
export const SETTINGS_FILE = MANIFEST_FILE;

export type ProvisionerName = "dry-run" | "terraform";

export interface ProjectSettings {
  readonly provisioner?: ProvisionerName;
  /** Absolute. */
  readonly terraformWorkDir?: string;
  /** As written, `$NAME` resolved. */
  readonly database?: string;
}

/** Why `paybill.json` cannot be used: what, where (a JSON path) and how to fix it. */
export class SettingsProblem extends Error {
  readonly code = "PB9315";

  constructor(
    readonly file: string,
    readonly path: string,
    message: string,
    readonly help: string,
  ) {
    super(`${file}: ${message} at \`${path}\``);
  }
}

const PROVISIONERS: readonly ProvisionerName[] = ["dry-run", "terraform"];
const KEYS = ["provisioner", "terraform", "database"];
const TERRAFORM_KEYS = ["workDir"];

/** The settings of the project in `dir` (none when it has no `paybill.json`); `env` resolves `$NAME`. */
export async function readSettings(dir: string, env: Readonly<Record<string, string | undefined>>, shown = SETTINGS_FILE): Promise<ProjectSettings> {
  let text: string;
  try {
    text = await readFile(join(dir, SETTINGS_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new SettingsProblem(shown, "$", `cannot be read (${(error as Error).message})`, "make the file readable, or remove it");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SettingsProblem(shown, "$", `is not JSON (${(error as Error).message})`, 'write an object such as `{ "provisioner": "terraform" }`');
  }
  return settingsOf(value, dir, env, shown);
}

/** Checks a parsed `paybill.json`. */
export function settingsOf(value: unknown, dir: string, env: Readonly<Record<string, string | undefined>>, shown = SETTINGS_FILE): ProjectSettings {
  const problem = (path: string, message: string, help: string): SettingsProblem => new SettingsProblem(shown, path, message, help);
  if (!isObject(value)) throw problem("$", "is not an object", 'write an object such as `{ "provisioner": "terraform" }`');
  unknownKeys(value, KEYS, "$", problem);
  const out: { provisioner?: ProvisionerName; terraformWorkDir?: string; database?: string } = {};
  const provisioner = value["provisioner"];
  if (provisioner !== undefined) {
    if (typeof provisioner !== "string" || !PROVISIONERS.includes(provisioner as ProvisionerName)) {
      throw problem("$.provisioner", `\`${JSON.stringify(provisioner)}\` is not a provisioner`, `write one of ${PROVISIONERS.map((p) => `"${p}"`).join(", ")}`);
    }
    out.provisioner = provisioner as ProvisionerName;
  }
  const terraform = value["terraform"];
  if (terraform !== undefined) {
    if (!isObject(terraform)) throw problem("$.terraform", "is not an object", 'write `"terraform": { "workDir": ".paybill/terraform" }`');
    unknownKeys(terraform, TERRAFORM_KEYS, "$.terraform", problem);
    const workDir = terraform["workDir"];
    if (workDir !== undefined) {
      if (typeof workDir !== "string" || workDir === "") throw problem("$.terraform.workDir", "is not a directory name", "write a directory, relative to the project");
      out.terraformWorkDir = resolve(dir, workDir);
    }
  }
  const database = value["database"];
  if (database !== undefined) {
    if (typeof database !== "string" || database === "") {
      throw problem("$.database", "is not a database", "write a `postgres://` URL, a PGlite data directory, or `$NAME` of an environment variable holding one");
    }
    out.database = resolveDatabase(database, env, problem);
  }
  return out;
}

function resolveDatabase(database: string, env: Readonly<Record<string, string | undefined>>, problem: (path: string, message: string, help: string) => SettingsProblem): string {
  const named = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(database);
  if (named === null) return database;
  const name = named[1] as string;
  const value = env[name];
  if (value === undefined || value === "") {
    throw problem("$.database", `names the environment variable ${name}, which is not set`, `set ${name} to a postgres:// URL or a PGlite data directory, or pass --database`);
  }
  return value;
}

function unknownKeys(value: Record<string, unknown>, known: readonly string[], at: string, problem: (path: string, message: string, help: string) => SettingsProblem): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw problem(`${at}.${key}`, `\`${key}\` is not a setting`, `the settings here are ${known.map((k) => `\`${k}\``).join(", ")}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
