/**
 * `paybillc serve --control [--project DIR] [--database url-or-dir] [--host H] [--port N]
 * [--expose] [--oidc-issuer URL [--oidc-jwks URL] [--oidc-audience A] [--oidc-roles-claim C]]
 * [--rate-limit N] [--provisioner dry-run|terraform] [--console DIR]`: the control-plane
 * HTTP API of @paybill/server (spec/control-server.md) on the project's runtime — the
 * embedded default database (`<project>/.paybill/db`) or PostgreSQL, as for `paybillc
 * tenants` (project-runtime.ts). On a database with no live API token it creates one
 * `operator` token and prints it once, so the first start needs nothing else; more with
 * `paybillc serve tokens create --role …`. Stripe: STRIPE_WEBHOOK_SECRET (the webhook) and
 * STRIPE_SECRET_KEY (pushing meter events). Exit 0 on SIGINT/SIGTERM; 2 when it cannot start.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PaybillRuntimeError, type Provisioner } from "@paybill/runtime";
import { createApiToken, installControlTables, listApiTokens, startControlServer } from "@paybill/server/control";
import { readManifest } from "@paybill/server/provision";
import type { Io } from "../io.js";
import { CommandProblem, type ProjectRuntime, withProjectRuntime } from "./project-runtime.js";
import { dryRunProvisioner, terraformProvisioner } from "./provisioners.js";

export interface ServeControlOptions {
  readonly project?: string;
  readonly database?: string;
  readonly host: string;
  readonly port: string;
  readonly expose?: boolean;
  readonly oidcIssuer?: string;
  readonly oidcJwks?: string;
  readonly oidcAudience?: string;
  readonly oidcRolesClaim?: string;
  readonly rateLimit: string;
  readonly provisioner?: string;
  readonly console?: string;
  readonly version?: string;
}

/** The web console's built assets beside the packages, when they were built (`console/dist`). */
const BUILT_CONSOLE = fileURLToPath(new URL("../../../console/dist", import.meta.url));

export function serveControl(options: ServeControlOptions, io: Io, stop: Promise<void> = stopSignal()): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return Promise.resolve(usage(io, `\`${options.port}\` is not a port`, "give a number from 0 to 65535 (0 picks a free port)"));
  const rate = Number(options.rateLimit);
  if (!Number.isInteger(rate) || rate < 1) return Promise.resolve(usage(io, `\`${options.rateLimit}\` is not a rate limit`, "give the requests a caller may make per minute, at least 1 (default 600)"));
  if (options.provisioner !== undefined && options.provisioner !== "dry-run" && options.provisioner !== "terraform") {
    return Promise.resolve(usage(io, `\`${options.provisioner}\` is not a provisioner`, "give `--provisioner dry-run` or `--provisioner terraform`"));
  }
  return withProjectRuntime({ ...options, format: "text" }, io, async (project) => {
    const { runtime } = project;
    // The embedded database's connection may create the tables; PostgreSQL's login role may not (PBR252 then).
    if (runtime.database.kind === "pglite") await installControlTables(runtime.database);
    const consoleDir = options.console !== undefined ? resolve(io.cwd, options.console) : existsSync(BUILT_CONSOLE) ? BUILT_CONSOLE : undefined;
    const stripe = process.env.STRIPE_WEBHOOK_SECRET;
    const apiKey = process.env.STRIPE_SECRET_KEY;
    let server: Awaited<ReturnType<typeof startControlServer>>;
    try {
      server = await startControlServer(runtime, {
        host: options.host,
        port,
        exposed: options.expose === true,
        ratePerMinute: rate,
        provisioner: await provisionerOf(project, options.provisioner, io),
        ...(options.oidcIssuer === undefined
          ? {}
          : { oidc: { issuer: options.oidcIssuer, ...(options.oidcJwks === undefined ? {} : { jwksUrl: options.oidcJwks }), ...(options.oidcAudience === undefined ? {} : { audience: options.oidcAudience }), ...(options.oidcRolesClaim === undefined ? {} : { rolesClaim: options.oidcRolesClaim }) } }),
        ...(stripe === undefined || stripe === "" ? {} : { stripe: { webhookSecret: stripe, ...(apiKey === undefined || apiKey === "" ? {} : { apiKey }) } }),
        ...(consoleDir === undefined ? {} : { consoleDir }),
        ...(options.version === undefined ? {} : { version: options.version }),
      });
    } catch (error) {
      if (error instanceof PaybillRuntimeError) throw new CommandProblem(error.code, error.message, error.help, 2);
      throw new CommandProblem("PB9335", `cannot listen on ${options.host}:${options.port}: ${error instanceof Error ? error.message : String(error)}`, "pick another `--port` (0 picks a free one) or stop what listens there", 2);
    }
    if ((await listApiTokens(runtime.database)).every((t) => t.revokedAt !== undefined)) {
      const { token, record } = await createApiToken(runtime.database, { roles: ["operator"], label: "first operator" });
      io.out(`${token}\n`);
      io.err(`paybillc serve: the database had no API token: created \`${record.id}\` (operator), shown this once — send it as \`Authorization: Bearer …\`\n`);
    }
    io.err(`paybillc serve: control API at ${server.url}/api (OpenAPI at ${server.url}/openapi.json${consoleDir === undefined ? "" : `, console at ${server.url}/`})${stripe === undefined || stripe === "" ? "" : "; Stripe webhook at /webhooks/stripe"}\n`);
    await stop;
    await server.close();
    return 0;
  });
}

async function provisionerOf(project: ProjectRuntime, named: string | undefined, io: Io): Promise<Provisioner> {
  const read = await readManifest(project.outDir);
  const choice = named ?? project.settings.provisioner ?? "dry-run";
  if (choice === "dry-run") return dryRunProvisioner(read.ok ? read.manifest : undefined, io);
  if (!read.ok) throw new CommandProblem("PB9303", read.problem, read.help, 2);
  const workDir = project.settings.terraformWorkDir ?? join(project.dir, ".paybill", "terraform");
  return terraformProvisioner(project.runtime, read.manifest, { outDir: project.outDir, workDir, apply: true, dataMoved: false, args: project.args }, io);
}

function usage(io: Io, message: string, help: string): number {
  io.err(`error[PB9201]: ${message}\n  = help: ${help}\n`);
  return 2;
}

function stopSignal(): Promise<void> {
  return new Promise((done) => {
    process.once("SIGINT", () => done());
    process.once("SIGTERM", () => done());
  });
}
