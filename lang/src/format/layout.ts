/**
 * The canonical layout of a `.paybill` file.
 *
 * Rules: two-space indentation; `plan`, `entity`, `action`, `policy`, `workflow` and `test`
 * bodies always one entry per line; every other `{ … }` on one line when it fits in 100
 * columns and holds no comment and no nested block, else one entry per line; commas between entries only on a
 * single line; `=` aligned across consecutive one-line attributes, and name and type
 * columns aligned across consecutive fields (a blank line ends the run); at most one blank
 * line, kept where the source had one; a long `when` condition breaks before each
 * top-level `&&` or `||`, a long list before each item. Comments stay where they were relative to the entries around
 * them; an entry with a comment inside it is kept as written (re-indented).
 */
import type * as A from "../ast/nodes.js";
import type { CelExpr } from "../ast/cel.js";
import type { SourceFile, Span } from "../source/source-file.js";
import { conditionalParts, logicalChain, printCel, printChainOperand } from "./cel-print.js";
import { Comments } from "./comments.js";
import {
  fieldColumns,
  printActionSelector,
  printAnnotation,
  printKey,
  printPrincipal,
  printValue,
  qualified,
} from "./values.js";
import { WIDTH, Writer } from "./writer.js";

type Item =
  | A.PackageDecl
  | A.ImportDecl
  | A.Declaration
  | A.Entry
  | A.ActionEntry
  | A.Rule
  | A.WorkflowEntry
  | A.StateEntry
  | A.TestStatement
  | A.Field
  | A.Assignment
  | A.RecordField;

/** How an item prints: one line (maybe aligned in columns) or a block of its own. */
type Rendering =
  | { readonly kind: "line"; readonly columns: readonly string[] }
  | { readonly kind: "block"; readonly print: () => void }
  | { readonly kind: "verbatim" };

type InlineSep = ", " | " ";

export function printFile(ast: A.FileNode, source?: SourceFile): string {
  return new Layout(ast.comments, source).file(ast);
}

class Layout {
  private readonly w = new Writer();
  private readonly comments: Comments;

  constructor(
    comments: readonly A.Comment[],
    private readonly source: SourceFile | undefined,
  ) {
    this.comments = new Comments(comments, source);
  }

  file(ast: A.FileNode): string {
    const header: Item[] = [...(ast.package === undefined ? [] : [ast.package]), ...ast.imports];
    const items: Item[] = [...header, ...ast.declarations];
    this.items(items, ast.span.end, header.length);
    return this.w.toString();
  }

  // ---- containers ----

  /**
   * Prints items one per line with their comments, blank lines and column alignment.
   * `forceBlankAfter` puts a blank line after that many items (the package/import header).
   */
  private items(items: readonly Item[], end: number, forceBlankAfter = -1): void {
    const renderings = items.map((item) => this.render(item));
    const widths = this.columnWidths(items, renderings);
    let previousEnd = -1;
    items.forEach((item, i) => {
      const leading = this.comments.takeBefore(item.span.start);
      const firstStart = leading[0]?.span.start ?? item.span.start;
      if (i > 0 && (i === forceBlankAfter || this.comments.blankLineBetween(previousEnd, firstStart))) this.w.blank();
      this.leadingComments(leading, item.span.start);
      const rendering = renderings[i] as Rendering;
      if (rendering.kind === "line") this.w.line(alignColumns(rendering.columns, widths[i]));
      else if (rendering.kind === "block") rendering.print();
      else this.verbatim(item.span);
      if (mergesWithNext(item, items[i + 1])) this.w.append(",");
      const next = items[i + 1]?.span.start ?? end;
      const trailing = this.comments.takeTrailing(item.span.end, next);
      if (trailing !== undefined) this.w.append(` ${trailing.text}`);
      previousEnd = trailing?.span.end ?? item.span.end;
    });
    const rest = this.comments.takeBefore(end);
    if (rest.length > 0 && items.length > 0 && this.comments.blankLineBetween(previousEnd, (rest[0] as A.Comment).span.start)) this.w.blank();
    this.leadingComments(rest, end);
  }

  private leadingComments(comments: readonly A.Comment[], before: number): void {
    comments.forEach((comment, i) => {
      const next = comments[i + 1]?.span.start ?? before;
      this.commentText(comment);
      if (i + 1 < comments.length && this.comments.blankLineBetween(comment.span.end, next)) this.w.blank();
    });
    // A blank line between the last comment and its entry is kept too.
    const last = comments[comments.length - 1];
    if (last !== undefined && this.comments.blankLineBetween(last.span.end, before)) this.w.blank();
  }

  private commentText(comment: A.Comment): void {
    const [first, ...rest] = comment.text.split(/\r?\n/);
    this.w.line(first ?? "");
    for (const line of rest) this.w.raw(line);
  }

  /** An entry kept as written, re-indented as a whole. */
  private verbatim(span: Span): void {
    const source = this.source;
    if (source === undefined) return;
    this.comments.skipWithin(span);
    const text = source.text.slice(span.start, span.end);
    const lines = text.split(/\r?\n/);
    // Continuation lines inside a multi-line string or comment are content: never shifted.
    const shift = /"""|'''|\/\*/.test(text) ? 0 : this.w.indent.length - (source.position(span.start).column - 1);
    this.w.line(lines[0] ?? "");
    for (const line of lines.slice(1)) {
      if (shift >= 0) this.w.raw(line === "" ? "" : " ".repeat(shift) + line);
      else this.w.raw(line.replace(new RegExp(`^ {0,${-shift}}`), ""));
    }
  }

  /**
   * `header { items }`: on one line when allowed, comment-free and short enough, else
   * header line, indented items, `}`.
   */
  private container(header: string, items: readonly Item[], span: Span, inline: InlineSep | undefined): Rendering {
    if (items.length === 0 && !this.comments.within(span)) return { kind: "line", columns: [`${header} {}`] };
    // A body holding a nested block (`tags { … }`) is easier to read one entry per line.
    if (inline !== undefined && !this.comments.within(span) && !items.some((item) => item.kind === "Block")) {
      const parts = items.map((item) => this.inline(item));
      if (parts.every((p): p is string => p !== undefined)) {
        const text = `${header} { ${parts.join(inline)} }`;
        if (this.w.indent.length + text.length <= WIDTH && !text.includes("\n")) return { kind: "line", columns: [text] };
      }
    }
    return {
      kind: "block",
      print: () => {
        this.w.line(`${header} {`);
        this.w.nested(() => this.items(items, span.end - 1));
        this.w.line("}");
      },
    };
  }

  /** The one-line text of an item, or undefined when it cannot be one line. */
  private inline(item: Item): string | undefined {
    const rendering = this.render(item);
    return rendering.kind === "line" ? rendering.columns.filter((c) => c !== "").join(" ") : undefined;
  }

  // ---- items ----

  private render(item: Item): Rendering {
    switch (item.kind) {
      case "Package":
        return line(`package ${qualified(item.name)}`);
      case "Import": {
        const members = item.members === undefined ? "" : `.{${item.members.map((m) => m.name).join(", ")}}`;
        const alias = item.alias === undefined ? "" : ` as ${item.alias.name}`;
        const rendering = this.leaf(item, `import ${qualified(item.path)}${members}${alias}`);
        const names = item.members;
        if (rendering.kind !== "line" || names === undefined || this.w.indent.length + (rendering.columns[0] ?? "").length <= WIDTH) return rendering;
        // Too long: one member per line.
        return {
          kind: "block",
          print: () => {
            this.w.line(`import ${qualified(item.path)}.{`);
            this.w.nested(() => {
              names.forEach((m, i) => {
                this.w.line(`${m.name}${i + 1 < names.length ? "," : ""}`);
              });
            });
            this.w.line("}");
          },
        };
      }
      case "Provider":
        return this.container(`provider ${item.name.name}`, item.body, item.span, undefined);
      case "Isolation":
        return this.container(`isolation ${item.name.name}`, item.body, item.span, undefined);
      case "Cloud":
        return this.container(`cloud ${item.provider.name}${item.name === undefined ? "" : ` ${item.name.name}`}`, item.body, item.span, ", ");
      case "Plan":
        return this.container(`plan ${item.name.name}`, item.body, item.span, undefined);
      case "Tenant":
        return this.container(`tenant ${item.name.name}`, item.body, item.span, ", ");
      case "Agent":
        return this.container(`agent ${item.name.name}`, item.body, item.span, ", ");
      case "Group":
        return this.container(`group ${item.name.name}`, item.body, item.span, ", ");
      case "Entity": {
        const annotations = item.annotations.map((a) => ` ${printAnnotation(a)}`).join("");
        return this.container(`entity ${item.name.name}${annotations}`, item.fields, item.span, undefined);
      }
      case "Action":
        return this.container(`action ${item.name.name}`, item.body, item.span, undefined);
      case "Policy":
        return this.container(`policy ${item.name.name}`, item.body, item.span, undefined);
      case "Workflow":
        return this.container(`workflow ${item.name.name}`, item.body, item.span, undefined);
      case "Test":
        return this.container(`test ${item.name.kind === "String" ? item.name.raw : '""'}`, item.body, item.span, undefined);
      case "Const":
        return this.leaf(item, `const ${item.name.name} = ${printCel(item.value)}`);
      case "Attribute":
        return this.attribute(item);
      case "Block":
        return this.container(item.name.name, item.entries, item.span, ", ");
      case "Field": {
        const [name, type, annotations] = fieldColumns(item);
        return this.leaf(item, name, type, annotations);
      }
      case "Input":
        return this.container("input", item.fields.map(asInputField), item.span, ", ");
      case "Context":
        return this.container("context", item.fields.map(asInputField), item.span, ", ");
      case "Effect": {
        const key = item.key === undefined ? "" : `(${printCel(item.key)})`;
        const head = `effect ${item.op}${item.many === true ? " many" : ""} ${qualified(item.entity)}${key}`;
        // A list read's `where` and `limit` close the line (a `set` on one is an error the checker reports).
        const tail = `${item.where === undefined ? "" : ` where ${printCel(item.where)}`}${item.limit === undefined ? "" : ` limit ${item.limit.raw}`}`;
        if (item.assignments === undefined) return this.leaf(item, `${head}${tail}`);
        return this.container(`${head} set`, item.assignments, item.span, ", ");
      }
      case "Assignment":
        return this.leaf(item, item.field.name, `= ${printCel(item.value)}`);
      case "RequiresFeature":
        return this.leaf(item, `requires feature ${item.feature.name}`);
      case "HostEffect":
        return this.leaf(item, "effect host");
      case "Rule":
        return this.rule(item);
      case "Start":
        return this.leaf(item, `start ${item.state.name}`);
      case "State":
        return this.container(`state ${item.name.name}`, item.body, item.span, " ");
      case "Allow":
        return this.leaf(item, `allow ${item.actions.map(printActionSelector).join(", ")}`);
      case "Next":
        return this.leaf(item, `next ${item.edges === undefined ? item.states.map((s) => s.name).join(", ") : item.edges.map(printNextEdge).join(", ")}`);
      case "AwaitApproval":
        return this.leaf(item, `await approval from ${item.group.kind === "String" ? item.group.raw : '""'}`);
      case "Final":
        return line("final");
      case "As": {
        const workflow = item.workflow === undefined ? "" : ` in ${item.workflow.name}`;
        const state = item.state === undefined ? "" : ` at ${item.state.name}`;
        return this.leaf(item, `as ${item.agent.name}${workflow}${state}`);
      }
      case "TenantIs":
        return this.leaf(item, `tenant ${item.tenant.name}`);
      case "GivenApproval":
        return this.leaf(item, `given approval from ${item.group.kind === "String" ? item.group.raw : '""'}`);
      case "GivenContext":
        return this.container("given context", item.record.fields, item.span, ", ");
      case "GivenUntrusted":
        return this.leaf(item, `given untrusted ${item.value.kind === "String" ? item.value.raw : '""'}`);
      case "GivenRecord":
        return this.container(`given ${qualified(item.entity)}`, item.record.fields, item.span, ", ");
      case "Do":
        return this.container(`do ${item.action.name}`, item.input.fields, item.span, ", ");
      case "Expect": {
        const by = item.by.length === 0 ? "" : ` by ${item.by.map((b) => b.name).join(", ")}`;
        return this.leaf(item, `expect ${item.decision}${by}`);
      }
      case "RecordField":
        return this.leaf(item, `${item.name.name}:`, printCel(item.value));
    }
  }

  /** A one-line item; kept verbatim when a comment sits inside it. */
  private leaf(item: Item, ...columns: string[]): Rendering {
    if (this.source !== undefined && this.comments.within(item.span)) return { kind: "verbatim" };
    return { kind: "line", columns };
  }

  /** `key = value`; a list too long for the line gets one item per line. */
  private attribute(attribute: A.Attribute): Rendering {
    const key = printKey(attribute.key);
    const rendering = this.leaf(attribute, key, `= ${printValue(attribute.value)}`);
    const list = attribute.value;
    if (rendering.kind !== "line" || list.kind !== "List" || list.items.length === 0) return rendering;
    if (this.w.indent.length + key.length + 3 + printValue(list).length <= WIDTH) return rendering;
    return {
      kind: "block",
      print: () => {
        this.w.line(`${key} = [`);
        this.w.nested(() => {
          for (const item of list.items) this.w.line(`${printValue(item)},`);
        });
        this.w.line("]");
      },
    };
  }

  private rule(rule: A.Rule): Rendering {
    if (this.source !== undefined && this.comments.within(rule.span)) return { kind: "verbatim" };
    const head = `${ruleHead(rule)} to ${rule.actions.map(printActionSelector).join(", ")}`;
    const timeout = rule.approval?.timeout === undefined ? undefined : `timeout ${rule.approval.timeout.raw}`;
    if (rule.condition === undefined) {
      const whole = timeout === undefined ? head : `${head} ${timeout}`;
      if (this.w.indent.length + whole.length <= WIDTH) return line(whole);
      return {
        kind: "block",
        print: () => {
          this.ruleHeadBroken(rule);
          if (timeout !== undefined) this.w.line(timeout);
        },
      };
    }
    const condition = rule.condition;
    const oneLine = `${head} when ${printCel(condition)}${timeout === undefined ? "" : ` ${timeout}`}`;
    if (this.w.indent.length + oneLine.length <= WIDTH) return line(oneLine);
    return {
      kind: "block",
      print: () => {
        if (this.w.indent.length + head.length + " when".length <= WIDTH) this.w.line(`${head} when`);
        else {
          // A head too long for its line: its actions one per line, then `when` on its own.
          this.ruleHeadBroken(rule);
          this.w.line("when");
        }
        this.w.nested(() => {
          this.condition(condition);
          if (timeout !== undefined) this.w.line(timeout);
        });
      },
    };
  }

  /** `permit a, b to` then each action on a line of its own (a comma after all but the last). */
  private ruleHeadBroken(rule: A.Rule): void {
    this.w.line(`${ruleHead(rule)} to`);
    const actions = rule.actions.map(printActionSelector);
    this.w.nested(() => {
      actions.forEach((a, i) => {
        this.w.line(`${a}${i + 1 < actions.length ? "," : ""}`);
      });
    });
  }

  /**
   * A condition that does not fit on its line: one operand of its top-level `&&`/`||` chain
   * per line, the operator first; an operand that still does not fit and is a group
   * (`(a || b)`, `!(a && b)`) opens it on its own line and breaks inside it, one level deeper.
   */
  private condition(expr: CelExpr): void {
    const chain = logicalChain(expr);
    if (chain.op === undefined) {
      const text = printCel(expr);
      if (expr.kind === "CelConditional" && this.w.indent.length + text.length > WIDTH) {
        // `c ? a : b` too long: the condition, then each branch on a line of its own.
        const [condition, then, otherwise] = conditionalParts(expr);
        this.w.line(condition);
        this.w.nested(() => {
          this.w.line(`? ${then}`);
          this.w.line(`: ${otherwise}`);
        });
        return;
      }
      this.w.line(text);
      return;
    }
    const op = chain.op;
    chain.operands.forEach((operand, i) => {
      this.chainOperand(operand, op, i === 0 ? "" : `${op} `, i === 0);
    });
  }

  private chainOperand(operand: CelExpr, op: "&&" | "||", lead: string, first: boolean): void {
    const text = `${lead}${printChainOperand(operand, op, first)}`;
    const negated = operand.kind === "CelUnary" && operand.op === "!" ? operand.operand : undefined;
    const group = negated ?? operand;
    // Only a group printed in parentheses opens: `!(…)`, or an operand the chain must parenthesise.
    const opens = logicalChain(group).op !== undefined && (negated !== undefined || text.slice(lead.length).startsWith("("));
    if (this.w.indent.length + text.length <= WIDTH || !opens) {
      this.w.line(text);
      return;
    }
    this.w.line(`${lead}${negated === undefined ? "" : "!"}(`);
    this.w.nested(() => this.condition(group));
    this.w.line(")");
  }

  // ---- alignment ----

  /**
   * Column widths per item: items rendered as lines with the same number of columns (2 for
   * `key = value`, 3 for fields) align within runs not broken by a blank line, a
   * multi-line item, or a line with a different number of columns.
   */
  private columnWidths(items: readonly Item[], renderings: readonly Rendering[]): (number[] | undefined)[] {
    const result: (number[] | undefined)[] = items.map(() => undefined);
    let run: number[] = [];
    const flush = (): void => {
      if (run.length > 1) {
        const size = (renderings[run[0] as number] as { columns: readonly string[] }).columns.length;
        const widths = Array.from({ length: size - 1 }, (_, c) =>
          Math.max(...run.map((i) => ((renderings[i] as { columns: readonly string[] }).columns[c] ?? "").length)),
        );
        for (const i of run) result[i] = widths;
      }
      run = [];
    };
    items.forEach((item, i) => {
      const rendering = renderings[i] as Rendering;
      // A one-column line (`limits { … }`, `start triage`) neither aligns nor ends a run.
      if (rendering.kind === "line" && rendering.columns.length === 1) return;
      const columns = rendering.kind === "line" ? rendering.columns.length : 0;
      const previous = run[run.length - 1];
      const breaks =
        columns === 0 ||
        (previous !== undefined &&
          ((renderings[previous] as { columns: readonly string[] }).columns.length !== columns ||
            this.comments.blankLineBetween((items[previous] as Item).span.end, item.span.start)));
      if (breaks) flush();
      if (columns > 0) run.push(i);
    });
    flush();
    return result;
  }
}

/**
 * Commas between entries are optional, so a line break is the usual separator; in the few
 * places where the next entry could be read as the end of this one, a comma is kept.
 */
function mergesWithNext(item: Item, next: Item | undefined): boolean {
  if (next === undefined) return false;
  if (item.kind === "Effect" && item.assignments === undefined) return next.kind === "Block" && next.name.name === "set";
  if (item.kind === "Rule" && item.condition === undefined) return next.kind === "Attribute" && next.key.kind === "Ident" && next.key.name === "when";
  return false;
}

const line = (text: string): Rendering => ({ kind: "line", columns: [text] });

/** `permit P, …` or `require approval from G [for P, …]`: a rule up to its `to`. */
function ruleHead(rule: A.Rule): string {
  const principals = rule.principals.map(printPrincipal).join(", ");
  if (rule.approval === undefined) return `${rule.effect} ${principals}`;
  return `require approval from ${rule.approval.group.name}${principals === "" ? "" : ` for ${principals}`}`;
}

/** Input fields print as `name: type`; entity fields as `name type`. */
function asInputField(field: A.Field): A.Field {
  return { ...field, name: { ...field.name, name: `${field.name.name}:` } };
}

function alignColumns(columns: readonly string[], widths: readonly number[] | undefined): string {
  if (widths === undefined) return columns.filter((c) => c !== "").join(" ");
  const last = columns.length - 1;
  return columns
    .map((column, c) => (c < last ? `${column.padEnd(widths[c] ?? 0)} ` : column))
    .join("")
    .trimEnd();
}

/** `resolve by agent when <guard>`: a target of `next` with what it says. */
function printNextEdge(edge: A.NextEdge): string {
  return `${edge.state.name}${edge.by === undefined ? "" : ` by ${edge.by.name}`}${edge.when === undefined ? "" : ` when ${printCel(edge.when)}`}`;
}
