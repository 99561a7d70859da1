/**
 * The bundle's file text: `JSON.stringify(bundle, null, 2)` with every object's members in
 * canonical order (sorted by key, as canonical JSON sorts them) and a final newline. So the
 * file is readable and diffable, and its canonical JSON is the minified file.
 */
import { compareStrings } from "./values.js";

export function bundleText(bundle: unknown): string {
  return `${JSON.stringify(sortKeys(bundle), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort(compareStrings)) if (record[key] !== undefined) out[key] = sortKeys(record[key]);
  return out;
}
