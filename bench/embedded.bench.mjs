/**
 * `embedded`: how long a person or an agent waits on the embedded default (PGlite, no
 * `--database`), and what the process holds — issue 19, item 1: ready in ≤ 1 s, ≤ 150 MB
 * RSS per runtime. Whole processes, wall clock, interleaved with `node -e 0` in the same run.
 *
 *   1. `paybillc tenants show initech` on a built copy of examples/helpdesk, its database the
 *      project's `.paybill/db`:
 *      - first on this machine: the template cache empty (a folder of the bench's own,
 *        PAYBILL_CACHE_DIR), so the run makes the template (initdb and every migration);
 *      - cold: a new data directory each run (removed before it), the template made;
 *      - warm: the directory the run before left.
 *   2. `paybillc serve --mcp` with no `--database`: from spawn to the answer of the first
 *      `initialize` written on its stdin; then the process's resident memory (VmRSS, and its
 *      peak VmHWM, from /proc on Linux).
 *   3. In a fresh process (embedded-rss.child.mjs): RSS after importing @paybill/runtime,
 *      then what the first and the second runtime on PGlite add (each on a new data
 *      directory, used once), with V8's default WebAssembly tiering and with the CLI's
 *      (`--wasm-tiering-budget`, compiler/src/commands/wasm-tiering.ts).
 *
 * Peak RSS of the `tenants` processes comes from GNU time (`/usr/bin/time -f %M`) when it is
 * there; every row pays the same for it.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HELPDESK, PAYBILLC, ROOT } from "./example.mjs";
import { fmtMB, fmtMs, MB, median, percentile, GNU_TIME, hasGnuTime, spawnTimed } from "./harness.mjs";

export const name = "embedded";
export const description = "the embedded default (PGlite): paybillc tenants show cold and warm, serve --mcp to its first initialize, RSS; vs node -e 0";

const RUNS = 5;
const GOAL_READY_MS = 1000;
const GOAL_RSS_BYTES = 150 * MB;
const RSS_CHILD = fileURLToPath(new URL("./embedded-rss.child.mjs", import.meta.url));
const TIERING = "--wasm-tiering-budget=180000000";

export default async function run({ log = () => {} } = {}) {
  const work = mkdtempSync(join(tmpdir(), "paybill-bench-embedded-"));
  try {
    const project = join(work, "helpdesk");
    cpSync(HELPDESK, project, { recursive: true, filter: (path) => !/[\\/](out|\.paybill|node_modules)$/.test(path) });
    log("building the helpdesk example");
    const built = spawnSync(process.execPath, [PAYBILLC, "build", project], { cwd: ROOT, encoding: "utf8" });
    if (built.status !== 0) throw new Error(`paybillc build failed:\n${built.stderr}`);
    const cache = join(work, "cache");
    const env = { ...process.env, PAYBILL_CACHE_DIR: cache };
    const dataDir = join(project, ".paybill");
    const withTime = hasGnuTime();
    const show = [PAYBILLC, "tenants", "show", "initech", "--project", project];

    log("first on this machine: tenants show with no template yet");
    const first = expectExit(spawnTimed(process.execPath, show, { withTime, cwd: ROOT, env }), "paybillc tenants show (first)");
    const firstMade = existsSync(cache);

    log(`cold and warm tenants show, node -e 0 and serve --mcp: ${RUNS} runs each, interleaved`);
    const bare = [];
    const cold = [];
    const warm = [];
    const serve = [];
    spawnTimed(process.execPath, ["-e", "0"], { withTime, cwd: ROOT, env });
    for (let i = 0; i < RUNS; i++) {
      bare.push(expectExit(spawnTimed(process.execPath, ["-e", "0"], { withTime, cwd: ROOT, env }), "node -e 0"));
      rmSync(dataDir, { recursive: true, force: true });
      cold.push(expectExit(spawnTimed(process.execPath, show, { withTime, cwd: ROOT, env }), "paybillc tenants show (cold)"));
      warm.push(expectExit(spawnTimed(process.execPath, show, { withTime, cwd: ROOT, env }), "paybillc tenants show (warm)"));
      serve.push(await firstInitialize(join(project, "out", "bundle.json"), env));
    }

    log("RSS per runtime, in a fresh process: V8's default tiering, then the CLI's");
    const perRuntime = [[], [TIERING]].map((flags) => runtimesRss(join(project, "out", "bundle.json"), work, env, flags));

    const bareMs = median(bare.map((r) => r.ms));
    const ratio = (ms) => `${(ms / bareMs).toFixed(1)}× node -e 0`;
    const verdict = (ms) => `goal ≤ ${fmtMs(GOAL_READY_MS)}: ${ms <= GOAL_READY_MS ? "met" : `MISSED (${(ms / GOAL_READY_MS).toFixed(1)}×)`}`;
    const rssVerdict = (bytes) => (bytes === undefined ? "" : `; goal ≤ ${fmtMB(GOAL_RSS_BYTES)}: ${bytes <= GOAL_RSS_BYTES ? "met" : `MISSED (${(bytes / GOAL_RSS_BYTES).toFixed(2)}×)`}`);
    const peak = (rs) => {
      const values = rs.map((r) => r.rssKB).filter((v) => v !== undefined);
      return values.length === 0 ? undefined : median(values) * 1024;
    };
    const peakNote = (rs) => (peak(rs) === undefined ? "" : `; peak RSS ${fmtMB(peak(rs))} (median)`);
    const row = (label, rs, note, { goal = true, data = {} } = {}) => {
      const ms = median(rs.map((r) => r.ms));
      return {
        name: label,
        median: fmtMs(ms),
        p90: fmtMs(p90(rs)),
        rate: ratio(ms),
        note: `${goal ? verdict(ms) : "the template made: once per machine and key"}; ${rs.length} run${rs.length === 1 ? "" : "s"}${note}`,
        data: { ...timing(rs), ratioToNode: ms / bareMs, ...(goal ? { goalMs: GOAL_READY_MS } : {}), ...data },
      };
    };
    const serveRss = median(serve.map((s) => s.rssBytes).filter((v) => v !== undefined));
    const serveHwm = median(serve.map((s) => s.hwmBytes).filter((v) => v !== undefined));
    const rows = [
      { name: "node -e 0 (cold)", median: fmtMs(bareMs), p90: fmtMs(p90(bare)), note: `reference: a bare Node process; ${bare.length} runs${peakNote(bare)}`, data: { ...timing(bare), peakRssBytes: peak(bare) } },
      row("tenants show: first on machine", [first], `${firstMade ? "" : " (no template was written!)"}${peakNote([first])}`, { goal: false, data: { peakRssBytes: peak([first]) } }),
      row("tenants show: cold (new data dir)", cold, `${peakNote(cold)}${rssVerdict(peak(cold))}`, { data: { peakRssBytes: peak(cold) } }),
      row("tenants show: warm (existing dir)", warm, `${peakNote(warm)}${rssVerdict(peak(warm))}`, { data: { peakRssBytes: peak(warm) } }),
      row("serve --mcp: first initialize", serve, "", { data: { rssBytes: serveRss, peakRssBytes: serveHwm } }),
      {
        name: "serve --mcp: RSS after initialize",
        size: Number.isNaN(serveRss) ? "" : fmtMB(serveRss),
        rate: Number.isNaN(serveRss) || peak(bare) === undefined ? "" : `${(serveRss / peak(bare)).toFixed(1)}× node -e 0`,
        note: Number.isNaN(serveRss) ? "not measured (no /proc)" : `VmRSS, median of ${serve.length}; peak VmHWM ${fmtMB(serveHwm)}${rssVerdict(serveRss)}`,
        data: { rssBytes: serveRss, peakRssBytes: serveHwm, goalBytes: GOAL_RSS_BYTES },
      },
    ];
    for (const [i, measured] of perRuntime.entries()) {
      const [imported, first, second] = measured.rssBytes;
      const how = i === 0 ? "V8 default tiering" : "the CLI's tiering budget";
      rows.push(
        { name: `runtime module imported (${i === 0 ? "default" : "CLI flags"})`, size: fmtMB(imported), note: `RSS of a process that imported @paybill/runtime; ${how}`, data: { rssBytes: imported } },
        { name: "  + 1st runtime on PGlite", size: fmtMB(first - imported), note: `RSS it adds (compiled WebAssembly included)${rssVerdict(first - imported)}`, data: { rssBytes: first - imported, goalBytes: GOAL_RSS_BYTES } },
        { name: "  + 2nd runtime on PGlite", size: fmtMB(second - first), note: `RSS it adds (the compiled module shared)${rssVerdict(second - first)}`, data: { rssBytes: second - first, goalBytes: GOAL_RSS_BYTES } },
      );
    }
    const summary = [
      `embedded: tenants show cold ${fmtMs(median(cold.map((r) => r.ms)))}, warm ${fmtMs(median(warm.map((r) => r.ms)))}, serve --mcp to initialize ${fmtMs(median(serve.map((r) => r.ms)))} (goal ≤ ${fmtMs(GOAL_READY_MS)}); ` +
        `serve RSS ${Number.isNaN(serveRss) ? "?" : fmtMB(serveRss)} (goal ≤ ${fmtMB(GOAL_RSS_BYTES)}); node -e 0 ${fmtMs(bareMs)}`,
    ];
    if (!withTime) summary.push(`peak RSS of the tenants processes: skipped (${GNU_TIME} not found)`);
    return { rows, summary };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `paybillc serve --mcp` on the embedded default: ms from spawn to the first `initialize` answer, then its RSS. */
function firstInitialize(bundle, env) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [PAYBILLC, "serve", "--mcp", "--bundle", bundle, "--tenant", "initech", "--agent", "support_bot"], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let answered;
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (answered !== undefined || !out.includes("\n")) return;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const line = out.slice(0, out.indexOf("\n"));
      if (!/"id":1\b/.test(line) || !line.includes("serverInfo")) {
        child.kill();
        reject(new Error(`serve --mcp answered initialize with ${line}`));
        return;
      }
      answered = { ms, ...memoryOf(child.pid) };
      child.stdin.end();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (answered !== undefined && code === 0) resolve(answered);
      else reject(new Error(`serve --mcp exited ${code} ${answered === undefined ? "before answering" : ""}:\n${err.slice(-3000)}`));
    });
    const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "paybill-bench", version: "1" } } };
    child.stdin.write(`${JSON.stringify(initialize)}\n`);
  });
}

/** RSS after importing the runtime and after each of two runtimes (embedded-rss.child.mjs). */
function runtimesRss(bundle, work, env, flags) {
  const dir = join(work, `rss-${flags.length}`);
  const out = spawnSync(process.execPath, ["--expose-gc", ...flags, RSS_CHILD, bundle, dir, "2"], { cwd: ROOT, env, encoding: "utf8" });
  if (out.status !== 0) throw new Error(`embedded-rss.child.mjs exited ${out.status}:\n${out.stderr.slice(-3000)}`);
  return JSON.parse(out.stdout.trim().split("\n").at(-1));
}

/** VmRSS and VmHWM of a process, in bytes (Linux); undefined elsewhere. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kB = (key) => {
      const match = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
      return match === null ? undefined : Number(match[1]) * 1024;
    };
    return { rssBytes: kB("VmRSS"), hwmBytes: kB("VmHWM") };
  } catch {
    return {};
  }
}


function expectExit(result, what) {
  if (result.status !== 0) throw new Error(`${what} exited with ${result.status}:\n${result.stderr.slice(-3000)}`);
  return result;
}

const p90 = (rs) => percentile([...rs.map((r) => r.ms)].sort((a, b) => a - b), 90);
const timing = (rs) => ({ runs: rs.length, medianMs: median(rs.map((r) => r.ms)), p90Ms: p90(rs), samplesMs: rs.map((r) => r.ms) });
