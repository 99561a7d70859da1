/**
 * `S3CheckpointSink`: signed checkpoints kept in an S3 bucket with Object Lock (the AWS
 * stacks declare one and output its name as `audit_checkpoint_bucket`, spec/infrastructure.md),
 * given to `openRuntime` as `audit.sink: "s3://bucket/prefix"` or built with its options.
 *
 * Each checkpoint is an object of its own, written once with `If-None-Match: *` under
 *   `<prefix><tenant, percent-encoded>/<9007199254740991 − seq, 16 digits>-<append time, ms, 13 digits>-<content digest>.json`
 * so that a key names one content only (128 bits of the SHA-256 of the stored JSON), a
 * tenant's highest seq lists first and, of one seq, the one appended last sorts last (by the
 * writer's clock, to the millisecond; within one millisecond, by digest). The
 * bucket's Object Lock (its default retention, or `retention` here) keeps each object's first
 * version from being deleted or changed. Reads go by versions, never by the current one: a
 * key counts with the first version written under it, so an overwrite (a newer version) or a
 * delete marker cannot replace or hide a checkpoint. An object whose content is not the
 * checkpoint its key names is refused (PBR163), as a foreign line of the file sink is.
 *
 * `@aws-sdk/client-s3` is imported on the first request, so a runtime that never uses S3
 * never loads it. A failed request (no such bucket, access denied, no region, the network)
 * is PBR165 with a help line; the SDK's error is kept as its `cause`.
 */
import { createHash } from "node:crypto";
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { PaybillRuntimeError } from "../store/errors.js";
import type { SignedCheckpoint } from "./checkpoint.js";
import { type CheckpointSink, lineOf, parse } from "./checkpoint-sink.js";

export interface S3CheckpointSinkOptions {
  readonly bucket: string;
  /** Key prefix of every checkpoint object ("/" is added unless it is empty or ends with one). Default "". */
  readonly prefix?: string;
  /**
   * Object Lock retention set on each checkpoint object, `days` from when it is written.
   * Default: none set, so the bucket's default retention applies (the stacks': COMPLIANCE, 365 days).
   */
  readonly retention?: { readonly mode: "COMPLIANCE" | "GOVERNANCE"; readonly days: number };
  /**
   * The S3 client's configuration. Default: the SDK's own (AWS_REGION, credentials from the
   * environment, a profile or an instance role), with `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`
   * as the endpoint, addressed path-style, when one is set.
   */
  readonly client?: S3ClientConfig;
}

/** The seq the key's reversed number is taken from: reversed, the highest seq sorts first. */
const SEQ_MAX = Number.MAX_SAFE_INTEGER;
const KEY_NAME = /^(\d{16})-(\d{13})-([0-9a-f]{32})\.json$/;
/** Checkpoints written at once by one `append`. */
const PARALLEL_PUTS = 8;

/** The object version a key counts with: the first one written under it. */
interface Stored {
  readonly key: string;
  readonly versionId: string | undefined;
}

export class S3CheckpointSink implements CheckpointSink {
  readonly bucket: string;
  readonly prefix: string;
  readonly #retention: S3CheckpointSinkOptions["retention"];
  readonly #config: S3ClientConfig | undefined;
  #client: Promise<{ client: S3Client; sdk: typeof import("@aws-sdk/client-s3") }> | undefined;

  constructor(options: S3CheckpointSinkOptions) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
      throw new PaybillRuntimeError("PBR165", `\`${options.bucket}\` is not an S3 bucket name`, "give the bucket's name (the AWS stacks output it as `audit_checkpoint_bucket`), e.g. `s3://acme-prod-shared-audit/checkpoints/`");
    }
    const retention = options.retention;
    if (retention !== undefined && (!["COMPLIANCE", "GOVERNANCE"].includes(retention.mode) || !Number.isSafeInteger(retention.days) || retention.days < 1)) {
      throw new PaybillRuntimeError("PBR165", `the checkpoint retention ${JSON.stringify(retention)} is not a mode COMPLIANCE or GOVERNANCE and a positive whole number of days`, 'write e.g. `retention: { mode: "COMPLIANCE", days: 365 }`, or leave it out to use the bucket\'s default retention');
    }
    this.bucket = options.bucket;
    const prefix = options.prefix ?? "";
    this.prefix = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
    this.#retention = retention;
    this.#config = options.client;
  }

  /** The sink an `s3://bucket/prefix` URL names, its client configured from the environment. */
  static fromUrl(url: string): S3CheckpointSink {
    const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(url);
    if (match === null || match[1] === "") {
      throw new PaybillRuntimeError("PBR165", `the checkpoint sink \`${url}\` names no bucket`, "write `s3://<bucket>/<prefix>` (the AWS stacks output the bucket as `audit_checkpoint_bucket`)");
    }
    return new S3CheckpointSink({ bucket: match[1] ?? "", prefix: match[2] ?? "" });
  }

  /** `s3://bucket/prefix`, as messages name the sink. */
  get url(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  async append(checkpoints: readonly SignedCheckpoint[]): Promise<void> {
    const queue = [...checkpoints];
    const worker = async (): Promise<void> => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) await this.#put(c);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PUTS, queue.length) }, worker));
  }

  async latest(tenant: string): Promise<SignedCheckpoint | undefined> {
    const dir = `${this.prefix}${encodeTenant(tenant)}/`;
    const { client, sdk } = await this.#sdk();
    // The first key listed has the highest seq; read on only while keys of that seq follow.
    const group = new Map<string, Stored>();
    let top: string | undefined;
    let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (;;) {
      const page = await this.#send("list the checkpoints of a tenant", () => client.send(new sdk.ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: dir, MaxKeys: 100, ...marker })));
      let done = false;
      for (const v of page.Versions ?? []) {
        const key = v.Key ?? "";
        const name = KEY_NAME.exec(key.slice(dir.length));
        if (name === null) throw foreign(this.url, key, "its name is not one the runtime gives a checkpoint");
        top ??= name[1];
        if (name[1] !== top) {
          done = true;
          break;
        }
        // Versions of a key are listed newest first: the last one seen is the first written.
        group.set(key, { key, versionId: v.VersionId });
      }
      if (done || page.IsTruncated !== true) break;
      marker = { ...(page.NextKeyMarker === undefined ? {} : { KeyMarker: page.NextKeyMarker }), ...(page.NextVersionIdMarker === undefined ? {} : { VersionIdMarker: page.NextVersionIdMarker }) };
    }
    // Of the checkpoints of that seq, the one appended last: the greatest key.
    const chosen = [...group.values()].sort((a, b) => (a.key < b.key ? -1 : 1)).pop();
    if (chosen === undefined) return undefined;
    const checkpoint = parse(await this.#read(chosen));
    if (checkpoint === undefined || this.#keyOf(checkpoint, KEY_NAME.exec(chosen.key.slice(dir.length))?.[2] ?? "") !== chosen.key) throw foreign(this.url, chosen.key, "its content is not the checkpoint its name says");
    return checkpoint;
  }

  async tenants(): Promise<string[]> {
    const { client, sdk } = await this.#sdk();
    const tenants: string[] = [];
    let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (;;) {
      // Listed by versions, so a tenant whose objects carry delete markers is still listed.
      const page = await this.#send("list the tenants", () => client.send(new sdk.ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: this.prefix, Delimiter: "/", ...marker })));
      for (const p of page.CommonPrefixes ?? []) {
        const name = (p.Prefix ?? "").slice(this.prefix.length, -1);
        const tenant = decodeTenant(name);
        if (tenant === undefined) throw foreign(this.url, p.Prefix ?? "", "it is not a tenant's folder the runtime writes");
        tenants.push(tenant);
      }
      if (page.IsTruncated !== true) break;
      marker = { ...(page.NextKeyMarker === undefined ? {} : { KeyMarker: page.NextKeyMarker }), ...(page.NextVersionIdMarker === undefined ? {} : { VersionIdMarker: page.NextVersionIdMarker }) };
    }
    return [...new Set(tenants)].sort();
  }

  /** Writes one checkpoint unless its key is taken; a taken key must hold the same checkpoint. */
  async #put(checkpoint: SignedCheckpoint): Promise<void> {
    const body = JSON.stringify(lineOf(checkpoint));
    const key = this.#keyOf(checkpoint, String(Date.now()).padStart(13, "0"));
    const { client, sdk } = await this.#sdk();
    const retention = this.#retention;
    const put = new sdk.PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentType: "application/json",
      // Object Lock puts need an integrity check: S3 takes Content-MD5 (or an SDK checksum).
      ContentMD5: createHash("md5").update(body).digest("base64"),
      IfNoneMatch: "*",
      ...(retention === undefined ? {} : { ObjectLockMode: retention.mode, ObjectLockRetainUntilDate: new Date(Date.now() + retention.days * 86_400_000) }),
    });
    try {
      await client.send(put);
    } catch (error) {
      if (statusOf(error) !== 412) throw requestError(this.url, "write a checkpoint", error);
      // Appended in the same millisecond by another writer: the same content, as its key says — unless something else wrote it.
      const stored = await this.#first(key);
      if (stored === undefined || (await this.#read(stored)) !== body) throw foreign(this.url, key, "it was written by something other than the runtime before the checkpoint it names");
    }
  }

  /** The first version written under `key`. */
  async #first(key: string): Promise<Stored | undefined> {
    const { client, sdk } = await this.#sdk();
    const page = await this.#send("read a checkpoint", () => client.send(new sdk.ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: key })));
    const versions = (page.Versions ?? []).filter((v) => v.Key === key);
    const first = versions[versions.length - 1];
    return first === undefined ? undefined : { key, versionId: first.VersionId };
  }

  async #read(stored: Stored): Promise<string> {
    const { client, sdk } = await this.#sdk();
    return this.#send("read a checkpoint", async () => {
      const object = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: stored.key, ...(stored.versionId === undefined ? {} : { VersionId: stored.versionId }) }));
      return (await object.Body?.transformToString("utf8")) ?? "";
    });
  }

  /** The key of `c` appended at `appended` (13 digits of ms). */
  #keyOf(c: SignedCheckpoint, appended: string): string {
    const digest = createHash("sha256").update(JSON.stringify(lineOf(c))).digest("hex").slice(0, 32);
    return `${this.prefix}${encodeTenant(c.tenant)}/${String(SEQ_MAX - c.seq).padStart(16, "0")}-${appended}-${digest}.json`;
  }

  async #send<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw requestError(this.url, action, error);
    }
  }

  #sdk(): Promise<{ client: S3Client; sdk: typeof import("@aws-sdk/client-s3") }> {
    this.#client ??= import("@aws-sdk/client-s3").then((sdk) => ({ sdk, client: new sdk.S3Client(this.#config ?? environmentConfig()) }));
    return this.#client;
  }
}

/** The client configuration of the environment: the SDK reads the rest (region, credentials) itself. */
function environmentConfig(): S3ClientConfig {
  const endpoint = process.env["AWS_ENDPOINT_URL_S3"] || process.env["AWS_ENDPOINT_URL"];
  return endpoint ? { endpoint, forcePathStyle: true } : {};
}

/** A tenant id as one key segment: letters, digits, `_` and `-` as they are, every other UTF-8 byte as %XX. */
export function encodeTenant(tenant: string): string {
  return encodeURIComponent(tenant).replace(/[!'()*.~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The tenant a key segment names, or undefined when the runtime would not have written it so. */
export function decodeTenant(segment: string): string | undefined {
  try {
    const tenant = decodeURIComponent(segment);
    return segment !== "" && encodeTenant(tenant) === segment ? tenant : undefined;
  } catch {
    return undefined;
  }
}

function statusOf(error: unknown): number | undefined {
  return typeof error === "object" && error !== null && "$metadata" in error ? (error.$metadata as { httpStatusCode?: number }).httpStatusCode : undefined;
}

function foreign(url: string, key: string, why: string): PaybillRuntimeError {
  return new PaybillRuntimeError("PBR163", `the object \`${key}\` in the checkpoint sink \`${url}\` is not a checkpoint: ${why}`, "something other than the runtime writes under the sink's prefix: give the runtime a prefix of its own, and find out who wrote it");
}

/** PBR165 for a failed S3 request, with what to do about it. */
function requestError(url: string, action: string, error: unknown): PaybillRuntimeError {
  const name = error instanceof Error ? error.name : "Error";
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
  const status = statusOf(error);
  const bucket = url.slice("s3://".length).split("/")[0];
  const noRegion = error instanceof Error && /region is missing/i.test(error.message);
  const what = [noRegion ? "no region" : name === "Error" && code !== undefined ? code : name, status === undefined ? undefined : `HTTP ${status}`].filter((s) => s !== undefined).join(", ");
  let help = "check the bucket, the runtime's AWS credentials and region (AWS_REGION) and the network, then try again";
  if (name === "NoSuchBucket") help = `create the bucket \`${bucket}\` with Object Lock (the AWS stacks declare it and output its name as \`audit_checkpoint_bucket\`), or name the right one in \`s3://<bucket>/<prefix>\``;
  else if (status === 403 || ["AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"].includes(name)) help = `let the runtime's AWS credentials s3:PutObject, s3:PutObjectRetention, s3:ListBucketVersions and s3:GetObjectVersion on \`${bucket}\``;
  else if (name === "CredentialsProviderError") help = "give the runtime AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE) or the instance's role";
  else if (noRegion) help = "set AWS_REGION to the bucket's region";
  else if (code !== undefined && /^E[A-Z]+$/.test(code)) help = "the S3 endpoint cannot be reached: check AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL), the network and the bucket's region, then try again";
  return new PaybillRuntimeError("PBR165", `the S3 checkpoint sink \`${url}\` cannot ${action} (${what})`, help, { cause: error });
}
