/**
 * PB9010 (spec/diagnostics.md): the cloud resource names a project's stacks would create,
 * checked before anything is written (`paybillc check`, and every command that compiles).
 * The derivation (`cloudNames`, names.ts) makes every tenant's and cell's names valid and
 * apart by construction; what is left to refuse is a name prefix (a cloud's `name_prefix`,
 * or the package it defaults to) that a provider does not accept at the start of a name
 * (`sthree-` on S3, `goog` on Cloud Storage), two owners whose names still meet (a hash
 * collision, reported rather than left to `terraform apply`), and two static tenants whose
 * names differ only in case, whose stacks' directories would be one on a case-insensitive
 * file system.
 */
// The naming derivation alone (no database drivers): `check` loads it.
import * as cloudNames from "@paybill/runtime/cloud-names";
import { type Diagnostic, diagnostic, type Model, type SourceFile, type Span } from "@paybill/lang";
import { readInfra } from "./infra.js";
import { layout, type StackSpec } from "./layout.js";

const { cellOwner, nameProblem, ownerNames, platformOwner, ruleOf, tenantOwner } = cloudNames;

interface Owner {
  readonly label: string;
  readonly owner: string;
  readonly at: At | undefined;
}

export function cloudNameDiagnostics(model: Model): Diagnostic[] {
  const infra = readInfra(model);
  if (infra.clouds.size === 0) return [];
  const out: Diagnostic[] = [];
  const stacks = layout(infra);
  const declared = declarations(model);
  const taken = new Map<string, string>(); // `<provider> <name>` → the owner's label
  const badClouds = new Set<string>();
  const reported = new Set<string>();
  for (const spec of stacks) {
    for (const o of ownersOf(declared, spec)) {
      const provider = spec.cloud.provider;
      const prefix = spec.cloud.settings.name_prefix;
      const names = ownerNames(provider, prefix, o.owner);
      const problems = Object.entries(names).flatMap(([what, name]) => {
        const problem = nameProblem(provider, what, name);
        return problem === undefined ? [] : [`${ruleOf(provider, what).resource}: ${problem}`];
      });
      if (problems.length > 0 && !badClouds.has(spec.cloud.name)) {
        badClouds.add(spec.cloud.name);
        const at = o.at ?? declared.clouds.get(spec.cloud.name);
        if (at !== undefined) {
          out.push(
            diagnostic(
              "cloudResourceNames",
              at.file,
              at.span,
              `${o.label} would get a name ${provider} does not accept: ${problems[0]}`,
              `the names start with the prefix \`${prefix}\`: set another in the cloud, \`defaults { name_prefix = "…" }\` (lowercase letters and digits joined by single hyphens, at most 20 characters)`,
            ),
          );
        }
      }
      for (const [what, name] of Object.entries(names)) {
        const key = `${provider} ${what} ${name}`;
        const before = taken.get(key);
        if (before === undefined) taken.set(key, o.label);
        else if (before !== o.label && !reported.has(o.label) && o.at !== undefined) {
          reported.add(o.label);
          out.push(diagnostic("cloudResourceNames", o.at.file, o.at.span, `${o.label} would get the ${what} name \`${name}\` on ${provider}, which ${before} has`, "rename one of them"));
        }
      }
    }
  }
  const dirs = new Map<string, string>();
  for (const spec of stacks) {
    const folded = spec.name.toLowerCase();
    const before = dirs.get(folded);
    dirs.set(folded, spec.name);
    if (before === undefined || spec.mode !== "tenant") continue;
    const tenant = spec.tenants[0]?.name ?? "";
    const at = declared.tenants.get(tenant);
    if (at !== undefined) {
      out.push(
        diagnostic(
          "cloudResourceNames",
          at.file,
          at.span,
          `tenant \`${tenant}\`'s stack \`${spec.name}\` differs from stack \`${before}\` only in case: one directory on a case-insensitive file system`,
          "rename one of the tenants",
        ),
      );
    }
  }
  return out;
}

type At = { readonly file: SourceFile; readonly span: Span };

function ownersOf(declared: Declarations, spec: StackSpec): Owner[] {
  const tenants = spec.tenants.map((t): Owner => ({ label: `tenant \`${t.name}\``, owner: tenantOwner(t.name), at: declared.tenants.get(t.name) }));
  if (spec.mode === "tenant") return tenants;
  if (spec.mode === "dynamic") return [];
  const cell = cellOwner(spec.cloud.name, spec.isolation.name, spec.region);
  const label = `the ${spec.isolation.name} cell of cloud \`${spec.cloud.name}\` in \`${spec.region}\``;
  const at = declared.clouds.get(spec.cloud.name);
  return [{ label, owner: cell, at }, { label, owner: platformOwner(cell), at }, ...tenants];
}

interface Declarations {
  readonly tenants: ReadonlyMap<string, At>;
  readonly clouds: ReadonlyMap<string, At>;
}

/** Where each tenant and cloud is declared (its name), for the diagnostics' locations. */
function declarations(model: Model): Declarations {
  const tenants = new Map<string, At>();
  const clouds = new Map<string, At>();
  for (const unit of model.units) {
    for (const decl of unit.ast.declarations) {
      if (decl.kind === "Tenant") tenants.set(decl.name.name, { file: unit.source, span: decl.name.span });
      else if (decl.kind === "Cloud") clouds.set((decl.name ?? decl.provider).name, { file: unit.source, span: (decl.name ?? decl.provider).span });
    }
  }
  return { tenants, clouds };
}
