/**
 * The AWS home of the runtime's signed audit checkpoints (spec/runtime.md): one S3 bucket
 * beside each database the runtime writes its audit chains to, with S3 Object Lock in
 * COMPLIANCE mode, so a checkpoint object cannot be overwritten or deleted by anyone, the
 * account's root included, before its retention ends — the append-only sink outside the
 * database that the runtime's `S3CheckpointSink` writes to (`audit.sink: "s3://<bucket>/…"`,
 * one object per checkpoint). Versioned (Object Lock requires it), private and
 * encrypted with the stack's key. Its name is a stack output, `audit_checkpoint_bucket`
 * (a map tenant => bucket where the databases are per tenant). It outlives its tenant: when
 * the tenant offboards the Terraform provisioner forgets it (and the key it is encrypted
 * with, aws.ts) instead of destroying it, as COMPLIANCE would refuse until retention ends.
 */
import type { Handle } from "../constructs.js";
import { type KindInput, one } from "../mapping.js";

/** How long a checkpoint cannot be deleted or overwritten (S3 default retention). */
export const AUDIT_RETENTION_DAYS = 365;

export function auditCheckpointBucket({ b, who, name, parts }: KindInput): Handle {
  const bucket = b.resource(who, "aws_s3_bucket", "audit_checkpoints", { bucket: name("audit"), object_lock_enabled: true, force_destroy: false }, { tags: "tags", kept: true });
  const id = b.ref(bucket, "id");
  b.resource(who, "aws_s3_bucket_versioning", "audit_checkpoints_versioning", { bucket: id, versioning_configuration: [{ status: "Enabled" }] }, { kept: true });
  b.resource(who, "aws_s3_bucket_object_lock_configuration", "audit_checkpoints_lock", {
    bucket: id,
    object_lock_enabled: "Enabled",
    rule: [{ default_retention: [{ mode: "COMPLIANCE", days: AUDIT_RETENTION_DAYS }] }],
  }, { kept: true });
  b.resource(who, "aws_s3_bucket_server_side_encryption_configuration", "audit_checkpoints_encryption", {
    bucket: id,
    rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: "aws:kms", kms_master_key_id: one(parts, "key_arn") }], bucket_key_enabled: true }],
  }, { kept: true });
  b.resource(who, "aws_s3_bucket_public_access_block", "audit_checkpoints_private", { bucket: id, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true }, { kept: true });
  b.output("audit_checkpoint_bucket", bucket, "id", "the S3 bucket (Object Lock, COMPLIANCE) for the runtime's signed audit checkpoints");
  return bucket;
}
