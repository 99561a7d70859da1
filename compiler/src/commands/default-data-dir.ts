/**
 * Where a project's embedded database (a PGlite data directory) lives unless `--database`
 * says otherwise: `paybillc migrate`, `tenants`, `billing` and `audit` share it. A file of its
 * own so that the commands that only open the runtime do not load what `migrate` needs
 * (drizzle-kit, the emitters): ~0.3 s of module loading.
 */
export const DEFAULT_DATA_DIR = ".paybill/db";
