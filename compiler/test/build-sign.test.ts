/**
 * Signed, released bundles through the real binary (spec/bundle.md#signature, #releases):
 * `paybillc keygen` makes a pair and never overwrites one (PB9009); `build --release N
 * --sign KEY` stamps and signs, byte-identically on every build; a bad release (PB9006) or
 * key (PB9006) stops it before anything is written; and the commands that open a runtime
 * refuse an unsigned or foreign bundle under PAYBILL_TRUSTED_KEYS and an older release
 * than the database last ran unless PAYBILL_ALLOW_ROLLBACK=1 — on the PGlite data directory
 * always, and on PostgreSQL (a fresh database) when PAYBILL_TEST_DATABASE_URL is set.
 * Each test runs the binary many times: generous time limits, for a loaded machine. Runs
 * a test is not about (the builds before a runtime is opened, a repeated refusal) are made
 * in process (support/in-process.ts).
 */
import { existsSync } from "node:fs";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BundleError, loadBundle } from "@paybill/runtime";
import { afterAll, describe, expect, it } from "vitest";
import { postgresForRuntime, type TestDatabase } from "./db-support.js";
import { HELPDESK } from "./support/bundle.js";
import { paybillc, project, STACK_LINE } from "./support/cli.js";
import { paybillcHere } from "./support/in-process.js";

async function helpdeskCopy(): Promise<string> {
  const dir = await project();
  const skip = ["out", ".paybill", "agent"].map((name) => join(HELPDESK, name));
  await cp(HELPDESK, dir, { recursive: true, filter: (src) => !skip.some((path) => src === path || src.startsWith(`${path}/`)) });
  return dir;
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BundleError) return error.code;
    throw error;
  }
  return "ok";
}

describe("paybillc keygen", () => {
  it("writes a private and a public key, prints the key's id, and never overwrites (PB9009)", async () => {
    const dir = await project();
    const made = await paybillc(["keygen", "release"], dir);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const privateKey = await readFile(join(dir, "release.key"), "utf8");
    expect(privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(await readFile(join(dir, "release.pub"), "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const again = await paybillc(["keygen", "release"], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe("error[PB9009]: release.key already exists\n  = help: a key is never overwritten: choose another name, or move the old key away if you mean to replace it\n");
    expect(await readFile(join(dir, "release.key"), "utf8")).toBe(privateKey);
  }, 120_000);
});

describe("paybillc build --release --sign", () => {
  it("stamps and signs the bundle, byte-identically on every build, verifiable with the public key only", async () => {
    const dir = await helpdeskCopy();
    const id = (await paybillc(["keygen", "ours"], dir)).stdout.trim();
    expect((await paybillc(["keygen", "theirs"], dir)).code).toBe(0);
    const first = await paybillc(["build", "--release", "7", "--sign", "ours.key"], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(new RegExp(`\\(sha256:[0-9a-f]{64}, release 7, signed by ${id}\\)\n`));
    const text = await readFile(join(dir, "out/bundle.json"), "utf8");
    // Built again (as JSON output this time): the same bytes.
    const json = await paybillc(["build", "--release", "7", "--sign", "ours.key", "--format", "json"], dir);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ release: 7, signedBy: id });
    expect(await readFile(join(dir, "out/bundle.json"), "utf8")).toBe(text);
    const bundle = JSON.parse(text) as { release: number; signature: { key: string } };
    expect([bundle.release, bundle.signature.key]).toEqual([7, id]);
    const ours = await readFile(join(dir, "ours.pub"), "utf8");
    const theirs = await readFile(join(dir, "theirs.pub"), "utf8");
    expect(refusal(() => loadBundle(text, { trustedKeys: [ours] }))).toBe("ok");
    expect(refusal(() => loadBundle(text, { trustedKeys: [theirs] }))).toBe("PBR009");
    // One byte of the signed content changed (the release): refused even with the hash fixed up.
    expect(refusal(() => loadBundle(text.replace('"release": 7', '"release": 8'), { trustedKeys: [ours] }))).toBe("PBR005");
  }, 300_000);

  it("refuses a release that is not a whole number from 1 (PB9006) and a key it cannot sign with (PB9005), writing nothing", async () => {
    const dir = await helpdeskCopy();
    expect((await paybillc(["keygen", "k"], dir)).code).toBe(0);
    // The first through the binary (its exit status), the others in process.
    for (const [i, release] of ["0", "-1", "1.5", "v2", "9007199254740992"].entries()) {
      const run = await (i === 0 ? paybillc : paybillcHere)(["build", "--release", release], dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^error\\[PB9006\\]: \`--release ${release.replace(".", "\\.")}\` is not a release number\n  = help: .*; nothing written\n$`));
    }
    const pub = await paybillc(["build", "--sign", "k.pub"], dir);
    expect(pub.code).toBe(2);
    expect(pub.stderr).toMatch(/^error\[PB9005\]: the signing key k\.pub is not a PEM private key\n {2}= help: `--sign` takes the file of an ed25519 private key; make one with `paybillc keygen <name>`/);
    const missing = await paybillcHere(["build", "--sign", "nope.key"], dir);
    expect(missing.stderr).toMatch(/^error\[PB9005\]: cannot read the signing key nope\.key: /);
    expect(existsSync(join(dir, "out"))).toBe(false);
  }, 300_000);
});

describe("runtimes opened by paybillc: trusted keys and releases", () => {
  let postgres: (TestDatabase & { readonly login: string }) | undefined;
  afterAll(async () => {
    await postgres?.drop();
  });

  const targets = async (): Promise<[string, string[]][]> => {
    postgres ??= await postgresForRuntime();
    return [["pglite", []], ...(postgres === undefined ? [] : [["postgres", ["--database", postgres.login]] as [string, string[]]])];
  };

  it("refuses an unsigned or foreign bundle under PAYBILL_TRUSTED_KEYS (PBR008, PBR009), and an older release (PBR010) unless PAYBILL_ALLOW_ROLLBACK=1", async () => {
    // The four bundles, built once (in process: the builds are not what is tested here) and
    // kept; each backend's runtime is then opened on each in turn. The PGlite data directory
    // is the project's own (.paybill/db); PostgreSQL is named with --database.
    const dir = await helpdeskCopy();
    expect((await paybillcHere(["keygen", "ours"], dir)).code).toBe(0);
    expect((await paybillcHere(["keygen", "theirs"], dir)).code).toBe(0);
    const bundles: Record<string, string> = {};
    for (const [name, args] of Object.entries({
      unsigned: ["--release", "5"],
      theirs: ["--release", "5", "--sign", "theirs.key"],
      ours: ["--release", "5", "--sign", "ours.key"],
      older: ["--release", "4", "--sign", "ours.key"],
    })) {
      const built = await paybillcHere(["build", ...args], dir);
      expect(built.code, built.stderr).toBe(0);
      bundles[name] = await readFile(join(dir, "out/bundle.json"), "utf8");
    }
    const use = async (name: string) => writeFile(join(dir, "out/bundle.json"), bundles[name] ?? "");

    for (const [name, database] of await targets()) {
      const list = async (env: Record<string, string> = {}) => {
        const run = await paybillc(["tenants", "list", ...database], dir, env);
        expect(run.stderr, name).not.toMatch(STACK_LINE);
        return run;
      };
      const trust = { PAYBILL_TRUSTED_KEYS: "ours.pub" };

      await use("unsigned");
      const unsigned = await list(trust);
      expect([unsigned.code, unsigned.stderr.split("\n")[0]], name).toEqual([2, "error[PBR008]: the bundle is not signed, and this runtime only runs bundles signed by a trusted key at `$`"]);
      await use("theirs");
      expect((await list(trust)).stderr, name).toMatch(/^error\[PBR009\]: the bundle is signed by key `sha256:[0-9a-f]{64}`, which is not one of the 1 trusted key/);
      expect((await list({ PAYBILL_TRUSTED_KEYS: "missing.pub" })).stderr, name).toMatch(/^error\[PBR011\]: cannot read the trusted key `missing\.pub`/);

      await use("ours");
      expect((await list(trust)).code, name).toBe(0);
      await use("older");
      const older = await list(trust);
      expect(older.code, name).toBe(2);
      expect(older.stderr, name).toMatch(/^error\[PBR010\]: this bundle is release 4, older than release 5 \(`sha256:[0-9a-f]{64}`\), the last one this database ran at `\$\.release`\n {2}= help: .*PAYBILL_ALLOW_ROLLBACK=1/);
      expect((await list({ ...trust, PAYBILL_ALLOW_ROLLBACK: "1" })).code, name).toBe(0);
      expect((await list(trust)).code, name).toBe(0); // release 4 is now the last one run
    }
  }, 600_000);
});
