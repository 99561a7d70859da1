/**
 * The bundle emitter: a checked model → the runtime's `Bundle` (runtime/src/bundle/format.ts,
 * spec/bundle.md). Pure: no file system, no clock, no randomness; the same project gives
 * the same bundle whatever the order its files were read in, because every name is
 * resolved through the model, every map is built with sorted keys, and every list whose
 * order means nothing is sorted.
 *
 * Runs on a model without errors. What the checker cannot see but the bundle needs (two
 * declarations of a kind with one name in two modules, an `@table` that is not a table
 * name) comes back as diagnostics, and then there is no bundle.
 */
import { type Diagnostic, hasErrors, type Model } from "@paybill/lang";
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, type Bundle } from "@paybill/runtime/bundle-format";
import { plan, tenant } from "./control-plane.js";
import { action, agent, entity } from "./data.js";
import { sortedWithHash } from "./json.js";
import { Names } from "./names.js";
import { policy } from "./policies.js";
import { Totals } from "./windows.js";
import { select } from "./select.js";
import { compareStrings, sortedRecord } from "./values.js";
import { workflow } from "./workflows.js";

export { bundleText } from "./json.js";
export { InternalError } from "./values.js";

export type EmitResult = { readonly ok: true; readonly bundle: Bundle } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** A project the bundle cannot hold; `diagnostics` say why and where. */
export class BundleEmitError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics[0]?.message ?? "the project cannot be bundled");
  }
}

/** The bundle of a checked model; throws `BundleEmitError` when it cannot be bundled (see `tryEmitBundle`). */
export function emitBundle(model: Model): Bundle {
  const result = tryEmitBundle(model);
  if (!result.ok) throw new BundleEmitError(result.diagnostics);
  return result.bundle;
}

/** The bundle of a checked model, or the diagnostics that prevent it. */
export function tryEmitBundle(model: Model): EmitResult {
  const selection = select(model);
  const diagnostics: Diagnostic[] = [...selection.diagnostics];
  const names = new Names(model);
  const byName = <T extends { readonly name: string }>(items: readonly T[]) => sortedRecord(items.map((item) => [item.name, item] as const));

  const entities = byName(selection.entities.map((e) => entity(model, e, diagnostics)));
  const agents = byName(selection.agents.map(agent));
  const groups = selection.groups.map((g) => g.decl.name.name).sort(compareStrings);
  const actions = byName(selection.actions.map((a) => action(model, names, a)));
  const totals = new Totals(model);
  const policies = selection.policies.map((p) => policy({ names, agents, actions, model, totals }, p.decl, p.bundleName)).sort((a, b) => compareStrings(a.name, b.name));
  const workflows = byName(selection.workflows.map((w) => workflow(names, w, model)));
  const plans = byName(selection.plans.map((p) => plan(names, selection.clouds, p)));
  const tenants = byName(selection.tenants.map((t) => tenant(names, plans, t)));
  if (hasErrors(diagnostics)) return { ok: false, diagnostics };

  const counters = totals.specs();
  const content: Omit<Bundle, "hash"> = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_FORMAT_VERSION,
    entities,
    actions,
    agents,
    ...(groups.length === 0 ? {} : { groups }),
    policies,
    workflows,
    plans,
    tenants,
    ...(counters === undefined ? {} : { totals: counters }),
  };
  const { sorted, hash } = sortedWithHash(content);
  return { ok: true, bundle: { ...sorted, hash } };
}

/** The counts `paybillc build` reports. */
export function bundleCounts(bundle: Bundle): Record<"entities" | "actions" | "policies" | "workflows" | "plans" | "tenants", number> {
  return {
    entities: Object.keys(bundle.entities).length,
    actions: Object.keys(bundle.actions).length,
    policies: bundle.policies.length,
    workflows: Object.keys(bundle.workflows).length,
    plans: Object.keys(bundle.plans).length,
    tenants: Object.keys(bundle.tenants).length,
  };
}
