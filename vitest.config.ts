import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources, not dist/, so a change is tested without a build.
    alias: [
      { find: /^@paybill\/lang$/, replacement: here("./lang/src/index.ts") },
      { find: /^@paybill\/runtime$/, replacement: here("./runtime/src/index.ts") },
      { find: /^@paybill\/runtime\/cloud-names$/, replacement: here("./runtime/src/control/cloud-names.ts") },
      { find: /^@paybill\/server$/, replacement: here("./server/src/index.ts") },
      { find: /^@paybill\/server\/control$/, replacement: here("./server/src/control/index.ts") },
      { find: /^@paybill\/server\/mcp$/, replacement: here("./server/src/mcp/index.ts") },
      { find: /^@paybill\/server\/provision$/, replacement: here("./server/src/provision/index.ts") },
      { find: /^@paybill\/server\/stripe$/, replacement: here("./server/src/control/stripe.ts") },
      { find: /^@paybill\/server\/control-tables$/, replacement: here("./server/src/control/tables.ts") },
      { find: /^@paybill\/server\/terraform-manifest$/, replacement: here("./server/src/provision/manifest.ts") },
      { find: /^@paybill\/runtime\/bundle-format$/, replacement: here("./runtime/src/bundle/build-api.ts") },
    ],
  },
  test: {
    include: ["{lang,compiler,runtime,server,console}/test/**/*.test.ts"],
    // Generous: the suite runs on loaded machines (2 cores shared), where a test that runs
    // the binary several times can take minutes. A hang still ends here; no test asserts time.
    testTimeout: 300_000,
    // Two files at once even on two cores (vitest's default is one fewer than the cores):
    // most of a file's time is spent waiting on a child process or a database, so the suite
    // takes about three quarters of the time. Files never share a table (schemas, temporary
    // directories and ports of their own), so they may run side by side.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    hookTimeout: 300_000,
  },
});
