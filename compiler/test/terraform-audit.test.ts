/**
 * The AWS stacks declare the append-only home of the runtime's signed audit checkpoints:
 * beside every database (shared, or per tenant), an S3 bucket created with Object Lock,
 * versioned, locked by default in COMPLIANCE mode with a retention, private and encrypted
 * with the stack's key, its name a stack output, and the stack's workload role may do what
 * the runtime's S3CheckpointSink does there (put; list and get by versions); every attribute is one the pinned
 * hashicorp/aws 5.100.0 provider declares (its schema in /work/shared/data).
 */
import { describe, expect, it } from "vitest";
import { AUDIT_RETENTION_DAYS } from "../src/emit/terraform/clouds/aws-audit.js";
import { loadProviderSchema } from "./support/provider-schema.js";
import { cloudProject, emitTf, resources, type TfJson } from "./support/terraform.js";

const schema = loadProviderSchema("aws", "5.100.0", "terraform-aws-5.100.0-schema.json.gz").resources;

const TENANTS = [
  { name: "corner_shop", plan: "free" },
  { name: "initech", plan: "business" },
  { name: "globex", plan: "enterprise" },
] as const;

describe("the audit checkpoint bucket of the AWS stacks", () => {
  const out = emitTf(cloudProject("aws", TENANTS));

  it("sits beside every database: object lock in COMPLIANCE mode with a retention, versioned, private, encrypted, and a stack output", () => {
    expect(out.stacks.length).toBeGreaterThan(1);
    for (const { spec, text } of out.stacks) {
      const json = JSON.parse(text) as TfJson & { output?: Record<string, { value: string }> };
      const all = resources(json);
      const of = (type: string, name: string) => all.find(([t, n]) => t === type && n === name)?.[2];
      const databases = all.filter(([t]) => t === "aws_db_instance");
      expect(databases, spec.name).toHaveLength(1);
      const bucket = of("aws_s3_bucket", "audit_checkpoints");
      expect(bucket, spec.name).toMatchObject({ object_lock_enabled: true, force_destroy: false });
      // Per tenant exactly when the database is.
      expect(bucket?.for_each, spec.name).toBe(databases[0]?.[2].for_each);
      const ref = bucket?.for_each === undefined ? "${aws_s3_bucket.audit_checkpoints.id}" : "${aws_s3_bucket.audit_checkpoints[each.key].id}";
      expect(of("aws_s3_bucket_object_lock_configuration", "audit_checkpoints_lock"), spec.name).toMatchObject({
        bucket: ref,
        object_lock_enabled: "Enabled",
        rule: [{ default_retention: [{ mode: "COMPLIANCE", days: AUDIT_RETENTION_DAYS }] }],
      });
      expect(of("aws_s3_bucket_versioning", "audit_checkpoints_versioning")).toMatchObject({ bucket: ref, versioning_configuration: [{ status: "Enabled" }] });
      expect(of("aws_s3_bucket_public_access_block", "audit_checkpoints_private")).toMatchObject({ bucket: ref, block_public_acls: true, restrict_public_buckets: true });
      expect(JSON.stringify(of("aws_s3_bucket_server_side_encryption_configuration", "audit_checkpoints_encryption"))).toContain("aws_kms_key.");
      expect(json.output?.audit_checkpoint_bucket?.value, spec.name).toBe(
        bucket?.for_each === undefined ? "${aws_s3_bucket.audit_checkpoints.id}" : "${{ for tenant, r in aws_s3_bucket.audit_checkpoints : tenant => r.id }}",
      );
    }
  });

  it("lets the stack's workload role put checkpoints and read them by versions, as the runtime's S3 sink does", () => {
    for (const { spec, text } of out.stacks) {
      const all = resources(JSON.parse(text) as TfJson);
      const bucket = all.find(([t, n]) => t === "aws_s3_bucket" && n === "audit_checkpoints")?.[2];
      const policy = all.find(([t, n]) => t === "aws_iam_role_policy" && n === "identity_workload_data")?.[2];
      const statements = (JSON.parse(policyJson(String(policy?.policy))) as { Statement: { Action: string[]; Resource: string[] }[] }).Statement;
      // A per-tenant bucket's name is an expression (`${each.value.names.audit}`); a cell's policy lists each tenant's (`${t.names.audit}`).
      const named = String(bucket?.bucket);
      const covers = (resource: string) =>
        resource.replace("${t.names.", "${each.value.names.") === `arn:aws:s3:::${named}` ||
        new RegExp(`^${resource.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(`arn:aws:s3:::${named}`);
      const onAudit = statements.find((st) => st.Resource.some(covers) && st.Action.includes("s3:ListBucketVersions"));
      expect(onAudit?.Action, spec.name).toEqual(expect.arrayContaining(["s3:PutObject", "s3:ListBucketVersions", "s3:GetObjectVersion"]));
      expect(onAudit?.Action, spec.name).not.toContain("s3:DeleteObjectVersion");
    }
  });

  it("uses only attributes and blocks the provider's schema declares", () => {
    const lock = schema["aws_s3_bucket_object_lock_configuration"]?.block;
    expect(Object.keys(lock?.attributes ?? {})).toEqual(expect.arrayContaining(["bucket", "object_lock_enabled"]));
    const retention = lock?.block_types?.["rule"]?.block.block_types?.["default_retention"]?.block;
    expect(Object.keys(retention?.attributes ?? {})).toEqual(expect.arrayContaining(["mode", "days"]));
    expect(Object.keys(schema["aws_s3_bucket"]?.block.attributes ?? {})).toContain("object_lock_enabled");
    expect(Object.keys(schema["aws_s3_bucket_versioning"]?.block.block_types ?? {})).toContain("versioning_configuration");
  });
});

/**
 * A policy as JSON: a bridge cell's is `jsonencode` of its tenants' buckets (a `for` over
 * `local.tenants`), read here as one tenant's — `${t.slug}` becomes the `${each.value.slug}`
 * a per-tenant bucket's name holds.
 */
function policyJson(text: string): string {
  if (!text.startsWith("${jsonencode(")) return text;
  return text
    .slice("${jsonencode(".length, -2)
    .replace(/coalescelist\(flatten\(\[for t in values\(local\.tenants\) : (\[[^\]]*\])\]\), \[[^\]]*\]\)/g, "$1")
    .replaceAll("${t.slug}", "${each.value.slug}");
}
