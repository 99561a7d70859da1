/**
 * Where a diagnostic code is explained: its `## <code> <title>` section of
 * `spec/diagnostics.md`, at a stable address (the file on the project's main branch; the
 * anchor is the heading as GitHub and most Markdown viewers make it). Editors show it as the
 * link on the code (LSP `codeDescription.href`).
 */
import { CATALOG } from "./catalog.js";

export const DIAGNOSTICS_URL = "https://github.com/paybill/paybill/blob/main/spec/diagnostics.md";

const titles = new Map<string, string>(Object.values(CATALOG).map((e) => [e.code, e.title]));

/** The heading's anchor: lowercase, punctuation but `-` and `_` dropped, spaces as `-`. */
export function headingAnchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

/** The address of a code's section, or undefined for a code the catalogue does not hold. */
export function catalogueLink(code: string, base = DIAGNOSTICS_URL): string | undefined {
  const title = titles.get(code);
  return title === undefined ? undefined : `${base}#${headingAnchor(`${code} ${title}`)}`;
}
