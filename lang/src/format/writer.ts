/**
 * Accumulates formatted output as lines with indentation. Knows nothing of the language.
 */

export const INDENT = "  ";
export const WIDTH = 100;

export class Writer {
  private readonly lines: string[] = [];
  private depth = 0;

  get indent(): string {
    return INDENT.repeat(this.depth);
  }

  /** Columns left on a line at the current indentation. */
  get room(): number {
    return WIDTH - this.indent.length;
  }

  line(text: string): void {
    this.lines.push(text === "" ? "" : `${this.indent}${text}`);
  }

  /** Appends to the last line (for a trailing comment). */
  append(text: string): void {
    const last = this.lines.length - 1;
    if (last < 0) this.lines.push(text);
    else this.lines[last] += text;
  }

  /** One empty line, never two in a row, never at the start. */
  blank(): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== "") this.lines.push("");
  }

  /** Lines verbatim (already indented by the caller). */
  raw(text: string): void {
    this.lines.push(text);
  }

  nested(body: () => void): void {
    this.depth++;
    body();
    this.depth--;
  }

  toString(): string {
    while (this.lines.length > 0 && this.lines[this.lines.length - 1] === "") this.lines.pop();
    return this.lines.length === 0 ? "" : `${this.lines.map((l) => l.replace(/[ \t]+$/, "")).join("\n")}\n`;
  }
}
