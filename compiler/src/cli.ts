/**
 * The `paybillc` command line: wiring only. Each command lives in `commands/`; this file
 * declares the options, turns commander's usage errors into exit code 2, and makes sure an
 * unexpected exception is one line on stderr, not a stack trace. Commands are imported when
 * they run, so `--help` and `--version` do not pay for loading the parser.
 *
 * Exit codes: 0 ok, 1 problems found in the user's files, 2 usage or internal error.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { type Io, processIo } from "./io.js";
import type { OutputFormat } from "./output/report.js";
import { REQUEST_HELP } from "./commands/request-help.js";
import { registerAuditCommands } from "./commands/audit-cli.js";
import { registerControlCommands } from "./commands/control-cli.js";
import { registerMcpCommands } from "./commands/mcp-cli.js";
import { projectOption } from "./commands/project-options.js";
import { ProjectGivenTwice, projectPaths } from "./project/locate.js";
import type { ServeOptions } from "./commands/serve.js";
import type { ServeControlOptions } from "./commands/serve-control.js";
import { registerServeTokenCommands } from "./commands/serve-cli.js";

const EXAMPLES = `
Examples:
  $ paybillc check                     check every .paybill file under this directory
  $ paybillc check billing.paybill     check one file
  $ paybillc check --format json       diagnostics as JSON, for CI
  $ paybillc fmt                       rewrite files in the canonical layout
  $ paybillc fmt --check               list files that are not formatted
  $ paybillc build                     check, then write out/: bundle, Terraform stacks, Drizzle schema
  $ paybillc migrate                   apply pending migrations (embedded PGlite in .paybill/db)
  $ paybillc tenants onboard acme --plan business    register a tenant (then: paybillc tenants show acme)
  $ paybillc billing event payment_failed --tenant acme --id evt_1   a billing event drives the lifecycle
  $ paybillc audit verify --public-key keys/audit-public-key.pem   every audit chain and its signed checkpoint
  $ paybillc test                      run the project's test blocks through the runtime
  $ paybillc explain --request r.json  why a request would be allowed or denied
  $ paybillc explain --agent support_bot   what an agent can do: actions, conditions, workflow states
  $ paybillc replay --audit acme.ndjson --bundle candidate/bundle.json   which past decisions a change would alter
  $ paybillc lsp --stdio               the language server, for editors
  $ paybillc serve --mcp --bundle out/bundle.json --tenant acme --agent support_bot --workflow resolve_ticket
                                       the actions an agent may take now, as MCP tools
  $ paybillc mcp token create --tenant acme --agent support_bot   a bearer token for serve --mcp --http

Exit status: 0 no problems, 1 problems found, 2 usage or internal error.
Environment: NO_COLOR turns colours off; PAYBILL_DEBUG=1 shows stack traces of internal errors.
`;

const CHECK_EXAMPLES = `
Directories are searched recursively for .paybill files, skipping node_modules, out,
dist and hidden directories. Diagnostics go to stderr as code frames, or to stdout as a
JSON array of {code, severity, file, line, column, endLine, endColumn, message, help?}.

Examples:
  $ paybillc check
  $ paybillc check src/ shared/tenants.paybill
  $ paybillc check --format json > diagnostics.json
  $ paybillc check --format sarif > paybill.sarif     for code scanning (GitHub, Azure DevOps)
`;

const FMT_EXAMPLES = `
Files with syntax errors are reported and left untouched. Rewritten (or, with --check,
unformatted) files are listed on stdout, one per line.

Examples:
  $ paybillc fmt                       rewrite every .paybill file under this directory
  $ paybillc fmt --check               in CI: exit 1 if a file is not formatted
`;

const BUILD_EXAMPLES = `
The project is every .paybill file under the directory (searched as \`check\` searches).
It is checked first: any error is printed as \`check\` prints it, the exit status is 1 and
nothing is written. Otherwise it writes <out>/bundle.json — the runtime's only input,
described in spec/bundle.md — and, when the project declares a cloud, one Terraform stack
per isolation cell in <out>/terraform/<stack>/cdk.tf.json with <out>/terraform/manifest.json
(spec/infrastructure.md). Every file is written in full before any replaces the old one;
stack directories keep whatever else is in them (state, .terraform/). The same sources
give the same bytes on any machine, in any file order. A summary line with the counts and
the bundle's hash, then what changed in the stacks and tenants since the previous build in
<out>, go to stderr (with --format json, an object to stdout). A plan change that moves a
static tenant to another isolation model (its data must move) fails the build unless
--allow-isolation-change is given; each static tenant's placement is recorded in the
committed <project>/paybill-placements.json, so this holds on a fresh checkout. --release N
stamps the bundle (a runtime refuses an older release than the last it ran) and --sign KEY
signs it with an ed25519 private key (spec/bundle.md). --check writes nothing and exits 1,
listing them, when a build would change a file. For the entities it writes <out>/db/schema.ts (Drizzle)
and, when they changed since the newest snapshot in <project>/migrations/, the next
migration there (commit it; \`paybillc migrate\` applies it). A change that would destroy
data (a table or column dropped, a type narrowed) fails the build with the list unless
--allow-destructive is given (spec/database.md). For the actions, workflows and entities it
writes <out>/sdk/index.ts: their names as TypeScript types and typed(runtime), so host code
with a wrong action, input field or state name fails to compile (spec/sdk.md).

Examples:
  $ paybillc build                             the project here, into ./out/bundle.json
  $ paybillc build examples/helpdesk           into examples/helpdesk/out/bundle.json
  $ paybillc build . --out dist/paybill        into dist/paybill/bundle.json
  $ paybillc build --format json | jq .hash    the bundle's content hash, for CI
  $ paybillc build --allow-isolation-change    a tenant's plan moves it from pooled to silo
  $ paybillc build --allow-destructive         the migration drops a column, on purpose
  $ paybillc build --check                     in CI: exit 1 if a build would change a file
  $ paybillc build --release 42 --sign release.key   a signed release
  $ cd out/terraform/primary-pooled-eu-west-1 && terraform init && terraform plan
`;

const TEST_EXAMPLES = `
Each \`test\` block becomes one decision of the runtime (no database): its agent, workflow
state, tenant, approvals and given rows, on a fixed clock (2030-01-01T00:00:00Z). A test
passes when the decision is the one after \`expect\` and every policy after \`by\` is among
those that made it. Results go to stdout; exit 1 when a test fails or the project has errors.

With --coverage, also lists every permit, forbid and require rule no test exercised (no
test's request matched its agent and action and reached its condition), with file:line, the
operands of a condition's \`&&\`/\`||\` chain no test reached, and the share of rules
exercised; --min <percent> makes the run fail (exit 1) below that share.

Examples:
  $ paybillc test                              every test of the project here
  $ paybillc test examples/helpdesk --filter refund
  $ paybillc test --format json > results.json
  $ paybillc test --coverage --min 80          fail CI when fewer than 80% of rules are tested
`;

const EXPLAIN_EXAMPLES = `
With --request: decides one request against the project as the runtime would, and prints
the decision with every rule behind it: its policy, where it is written and its condition.
Nothing is performed. Exit 0 when allowed, 1 when denied or pending, 2 for a bad request file.

With --agent: lists what the agent can do — each action some rule permits it, whether it
may (yes, depends, no), the permits, forbids and approval rules that decide it with their
conditions and places, the features it needs, and where it may be asked for (outside runs,
the states of its workflows); with --state only what that state allows. Exit 0, or 2 for an
agent (PB9012) or state (PB9013) the project does not have.

${REQUEST_HELP}

Examples:
  $ paybillc explain examples/helpdesk --request refund.json
  $ paybillc explain --request refund.json --format json
  $ paybillc explain --agent support_bot                  what the agent can do, anywhere
  $ paybillc explain --agent support_bot --state resolve_ticket.triage --format json
`;

const REPLAY_EXAMPLES = `
Re-decides every decision of the export under the candidate bundle, as the runtime would,
and lists each whose outcome would change with the rules behind the recorded outcome and
the new one. The export does not hold the row an action worked on, lookups, counters or
masked inputs: a record whose recorded outcome the baseline does not give again from what
the export holds is listed as not replayed (stderr), never reported as a change. Workflow
states come from the export's run.start and workflow.move records, approvals from its
approval.grant records. Nothing is performed; no database is needed.
Exit status: 0 no replayed decision changes, 1 some would change (so CI can stop a policy
change that alters past decisions), 2 usage errors (PB9015 export, PB9016 bundle, PB9017 plan).

Examples:
  $ paybillc audit export --tenant acme --out acme.ndjson
  $ paybillc build --out candidate               the changed policies, beside out/
  $ paybillc replay --audit acme.ndjson --bundle candidate/bundle.json
  $ paybillc replay --audit acme.ndjson --bundle candidate/bundle.json --format json | jq '.changed[]'
`;

const MIGRATE_EXAMPLES = `
Applies the runtime's own tables (paybill_*), then the migrations in <project>/migrations/
(written by \`paybillc build\`) that the database lacks, in order, each in its own
transaction together with its record in paybill_schema_migrations: a rerun applies only
what is missing, and a migration that fails part-way leaves nothing of itself behind.
Then it audits the row-level security of those tables and exits 1 (PB9107) when someone
changed it by hand, also when the project has no migrations or none is pending (only a
PGlite directory not made yet is left alone then). Pooled tenants share one database
(row-level security); a bridge tenant's schema is --schema; a silo tenant's database is its
own URL (spec/database.md).

Examples:
  $ paybillc migrate                                   into the PGlite directory .paybill/db
  $ paybillc migrate . --database postgres://app@db:5432/paybill
  $ paybillc migrate . --database $URL --schema tenant_acme      a bridge tenant
  $ paybillc migrate . --database postgres://app@silo-globex:5432/paybill
  $ paybillc migrate . --database $URL --all-tenants                every tenant's placement, from the registry
`;

const SERVE_EXAMPLES = `
Serves the actions the agent may take now as MCP tools (spec/mcp.md). In a workflow run:
the actions its current state allows, plus \`paybill_status\` and \`paybill_move\` (a move
changes the list and the server says so); without a run, the actions some policy could
permit the agent. Each tool's input schema is its action's. Every call goes through the
runtime's \`act\`: decided by the policies, performed tenant-scoped and audited; a denial
is a tool error with the rules behind it, an action awaiting approval says so.
Over stdio by default (one session; nothing but the protocol on stdout), or streamable
HTTP with --http at http://<host>:<port>/mcp (a session, and with --workflow a run, per
client). The database is migrated by \`paybillc migrate\`; without --database the runtime
is a PGlite in a temporary directory with the entity tables, removed when the server stops. A message past
--max-message, invalid JSON or a non-JSON-RPC value is answered with a JSON-RPC error and
the server goes on. Over HTTP, bearer tokens (\`paybillc mcp token create\`, in the same
--database) are required on a host that is not loopback and optional on loopback (--auth
token turns them on); sessions are capped (--max-sessions) and closed when idle
(--idle-timeout). Exit 0 when stdin closes or on SIGINT/SIGTERM; 2 for usage errors, a
bundle or database that cannot be opened (a PGlite directory another process holds:
PBR191), serving off loopback without authentication (PB9320), or a tenant, agent,
workflow or run that does not fit.

With --control: the control-plane HTTP API (spec/control-server.md) on the project's
database (default <project>/.paybill/db): tenants, plans, billing and usage, runs,
approvals, audit and decisions under /api, its OpenAPI 3.1 document at /openapi.json, the
web console at / when built, Stripe's webhook at /webhooks/stripe (STRIPE_WEBHOOK_SECRET).
Bearer API tokens (\`paybillc serve tokens create --role …\`; a first operator token is
printed when the database has none) or OIDC JWTs (--oidc-issuer). Loopback only unless
--expose.

Examples:
  $ paybillc serve --control --project examples/helpdesk
  $ paybillc serve tokens create --role approver:finance --project examples/helpdesk
  $ paybillc serve --mcp --bundle out/bundle.json --tenant initech --agent support_bot --workflow resolve_ticket
  $ paybillc serve --mcp --tenant initech --agent support_bot --run 4f1c… --database .paybill/db
  $ paybillc serve --mcp --http --port 3000 --tenant initech --agent support_bot --workflow resolve_ticket
  $ paybillc serve --mcp --http --host 0.0.0.0 --tenant initech --agent support_bot --database .paybill/db
`;

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let status = 0;
  const program = new Command("paybillc")
    .description("check, format and compile Paybill projects")
    .version(version(), "-V, --version", "print the version of paybillc")
    .helpOption("-h, --help", "show help for paybillc or a command")
    .exitOverride()
    // Each command's options before its subcommands: `serve --project` is `serve`'s, `serve tokens create --project` the subcommand's.
    .enablePositionalOptions()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .showHelpAfterError("(run `paybillc --help` for usage)")
    .addHelpText("after", EXAMPLES);

  program
    .command("check")
    .description("parse a project and report every problem as a code frame")
    .argument("[paths...]", "files or directories to check (default: the project)")
    .addOption(projectOption())
    .addOption(new Option("--format <format>", "how to print results: code frames, a JSON array, or a SARIF 2.1.0 log").choices(["text", "json", "sarif"]).default("text"))
    .addHelpText("after", CHECK_EXAMPLES)
    .action(async (given: string[], options: { format: OutputFormat | "sarif"; project?: string }) => {
      const paths = projectOf("check", given, options, io);
      if (paths === undefined) {
        status = 2;
        return;
      }
      const { check } = await import("./commands/check.js");
      status = await check(paths, { format: options.format, version: version() }, io);
    });

  program
    .command("fmt")
    .description("rewrite .paybill files in the one canonical layout")
    .argument("[paths...]", "files or directories to format (default: the project)")
    .addOption(projectOption())
    .option("--check", "write nothing; list unformatted files and exit 1 if there are any", false)
    .addOption(formatOption())
    .addHelpText("after", FMT_EXAMPLES)
    .action(async (given: string[], options: { check: boolean; format: OutputFormat; project?: string }) => {
      const paths = projectOf("fmt", given, options, io);
      if (paths === undefined) {
        status = 2;
        return;
      }
      const { fmt } = await import("./commands/fmt.js");
      status = await fmt(paths, { check: options.check, format: options.format }, io);
    });

  program
    .command("build")
    .description("check a project and write the runtime bundle, the Terraform stacks and the database schema into <out>")
    .argument("[project]", "the project's directory (default: the nearest directory upwards with a paybill.json, else this one)")
    .addOption(projectOption())
    .option("-o, --out <dir>", "the output directory, relative to the working directory (default: <project>/out)")
    .option("--allow-isolation-change", "build even when a tenant moves to another isolation model (its data move is planned)", false)
    .option("--allow-destructive", "build even when the schema change drops tables or columns or narrows a type", false)
    .option("--release <n>", "stamp the bundle with release number <n> (a runtime refuses to go back to an older one)")
    .option("--sign <key>", "sign the bundle with the ed25519 private key in the file <key> (`paybillc keygen` makes one)")
    .option("--check", "write nothing; exit 1 and list the files a build would change (CI)", false)
    .addOption(formatOption())
    .addHelpText("after", BUILD_EXAMPLES)
    .action(async (given: string | undefined, options: { out?: string; format: OutputFormat; allowIsolationChange: boolean; allowDestructive: boolean; release?: string; sign?: string; check: boolean; project?: string }) => {
      const project = projectOf("build", given === undefined ? [] : [given], options, io)?.[0];
      if (project === undefined) {
        status = 2;
        return;
      }
      const { project: _, ...rest } = options;
      const { build } = await import("./commands/build.js");
      status = await build(project, rest, io);
    });

  program
    .command("test")
    .description("run the project's test blocks through the runtime and report each")
    .argument("[paths...]", "the project's files or directories (default: the project)")
    .addOption(projectOption())
    .option("--filter <text>", "only the tests whose name contains <text>")
    .option("--coverage", "also report the policy rules no test exercised", false)
    .option("--min <percent>", "exit 1 when fewer than <percent> of the rules are exercised (implies --coverage)")
    .addOption(formatOption())
    .addHelpText("after", TEST_EXAMPLES)
    .action(async (given: string[], options: { filter?: string; format: OutputFormat; coverage: boolean; min?: string; project?: string }) => {
      const paths = projectOf("test", given, options, io);
      if (paths === undefined) {
        status = 2;
        return;
      }
      const { project: _, ...rest } = options;
      const { test } = await import("./commands/test.js");
      status = await test(paths, rest, io);
    });

  program
    .command("explain")
    .description("decide one request against the project, or list what an agent can do, with the policies behind it")
    .argument("[paths...]", "the project's files or directories (default: the project)")
    .addOption(projectOption())
    .option("--request <file>", "decide this request, given as JSON (see below)")
    .option("--agent <name>", "list what this agent can do: each action, its conditions and the workflow states that allow it")
    .option("--state <state>", "with --agent: only what this workflow state allows (`<workflow>.<state>`, or the state alone)")
    .addOption(formatOption())
    .addHelpText("after", EXPLAIN_EXAMPLES)
    .action(async (given: string[], options: { request?: string; agent?: string; state?: string; format: OutputFormat; project?: string }) => {
      const paths = projectOf("explain", given, options, io);
      if (paths === undefined) {
        status = 2;
        return;
      }
      if ((options.request === undefined) === (options.agent === undefined) || (options.state !== undefined && options.agent === undefined)) {
        io.err(
          options.state !== undefined && options.agent === undefined
            ? "error[PB9014]: --state goes with --agent\n  = help: `paybillc explain --agent <name> --state <state>`\n"
            : "error[PB9014]: explain needs either --request <file> (decide one request) or --agent <name> (what the agent can do), not both\n  = help: `paybillc explain --request request.json` or `paybillc explain --agent <name>`\n",
        );
        status = 2;
        return;
      }
      if (options.agent !== undefined) {
        const { explainAgent } = await import("./commands/explain-agent.js");
        status = await explainAgent(paths, { agent: options.agent, format: options.format, ...(options.state === undefined ? {} : { state: options.state }) }, io);
        return;
      }
      const { explain } = await import("./commands/explain.js");
      status = await explain(paths, { request: options.request as string, format: options.format }, io);
    });

  program
    .command("replay")
    .description("re-decide the decisions of an audit export under a candidate bundle and list every one that would change")
    .argument("[project]", "the project's directory, its out/bundle.json the baseline (default: the nearest directory upwards with a paybill.json, else this one)")
    .addOption(projectOption())
    .requiredOption("--audit <file>", "the export, as `paybillc audit export` writes it (NDJSON)")
    .requiredOption("--bundle <file>", "the candidate bundle (`paybillc build --out <dir>` writes <dir>/bundle.json)")
    .option("--baseline <file>", "the bundle that made the recorded decisions (default: <project>/out/bundle.json)")
    .option("--plan <name>", "the plan of tenants neither bundle declares (tenants onboarded at run time)")
    .addOption(formatOption())
    .addHelpText("after", REPLAY_EXAMPLES)
    .action(async (given: string | undefined, options: { audit: string; bundle: string; baseline?: string; plan?: string; format: OutputFormat; project?: string }) => {
      const project = projectOf("replay", given === undefined ? [] : [given], options, io)?.[0];
      if (project === undefined) {
        status = 2;
        return;
      }
      const { project: _, ...rest } = options;
      const { replayCommand } = await import("./commands/replay.js");
      status = await replayCommand(project, rest, io);
    });

  program
    .command("init")
    .description("write a starter project that checks, builds and tests clean (never over an existing file)")
    .argument("[dir]", "the project's directory (made when missing)", ".")
    .addHelpText("after", "\nExamples:\n  $ paybillc init my-product && cd my-product && paybillc test\n")
    .action(async (dir: string) => {
      const { init } = await import("./commands/init.js");
      status = await init(dir, io);
    });

  program
    .command("keygen")
    .description("make an ed25519 key pair for signing bundles: <name>.key (private) and <name>.pub (public)")
    .argument("<name>", "the files' path without extension")
    .action(async (name: string) => {
      const { keygen } = await import("./commands/keygen.js");
      status = await keygen(name, io);
    });

  program
    .command("lsp")
    .description("run the language server for editors (speaks LSP over stdin and stdout)")
    .option("--stdio", "use stdin and stdout (the only transport)", false)
    .action(async (options: { stdio: boolean }) => {
      const { lsp } = await import("./commands/lsp.js");
      status = await lsp(options);
    });

  program
    .command("migrate")
    .description("apply the project's pending migrations to a database, each in one transaction")
    .argument("[project]", "the project's directory, its migrations/ folder (default: the nearest directory upwards with a paybill.json, else this one)")
    .addOption(projectOption())
    .option("--database <url>", "a postgres:// URL, or a PGlite data directory (default: <project>/.paybill/db)")
    .option("--schema <name>", "apply inside this schema (a bridge tenant's), created if missing")
    .option("--all-tenants", "also every tenant's placement the registry in --database knows: bridge schemas, silo databases (spec/database.md)", false)
    .addOption(formatOption())
    .addHelpText("after", MIGRATE_EXAMPLES)
    .action(async (given: string | undefined, options: { database?: string; schema?: string; allTenants: boolean; format: OutputFormat; project?: string }) => {
      const project = projectOf("migrate", given === undefined ? [] : [given], options, io)?.[0];
      if (project === undefined) {
        status = 2;
        return;
      }
      const { project: _, ...rest } = options;
      if (rest.allTenants) {
        if (rest.schema !== undefined) {
          io.err("error[PB9318]: `--all-tenants` and `--schema` do not go together\n  = help: `--all-tenants` finds every bridge tenant's schema itself; drop `--schema`\n");
          status = 2;
          return;
        }
        const { migrateAll } = await import("./commands/migrate-all.js");
        status = await migrateAll(project, rest, io);
        return;
      }
      const { migrate } = await import("./commands/migrate.js");
      status = await migrate(project, rest, io);
    });

  const serveCommand = program
    .command("serve")
    .description("serve MCP tools for an agent (--mcp), or the control-plane HTTP API (--control)")
    .enablePositionalOptions()
    .option("--mcp", "speak the Model Context Protocol: an agent's tools, each call decided and audited by the runtime", false)
    .option("--control", "the control-plane HTTP API (spec/control-server.md) on the project's database", false)
    .addOption(projectOption())
    .option("--bundle <file>", "MCP: the bundle `paybillc build` wrote (default: <project>/out/bundle.json)")
    .option("--tenant <id>", "MCP: the tenant the agent acts for")
    .option("--agent <name>", "MCP: the agent the tools are for")
    .option("--workflow <name>", "MCP: start a run of this workflow for each session")
    .option("--run <id>", "MCP: work in this existing run")
    .option("--context <file>", "MCP: a JSON file: the trusted context of each run --workflow starts (the host's intent; no tool can change it)")
    .option("--database <url>", "a postgres:// URL, or a PGlite data directory (MCP default: a temporary one, removed on exit; control default: <project>/.paybill/db)")
    .option("--schema <name>", "MCP: the schema the runtime's tables are in (with --database)")
    .option("--http", "MCP: streamable HTTP at http://<host>:<port>/mcp instead of stdio", false)
    .option("--port <n>", "the HTTP port (0 picks a free one)", "3000")
    .option("--host <host>", "the HTTP host to listen on", "127.0.0.1")
    .option("--expose", "control: allow a --host that is not loopback (put TLS in front)", false)
    .option("--oidc-issuer <url>", "control: accept OIDC bearer JWTs from this issuer")
    .option("--oidc-jwks <url>", "control: the issuer's JWKS (default <issuer>/.well-known/jwks.json)")
    .option("--oidc-audience <aud>", "control: the audience the JWTs must name")
    .option("--oidc-roles-claim <claim>", "control: the JWT claim holding the caller's roles (default paybill_roles)")
    .option("--rate-limit <n>", "control: requests per minute per token", "600")
    .option("--provisioner <name>", "control: what `provision` runs: dry-run (default) or terraform")
    .option("--console <dir>", "control: the web console's built assets (default: console/dist when built)")
    .option("--auth <mode>", "MCP over HTTP: `token` (every request carries a bearer token of `paybillc mcp token create`) or `none`; default `token`, `none` on a loopback host")
    .option("--max-sessions <n>", "MCP over HTTP: sessions open at once", "64")
    .option("--idle-timeout <seconds>", "MCP over HTTP: a session with no request for this long is closed", "900")
    .option("--max-message <bytes>", "MCP: the largest message taken (a stdio line, an HTTP body); larger ones are answered with a JSON-RPC error", "1048576")
    .option("--clock <time>", "MCP: decide at this fixed time (RFC 3339, e.g. 2030-01-01T12:00:00Z) instead of the system clock: nothing expires, no deadline passes — for replays and demos, not a service")
    .addHelpText("after", SERVE_EXAMPLES)
    .action(async (options: Omit<ServeOptions, "version" | "tenant" | "agent" | "bundle"> & ServeControlOptions & { control: boolean; tenant?: string; agent?: string; project?: string; bundle?: string }) => {
      if (options.control) {
        if (options.mcp) {
          io.err("error[PB9201]: give `--mcp` or `--control`, not both\n  = help: run one process per protocol\n");
          status = 2;
          return;
        }
        const { serveControl } = await import("./commands/serve-control.js");
        status = await serveControl({ ...options, version: version() }, io);
        return;
      }
      if (!options.mcp) {
        io.err("error[PB9201]: `serve` needs a protocol\n  = help: run `paybillc serve --mcp --tenant … --agent …` (an agent's tools) or `paybillc serve --control` (the control API)\n");
        status = 2;
        return;
      }
      if (options.tenant === undefined || options.agent === undefined) {
        io.err("error[PB9201]: `serve --mcp` needs `--tenant` and `--agent`\n  = help: name the tenant the agent acts for and the agent: `paybillc serve --mcp --tenant acme --agent support_bot`\n");
        status = 2;
        return;
      }
      // The bundle: --bundle, else the project's (--project, else the located one) out/bundle.json.
      const { project, bundle, ...rest } = options;
      const dir = project ?? (bundle === undefined ? projectPaths("serve", [], undefined, io.cwd)[0] : undefined) ?? ".";
      if (project !== undefined && bundle !== undefined) {
        io.err(`error[PB9018]: the bundle is given twice: \`--project ${project}\` and \`--bundle ${bundle}\`\n  = help: give one: \`--project ${project}\` serves ${project}/out/bundle.json\n`);
        status = 2;
        return;
      }
      const { serve } = await import("./commands/serve.js");
      status = await serve({ ...rest, tenant: options.tenant, agent: options.agent, bundle: bundle ?? (dir === "." ? "out/bundle.json" : `${dir}/out/bundle.json`), version: version() }, io);
    });
  registerServeTokenCommands(serveCommand, io, (s) => {
    status = s;
  });

  registerControlCommands(program, io, (s) => {
    status = s;
  });
  registerMcpCommands(program, io, (s) => {
    status = s;
  });
  registerAuditCommands(program, io, (s) => {
    status = s;
  });

  try {
    await program.parseAsync(argv, { from: "user" });
    return status;
  } catch (error) {
    // Help and --version also arrive here, with exit code 0; every other commander error is
    // a usage mistake it has already explained on stderr.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const message = error instanceof Error ? error.message : String(error);
    io.err(`paybillc: internal error: ${message}\n`);
    if (io.debug && error instanceof Error && error.stack !== undefined) io.err(`${error.stack}\n`);
    else io.err("run again with PAYBILL_DEBUG=1 for details, and please report it\n");
    return 2;
  }
}

/** The command's project by the one convention (project/locate.ts); undefined after printing PB9018. */
function projectOf(command: string, given: readonly string[], options: { project?: string; format?: string }, io: Io): string[] | undefined {
  try {
    return projectPaths(command, given, options.project, io.cwd);
  } catch (error) {
    if (!(error instanceof ProjectGivenTwice)) throw error;
    // As printProblem (project-runtime.ts) prints, without loading the runtime for a usage error.
    if (options.format === "json") io.out(`${JSON.stringify({ error: { code: error.code, message: error.message, help: error.help } }, null, 2)}\n`);
    else io.err(`error[${error.code}]: ${error.message}\n  = help: ${error.help}\n`);
    return undefined;
  }
}

function formatOption(): Option {
  return new Option("--format <format>", "how to print results").choices(["text", "json"] satisfies OutputFormat[]).default("text");
}

function version(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  return typeof manifest === "object" && manifest !== null && "version" in manifest ? String(manifest.version) : "unknown";
}
