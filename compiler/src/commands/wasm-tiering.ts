/**
 * PGlite is PostgreSQL compiled to WebAssembly (~9 MB). V8 compiles it with its baseline
 * compiler and then re-compiles the functions that run hot with its optimising compiler,
 * early by default: during the first few queries. A CLI command (or an MCP server starting
 * its session) runs a few queries, so that early tier-up is ~0.3 s of CPU and ~40–50 MB of
 * resident memory it never earns back. Raising V8's tiering budget a hundredfold keeps a
 * command on baseline code; a server under load still tiers its hot functions up (after
 * thousands of queries), so its throughput is what it was.
 *
 * Process-wide and read when a module is compiled: called before the first PGlite opens,
 * only by commands that open one (not a library's choice: the runtime leaves V8 alone).
 */
import { setFlagsFromString } from "node:v8";

let done = false;

export function delayWasmTierUp(): void {
  if (done) return;
  done = true;
  setFlagsFromString("--wasm-tiering-budget=180000000");
}
