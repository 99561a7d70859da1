/**
 * @paybill/runtime — what enforces a Paybill project inside an agent service: it loads the
 * bundle `paybillc build` writes, decides every agent action (policies, workflows,
 * budgets, entitlements) and performs it tenant-scoped with an audit record.
 *
 * This package must stay light: it may not import the parser, TypeScript, CDK or
 * drizzle-kit. Its only input is the bundle, whose format is versioned.
 */

/** The version of the bundle format this runtime reads (see spec/bundle.md once written). */
export const BUNDLE_FORMAT_VERSION = 1;
