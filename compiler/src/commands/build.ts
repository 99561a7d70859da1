/**
 * `paybillc build [project] [--out dir]`: check the project, then write the runtime's
 * bundle to `<out>/bundle.json` (spec/bundle.md) and, when the project declares a cloud,
 * its infrastructure to `<out>/terraform/<stack>/cdk.tf.json` with
 * `<out>/terraform/manifest.json` (spec/infrastructure.md), and for the entities
 * `<out>/db/schema.ts` with a copy of every migration in `<out>/db/migrations/`; a schema
 * change since the newest snapshot in `<project>/migrations/` adds the next migration and
 * its snapshot there (spec/database.md); and, when the project declares an action, a workflow
 * or an entity, `<out>/sdk/index.ts`, its names as TypeScript types for host code (spec/sdk.md).
 * A change that would destroy data (a table or column dropped, a type narrowed) fails the
 * build with the list, unless `--allow-destructive`.
 *
 * Any error — in the files, or one only the bundle can see (two declarations of a kind
 * with one name in two modules) — is printed as `check` prints it, exit 1, and nothing is
 * written. So is a plan change that moves a static tenant to another isolation model
 * (its data must move), unless `--allow-isolation-change` says the move is planned. On
 * success every file is written to a temporary first and renamed into place only when
 * all are written (`emit/terraform/write.ts`); nothing else in `<out>` is touched. A
 * summary (counts, hash, and what changed since the previous build in `<out>`) goes to
 * stderr, or with `--format json` an object to stdout. Exit 2 for a project that is not a
 * directory, and for an output that cannot be written.
 *
 * The project's committed `paybill-placements.json` records each static tenant's placement
 * (written with every build that has Terraform); the isolation guard compares with it, so
 * it holds on a fresh checkout without `out/`. `--release N` and `--sign KEY` stamp and
 * sign the bundle (build-release.ts); `--check` writes nothing and says what would change
 * (build-check.ts). `<out>/build-record.json` (project/build-record.ts) lets a build reuse
 * the stacks, schema and SDK an earlier build made from the same input; the JSON summary
 * lists them in `reused`.
 */
import { readFile, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { compareDiagnostics, type Diagnostic, diagnostic, diagnosticToJson, type Model, type SourceFile, type Span } from "@paybill/lang";
import type { Bundle } from "@paybill/runtime";
import { bundleCounts, bundleText } from "../emit/bundle/index.js";
import { buildDatabase, type DbBuild } from "../emit/db/build-db.js";
import { hasSdk, SDK_FILE } from "../emit/sdk/file.js";
import { changesBetween, describeChanges } from "../emit/terraform/changes.js";
import { type Manifest, manifestText, parseManifest } from "../emit/terraform/manifest.js";
import { PLACEMENTS_FILE, type Placements, parsePlacements, placementsOf, placementsText } from "../emit/terraform/placements.js";
import { emitTerraformReusing } from "../emit/terraform/reuse.js";
import { BuildRecord, inputHash, RECORD_FILE } from "../project/build-record.js";
import { type OutputFile, writeBuild } from "../project/write-build.js";
import type { Io } from "../io.js";
import { displayPath, type OutputFormat, printFrames, printJson } from "../output/report.js";
import { describeFsError } from "../project/fs-errors.js";
import { type PendingWrite, pendingChanges, reportCheck } from "./build-check.js";
import { isProblem, parseRelease, readSigningKey, stampBundle } from "./build-release.js";
import { compileProject } from "./compile-project.js";

export interface BuildOptions {
  /** The output directory, relative to the working directory; default `<project>/out`. */
  readonly out?: string;
  readonly format: OutputFormat;
  /** Build even when a static tenant moves to another isolation model. */
  readonly allowIsolationChange?: boolean;
  /** Build even when the schema change drops tables or columns or narrows a type. */
  readonly allowDestructive?: boolean;
  /** The bundle's release number, as given (`--release`). */
  readonly release?: string;
  /** The file of the ed25519 private key that signs the bundle (`--sign`). */
  readonly sign?: string;
  /** Write nothing; exit 1 when a build would change a file (`--check`). */
  readonly check?: boolean;
}

const MANIFEST = "terraform/manifest.json";

export const DEFAULT_OUT = "out";

export async function build(project: string, options: BuildOptions, io: Io): Promise<number> {
  const dir = resolve(io.cwd, project);
  const kind = await stat(dir).then(
    (s) => (s.isDirectory() ? "directory" : "file"),
    () => "missing",
  );
  if (kind !== "directory") {
    io.err(kind === "missing" ? `paybillc: no such directory: ${project}\n` : `paybillc: \`${project}\` is not a directory: build takes the project's directory\n`);
    return 2;
  }
  const release = options.release === undefined ? undefined : parseRelease(options.release);
  if (isProblem(release)) return usageProblem(release, options.format, io);
  const key = options.sign === undefined ? undefined : await readSigningKey(options.sign, io);
  if (isProblem(key)) return usageProblem(key, options.format, io);
  const compiled = await compileProject([project], options.format, io, "; nothing written");
  if (!compiled.ok) return compiled.status;
  const { diagnostics } = compiled;
  const bundle = stampBundle(compiled.bundle, release, key);
  const out = options.out === undefined ? join(dir, DEFAULT_OUT) : resolve(io.cwd, options.out);
  const shown = displayPath(io.cwd, join(out, "bundle.json"));
  const record = await BuildRecord.open(out);
  const terraform = await emitTerraformReusing(compiled.model, pieceCache(record));
  const previous = await readFile(join(out, MANIFEST), "utf8").then(parseManifest, () => undefined);
  const placementsPath = join(dir, PLACEMENTS_FILE);
  const recorded = await readPlacements(placementsPath);
  if (recorded !== undefined && !recorded.ok) {
    const message = `the placements record ${displayPath(io.cwd, placementsPath)} cannot be read: ${recorded.problem}`;
    const help = "restore it from version control (`paybillc build` writes it; commit it with the project)";
    if (options.format === "json") printJson({ diagnostics: diagnostics.map(diagnosticToJson), error: { code: "PB9008", message, help } }, io);
    else io.err(`error[PB9008]: ${message}\n  = help: ${help}; nothing written\n`);
    return 1;
  }
  const files: OutputFile[] = [{ path: "bundle.json", text: bundleText(bundle) }];
  const stale = previousFiles(previous).filter((path) => terraform === undefined || !terraform.stacks.some((s) => `terraform/${s.spec.name}/cdk.tf.json` === path));
  const changes = terraform === undefined ? undefined : changesBetween(previous, terraform.manifest, recorded?.placements.tenants);
  const placements = terraform === undefined ? undefined : placementsText(placementsOf(terraform.manifest));
  if (terraform !== undefined && changes !== undefined) {
    if (changes.isolationMoves.length > 0 && options.allowIsolationChange !== true) {
      const help = "plan the data move, then build again with `--allow-isolation-change`; nothing written";
      const moves: Diagnostic[] = [];
      for (const move of changes.isolationMoves) {
        const message = `tenant \`${move.tenant}\` would move from ${move.from} to ${move.to} isolation (stack \`${move.fromStack}\` → \`${move.toStack}\`)`;
        const at = tenantDeclaration(compiled.model, move.tenant);
        // Only static tenants are in a manifest, so there is a declaration; if not, still refuse.
        if (at === undefined) io.err(`error[PB9004]: ${message}\n  = help: ${help}\n`);
        else moves.push(diagnostic("isolationMove", at.file, at.span, message, help));
      }
      const all = [...diagnostics, ...moves].sort(compareDiagnostics);
      if (options.format === "json") printJson({ diagnostics: all.map(diagnosticToJson) }, io);
      else printFrames(all, io);
      return 1;
    }
    for (const { spec, text } of terraform.stacks) files.push({ path: `terraform/${spec.name}/cdk.tf.json`, text });
    files.push({ path: MANIFEST, text: manifestText(terraform.manifest) });
  } else if (previous !== undefined) {
    stale.push(MANIFEST);
  }
  const schemaCache = pieceCache(record);
  const db = await buildDatabase(dir, out, bundle, compiled.model, options.allowDestructive === true, {
    lookup: (input) => schemaCache.lookup("db/schema.ts", input),
    store: (input, text) => schemaCache.store("db/schema.ts", text, input),
  });
  if (db !== undefined && !db.ok) return refuseDatabase(db, diagnostics, options.format, io, displayPath(io.cwd, join(dir, "migrations")));
  if (db !== undefined) {
    files.push(...db.out);
    stale.push(...db.stale);
  }
  const sdk = await sdkOf(bundle, record);
  if (sdk !== undefined) files.push(sdk);
  else stale.push(SDK_FILE);
  const sdkShown = sdk === undefined ? undefined : displayPath(io.cwd, join(out, SDK_FILE));
  const migrationsDir = join(dir, "migrations");
  if (options.check === true) {
    const outExists = await stat(out).then((s) => s.isDirectory(), () => false);
    const writes: PendingWrite[] = [
      ...(outExists ? [...files.map((f) => ({ path: join(out, f.path), text: f.text })), ...stale.map((path) => ({ path: join(out, path), text: undefined }))] : []),
      ...(db?.added ?? []).map((f) => ({ path: join(migrationsDir, f.path), text: f.text })),
      ...(placements === undefined ? [] : [{ path: placementsPath, text: placements }]),
    ];
    printFrames(options.format === "json" ? [] : diagnostics, io);
    const pending = await pendingChanges(writes);
    return reportCheck(pending, writes.length, { shown: displayPath(io.cwd, out), exists: outExists }, options.format, io, { hash: bundle.hash, diagnostics: diagnostics.map(diagnosticToJson) });
  }
  const placementsBefore = await readFile(placementsPath, "utf8").catch(() => undefined);
  try {
    // The placements record first, with the new migration: if the output cannot be written, both are taken back.
    if (placements !== undefined && placements !== placementsBefore) await writeBuild(dir, [{ path: PLACEMENTS_FILE, text: placements }], []);
    // The project's new migration first: if the output cannot be written, it is taken back.
    if (db !== undefined && db.added.length > 0) await writeBuild(migrationsDir, db.added, []);
  } catch (error) {
    await restorePlacements(dir, placementsBefore);
    io.err(`paybillc: cannot write ${displayPath(io.cwd, migrationsDir)}: ${describeFsError(error)}\n`);
    return 2;
  }
  try {
    // Reused files are on disk as they are; the record is written with the build.
    const written = files.filter((f) => !record.isReused(f.path));
    if (!record.empty) written.push(record.file());
    else if (record.existed) stale.push(RECORD_FILE);
    await writeBuild(out, written, stale);
  } catch (error) {
    if (db !== undefined) for (const file of db.added) await rm(join(migrationsDir, file.path), { force: true });
    await restorePlacements(dir, placementsBefore);
    io.err(`paybillc: cannot write ${shown}: ${describeFsError(error)}\n`);
    return 2;
  }
  const dbSummary = db === undefined ? undefined : describeDatabase(db, io.cwd, dir, out);
  const counts = bundleCounts(bundle);
  if (options.format === "json") {
    printJson(
      {
        bundle: shown,
        hash: bundle.hash,
        ...(bundle.release === undefined ? {} : { release: bundle.release }),
        ...(bundle.signature === undefined ? {} : { signedBy: bundle.signature.key }),
        counts,
        ...(terraform === undefined || changes === undefined
          ? {}
          : { terraform: { manifest: displayPath(io.cwd, join(out, MANIFEST)), stacks: terraform.stacks.map((s) => s.spec.name), changes } }),
        ...(dbSummary === undefined ? {} : { db: dbSummary.json }),
        ...(sdkShown === undefined ? {} : { sdk: sdkShown }),
        reused: record.reused,
        diagnostics: diagnostics.map(diagnosticToJson),
      },
      io,
    );
  } else {
    printFrames(diagnostics, io);
    const parts = Object.entries(counts).map(([word, n]) => `${n} ${n === 1 ? singular(word) : word}`);
    const stamp = [...(bundle.release === undefined ? [] : [`release ${bundle.release}`]), ...(bundle.signature === undefined ? [] : [`signed by ${bundle.signature.key}`])];
    io.err(`built ${shown}: ${parts.join(", ")} (${[bundle.hash, ...stamp].join(", ")})\n`);
    if (terraform !== undefined && changes !== undefined) for (const line of describeChanges(changes, terraform.stacks.length)) io.err(`${line}\n`);
    if (dbSummary !== undefined) io.err(`${dbSummary.line}\n`);
    if (sdkShown !== undefined) io.err(`sdk: ${sdkShown}\n`);
  }
  return 0;
}

/**
 * One file per piece of output, looked up in (and recorded to) the build record by what it
 * is made from; the lookup remembers the input's hash for the store that follows a miss.
 */
function pieceCache(record: BuildRecord): { lookup(path: string, input: unknown): Promise<string | undefined>; store(path: string, text: string, input?: unknown): Promise<void> } {
  const inputs = new Map<string, string>();
  return {
    async lookup(path, input) {
      const hash = await inputHash(path, input);
      inputs.set(path, hash);
      return (await record.reuse(path, hash))?.[0]?.text;
    },
    async store(path, text, input) {
      const hash = input === undefined ? inputs.get(path) : await inputHash(path, input);
      if (hash !== undefined) record.remember(path, hash, [{ path, text }]);
    },
  };
}

/** `sdk/index.ts`, reused when the bundle's content is what it was made from; ts-morph is loaded only to make it. */
async function sdkOf(bundle: Bundle, record: BuildRecord): Promise<OutputFile | undefined> {
  if (!hasSdk(bundle)) return undefined;
  const cache = pieceCache(record);
  // The content hash covers every member but the hash and the signature.
  const input = { hash: bundle.hash, signature: bundle.signature ?? null };
  const reused = await cache.lookup(SDK_FILE, input);
  if (reused !== undefined) return { path: SDK_FILE, text: reused };
  const { sdkTs } = await import("../emit/sdk/sdk-ts.js");
  const text = sdkTs(bundle);
  await cache.store(SDK_FILE, text);
  return { path: SDK_FILE, text };
}

/** The committed placements record; undefined when there is none. */
async function readPlacements(path: string): Promise<{ ok: true; placements: Placements } | { ok: false; problem: string } | undefined> {
  const text = await readFile(path, "utf8").catch((error: unknown) => (typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT" ? undefined : error));
  if (text === undefined) return undefined;
  if (typeof text !== "string") return { ok: false, problem: describeFsError(text) };
  return parsePlacements(text);
}

/** Puts the placements record back as it was before a build that could not be written. */
async function restorePlacements(dir: string, before: string | undefined): Promise<void> {
  if (before === undefined) await rm(join(dir, PLACEMENTS_FILE), { force: true });
  else await writeBuild(dir, [{ path: PLACEMENTS_FILE, text: before }], []).catch(() => undefined);
}

/** `--release` or `--sign` cannot be used: exit 2, nothing compiled or written. */
function usageProblem(problem: { code: string; message: string; help: string }, format: OutputFormat, io: Io): number {
  if (format === "json") printJson({ diagnostics: [], error: { code: problem.code, message: problem.message, help: problem.help } }, io);
  else io.err(`error[${problem.code}]: ${problem.message}\n  = help: ${problem.help}; nothing written\n`);
  return 2;
}

/**
 * The stack files a previous build wrote, relative to the output directory. Only names of
 * the shape we write are believed: an edited manifest cannot make the build delete a file
 * anywhere else.
 */
function previousFiles(previous: Manifest | undefined): string[] {
  if (previous === undefined) return [];
  return Object.values(previous.stacks).flatMap((s) => (typeof s.file === "string" && /^[A-Za-z0-9_][A-Za-z0-9_.-]*\/cdk\.tf\.json$/.test(s.file) ? [`terraform/${s.file}`] : []));
}

function singular(word: string): string {
  return word === "entities" ? "entity" : word === "policies" ? "policy" : word.slice(0, -1);
}

/** Where a static tenant is declared (its name), for a diagnostic about it. */
function tenantDeclaration(model: Model, name: string): { file: SourceFile; span: Span } | undefined {
  for (const unit of model.units) {
    for (const decl of unit.ast.declarations) {
      if (decl.kind === "Tenant" && decl.name.name === name) return { file: unit.source, span: decl.name.span };
    }
  }
  return undefined;
}

/** A schema change the build will not make, or a migrations folder it cannot read: exit 1, nothing written. */
function refuseDatabase(db: Exclude<DbBuild, { ok: true }>, diagnostics: readonly Diagnostic[], format: OutputFormat, io: Io, folder: string): number {
  if (db.kind === "diagnostics") {
    const all = [...diagnostics, ...db.diagnostics].sort(compareDiagnostics);
    if (format === "json") printJson({ diagnostics: all.map(diagnosticToJson) }, io);
    else printFrames(all, io);
    return 1;
  }
  if (db.kind === "folder") {
    if (format === "json") printJson({ diagnostics: diagnostics.map(diagnosticToJson), db: { error: { code: "PB9103", message: db.problem, help: db.help } } }, io);
    else io.err(`error[PB9103]: ${db.problem}\n  = help: ${db.help}; nothing written\n`);
    return 1;
  }
  const help = "keep the data (add the field or entity back, or declare a rename with `@renamed(from: \"old\")`), or build with `--allow-destructive` if the loss is intended; nothing written";
  if (format === "json") {
    printJson({ diagnostics: diagnostics.map(diagnosticToJson), db: { error: { code: "PB9101", message: "the schema change would destroy data", losses: db.losses, help } } }, io);
  } else {
    printFrames(diagnostics, io);
    io.err(`error[PB9101]: the schema change since the newest migration in ${folder} would destroy data:\n`);
    for (const loss of db.losses) io.err(`  - ${loss.text}\n`);
    io.err(`  = help: ${help}\n`);
  }
  return 1;
}

function describeDatabase(db: Extract<DbBuild, { ok: true }>, cwd: string, project: string, out: string): { line: string; json: Record<string, unknown> } {
  const schema = displayPath(cwd, join(out, "db/schema.ts"));
  const tables = `${db.tables} ${db.tables === 1 ? "table" : "tables"}`;
  if (db.plan.kind !== "new") {
    return { line: `db: ${schema}, ${tables}; no schema change since the newest migration`, json: { schema, tables: db.tables, migration: null } };
  }
  const migration = displayPath(cwd, join(project, "migrations", `${db.plan.id}.sql`));
  const notes = [
    ...(db.plan.renames.length > 0 ? [`${db.plan.renames.length} renamed`] : []),
    ...(db.plan.losses.length > 0 ? [`${db.plan.losses.length} destructive, allowed`] : []),
  ];
  return {
    line: `db: ${schema}, ${tables}; new migration ${migration}${notes.length > 0 ? ` (${notes.join(", ")})` : ""} — commit it`,
    json: { schema, tables: db.tables, migration, renames: db.plan.renames, losses: db.plan.losses },
  };
}
