/**
 * A real S3 implementation for the S3 checkpoint sink's tests: moto's server
 * (`python3 -m moto.server`, which implements versioning, Object Lock and conditional
 * writes), started on a free loopback port before a test file's tests and stopped after
 * them (.ci/run checks that it is installed); buckets created with Object Lock and a default
 * COMPLIANCE retention, as the AWS stacks declare theirs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { CreateBucketCommand, PutObjectLockConfigurationCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { afterAll, beforeAll } from "vitest";

export interface Moto {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: () => string;
  /** The client configuration of the emulator (path-style, any credentials). */
  readonly config: () => S3ClientConfig;
  readonly client: () => S3Client;
  /** A new bucket with Object Lock and a default COMPLIANCE retention of one day. */
  bucket(): Promise<string>;
}

/** The Python with moto (`PAYBILL_TEST_PYTHON`, default `python3`). */
const PYTHON = process.env.PAYBILL_TEST_PYTHON || "python3";

export function sharedMoto(): Moto {
  let child: ChildProcess | undefined;
  let endpoint = "";
  let client: S3Client | undefined;
  beforeAll(async () => {
    child = spawn(PYTHON, ["-m", "moto.server", "-H", "127.0.0.1", "-p", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    endpoint = await listening(child);
    client = new S3Client(configOf(endpoint));
  });
  afterAll(async () => {
    client?.destroy();
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((done) => child?.once("exit", done));
    child.kill("SIGTERM");
    await exited;
  });
  const get = (): S3Client => {
    if (client === undefined) throw new Error("moto is not running yet: use it inside a test");
    return client;
  };
  return {
    endpoint: () => endpoint,
    config: () => configOf(endpoint),
    client: get,
    async bucket() {
      const name = `paybill-audit-${randomUUID().slice(0, 8)}`;
      await get().send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: true }));
      await get().send(
        new PutObjectLockConfigurationCommand({ Bucket: name, ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 1 } } } }),
      );
      return name;
    },
  };
}

function configOf(endpoint: string): S3ClientConfig {
  return { endpoint, forcePathStyle: true, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } };
}

/** The address moto prints once it listens; its output in the error when it ends first. */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const read = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const found = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (found?.[1] !== undefined) resolve(found[1]);
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.once("error", (error) => reject(new Error(`moto's S3 server cannot start (${PYTHON} -m moto.server): ${error.message}; .ci/run checks that moto is installed`)));
    child.once("exit", (code) => reject(new Error(`moto's S3 server ended (exit ${code}) before listening:\n${output}`)));
  });
}
