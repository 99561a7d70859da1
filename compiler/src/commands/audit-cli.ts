/**
 * The `paybillc audit …` command declarations: options, help texts and examples only
 * (cli.ts calls `registerAuditCommands`). The commands (audit.ts) are imported when one
 * runs, so `--help` loads neither the runtime nor a database driver.
 */
import { type Command, Option } from "commander";
import type { Io } from "../io.js";
import { type Common, common, type Status } from "./project-options.js";

const AUDIT_HELP = `
Every tenant's audit is a hash chain in the project's database (<project>/.paybill/db, or
--database postgres://…). A hash chain shows records edited, deleted, reordered or inserted,
but someone who can write the database can also cut a chain short, rewind its head or
delete it whole. Signed checkpoints, kept outside the database, show that too:

  1. paybillc audit keygen --out keys/          an ed25519 key pair (never overwritten)
  2. paybillc audit checkpoint --key keys/audit-signing-key.pem
                                                sign every chain's head, append to the
                                                checkpoint file (run it from a scheduler,
                                                or let the host runtime take them: audit.every)
  3. paybillc audit verify --public-key keys/audit-public-key.pem
                                                each chain, against its latest checkpoint

The checkpoint file (--sink, default <project>/.paybill/audit-checkpoints.ndjson) is only
ever appended to; keep it, or a copy, where the database's writers cannot change it.
--sink s3://<bucket>/<prefix> keeps each checkpoint as an object of an Object Lock bucket
(the AWS stacks output it as audit_checkpoint_bucket); region, endpoint and credentials
come from the AWS environment (AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, …).
verify names what it finds: edited, deleted, reordered, inserted, truncated, rewound,
chain_deleted, forged_checkpoint (spec/runtime.md).

Exit status: 0 no tampering found, 1 tampering found (or a runtime error), 2 usage.
`;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerAuditCommands(program: Command, io: Io, setStatus: Status): void {
  const audit = program.command("audit").description("verify, checkpoint and export the audit chains").addHelpText("after", AUDIT_HELP);
  const auditModule = () => import("./audit.js");

  common(audit.command("verify").description("check every chain (or one) and its latest signed checkpoint; exit 1 on tampering"))
    .option("--tenant <id>", "only this tenant's chain (default: every chain in the database or the checkpoint file)")
    .option("--public-key <file>", "a PEM public key checkpoints may be signed with (repeat for several)", collect)
    .option("--key <file>", "the PEM signing key (its public half is trusted)")
    .option("--sink <file|s3-url>", "the checkpoint file or s3://bucket/prefix (default: <project>/.paybill/audit-checkpoints.ndjson)")
    .addHelpText(
      "after",
      "\nExamples:\n  $ paybillc audit verify --public-key keys/audit-public-key.pem\n  $ paybillc audit verify --tenant acme --public-key keys/audit-public-key.pem --format json\n  $ paybillc audit verify --tenant acme --sink /mnt/worm/checkpoints.ndjson --public-key old.pem --public-key new.pem\n",
    )
    .action(async (options: Common & { tenant?: string; publicKey?: string[]; key?: string; sink?: string }) => {
      setStatus(await (await auditModule()).verify(options, io));
    });

  common(audit.command("checkpoint").description("sign the head of every chain (or one) and append it to the checkpoint file"))
    .requiredOption("--key <file>", "the PEM ed25519 signing key (`paybillc audit keygen` makes one)")
    .option("--tenant <id>", "only this tenant's chain")
    .option("--sink <file|s3-url>", "the checkpoint file or s3://bucket/prefix, appended to (default: <project>/.paybill/audit-checkpoints.ndjson)")
    .addHelpText(
      "after",
      "\nExamples:\n  $ paybillc audit checkpoint --key keys/audit-signing-key.pem\n  $ paybillc audit checkpoint --key /run/secrets/audit.pem --sink /mnt/worm/checkpoints.ndjson --format json\n  $ AWS_REGION=eu-west-1 paybillc audit checkpoint --key /run/secrets/audit.pem --sink s3://acme-prod-shared-audit/checkpoints/\n",
    )
    .action(async (options: Common & { key: string; tenant?: string; sink?: string }) => {
      setStatus(await (await auditModule()).checkpoint(options, io));
    });

  common(audit.command("export").description("write a tenant's chain as NDJSON: one record per line, with its hashes"))
    .requiredOption("--tenant <id>", "the tenant whose chain is exported")
    .option("--from <seq-or-time>", "from this record number (inclusive), or from this ISO 8601 time (inclusive)")
    .option("--to <seq-or-time>", "to this record number (inclusive), or before this ISO 8601 time")
    .option("--out <file>", "write to this file (default: stdout)")
    .addHelpText(
      "after",
      "\nExamples:\n  $ paybillc audit export --tenant acme > acme-audit.ndjson\n  $ paybillc audit export --tenant acme --from 100 --to 200 --out part.ndjson\n  $ paybillc audit export --tenant acme --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z\n",
    )
    .action(async (options: Common & { tenant: string; from?: string; to?: string; out?: string }) => {
      setStatus(await (await auditModule()).exportAudit(options, io));
    });

  audit
    .command("keygen")
    .description("write an ed25519 key pair for signing checkpoints (never overwrites a key)")
    .requiredOption("--out <dir>", "the directory to write audit-signing-key.pem and audit-public-key.pem in")
    .addOption(new Option("--format <format>", "how to print results").choices(["text", "json"]).default("text"))
    .addHelpText("after", "\nExamples:\n  $ paybillc audit keygen --out keys/\n")
    .action(async (options: { out: string; format: "text" | "json" }) => {
      setStatus(await (await auditModule()).keygen(options, io));
    });
}
