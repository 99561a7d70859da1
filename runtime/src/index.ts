/**
 * @paybill/runtime — what enforces a Paybill project inside an agent service: it loads the
 * bundle `paybillc build` writes, decides every agent action (policies, workflows,
 * budgets, entitlements) and performs it tenant-scoped with an audit record.
 *
 * This package must stay light: it may not import the parser, TypeScript, CDK or
 * drizzle-kit. Its only input is the bundle, whose format is versioned.
 */
export * from "./bundle/format.js";
export { bundleHash, canonicalJson, sha256Hex } from "./bundle/canonical.js";
export type * from "./decide/request.js";
export type { DeciderApi, PreparedEffect } from "./decide/decider-api.js";
export { Decider, EffectError, type LoadProblem } from "./decide/decider.js";
export { BundleError, type BundleErrorCode, loadBundle, readBundle } from "./bundle/load.js";
