/**
 * PB9010: the cloud resource names a project's stacks would get, checked by `paybillc check`
 * and before a build writes anything: a name prefix a provider refuses at the start of a
 * name, two owners whose names meet (a hash collision), two static tenants whose stacks
 * differ only in case. Names the derivation tells apart (`a_b`, `a__b`) pass.
 */
import { readdir } from "node:fs/promises";
import { checkProject, hasErrors, SourceFile } from "@paybill/lang";
import { describe, expect, it } from "vitest";
import { cloudNameDiagnostics } from "../src/emit/terraform/name-check.js";
import { paybillc, project } from "./support/cli.js";
import { cloudProject } from "./support/terraform.js";

/** Two ids whose hashed owners meet: the same first 20 characters, the same 8 hex digits of SHA-256 (found by search). */
export const COLLIDING = ["aaaaaaaaaaaaaaaaaaaa_mla", "aaaaaaaaaaaaaaaaaaaa_1m4r"] as const;

function diagnose(files: Record<string, string>) {
  const checked = checkProject(Object.entries(files).map(([name, text]) => new SourceFile(name, text)));
  if (hasErrors(checked.diagnostics) || checked.model === undefined) throw new Error(checked.diagnostics.map((d) => d.message).join("\n"));
  return cloudNameDiagnostics(checked.model).map((d) => ({ code: d.code, file: d.file.name, line: d.file.position(d.span.start).line, message: d.message, help: d.help }));
}

describe("PB9010", () => {
  it("passes tenants a plain slug would merge, and cells of two clouds of one provider", () => {
    expect(diagnose(cloudProject("aws", [{ name: "a_b", plan: "business" }, { name: "a__b", plan: "business" }, { name: "a_b_", plan: "enterprise" }]))).toEqual([]);
    for (const provider of ["azure", "gcp", "oci", "ibm"] as const) expect(diagnose(cloudProject(provider, [{ name: `t${"_x".repeat(40)}`, plan: "enterprise" }]))).toEqual([]);
  });

  it("refuses a name prefix the provider does not accept, at the cloud", () => {
    const found = diagnose(cloudProject("aws", [], '  defaults { name_prefix = "sthree" }\n'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ code: "PB9010", file: "infra.paybill", line: 3 });
    // The example in spec/diagnostics.md.
    expect(found[0]?.message).toBe(
      "the bridge cell of cloud `main` in `eu-west-1` would get a name aws does not accept: S3 bucket: `sthree-cell-main-bridge-eu-west-1-data`: an S3 bucket name may not start with `xn--`, `sthree-` or `amzn-s3-demo-`",
    );
    expect(found[0]?.help).toContain("name_prefix");
    expect(diagnose(cloudProject("gcp", [], '  defaults { name_prefix = "goog" }\n')).map((d) => d.message)).toEqual([expect.stringContaining("may not start with `goog` or contain `google`")]);
    // A package named so is cleaned into a prefix Cloud Storage takes (`g-gle`).
    const gcp = cloudProject("gcp", []);
    gcp["infra.paybill"] = (gcp["infra.paybill"] ?? "").replace("package acme", "package google");
    gcp["tenants.paybill"] = "package google\n";
    expect(diagnose(gcp)).toEqual([]);
  });

  it("leaves the checker to refuse a prefix that is not clean (PB3006), so every name starts clean", () => {
    for (const prefix of ["a--b", "hd-", "Hd", "abcdefghij-klmnopqrst"]) {
      const files = cloudProject("aws", [], `  defaults { name_prefix = "${prefix}" }\n`);
      const codes = checkProject(Object.entries(files).map(([name, text]) => new SourceFile(name, text))).diagnostics.map((d) => d.code);
      expect(codes, prefix).toEqual(["PB3006"]);
    }
    expect(diagnose(cloudProject("aws", [], '  defaults { name_prefix = "abcdefghij-klmnopqrs" }\n'))).toEqual([]);
  });

  it("refuses two tenants whose names meet, at the one that sorts after the other", () => {
    const found = diagnose(cloudProject("aws", COLLIDING.map((name) => ({ name, plan: "business" as const }))));
    expect(found).toEqual([
      expect.objectContaining({ code: "PB9010", file: "tenants.paybill", line: 2, message: "tenant `aaaaaaaaaaaaaaaaaaaa_mla` would get the key name `acme-aaaaaaaaaaaaaaaaaaaa-f94bd3b0-key` on aws, which tenant `aaaaaaaaaaaaaaaaaaaa_1m4r` has" }),
    ]);
  });

  it("refuses two silo tenants whose stacks differ only in case", () => {
    const found = diagnose(cloudProject("aws", [{ name: "Acme", plan: "enterprise" }, { name: "acme", plan: "enterprise" }]));
    expect(found).toEqual([expect.objectContaining({ code: "PB9010", message: "tenant `acme`'s stack `main-silo-tenant-acme` differs from stack `main-silo-tenant-Acme` only in case: one directory on a case-insensitive file system" })]);
  });

  it("is reported by `paybillc check` with its location and help, and a build writes nothing", async () => {
    const dir = await project(cloudProject("aws", COLLIDING.map((name) => ({ name, plan: "enterprise" as const }))));
    const check = await paybillc(["check"], dir);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("error[PB9010]: tenant `aaaaaaaaaaaaaaaaaaaa_mla` would get the key name");
    expect(check.stderr).toContain("--> tenants.paybill:2:8");
    expect(check.stderr).toContain("= help: rename one of them");
    const build = await paybillc(["build", "--out", "out"], dir);
    expect(build.code).toBe(1);
    expect(build.stderr).toContain("error[PB9010]");
    expect(await readdir(dir)).not.toContain("out");
  }, 60_000);
});
