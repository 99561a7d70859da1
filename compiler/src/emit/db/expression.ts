/**
 * Comparing a policy expression as a migration writes it with the text PostgreSQL gives back
 * for it (`pg_get_expr`), which differs only in form: keywords and function names in upper
 * case, `::text` casts on literals, identifiers unquoted, whitespace, and parentheses around
 * the whole. Both are normalised — outside string literals: lower case, no `::text`, no
 * whitespace but one space between two words, a quoted identifier that needs no quotes unquoted; then outer parentheses that
 * wrap the whole removed — and compared. String literals and other quoted identifiers are
 * kept as they are, so `'acme'` and `'ACME'`, or `"Tenant"` and `tenant`, stay different.
 *
 * Two more forms a subquery takes (the runtime's `paybill_run_history` policy, `exists (select
 * … where r.id = run_id)`): PostgreSQL qualifies the policy's own table's columns inside it
 * (`paybill_run_history.run_id`), so with `table` given that qualification is dropped; and it
 * wraps a `WHERE` condition in parentheses, dropped when they hold the whole condition (the
 * closing one ends the subquery or the text).
 */

export function normalisedExpression(text: string, table?: string): string {
  const qualified = table !== undefined && /^[a-z_][a-z0-9_$]*$/.test(table) ? new RegExp(`(?<![a-z0-9_$.])${table.replaceAll("$", "\\$")}\\.(?=[a-z_])`, "g") : undefined;
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length) {
        if (text.charAt(j) === c) {
          if (text.charAt(j + 1) === c) j += 2;
          else break;
        } else j += 1;
      }
      const token = text.slice(i, j + 1);
      out += c === '"' && /^"[a-z_][a-z0-9_$]*"$/.test(token) ? token.slice(1, -1) : token;
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && text.charAt(j) !== "'" && text.charAt(j) !== '"') j += 1;
    out += text
      .slice(i, j)
      .toLowerCase()
      .replace(/::\s*text(?![a-z0-9_$])/g, "")
      .replace(/\s+/g, " ")
      .replace(/ (?![a-z0-9_$])|(?<![a-z0-9_$]) /g, "")
      .replace(qualified ?? /(?!)/g, "");
    i = j;
  }
  return withoutOuterParentheses(withoutWhereParentheses(out));
}

/** Equal once normalised; `table` is the policy's table (its columns may be written qualified). */
export function sameExpression(a: string, b: string, table?: string): boolean {
  return normalisedExpression(a, table) === normalisedExpression(b, table);
}

/** `where(x))` → `where x)`: parentheses that hold a whole `WHERE` condition, outside literals. */
function withoutWhereParentheses(text: string): string {
  let out = text;
  let quote = "";
  for (let i = 0; i < out.length; i++) {
    const c = out.charAt(i);
    if (quote !== "") {
      if (c === quote) quote = "";
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      continue;
    }
    if (!out.startsWith("where(", i) || /[a-z0-9_$.]/.test(out.charAt(i - 1))) continue;
    const open = i + "where".length;
    const close = closing(out, open);
    if (close === -1 || (close + 1 < out.length && out.charAt(close + 1) !== ")")) continue;
    out = `${out.slice(0, open)} ${out.slice(open + 1, close)}${out.slice(close + 1)}`;
    i -= 1;
  }
  return out;
}

/** `((x))` → `x`, but `(a)=(b)` stays: only parentheses that wrap the whole go. */
function withoutOuterParentheses(text: string): string {
  let out = text;
  while (out.startsWith("(") && closing(out, 0) === out.length - 1) out = out.slice(1, -1);
  return out;
}

/** The index of the parenthesis closing the one at `open`, skipping string literals and quoted identifiers. */
function closing(text: string, open: number): number {
  let depth = 0;
  let quote = "";
  for (let i = open; i < text.length; i++) {
    const c = text.charAt(i);
    if (quote !== "") {
      if (c === quote) quote = "";
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === "(") depth += 1;
    else if (c === ")") {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}
