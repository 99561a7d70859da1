/**
 * Loading a bundle: the one way into the runtime. `loadBundle` takes the text of
 * `bundle.json` (or a value already parsed) and returns it deep-frozen, or throws a
 * `BundleError` with a stable code, the JSON path at fault when there is one, and a help
 * line. Checked in this order, so the first error is the most telling one:
 *
 * | code   | refused because                                                          |
 * |--------|--------------------------------------------------------------------------|
 * | PBR001 | the text is not JSON                                                     |
 * | PBR002 | it is not a Paybill bundle (`format` is not `paybill-bundle`)            |
 * | PBR003 | its `version` is not one this runtime reads                              |
 * | PBR004 | its structure is not the format's (spec/bundle.schema.json)              |
 * | PBR005 | its `hash` does not match its content                                    |
 * | PBR006 | a name in it names nothing (an action's entity, a rule's agent, a state) |
 * | PBR007 | the file cannot be read (`readBundle`)                                   |
 * | PBR008 | trusted keys are given and the bundle is not signed (signature.ts)       |
 * | PBR009 | its signature is not a trusted key's, or does not verify                 |
 * | PBR011 | a trusted key is not an ed25519 public key (checked first of all)        |
 *
 * (PBR010 and PBR012, a release older than the database's last or reused with other
 * content, are checked when a runtime opens: release.ts.)
 *
 * Nothing is half-loaded: the caller's value is never changed, and a bundle is returned
 * only when every check passed.
 */
import { totalProblem } from "../quota/totals.js";
import { readFile } from "node:fs/promises";
import { bundleHash } from "./canonical.js";
import { type ActionSelector, BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, BUNDLE_FORMAT_VERSIONS, type Bundle, type FieldSchema, type RowFilter } from "./format.js";
import { BundleError } from "./error.js";
import { checkSignature, type TrustedKey, trustedKeyMap } from "./signature.js";
import { member, structureProblem } from "./validate.js";

export { BundleError, type BundleErrorCode } from "./error.js";

const REBUILD = "build it again with `paybillc build`, and load the file it writes unchanged";

export interface LoadOptions {
  /** When given (even empty), the bundle must be signed by one of these ed25519 public keys. */
  readonly trustedKeys?: readonly TrustedKey[];
}

/** The bundle in `json` (the text of `bundle.json`, or a value parsed from it), deep-frozen. */
export function loadBundle(json: string | unknown, options: LoadOptions = {}): Bundle {
  const trusted = options.trustedKeys === undefined ? undefined : trustedKeyMap(options.trustedKeys);
  let value: unknown;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new BundleError("PBR001", `the bundle is not JSON: ${error instanceof Error ? error.message : String(error)}`, "`paybillc build` writes `out/bundle.json`; load that file");
    }
  } else value = json;

  const head = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (head?.format !== BUNDLE_FORMAT) {
    const found = head === undefined ? "not an object" : `\`format\` is ${JSON.stringify(head.format) ?? "missing"}`;
    throw new BundleError("PBR002", `this is not a Paybill bundle: ${found}`, `a bundle's \`format\` is "${BUNDLE_FORMAT}"; ${REBUILD}`, head === undefined ? "$" : "$.format");
  }
  if (!BUNDLE_FORMAT_VERSIONS.includes(head.version as number)) {
    const version = head.version;
    const newer = typeof version === "number" && version > BUNDLE_FORMAT_VERSION;
    throw new BundleError(
      "PBR003",
      `this runtime reads bundle versions ${BUNDLE_FORMAT_VERSIONS.join(" and ")}, and this bundle is version \`${JSON.stringify(version) ?? "missing"}\``,
      newer ? "the bundle was built by a newer paybillc: upgrade @paybill/runtime to the same release" : "build the bundle with the paybillc of the same release as @paybill/runtime",
      "$.version",
    );
  }
  const structure = structureProblem(value) ?? newerMember(head);
  if (structure !== undefined) {
    throw new BundleError("PBR004", `the bundle is malformed: ${structure.message}`, `the bundle's shape is spec/bundle.schema.json; ${REBUILD}`, structure.path);
  }
  // Valid structure means plain JSON: copy it, so freezing never reaches the caller's value.
  const copy = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  const hash = bundleHash(copy);
  const bundle = copy as unknown as Bundle;
  if (hash !== bundle.hash) {
    throw new BundleError("PBR005", `the bundle's hash \`${bundle.hash}\` does not match its content, whose hash is \`${hash}\``, `the file was changed after it was built; ${REBUILD}`, "$.hash");
  }
  const dangling = danglingName(bundle);
  if (dangling !== undefined) {
    throw new BundleError("PBR006", `the bundle is inconsistent: ${dangling.message}`, `every name in a bundle names a declaration of it; ${REBUILD}`, dangling.path);
  }
  if (trusted !== undefined) checkSignature(bundle, trusted);
  return deepFreeze(bundle);
}

/** A member a version-1 bundle cannot have: `secret` on an action's input field (version 2). */
function newerMember(head: Record<string, unknown>): { message: string; path: string } | undefined {
  if (head.version !== 1) return undefined;
  for (const [name, action] of Object.entries((head.actions ?? {}) as Record<string, { input: { secret?: unknown }[] }>)) {
    const at = action.input.findIndex((f) => f.secret !== undefined);
    if (at >= 0) return { message: "`secret` is a member of bundle version 2, and this bundle is version 1", path: `${member("$.actions", name)}.input[${at}].secret` };
  }
  return undefined;
}

/** Reads and loads `bundle.json`. */
export async function readBundle(path: string, options: LoadOptions = {}): Promise<Bundle> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
    const reason = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "it is a directory" : error instanceof Error ? error.message : String(error);
    throw new BundleError("PBR007", `cannot read the bundle \`${path}\`: ${reason}`, "`paybillc build` writes `out/bundle.json` in the project's directory; pass that path");
  }
  return loadBundle(text, options);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

// ---- names ----

interface Dangling {
  readonly path: string;
  readonly message: string;
}

/** The first name that names nothing, or a map key that is not its entry's name. */
function danglingName(bundle: Bundle): Dangling | undefined {
  const at = (path: string, message: string): Dangling => ({ path, message });
  const keyed: [string, Readonly<Record<string, { readonly name: string }>>][] = [
    ["entities", bundle.entities],
    ["actions", bundle.actions],
    ["agents", bundle.agents],
    ["workflows", bundle.workflows],
    ["plans", bundle.plans],
    ["tenants", bundle.tenants],
  ];
  for (const [kind, record] of keyed) {
    for (const [key, entry] of Object.entries(record)) {
      if (entry.name !== key) return at(member(member("$", kind), key), `the entry \`${key}\` is named \`${entry.name}\``);
    }
  }
  const fields = (path: string, list: readonly FieldSchema[]): Dangling | undefined => {
    const seen = new Set<string>();
    for (const [i, field] of list.entries()) {
      if (seen.has(field.name)) return at(`${path}[${i}].name`, `the field \`${field.name}\` is listed twice`);
      seen.add(field.name);
      const ref = field.references;
      if (ref !== undefined && !bundle.entities[ref.entity]?.fields.some((f) => f.name === ref.field)) {
        return at(`${path}[${i}].references`, `no entity field \`${ref.entity}.${ref.field}\``);
      }
    }
    return undefined;
  };
  const selector = (path: string, s: ActionSelector): Dangling | undefined => {
    if (s.kind === "action" && bundle.actions[s.action] === undefined) return at(`${path}.action`, `no action \`${s.action}\``);
    if (s.kind === "data") {
      const entity = bundle.entities[s.entity];
      if (entity === undefined) return at(`${path}.entity`, `no entity \`${s.entity}\``);
      if (s.field !== undefined && !entity.fields.some((f) => f.name === s.field)) return at(`${path}.field`, `entity \`${s.entity}\` has no field \`${s.field}\``);
    }
    return undefined;
  };

  for (const [name, entity] of Object.entries(bundle.entities)) {
    const path = member("$.entities", name);
    const problem = fields(`${path}.fields`, entity.fields);
    if (problem !== undefined) return problem;
    if (!entity.fields.some((f) => f.name === entity.key && f.id === true)) return at(`${path}.key`, `\`${entity.key}\` is not an \`@id\` field of \`${name}\``);
  }
  for (const [name, action] of Object.entries(bundle.actions)) {
    const path = member("$.actions", name);
    const problem = fields(`${path}.input`, action.input);
    if (problem !== undefined) return problem;
    const effect = action.effect;
    if (effect === undefined) continue;
    const entity = bundle.entities[effect.entity];
    if (entity === undefined) return at(`${path}.effect.entity`, `no entity \`${effect.entity}\``);
    for (const [i, set] of (effect.set ?? []).entries()) {
      if (!entity.fields.some((f) => f.name === set.field)) return at(`${path}.effect.set[${i}].field`, `entity \`${effect.entity}\` has no field \`${set.field}\``);
      for (const [k, kept] of (set.keep ?? []).entries()) {
        if (!action.input.some((f) => f.name === kept && f.optional)) return at(`${path}.effect.set[${i}].keep[${k}]`, `\`${kept}\` is not an optional input of \`${name}\``);
      }
    }
    const filterFields = (filter: RowFilter | undefined, at2: string): Dangling | undefined => {
      if (filter === undefined) return undefined;
      if ("all" in filter || "any" in filter) {
        const parts = "all" in filter ? filter.all : filter.any;
        for (const [i, part] of parts.entries()) {
          const found = filterFields(part, `${at2}.${"all" in filter ? "all" : "any"}[${i}]`);
          if (found !== undefined) return found;
        }
        return undefined;
      }
      return entity.fields.some((f) => f.name === filter.field) ? undefined : at(`${at2}.field`, `entity \`${effect.entity}\` has no field \`${filter.field}\``);
    };
    const filterProblem = filterFields(effect.many?.where, `${path}.effect.many.where`);
    if (filterProblem !== undefined) return filterProblem;
  }
  const policies = new Set<string>();
  for (const [p, policy] of bundle.policies.entries()) {
    const path = `$.policies[${p}]`;
    if (policies.has(policy.name)) return at(`${path}.name`, `two policies are called \`${policy.name}\``);
    policies.add(policy.name);
    for (const [r, rule] of policy.rules.entries()) {
      const rulePath = `${path}.rules[${r}]`;
      if (rule.id !== `${policy.name}#${r}`) return at(`${rulePath}.id`, `the rule id \`${rule.id}\` is not \`${policy.name}#${r}\``);
      const anyAgent = rule.agents.length === 1 && rule.agents[0] === "*";
      for (const [a, agent] of rule.agents.entries()) {
        if (!anyAgent && bundle.agents[agent] === undefined) return at(`${rulePath}.agents[${a}]`, `no agent \`${agent}\``);
      }
      for (const [s, sel] of rule.actions.entries()) {
        const problem = selector(`${rulePath}.actions[${s}]`, sel);
        if (problem !== undefined) return problem;
      }
      for (const [l, lookup] of (rule.lookups ?? []).entries()) {
        const entity = bundle.entities[lookup.entity];
        if (entity === undefined) return at(`${rulePath}.lookups[${l}].entity`, `no entity \`${lookup.entity}\``);
        if (lookup.where.length === 0) return at(`${rulePath}.lookups[${l}].where`, "a lookup compares at least one field");
        for (const [w, { field }] of lookup.where.entries()) {
          if (!entity.fields.some((f) => f.name === field)) return at(`${rulePath}.lookups[${l}].where[${w}].field`, `no field \`${field}\` in \`${lookup.entity}\``);
        }
      }
      // A `require approval` rule names a declared group; only it has `approval`.
      if ((rule.effect === "require") !== (rule.approval !== undefined)) return at(`${rulePath}.approval`, `a \`${rule.effect}\` rule ${rule.effect === "require" ? "needs" : "takes no"} \`approval\``);
      if (rule.approval !== undefined && !(bundle.groups ?? []).includes(rule.approval.group)) return at(`${rulePath}.approval.group`, `no group \`${rule.approval.group}\``);
    }
  }
  for (const [name, workflow] of Object.entries(bundle.workflows)) {
    const path = member("$.workflows", name);
    if (bundle.agents[workflow.agent] === undefined) return at(`${path}.agent`, `no agent \`${workflow.agent}\``);
    if (workflow.states[workflow.start] === undefined) return at(`${path}.start`, `no state \`${workflow.start}\``);
    for (const [stateName, state] of Object.entries(workflow.states)) {
      const statePath = member(`${path}.states`, stateName);
      if (state.name !== stateName) return at(statePath, `the entry \`${stateName}\` is named \`${state.name}\``);
      for (const [i, next] of state.next.entries()) if (workflow.states[next] === undefined) return at(`${statePath}.next[${i}]`, `no state \`${next}\``);
      for (const target of Object.keys(state.edges ?? {})) if (!state.next.includes(target)) return at(member(`${statePath}.edges`, target), `no edge to \`${target}\` in \`next\``);
      for (const [s, sel] of state.allow.entries()) {
        const problem = selector(`${statePath}.allow[${s}]`, sel);
        if (problem !== undefined) return problem;
      }
    }
  }
  for (const [key, spec] of Object.entries(bundle.totals ?? {})) {
    const problem = totalProblem(bundle, key, spec);
    if (problem !== undefined) return at(member("$.totals", key), problem);
  }
  for (const [name, tenant] of Object.entries(bundle.tenants)) {
    if (bundle.plans[tenant.plan] === undefined) return at(`${member("$.tenants", name)}.plan`, `no plan \`${tenant.plan}\``);
  }
  return undefined;
}
