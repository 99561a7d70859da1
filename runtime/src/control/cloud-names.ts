/**
 * Cloud resource names (spec/infrastructure.md §3): the one place that derives the name of
 * every resource Paybill's stacks create from the project's name prefix, its owner (a
 * tenant, or a cell: a cloud, isolation model and region) and what it is. Pure and
 * deterministic. The Terraform emitter writes the same derivation as Terraform expressions
 * for tenants that onboard at run time (compiler/src/emit/terraform/names.ts, tested to
 * agree); onboarding uses it to refuse an id whose names another tenant already has.
 *
 * A name is `<prefix>-<owner>-<what>`:
 *
 * - the owner of a tenant's resources is its id when that is already a clean name
 *   (lowercase letters and digits in words joined by single hyphens, at most 63 characters)
 *   and looks like nothing else (it does not end in `-` and 8 hex digits, nor start with
 *   `cell-`); otherwise its cleaned first 20 characters, `-` and the first 8 hex digits of
 *   the SHA-256 of the id. `a_b`, `a__b` and `Acme` are so told apart from `a-b` and `acme`.
 * - a cell's owner is `cell-<cloud>-<isolation>-<region>` by the same rule (hashed with a
 *   `cell:` seed), so no tenant is named like a cell, and two clouds of one provider in one
 *   region never share names.
 * - a name longer than the provider allows for that resource keeps its first characters,
 *   then `-`, 8 hex digits of the SHA-256 of the whole name, and `-<what>`.
 *
 * Every name so made is lowercase letters, digits and single hyphens, starts with a letter
 * (the prefix's) and ends with a letter or digit: valid for every resource kind of every
 * provider once within its length (RULES). `google`-like words (Cloud Storage refuses them)
 * are written `g-gle` in owners.
 */
import { createHash } from "node:crypto";

export type CloudProvider = "aws" | "azure" | "gcp" | "oci" | "ibm";

/** Lowercase letters and digits in words joined by single hyphens, starting with a letter. */
export const CLEAN_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** A tenant's owner kept as its id is at most this long. */
export const OWNER_MAX = 63;
/** How much of the cleaned name a hashed owner keeps. */
export const HASHED_KEEP = 20;
const HASHED_TAIL = /-[0-9a-f]{8}$/;
/** `google` and close misspellings (Cloud Storage refuses bucket names containing them). */
export const GOOGLE_LIKE = /g[o0][o0]g[l1][e3]/g;

export interface NameRule {
  /** The resource(s) the name is given to, for messages. */
  readonly resource: string;
  readonly max: number;
  readonly min?: number;
  /** Names only used as the seed of a hash (Azure's global storage and vault names): any length. */
  readonly seedOnly?: boolean;
}

/**
 * For each provider, what each `<what>` of the cloud mappings names and its length limit
 * (the tightest of the resources given that name). Every name is in CLEAN_NAME form, which
 * every listed resource accepts; only lengths and the rules in `forbidden` differ.
 */
export const RULES: Readonly<Record<CloudProvider, Readonly<Record<string, NameRule>>>> = {
  aws: {
    key: { resource: "KMS alias (`alias/<name>`)", max: 250 },
    db: { resource: "RDS instance identifier, DB subnet group, security group", max: 63 },
    "db-final": { resource: "RDS final snapshot identifier", max: 255 },
    workload: { resource: "IAM role", max: 64 },
    data: { resource: "S3 bucket", max: 63, min: 3 },
    audit: { resource: "S3 bucket (audit checkpoints)", max: 63, min: 3 },
    eks: { resource: "IAM role, EKS cluster", max: 64 },
    "eks-nodes": { resource: "IAM role", max: 64 },
    endpoints: { resource: "security group (VPC interface endpoints)", max: 255 },
  },
  azure: {
    rg: { resource: "resource group", max: 90 },
    kv: { resource: "Key Vault (named by a hash of this)", max: Number.MAX_SAFE_INTEGER, seedOnly: true },
    key: { resource: "Key Vault key", max: 127 },
    vnet: { resource: "virtual network", max: 64, min: 2 },
    db: { resource: "PostgreSQL flexible server, private DNS zone label", max: 63, min: 3 },
    workload: { resource: "user-assigned identity", max: 128, min: 3 },
    data: { resource: "storage account (named by a hash of this)", max: Number.MAX_SAFE_INTEGER, seedOnly: true },
    aks: { resource: "AKS cluster and its DNS prefix", max: 54 },
  },
  gcp: {
    keys: { resource: "KMS key ring", max: 63 },
    key: { resource: "KMS crypto key", max: 63 },
    net: { resource: "VPC network", max: 63 },
    private: { resource: "subnetwork", max: 63 },
    services: { resource: "global address", max: 63 },
    wl: { resource: "service account id", max: 30, min: 6 },
    data: { resource: "Cloud Storage bucket", max: 63, min: 3 },
    db: { resource: "Cloud SQL instance", max: 63 },
    gke: { resource: "GKE cluster", max: 40 },
  },
  oci: {
    vault: { resource: "Vault display name", max: 255 },
    key: { resource: "key display name", max: 255 },
    vcn: { resource: "VCN display name", max: 255 },
    private: { resource: "subnet and route table display names", max: 255 },
    services: { resource: "service gateway display name", max: 255 },
    nat: { resource: "NAT gateway display name", max: 255 },
    data: { resource: "Object Storage bucket", max: 256 },
    db: { resource: "PostgreSQL DB system display name", max: 255 },
    oke: { resource: "OKE cluster", max: 255 },
    keys: { resource: "IAM policy (key use by services)", max: 100 },
    workload: { resource: "IAM policy (workload identity)", max: 100 },
  },
  ibm: {
    kms: { resource: "Key Protect instance", max: 63 },
    key: { resource: "Key Protect key", max: 90, min: 2 },
    vpc: { resource: "VPC", max: 63 },
    private: { resource: "VPC subnet", max: 63 },
    egress: { resource: "VPC public gateway", max: 63 },
    workload: { resource: "IAM service ID", max: 63 },
    cos: { resource: "Cloud Object Storage instance", max: 63 },
    data: { resource: "Cloud Object Storage bucket", max: 63, min: 3 },
    db: { resource: "Databases for PostgreSQL instance", max: 63 },
    iks: { resource: "Kubernetes cluster", max: 32 },
  },
};

/** Any `<what>` a mapping uses that RULES does not list is held to this. */
export const DEFAULT_RULE: NameRule = { resource: "resource", max: 63 };

export function ruleOf(provider: CloudProvider, what: string): NameRule {
  return RULES[provider][what] ?? DEFAULT_RULE;
}

/** The first 8 hex digits of the SHA-256 of `seed` (UTF-8). */
export function hash8(seed: string): string {
  return createHash("sha256").update(seed, "utf8").digest("hex").slice(0, 8);
}

/** Lowercase, every run of other characters a hyphen, `google`-like words `g-gle`, no hyphen at either end. */
export function cleanName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(GOOGLE_LIKE, "g-gle")
    .replace(/^-+|-+$/g, "");
}

function hashed(clean: string, seed: string): string {
  const kept = clean.slice(0, HASHED_KEEP).replace(/-$/, "");
  return kept === "" ? hash8(seed) : `${kept}-${hash8(seed)}`;
}

/** Whether a tenant id is its own owner name (else it is hashed). */
export function keepsTenantId(id: string): boolean {
  return id === cleanName(id) && CLEAN_NAME.test(id) && id.length <= OWNER_MAX && !HASHED_TAIL.test(id) && !id.startsWith("cell-");
}

/** The owner part of the names of a tenant's resources. */
export function tenantOwner(id: string): string {
  return keepsTenantId(id) ? id : hashed(cleanName(id), id);
}

/** The owner part of the names of a cell's shared resources. */
export function cellOwner(cloud: string, isolation: string, region: string): string {
  const raw = `cell-${cloud}-${isolation}-${region}`;
  const clean = cleanName(raw);
  return raw === clean && clean.length <= OWNER_MAX && !HASHED_TAIL.test(clean) ? clean : hashed(clean, `cell:${cloud}/${isolation}/${region}`);
}

/** The owner of a cell's own key when its tenants have keys of their own (bridge). */
export function platformOwner(cell: string): string {
  return `${cell}-platform`;
}

/**
 * `<head>-<what>` within `max` characters: as it is when it fits, else the head's first
 * characters, 8 hex digits of the SHA-256 of the whole name, and the `what` (so a name
 * still ends with what it names, and a pattern `<prefix>-*-audit` still covers it).
 */
export function fitName(head: string, what: string, max: number): string {
  const full = `${head}-${what}`;
  if (full.length <= max) return full;
  return `${head.slice(0, max - what.length - 10).replace(/-$/, "")}-${hash8(full)}-${what}`;
}

/** The name of `what` for an owner: `<prefix>-<owner>-<what>`, within the provider's length for it. */
export function cloudName(provider: CloudProvider, prefix: string, owner: string, what: string): string {
  const rule = ruleOf(provider, what);
  return rule.seedOnly === true ? `${prefix}-${owner}-${what}` : fitName(`${prefix}-${owner}`, what, rule.max);
}

/** The name prefix when the cloud sets none: the package's name, cleaned; hashed to 20 characters when longer. */
export function defaultPrefix(project: string): string {
  const clean = cleanName(project);
  if (clean.length <= 20 && CLEAN_NAME.test(clean)) return clean;
  const start = /^[a-z]/.test(clean) ? clean.slice(0, 11).replace(/-$/, "") : `p${clean.slice(0, 10).replace(/-$/, "")}`;
  return `${start}-${hash8(project)}`;
}

/** Why a name is not valid for the provider's resource, or undefined. */
export function nameProblem(provider: CloudProvider, what: string, name: string): string | undefined {
  const rule = ruleOf(provider, what);
  if (!CLEAN_NAME.test(name)) return `\`${name}\` is not lowercase letters and digits joined by single hyphens`;
  if (!rule.seedOnly && name.length > rule.max) return `\`${name}\` is longer than the ${rule.max} characters a ${rule.resource} name may have`;
  if (name.length < (rule.min ?? 1)) return `\`${name}\` is shorter than the ${rule.min} characters a ${rule.resource} name needs`;
  const bucket = (provider === "aws" || provider === "ibm") && (what === "data" || what === "audit");
  if (bucket && /^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return `\`${name}\`: an S3 bucket name may not start with \`xn--\`, \`sthree-\` or \`amzn-s3-demo-\``;
  if (provider === "gcp" && what === "data" && (name.startsWith("goog") || new RegExp(GOOGLE_LIKE.source).test(name))) {
    return `\`${name}\`: a Cloud Storage bucket name may not start with \`goog\` or contain \`google\``;
  }
  return undefined;
}

/** Every name of an owner on a provider: `what` => name. */
export function ownerNames(provider: CloudProvider, prefix: string, owner: string): Record<string, string> {
  return Object.fromEntries(Object.keys(RULES[provider]).map((what) => [what, cloudName(provider, prefix, owner, what)]));
}
