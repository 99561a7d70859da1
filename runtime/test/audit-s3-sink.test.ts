/**
 * The S3 checkpoint sink against a real S3 implementation (moto's server, support/moto.ts),
 * in buckets with Object Lock and a default COMPLIANCE retention as the AWS stacks declare:
 * one object per checkpoint, latest by highest seq, tenants by folder; a stored checkpoint's
 * version cannot be deleted (the bucket refuses), and an overwrite or a delete marker neither
 * replaces nor hides it for the sink; a failed request is PBR165; and `openRuntime` with
 * `audit.sink: "s3://…"` checkpoints and verifies end to end, a truncated chain included.
 */
import { generateKeyPairSync } from "node:crypto";
import { DeleteObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signer } from "../src/audit/checkpoint.js";
import { S3CheckpointSink } from "../src/audit/s3-checkpoint-sink.js";
import { chain, sharedAuditRuntime, truncate } from "./support/audit-runtime.js";
import { sharedMoto } from "./support/moto.js";
import { asSuperuser, BACKENDS } from "./support/store-db.js";

const moto = sharedMoto();
const s = signer(generateKeyPairSync("ed25519").privateKey);
const at = (tenant: string, seq: number, minute = 0) => s.sign({ tenant, seq, hash: seq.toString(16).padStart(64, "0"), time: `2026-12-07T00:${String(minute).padStart(2, "0")}:00.000Z` });

async function keysOf(bucket: string): Promise<string[]> {
  const listed = await moto.client().send(new ListObjectVersionsCommand({ Bucket: bucket }));
  return [...new Set((listed.Versions ?? []).map((v) => v.Key ?? ""))].sort();
}

describe("the S3 checkpoint sink on moto", () => {
  it("round trip: one object per checkpoint under the tenant's encoded folder, latest and tenants read back", async () => {
    const bucket = await moto.bucket();
    const sink = new S3CheckpointSink({ bucket, prefix: "audit", client: moto.config() });
    expect(await sink.latest("acme")).toBeUndefined();
    expect(await sink.tenants()).toEqual([]);
    const odd = "a/b.c %ü";
    await sink.append([at("acme", 1), at("acme", 2), at(odd, 7)]);
    expect(await sink.latest("acme")).toEqual(at("acme", 2));
    expect(await sink.latest(odd)).toEqual(at(odd, 7));
    expect(await sink.tenants()).toEqual(["a/b.c %ü", "acme"].sort());
    const keys = await keysOf(bucket);
    expect(keys).toHaveLength(3);
    expect(keys.filter((k) => k.startsWith("audit/a%2Fb%2Ec%20%25%C3%BC/"))).toHaveLength(1);
    expect(keys.filter((k) => k.startsWith("audit/acme/")).every((k) => /^audit\/acme\/\d{16}-\d{13}-[0-9a-f]{32}\.json$/.test(k))).toBe(true);
    // The bucket's default retention applies when the sink sets none.
    const head = await moto.client().send(new HeadObjectCommand({ Bucket: bucket, Key: keys[0] }));
    expect(head.ObjectLockMode).toBe("COMPLIANCE");
  });

  it("sets the retention it is given on each checkpoint object", async () => {
    const bucket = await moto.bucket();
    const sink = new S3CheckpointSink({ bucket, client: moto.config(), retention: { mode: "GOVERNANCE", days: 30 } });
    await sink.append([at("acme", 1)]);
    const [key] = await keysOf(bucket);
    const head = await moto.client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ObjectLockMode).toBe("GOVERNANCE");
    expect(head.ObjectLockRetainUntilDate?.getTime()).toBeGreaterThan(new Date("2026-12-07T00:00:00Z").getTime());
    expect(() => new S3CheckpointSink({ bucket, retention: { mode: "COMPLIANCE", days: 0 } })).toThrow(expect.objectContaining({ code: "PBR165" }));
  });

  it("latest is the highest seq, even when an older checkpoint (or another of a lower seq) is appended after it", async () => {
    const bucket = await moto.bucket();
    const sink = new S3CheckpointSink({ bucket, client: moto.config() });
    await sink.append([at("acme", 1), at("acme", 3)]);
    await sink.append([at("acme", 1)]);
    await sink.append([at("acme", 2, 5)]);
    expect(await sink.latest("acme")).toEqual(at("acme", 3));
    // Of two checkpoints of the same seq, the one stored last.
    await sink.append([at("acme", 3, 9)]);
    expect(await sink.latest("acme")).toEqual(at("acme", 3, 9));
  });

  it("Object Lock: deleting a checkpoint's version is refused by the bucket; an overwrite or a delete marker does not replace or hide it", async () => {
    const bucket = await moto.bucket();
    const sink = new S3CheckpointSink({ bucket, client: moto.config() });
    const genuine = at("acme", 4);
    await sink.append([genuine]);
    const [key] = await keysOf(bucket);
    const { Versions } = await moto.client().send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    const versionId = Versions?.[0]?.VersionId;
    await expect(moto.client().send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }))).rejects.toMatchObject({ name: "AccessDenied" });
    // A put with If-None-Match on a taken key is refused (412); without it S3 stores a new version
    // (Object Lock keeps versions, not keys): the sink reads the first one.
    const forged = JSON.stringify({ ...genuine, seq: 40 });
    await expect(moto.client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: forged, IfNoneMatch: "*" }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    await moto.client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: forged }));
    expect(await sink.latest("acme")).toEqual(genuine);
    // A delete without a version only adds a delete marker: the checkpoint and its tenant are still read.
    expect((await moto.client().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))).DeleteMarker).toBe(true);
    expect(await sink.latest("acme")).toEqual(genuine);
    expect(await sink.tenants()).toEqual(["acme"]);
    await expect(moto.client().send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }))).rejects.toMatchObject({ name: "AccessDenied" });
  });

  it("an object under the prefix that is not a checkpoint the runtime wrote is PBR163", async () => {
    const bucket = await moto.bucket();
    const sink = new S3CheckpointSink({ bucket, client: moto.config() });
    await moto.client().send(new PutObjectCommand({ Bucket: bucket, Key: "acme/notes.txt", Body: "hello" }));
    await expect(sink.latest("acme")).rejects.toMatchObject({ code: "PBR163", message: `the object \`acme/notes.txt\` in the checkpoint sink \`s3://${bucket}/\` is not a checkpoint: its name is not one the runtime gives a checkpoint` });
    // A genuine checkpoint's body copied under the key of a higher seq cannot stand in for it.
    await sink.append([at("hooli", 2)]);
    const [real] = (await keysOf(bucket)).filter((k) => k.startsWith("hooli/"));
    const higher = `hooli/${String(Number.MAX_SAFE_INTEGER - 9).padStart(16, "0")}-${"1".repeat(13)}-${"0".repeat(32)}.json`;
    await moto.client().send(new PutObjectCommand({ Bucket: bucket, Key: higher, Body: JSON.stringify(at("hooli", 2)) }));
    expect(real).toBeDefined();
    await expect(sink.latest("hooli")).rejects.toMatchObject({ code: "PBR163", message: expect.stringContaining("its content is not the checkpoint its name says") });
  });

  it("a missing bucket, an unreachable endpoint, no region or a malformed s3:// location is PBR165 with a help line", async () => {
    const missing = new S3CheckpointSink({ bucket: "no-such-bucket", prefix: "audit/", client: moto.config() });
    await expect(missing.append([at("acme", 1)])).rejects.toMatchObject({
      code: "PBR165",
      message: "the S3 checkpoint sink `s3://no-such-bucket/audit/` cannot write a checkpoint (NoSuchBucket, HTTP 404)",
      help: "create the bucket `no-such-bucket` with Object Lock (the AWS stacks declare it and output its name as `audit_checkpoint_bucket`), or name the right one in `s3://<bucket>/<prefix>`",
    });
    await expect(missing.latest("acme")).rejects.toMatchObject({ code: "PBR165", message: expect.stringContaining("cannot list the checkpoints of a tenant (NoSuchBucket") });
    await expect(missing.tenants()).rejects.toMatchObject({ code: "PBR165" });
    const closed = new S3CheckpointSink({ bucket: "any-bucket", client: { ...moto.config(), endpoint: "http://127.0.0.1:1", maxAttempts: 1 } });
    await expect(closed.tenants()).rejects.toMatchObject({ code: "PBR165", message: "the S3 checkpoint sink `s3://any-bucket/` cannot list the tenants (ECONNREFUSED)", help: expect.stringContaining("cannot be reached") });
    const { region: _, ...regionless } = moto.config();
    vi.stubEnv("AWS_REGION", undefined);
    vi.stubEnv("AWS_CONFIG_FILE", "/nonexistent/paybill-aws-config");
    try {
      await expect(new S3CheckpointSink({ bucket: "any-bucket", client: regionless }).tenants()).rejects.toMatchObject({ code: "PBR165", message: "the S3 checkpoint sink `s3://any-bucket/` cannot list the tenants (no region)", help: "set AWS_REGION to the bucket's region" });
    } finally {
      vi.unstubAllEnvs();
    }
    expect(() => S3CheckpointSink.fromUrl("s3://")).toThrow(expect.objectContaining({ code: "PBR165", message: "the checkpoint sink `s3://` names no bucket" }));
    expect(() => S3CheckpointSink.fromUrl("s3://Not_A_Bucket/x")).toThrow(expect.objectContaining({ code: "PBR165", message: "`Not_A_Bucket` is not an S3 bucket name" }));
  });
});

describe.each(BACKENDS)("openRuntime with audit.sink s3://… on %s", (backend) => {
  let bucket = "";
  beforeAll(async () => {
    bucket = await moto.bucket();
    // What a host sets: the region and credentials as usual, the endpoint only for an emulator.
    vi.stubEnv("AWS_ENDPOINT_URL_S3", moto.endpoint());
    vi.stubEnv("AWS_REGION", "us-east-1");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
  const t = sharedAuditRuntime(backend, "audit_s3", () => `s3://${bucket}/checkpoints/`);

  it("checkpoint writes an object to the bucket and verify holds the chain against it", async () => {
    const tenant = await chain(t.runtime, 3);
    const [taken] = await t.runtime.audit.checkpoint(tenant);
    expect(taken).toMatchObject({ tenant, seq: 3 });
    expect((await keysOf(bucket)).filter((k) => k.startsWith(`checkpoints/${tenant}/`))).toHaveLength(1);
    expect(await t.sink.latest(tenant)).toEqual(taken);
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: true, records: 3, checkpoint: { seq: 3 } });
  });

  it("verify names a chain cut short (tail deleted, head rewound) against the S3 checkpoint: truncated", async () => {
    const tenant = await chain(t.runtime, 5);
    await t.runtime.audit.checkpoint(tenant);
    await asSuperuser(t.runtime, (tx) => truncate(tx, tenant, 4));
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: false, seq: 4, problem: "truncated" });
  });

  it("a chain deleted with its head is listed from the bucket and named: chain_deleted", async () => {
    const tenant = await chain(t.runtime, 2);
    await t.runtime.audit.checkpoint(tenant);
    await asSuperuser(t.runtime, (tx) => truncate(tx, tenant, 1));
    expect(await t.runtime.audit.tenants()).toContain(tenant);
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: false, seq: 1, problem: "chain_deleted" });
  });
});
