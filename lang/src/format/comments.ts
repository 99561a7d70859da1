/**
 * Hands out a file's comments to the layout as it walks the tree, so each comment is
 * printed exactly once: before the entry it precedes, after the entry whose line it
 * ends, or before the `}` that closes its block.
 */
import type { Comment } from "../ast/nodes.js";
import type { SourceFile, Span } from "../source/source-file.js";

export class Comments {
  private next = 0;

  constructor(
    private readonly comments: readonly Comment[],
    private readonly source: SourceFile | undefined,
  ) {}

  /** Comments that start before `offset` and have not been printed yet. */
  takeBefore(offset: number): Comment[] {
    const taken: Comment[] = [];
    while (this.next < this.comments.length && (this.comments[this.next] as Comment).span.start < offset) {
      taken.push(this.comments[this.next] as Comment);
      this.next++;
    }
    return taken;
  }

  /** The comment, if any, that starts after `end` on the same line and before `limit`. */
  takeTrailing(end: number, limit: number): Comment | undefined {
    const candidate = this.comments[this.next];
    if (candidate === undefined || this.source === undefined) return undefined;
    if (candidate.span.start < end || candidate.span.start >= limit) return undefined;
    if (this.lineOf(candidate.span.start) !== this.lineOf(end)) return undefined;
    this.next++;
    return candidate;
  }

  /** Whether any comment lies inside `span`. */
  within(span: Span): boolean {
    for (let i = this.next; i < this.comments.length; i++) {
      const c = this.comments[i] as Comment;
      if (c.span.start >= span.end) return false;
      if (c.span.start >= span.start) return true;
    }
    return false;
  }

  /** Skips comments inside `span` (printed verbatim with their entry). */
  skipWithin(span: Span): void {
    while (this.next < this.comments.length && (this.comments[this.next] as Comment).span.start < span.end) this.next++;
  }

  get remaining(): number {
    return this.comments.length - this.next;
  }

  /** Whether the source has an empty line between two offsets. */
  blankLineBetween(from: number, to: number): boolean {
    if (this.source === undefined || from >= to) return false;
    const text = this.source.text;
    let newlines = 0;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        newlines++;
        if (newlines >= 2) return true;
      } else if (c !== 13 && c !== 32 && c !== 9) {
        newlines = 0;
      }
    }
    return false;
  }

  private lineOf(offset: number): number {
    return this.source?.position(offset).line ?? 0;
  }
}
