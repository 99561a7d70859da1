/**
 * Re-parsing after an edit without parsing the whole file again. The base is the
 * document's last tree without syntax errors. The part of the file the edit touched, from
 * the end of the last declaration before it to the start of the first declaration after
 * it, is parsed alone (`parseWindow`), and the tree is put together (when first read) from
 * the declarations before it as they were, the window's, and the ones after it moved by the
 * change in length.
 * The result is exactly what `parse` gives for the new text, syntax errors included (the
 * rest of the file being clean, the window's diagnostics are the file's); whenever the
 * window parse cannot vouch for that it returns undefined, and the text is parsed in full.
 *
 * The later declarations are copied with their spans moved (`shifted`): `previous` stays
 * as it was. A caller that owns `previous` and lets it go (with every tree that shares its
 * nodes) passes `{ consume: true }`: when the new text parses clean, the later declarations
 * are then moved in place (`moveInPlace`), which allocates nothing, and `previous.ast`
 * must not be read again.
 */
import type { ParseResult } from "../1-parse/parse.js";
import { parseWindow } from "../1-parse/window.js";
import type { FileNode } from "../ast/nodes.js";
import { SourceFile } from "../source/source-file.js";
import { moveInPlace, shifted } from "./shift.js";

const CLOSE_BRACE = 125;

export interface ReparseOptions {
  /** The caller lets `previous` go: a clean result may take its later declarations over, moved in place. */
  readonly consume?: boolean;
}

export function reparse(previous: ParseResult, name: string, text: string, options: ReparseOptions = {}): ParseResult | undefined {
  const old = previous.source.text;
  if (previous.diagnostics.length > 0 || previous.source.name !== name) return undefined;
  if (old === text) return previous; // the same text (an undo): the same tree, so an analysis of it still holds

  const { start, oldEnd } = editBetween(old, text);
  const delta = text.length - old.length;

  const ast = previous.ast;
  const decls = ast.declarations;
  // Before the window: declarations that end with their `}` at or before the edit.
  let first = 0;
  while (first < decls.length && (decls[first]?.span.end ?? 0) <= start) first++;
  while (first > 0 && old.charCodeAt((decls[first - 1]?.span.end ?? 0) - 1) !== CLOSE_BRACE) first--;
  let from: number;
  const before = decls[first - 1];
  if (before !== undefined) from = before.span.end;
  else {
    // From the first declaration on: its keyword must stay as it was, for what precedes it to parse the same.
    const head = decls[0];
    if (head === undefined || start <= wordEnd(old, head.span.start)) return undefined;
    from = head.span.start;
  }
  // After the window: the first declaration that starts at or after the end of the edit.
  let next = first;
  while (next < decls.length && (decls[next]?.span.start ?? 0) < oldEnd) next++;
  const after = decls[next];
  const to = after === undefined ? text.length : after.span.start + delta;
  const lookahead = after === undefined ? text.length : after.span.end + delta;

  const source = new SourceFile(name, text);
  const window = parseWindow(source, from, to, lookahead);
  if (window === undefined) return undefined;

  const afterStart = after?.span.start ?? old.length;
  const tree = (move: <T extends object>(nodes: readonly T[], delta: number) => T[]): FileNode => {
    const earlier = ast.comments.filter((c) => c.span.end <= from);
    const later = ast.comments.filter((c) => c.span.start >= afterStart);
    return {
      kind: "File",
      span: { start: 0, end: text.length },
      package: ast.package,
      imports: ast.imports,
      declarations: [...decls.slice(0, first), ...window.declarations, ...move(decls.slice(next), delta)],
      comments: [...earlier, ...window.comments, ...move(later, delta)],
    };
  };
  // A clean text whose base is let go: its tree is needed now (to check it), made without copying.
  if (options.consume === true && window.diagnostics.length === 0) {
    return { source, ast: tree(movedInPlace), diagnostics: window.diagnostics };
  }
  // Otherwise the tree is put together when first read: a broken file's diagnostics are
  // published from the parse alone, and its tree may never be asked for (the fix comes first).
  // Checking its intact declarations needs a tree only while the check runs: `lend` moves the
  // base's later declarations in place for that time and back after, so a syntax error costs
  // no copy of the rest of the file (the copy and its collection cost more than the check).
  const result = lazily(source, window.diagnostics, () => tree(shifted));
  const later = [...decls.slice(next), ...ast.comments.filter((c) => c.span.start >= afterStart)];
  const lending: LendingParse = {
    source,
    diagnostics: window.diagnostics,
    get ast(): FileNode {
      return result.ast;
    },
    lend<R>(use: (ast: FileNode) => R): R {
      if (result.materialized()) return use(result.ast);
      moveInPlace(later, delta);
      try {
        return use(tree((nodes) => [...nodes]));
      } finally {
        moveInPlace(later, -delta);
      }
    },
  };
  return lending;
}

/**
 * A parse result whose tree can be lent for the time of a call: `use` must not keep the tree
 * or any span of it (copy what it keeps), as the nodes move back when it returns.
 */
export interface LendingParse extends ParseResult {
  lend<R>(use: (ast: FileNode) => R): R;
}

/** `use` with the tree of `parsed`, lent when the re-parse can (`LendingParse`), else as read. */
export function withTree<R>(parsed: ParseResult, use: (ast: FileNode) => R): R {
  return "lend" in parsed ? (parsed as LendingParse).lend(use) : use(parsed.ast);
}

function movedInPlace<T extends object>(nodes: readonly T[], delta: number): T[] {
  moveInPlace(nodes, delta);
  return [...nodes];
}

/**
 * The edit: `old[start, oldEnd)` became `text[start, oldEnd + text.length - old.length)`.
 * A function of its own: the scans walk the whole text, and stay compiled whichever way
 * `reparse` goes afterwards (a first broken text after clean ones would otherwise send them
 * back to the interpreter for a few keystrokes).
 */
function editBetween(old: string, text: string): { start: number; oldEnd: number } {
  const shorter = Math.min(old.length, text.length);
  let start = 0;
  while (start < shorter && old.charCodeAt(start) === text.charCodeAt(start)) start++;
  let oldEnd = old.length;
  let newEnd = text.length;
  while (oldEnd > start && newEnd > start && old.charCodeAt(oldEnd - 1) === text.charCodeAt(newEnd - 1)) {
    oldEnd--;
    newEnd--;
  }
  return { start, oldEnd };
}

/** A parse result whose tree is made on first read; what it was made from is let go then. */
function lazily(source: SourceFile, diagnostics: ParseResult["diagnostics"], make: () => FileNode): ParseResult & { materialized(): boolean } {
  let pending: (() => FileNode) | undefined = make;
  let tree: FileNode | undefined;
  return {
    source,
    materialized: () => tree !== undefined,
    get ast(): FileNode {
      if (tree === undefined && pending !== undefined) {
        tree = pending();
        pending = undefined;
      }
      return tree as FileNode;
    },
    diagnostics,
  };
}

/** The end of the word (a keyword) that starts at `at`. */
function wordEnd(text: string, at: number): number {
  let end = at;
  while (end < text.length && /[A-Za-z0-9_]/.test(text.charAt(end))) end++;
  return end;
}
