/**
 * `BundleError`: why a bundle is refused, with a stable code (PBR001–PBR012, spec/bundle.md),
 * the JSON path at fault when there is one and a help line. Thrown by the loader (load.ts),
 * the signature check (signature.ts) and the release check (release.ts).
 */

export type BundleErrorCode =
  | "PBR001"
  | "PBR002"
  | "PBR003"
  | "PBR004"
  | "PBR005"
  | "PBR006"
  | "PBR007"
  /** Trusted keys were given and the bundle is not signed. */
  | "PBR008"
  /** The signature is not one of a trusted key, or does not verify. */
  | "PBR009"
  /** The bundle's release is older than the last one the database ran (a rollback). */
  | "PBR010"
  /** A trusted key is not an ed25519 public key. */
  | "PBR011"
  /** The database already ran this release with other content. */
  | "PBR012";

export class BundleError extends Error {
  override readonly name = "BundleError";

  constructor(
    readonly code: BundleErrorCode,
    /** What is wrong, in one line. */
    readonly reason: string,
    /** How to fix it. */
    readonly help: string,
    /** The JSON path of the value at fault (`$.actions.refund.effect.op`), when there is one. */
    readonly path?: string,
  ) {
    super(`${reason}${path === undefined ? "" : ` at \`${path}\``}\nhelp: ${help}`);
  }
}
