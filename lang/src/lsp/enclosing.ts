/**
 * Which declaration a cursor is in, from the text alone: the header (`policy name {`) of the
 * top-level block the offset is inside, found by counting braces outside strings and
 * comments. Completion needs this while the user types, when the parser's recovery may
 * have dropped the very declaration being edited. Must not parse.
 */
import type { Declaration } from "../ast/nodes.js";

export interface Enclosing {
  readonly kind: Declaration["kind"];
  readonly name: string;
}

const KINDS: Record<string, Declaration["kind"]> = {
  provider: "Provider",
  isolation: "Isolation",
  cloud: "Cloud",
  plan: "Plan",
  tenant: "Tenant",
  agent: "Agent",
  entity: "Entity",
  action: "Action",
  policy: "Policy",
  workflow: "Workflow",
  test: "Test",
};

export function enclosingAt(text: string, offset: number): Enclosing | undefined {
  let depth = 0;
  let open = -1;
  let headerStart = 0;
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    if (c === "/" && text[i + 1] === "/") {
      while (i < offset && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? offset : end + 1;
    } else if (c === '"') {
      for (i++; i < offset && text[i] !== '"' && text[i] !== "\n"; i++) if (text[i] === "\\") i++;
    } else if (c === "{") {
      if (depth === 0) open = i;
      depth++;
    } else if (c === "}") {
      depth = Math.max(0, depth - 1);
      if (depth === 0) headerStart = i + 1;
    }
  }
  if (depth === 0 || open < 0) return undefined;
  const words = text.slice(headerStart, open).replace(/\/\/[^\n]*/g, " ").match(/[A-Za-z_]\w*|"[^"]*"/g) ?? [];
  // The header is the last keyword with a known kind before the `{`, and the words after it.
  for (let i = words.length - 1; i >= 0; i--) {
    const kind = KINDS[words[i] ?? ""];
    if (kind === undefined) continue;
    const rest = words.slice(i + 1).filter((w) => !w.startsWith("@"));
    const name = kind === "Cloud" ? (rest[1] ?? rest[0] ?? "") : kind === "Test" ? (rest[0] ?? "").slice(1, -1) : (rest[0] ?? "");
    return { kind, name };
  }
  return undefined;
}
