/**
 * The build record, `<out>/build-record.json`: for each emitter's piece of output (one
 * Terraform stack, the database files, the SDK) the hash of what it was made from and the
 * SHA-256 of every file it wrote. A later build whose input hashes the same, and whose
 * files on disk still have the recorded hashes, reuses those files instead of loading and
 * running the emitter (cdktn, drizzle-kit, ts-morph cost most of a small build). So a reused
 * output is byte for byte the file a fresh build wrote from the same input; a file edited or
 * deleted since, a changed input, or a changed emitter (its code or its libraries' versions
 * are part of every input hash) makes the emitter run again.
 *
 * The record is a cache: a missing or unreadable record only means nothing is reused, and
 * `build --check` neither needs it nor reports it.
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { OutputFile } from "./write-build.js";

export const RECORD_FILE = "build-record.json";
const FORMAT = "paybill-build-record";
const VERSION = 1;

interface Entry {
  readonly input: string;
  /** Output path (relative to the output directory) → `sha256:` + hex. */
  readonly files: Readonly<Record<string, string>>;
}

export class BuildRecord {
  private readonly next = new Map<string, Entry>();
  /** The pieces reused from the previous build, in the order asked. */
  readonly reused: string[] = [];
  private readonly reusedPaths = new Set<string>();

  private constructor(
    private readonly out: string,
    private readonly previous: ReadonlyMap<string, Entry>,
    /** Whether the output directory has a record file (readable or not). */
    readonly existed: boolean,
  ) {}

  /** The record of the build in `out`, or an empty one. */
  static async open(out: string): Promise<BuildRecord> {
    const text = await readFile(join(out, RECORD_FILE), "utf8").catch(() => undefined);
    return new BuildRecord(out, parseRecord(text), text !== undefined);
  }

  /**
   * The files of `piece` as the previous build wrote them, when it was made from the same
   * `input` and every file is still there unchanged; otherwise undefined.
   */
  async reuse(piece: string, input: string): Promise<OutputFile[] | undefined> {
    const entry = this.previous.get(piece);
    if (entry === undefined || entry.input !== input) return undefined;
    const files: OutputFile[] = [];
    for (const [path, hash] of Object.entries(entry.files)) {
      const text = await readFile(join(this.out, path), "utf8").catch(() => undefined);
      if (text === undefined || sha256(text) !== hash) return undefined;
      files.push({ path, text });
    }
    for (const file of files) this.reusedPaths.add(file.path);
    this.reused.push(piece);
    this.next.set(piece, entry);
    return files;
  }

  /** Records what `piece` was made from and the files it made. */
  remember(piece: string, input: string, files: readonly OutputFile[]): void {
    this.next.set(piece, { input, files: Object.fromEntries(files.map((f) => [f.path, sha256(f.text)])) });
  }

  /** Whether `path` is a file reused from the previous build (so already on disk as it is). */
  isReused(path: string): boolean {
    return this.reusedPaths.has(path);
  }

  /** Whether this build made or reused any piece: a build without one writes no record. */
  get empty(): boolean {
    return this.next.size === 0;
  }

  /** The record of this build, to be written with it. */
  file(): OutputFile {
    const entries = Object.fromEntries([...this.next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return { path: RECORD_FILE, text: `${JSON.stringify({ format: FORMAT, version: VERSION, entries }, null, 2)}\n` };
  }
}

function parseRecord(text: string | undefined): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  if (text === undefined) return entries;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return entries;
  }
  if (!isObject(value) || value.format !== FORMAT || value.version !== VERSION || !isObject(value.entries)) return entries;
  for (const [piece, entry] of Object.entries(value.entries)) {
    if (!isObject(entry) || typeof entry.input !== "string" || !isObject(entry.files)) continue;
    const files = Object.entries(entry.files);
    // Only paths of the shape a build writes: a record cannot make a build read elsewhere.
    if (!files.every(([path, hash]) => typeof hash === "string" && isOutputPath(path))) continue;
    entries.set(piece, { input: entry.input, files: Object.fromEntries(files) as Record<string, string> });
  }
  return entries;
}

function isOutputPath(path: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/.test(path) && !path.split("/").includes("..");
}

function isObject(value: unknown): value is { readonly [key: string]: unknown } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function sha256(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

/**
 * The hash of an emitter's input: the emitters' code and libraries (`emitterVersion`), the
 * piece's name, and its input value as JSON (maps and sets as their entries). Inputs are
 * built in a fixed order from the project, so the same input gives the same text.
 */
export async function inputHash(piece: string, value: unknown): Promise<string> {
  const json = JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? { map: [...v] } : v instanceof Set ? { set: [...v] } : v));
  return sha256(`${await emitterVersion()}\n${piece}\n${json}`);
}

/** The libraries whose versions every emitter's output depends on. */
const LIBRARIES = ["cdktn", "constructs", "drizzle-kit", "drizzle-orm", "ts-morph", "typescript", "@paybill/runtime"];

let version: Promise<string> | undefined;

const CODE = /^(?!.*\.d\.ts$).*\.(?:js|ts)$/;

/**
 * One hash of the code that makes a build's output: every file of the compiler's emitters
 * (its path, size and modification time), in its sources and in its build (`src/emit/` and
 * `dist/emit/`, whichever are there: the same hash whether the compiler runs from either, and
 * a changed source or build changes it), and the version of every library they use.
 */
export function emitterVersion(): Promise<string> {
  version ??= (async () => {
    const hash = createHash("sha256");
    const here = dirname(fileURLToPath(import.meta.url));
    const root = join(here, "..", "..");
    for (const tree of ["src", "dist"]) {
      const emit = join(root, tree, "emit");
      const entries = await readdir(emit, { recursive: true, withFileTypes: true }).catch(() => []);
      // The code only (not declarations or source maps), by size and modification time: a
      // file written again (an edit, a checkout, a compile) is a new version of the emitters.
      const files = entries.filter((e) => e.isFile() && CODE.test(e.name)).map((e) => join(e.parentPath, e.name));
      files.sort();
      for (const file of files) {
        const { size, mtimeMs } = statSync(file);
        hash.update(`${tree}${file.slice(emit.length)}\0${size}\0${mtimeMs}\0`);
      }
    }
    for (const name of LIBRARIES) hash.update(`${name}@${await libraryVersion(here, name)}\0`);
    // The runtime's code the emitters call: cloud resource names, canonical JSON.
    for (const file of RUNTIME_FILES) hash.update(`${file}\0`).update((await libraryFile(here, "@paybill/runtime", file)) ?? "absent").update("\0");
    return hash.digest("hex");
  })();
  return version;
}

const RUNTIME_FILES = ["dist/control/cloud-names.js", "dist/bundle/canonical.js", "dist/bundle/format.js"];

/** A library's version, from its `package.json`. */
async function libraryVersion(from: string, name: string): Promise<string> {
  const text = await libraryFile(from, name, "package.json");
  if (text === undefined) return "absent";
  const parsed = JSON.parse(text.toString("utf8")) as { version?: unknown };
  return typeof parsed.version === "string" ? parsed.version : "?";
}

/** A file of a library, found as Node finds the library: `node_modules/<name>` in this folder or one above. */
async function libraryFile(from: string, name: string, file: string): Promise<Buffer | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    const found = await readFile(join(dir, "node_modules", name, "package.json")).then(
      () => readFile(join(dir, "node_modules", name, file)).catch(() => Buffer.from("absent")),
      () => undefined,
    );
    if (found !== undefined) return found;
    if (dirname(dir) === dir) return undefined;
  }
}
