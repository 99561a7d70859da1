// `npm pack` of @paybill/lang: `prepack` copies the repository's stdlib/ into the package
// (lang/stdlib/, read by src/stdlib.ts in an installed package), `postpack` removes the copy so the
// repository keeps one standard library.
import { cpSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const packed = fileURLToPath(new URL("../stdlib/", import.meta.url));
const source = fileURLToPath(new URL("../../stdlib/", import.meta.url));
const step = process.argv[2];
rmSync(packed, { recursive: true, force: true });
if (step === "copy") cpSync(source, packed, { recursive: true });
else if (step !== "remove") throw new Error(`pack-stdlib: copy or remove, not ${step}`);
