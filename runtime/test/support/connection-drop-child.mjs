/**
 * The child process of connection-drop.test.ts: a runtime on PostgreSQL (the built
 * @paybill/runtime) whose connections are terminated with `pg_terminate_backend`, many
 * times, while an act waits on a lock, while a transaction holds its connection idle, and
 * between acts. It prints one JSON line of what happened and ends by itself: exit 0 means
 * the process survived every drop (an unhandled `error` event would have ended it).
 *
 * Arguments (JSON in argv[2]): url, schema, app (application_name), bundle (a file), rounds.
 */
import { readFile } from "node:fs/promises";
import { entityTablesSql, openRuntime } from "@paybill/runtime";
import pg from "pg";
import { dropScenario } from "./connection-drop-scenario.mjs";

const { url, schema, app, bundle, rounds } = JSON.parse(process.argv[2]);
const runtime = await openRuntime({ bundle: await readFile(bundle, "utf8"), database: { url, schema, applicationName: app, max: 4, privileged: true } });
await runtime.database.exec(entityTablesSql(runtime.bundle));
const summary = await dropScenario({ runtime, url, schema, app, rounds, pg });
await runtime.database.exec(`drop schema if exists "${schema}" cascade`);
await runtime.close();
process.stdout.write(`${JSON.stringify(summary)}\n`);
