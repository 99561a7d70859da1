import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources, not dist/, so a change is tested without a build.
    alias: {
      "@paybill/lang": here("./lang/src/index.ts"),
      "@paybill/runtime": here("./runtime/src/index.ts"),
    },
  },
  test: {
    include: ["{lang,compiler,runtime}/test/**/*.test.ts"],
    // Generous: the suite runs on loaded machines (2 cores shared), where a test that runs
    // the binary several times can take minutes. A hang still ends here; no test asserts time.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
