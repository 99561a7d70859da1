/**
 * No rollback (spec/bundle.md#releases): a bundle built with `--release N` carries N in its
 * hashed (and, when signed, signed) content, and every runtime that opens a database
 * records the bundle in `paybill_bundles` (runtime migration 8). A bundle is refused when
 * the bundle the database ran last has a release and this one's is older (PBR010), has none
 * (PBR010: dropping the release is not a way around the check), or reuses a release the
 * database already ran with other content (PBR012). Opening the same bundle again, or a
 * newer release, is always allowed; a database that never ran a released bundle takes
 * anything, as before releases existed.
 *
 * `allowRollback` is the deliberate override: the bundle opens and becomes the last one
 * run, so the next open compares with it.
 *
 * Opens take turns under an advisory lock, so two instances opening different releases at
 * once cannot both pass.
 */
import type { Sql } from "../store/adapter.js";
import { BundleError } from "./error.js";
import type { Bundle } from "./format.js";

export interface ReleaseOptions {
  /** Open a bundle older than the last one run (a planned rollback). */
  readonly allowRollback?: boolean;
}

const OVERRIDE = "to roll back on purpose, open it with `allowRollback: true` (`PAYBILL_ALLOW_ROLLBACK=1` for `paybillc`)";

/** Checks `bundle` against the bundles the database ran, and records it as the last one. Run in a transaction. */
export async function recordBundleRun(tx: Sql, bundle: Bundle, options: ReleaseOptions = {}): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtext(current_schema() || '.paybill_bundles'))");
  const [last] = await tx.query<{ hash: string; release: string | null }>("select hash, release::text as release from paybill_bundles order by opened desc limit 1");
  if (last !== undefined && last.hash !== bundle.hash && options.allowRollback !== true) {
    const lastRelease = last.release === null ? undefined : Number(last.release);
    if (lastRelease !== undefined && (bundle.release === undefined || bundle.release < lastRelease)) {
      const what = bundle.release === undefined ? "this bundle has no release" : `this bundle is release ${bundle.release}`;
      throw new BundleError(
        "PBR010",
        `${what}, older than release ${lastRelease} (\`${last.hash}\`), the last one this database ran`,
        `build the newer sources again with \`paybillc build --release <n>\`, n ≥ ${lastRelease}; ${OVERRIDE}`,
        "$.release",
      );
    }
    if (bundle.release !== undefined) {
      const [other] = await tx.query<{ hash: string }>("select hash from paybill_bundles where release = $1 and hash <> $2 limit 1", [bundle.release, bundle.hash]);
      if (other !== undefined) {
        throw new BundleError(
          "PBR012",
          `this database already ran release ${bundle.release} with other content (\`${other.hash}\`)`,
          `a release names one build: give this one a higher number with \`paybillc build --release <n>\`; ${OVERRIDE}`,
          "$.release",
        );
      }
    }
  }
  await tx.query(
    `insert into paybill_bundles (hash, release, signed_by, opened)
     values ($1, $2, $3, (select coalesce(max(opened), 0) + 1 from paybill_bundles))
     on conflict (hash) do update set opened = excluded.opened, last_opened_at = now()`,
    [bundle.hash, bundle.release ?? null, bundle.signature?.key ?? null],
  );
}
