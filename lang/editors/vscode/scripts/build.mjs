// Builds the extension into dist/extension.js: one CommonJS bundle with the language client
// inside (vscode itself stays external), so the packaged extension needs no node_modules.
import { build } from "esbuild";

await build({
  entryPoints: ["src/extension.ts"],
  bundle: true,
  platform: "node",
  target: "node18",
  format: "cjs",
  external: ["vscode"],
  outfile: "dist/extension.js",
  sourcemap: false,
  minify: false,
  logLevel: "info",
});
