/**
 * The console's build: Vite, Preact's automatic JSX runtime, assets into `dist/` (served at
 * `/` by `paybillc serve --control`). `npm run dev` proxies `/api` to a server on 8787
 * (PAYBILL_CONTROL_URL to change it).
 */
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 600 },
  server: { proxy: { "/api": process.env["PAYBILL_CONTROL_URL"] ?? "http://127.0.0.1:8787" } },
});
