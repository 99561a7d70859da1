#!/usr/bin/env node
// A committed shim: npm links workspace bins before `prepare` has built dist/, and skips a
// bin whose target does not exist yet. This file always exists and loads the built CLI.
import { main } from "../dist/cli.js";

process.exitCode = await main(process.argv.slice(2));
