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
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
