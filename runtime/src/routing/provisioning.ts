/**
 * Databases follow provisioning (spec/control-plane.md §Provisioning): a provisioner that
 * runs another, and after each of its `provision` steps that succeeded makes the tenant's
 * placement ready for its rows — a bridge tenant's schema created, migrated and guarded in
 * its cell's server, a silo tenant's new database migrated once its stack applied (its
 * connection from the outputs that step reported). A pooled placement is the pooled
 * database, migrated by `paybillc migrate`: nothing to do. A migration that fails fails the
 * step (the tenant is `provisioning_failed`; a retry runs the step, then the migration,
 * again: both are idempotent). A silo step that reported no database (a dry run) says so and
 * migrates nothing.
 */
import type { Bundle } from "../bundle/format.js";
import type { Provisioner, StepOutcome, Tenant } from "../control/types.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { type PlacementTarget, type ResolveOptions, resolvePlacement } from "./placements.js";

const DATABASE_OUTPUTS = ["database_url", "database_dir", "database_endpoint"] as const;

export interface FollowOptions extends ResolveOptions {
  readonly bundle: Pick<Bundle, "plans">;
  /** Migrates one placement (a bridge schema: create, migrate, guard); says what it did. */
  readonly migrate: (target: PlacementTarget) => Promise<string>;
}

export function databasesFollow(inner: Provisioner, options: FollowOptions): Provisioner {
  return {
    name: inner.name,
    async run(step, context): Promise<StepOutcome> {
      const outcome = await inner.run(step, context);
      if (!outcome.ok || step.kind !== "provision" || step.placement.isolation === "pooled") return outcome;
      // The tenant as it will be once the step is recorded: the step's plan, the outputs it reported.
      const outputs = outcome.outputs ?? (step.placement.plan === context.tenant.plan ? context.tenant.outputs : undefined);
      const { outputs: _old, ...rest } = context.tenant;
      const tenant: Tenant = { ...rest, plan: step.placement.plan, ...(outputs === undefined ? {} : { outputs }) };
      // A silo whose provisioner recorded no database (a dry run): nothing to migrate yet; `migrate --all-tenants` reports it (PBR218).
      if (step.placement.isolation === "silo" && !DATABASE_OUTPUTS.some((key) => typeof outputs?.[key] === "string")) {
        return { ...outcome, detail: `${outcome.detail}\nno database recorded for its silo: nothing migrated (\`paybillc migrate --all-tenants\` migrates it once its stack reports one)` };
      }
      try {
        const detail = await options.migrate(await resolvePlacement(options.bundle, tenant, options));
        return { ...outcome, detail: `${outcome.detail}\n${detail}` };
      } catch (error) {
        const why = error instanceof PaybillRuntimeError ? `error[${error.code}]: ${error.message} (${error.help})` : error instanceof Error ? error.message : String(error);
        return { ...outcome, ok: false, detail: `${outcome.detail}\nthe tenant's database was not migrated: ${why}` };
      }
    },
  };
}
