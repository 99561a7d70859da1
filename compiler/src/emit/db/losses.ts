/**
 * What a change would destroy: tables and columns dropped, columns whose type narrows or
 * converts (a value may not survive), and enum columns that stop accepting a value. The build refuses such a change unless
 * `--allow-destructive` says the loss is intended. Compared after renames are applied.
 */
import { type Snapshot, tablesOf } from "./snapshot.js";

export interface Loss {
  readonly kind: "drop table" | "drop column" | "change type" | "narrow values";
  readonly table: string;
  readonly column?: string;
  /** One line for the user: what goes and why. */
  readonly text: string;
}

export function losses(prev: Snapshot, cur: Snapshot): Loss[] {
  const out: Loss[] = [];
  const before = tablesOf(prev);
  const after = tablesOf(cur);
  for (const key of Object.keys(before).sort()) {
    const old = before[key];
    if (old === undefined) continue;
    const now = after[key];
    if (now === undefined) {
      out.push({ kind: "drop table", table: old.name, text: `table \`${old.name}\` would be dropped with all its rows` });
      continue;
    }
    for (const name of Object.keys(old.columns).sort()) {
      const column = old.columns[name];
      const next = now.columns[name];
      if (column === undefined) continue;
      if (next === undefined) {
        out.push({ kind: "drop column", table: old.name, column: name, text: `column \`${old.name}.${name}\` would be dropped with its values` });
      } else if (column.type === next.type && narrowsValues(old.checkConstraints, now.checkConstraints, old.name, name) !== undefined) {
        const gone = narrowsValues(old.checkConstraints, now.checkConstraints, old.name, name) ?? [];
        out.push({
          kind: "narrow values",
          table: old.name,
          column: name,
          text: `column \`${old.name}.${name}\` would no longer accept ${gone.length === 0 ? "every value it does now" : gone.map((v) => `\`${v}\``).join(", ")}`,
        });
      } else if (!widens(column.type, next.type)) {
        out.push({
          kind: "change type",
          table: old.name,
          column: name,
          text: `column \`${old.name}.${name}\` would change from \`${column.type}\` to \`${next.type}\`, which may not hold every value`,
        });
      }
    }
  }
  return out;
}

/** Every value of type `from` is a value of type `to`. */
export function widens(from: string, to: string): boolean {
  if (from === to) return true;
  if (to === "text") return ["uuid", "text"].includes(from);
  const numeric = /^numeric(?:\((\d+), (\d+)\))?$/;
  const a = numeric.exec(from);
  const b = numeric.exec(to);
  if (b !== null && b[1] === undefined) return a !== null || from === "bigint";
  if (a !== null && b !== null && a[1] !== undefined && b[1] !== undefined) {
    const [pa, sa, pb, sb] = [a[1], a[2], b[1], b[2]].map(Number) as [number, number, number, number];
    return sb >= sa && pb - sb >= pa - sa;
  }
  return false;
}

/** The values of an enum column's check (`"t"."c" in ('a', 'b')`), or undefined when it has none. */
function allowed(checks: Record<string, { value: string }>, table: string, column: string): string[] | undefined {
  const check = checks[`${table}_${column}_check`];
  if (check === undefined) return undefined;
  return [...check.value.matchAll(/'((?:[^']|'')*)'/g)].map((m) => (m[1] ?? "").replaceAll("''", "'"));
}

/** The values the column accepts now and would not after (empty: it had no check and gets one); undefined when none is lost. */
function narrowsValues(before: Record<string, { value: string }>, after: Record<string, { value: string }>, table: string, column: string): string[] | undefined {
  const next = allowed(after, table, column);
  if (next === undefined) return undefined;
  const old = allowed(before, table, column);
  if (old === undefined) return [];
  const gone = old.filter((v) => !next.includes(v));
  return gone.length === 0 ? undefined : gone;
}
