/**
 * What the commands that open a runtime (`tenants`, `billing`, `serve --mcp`, and any built
 * on project-runtime.ts) ask of the bundle, from the environment of the deployment rather
 * than the project's files (spec/bundle.md#signature): `PAYBILL_TRUSTED_KEYS`, the files of
 * the ed25519 public keys a bundle must be signed by (separated like `PATH`), and
 * `PAYBILL_ALLOW_ROLLBACK=1`, a planned rollback to an older release. Neither set: any
 * bundle opens, and only the release check applies, as in the runtime.
 */
import { readFile } from "node:fs/promises";
import { delimiter, resolve } from "node:path";
import { BundleError } from "@paybill/runtime";
import { describeFsError } from "../project/fs-errors.js";

export interface BundleTrust {
  readonly trustedKeys?: readonly string[];
  readonly allowRollback: boolean;
}

/** The trust settings of `env`; a key file that cannot be read is PBR011. */
export async function bundleTrust(env: NodeJS.ProcessEnv, cwd: string): Promise<BundleTrust> {
  const allowRollback = env.PAYBILL_ALLOW_ROLLBACK === "1";
  const list = env.PAYBILL_TRUSTED_KEYS;
  if (list === undefined || list.trim() === "") return { allowRollback };
  const trustedKeys: string[] = [];
  for (const path of list.split(delimiter).filter((p) => p.trim() !== "")) {
    try {
      trustedKeys.push(await readFile(resolve(cwd, path), "utf8"));
    } catch (error) {
      throw new BundleError("PBR011", `cannot read the trusted key \`${path}\` named in PAYBILL_TRUSTED_KEYS: ${describeFsError(error)}`, "set PAYBILL_TRUSTED_KEYS to the files of the public keys (`<name>.pub` from `paybillc keygen`), separated by `:`");
    }
  }
  return { trustedKeys, allowRollback };
}
