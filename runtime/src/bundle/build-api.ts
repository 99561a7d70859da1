/**
 * `@paybill/runtime/bundle-format`: what the compiler needs of the runtime to write a
 * bundle — its format constants and types, canonical JSON and the content hash, total
 * keys, signing, and the runtime's role name — without the runtime's database drivers
 * (`paybillc build` would otherwise load PGlite, pg and the S3 client to hash a file).
 */
export { bundleHash, canonicalJson } from "./canonical.js";
export { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, type Bundle, type TotalSpec, totalKey } from "./format.js";
export { publicKeyId, signBundle } from "./signature.js";
export { RUNTIME_ROLE } from "../store/roles.js";
