/**
 * Diagnostics for people and for machines: a code frame in the style of rustc and Cedar,
 * and a flat JSON record.
 *
 *   error[PB1001]: expected `}`, found `usd`
 *     --> examples/x.paybill:2:15
 *      |
 *    2 |   price = = 0 usd
 *      |               ^^^
 *      = help: every `{` needs a matching `}`
 *
 * Owns only presentation: it never decides what is wrong, and it prints `file.name` as it
 * was given (the CLI makes names relative to the working directory). The source line is
 * made safe for a terminal — tabs become spaces, control characters become `�` — and the
 * caret is placed by display width, so it lines up under wide characters too.
 */
import type { SourceFile } from "../source/source-file.js";
import type { Diagnostic } from "./diagnostic.js";

export interface RenderOptions {
  /** Emit ANSI colours (only when writing to a terminal). */
  readonly color: boolean;
}

/** A diagnostic as `--format json` prints it. Positions are 1-based; the end is exclusive. */
export interface DiagnosticJson {
  readonly code: string;
  readonly severity: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly message: string;
  readonly help?: string;
}

export function diagnosticToJson(d: Diagnostic): DiagnosticJson {
  const start = d.file.position(d.span.start);
  const end = d.file.position(d.span.end);
  const base = {
    code: d.code,
    severity: d.severity,
    file: d.file.name,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
    message: d.message,
  };
  return d.help === undefined ? base : { ...base, help: d.help };
}

/** Display cells of source shown on one line; longer lines are clipped around the span. */
export const MAX_SOURCE_WIDTH = 100;
/** How much of the line to keep before the span when a line is clipped. */
const LEFT_CONTEXT = 30;
const TAB = "    ";
const ELLIPSIS = "…";

export function renderDiagnostic(d: Diagnostic, options: RenderOptions): string {
  const paint = painter(options.color);
  const start = d.file.position(d.span.start);
  const gutterWidth = String(start.line).length + 1;
  const pad = " ".repeat(gutterWidth);
  const sev = d.severity === "error" ? paint.red : d.severity === "warning" ? paint.yellow : paint.cyan;
  const lines = [
    `${sev(`${d.severity}[${d.code}]`)}${paint.bold(`: ${d.message}`)}`,
    `${pad}${paint.blue("-->")} ${d.file.name}:${start.line}:${start.column}`,
  ];
  // A file that could not be read or decoded has no text to show; the location is enough.
  if (d.file.text !== "") {
    const frame = frameLine(d.file, start.line, start.column - 1, underlineEnd(d, start.line));
    const source = frame.text === "" ? "" : ` ${frame.text}`;
    lines.push(
      `${pad}${paint.blue(" |")}`,
      `${paint.blue(`${String(start.line).padStart(gutterWidth)} |`)}${source}`,
      `${pad}${paint.blue(" |")} ${" ".repeat(frame.caretColumn)}${sev("^".repeat(frame.caretWidth))}`,
    );
  }
  if (d.help !== undefined) lines.push(`${pad} ${paint.blue("=")} ${paint.bold("help")}: ${d.help}`);
  return lines.join("\n");
}

/** The span's end as a column on the start line: a multi-line span is underlined to the line's end. */
function underlineEnd(d: Diagnostic, line: number): number {
  const end = d.file.position(d.span.end);
  if (end.line === line) return end.column - 1;
  const bounds = lineBounds(d.file, line);
  return bounds.end - bounds.start;
}

interface Frame {
  /** The line as displayed: tabs expanded, control characters replaced, maybe clipped. */
  readonly text: string;
  /** Display cells before the first caret. */
  readonly caretColumn: number;
  /** At least one caret, so a zero-width span is still visible. */
  readonly caretWidth: number;
}

/**
 * Lays out one source line with the span `[from, to)` (UTF-16 columns, 0-based) underlined.
 * Only a window around the span is ever measured, so a 10 MB one-line file costs no more
 * than a short one.
 */
function frameLine(file: SourceFile, line: number, from: number, to: number): Frame {
  const bounds = lineBounds(file, line);
  // Each code unit is at most four cells wide (a tab), so this window always covers what
  // can be shown; cutting earlier only avoids measuring text that would be clipped anyway.
  const reach = MAX_SOURCE_WIDTH * 4;
  let sliceStart = Math.max(bounds.start, bounds.start + from - reach);
  let sliceEnd = Math.min(bounds.end, bounds.start + Math.max(to, from) + reach);
  if (isLowSurrogate(file.text.charCodeAt(sliceStart)) && sliceStart > bounds.start) sliceStart--;
  if (isLowSurrogate(file.text.charCodeAt(sliceEnd)) && sliceEnd < bounds.end) sliceEnd++;
  const cells = measure(file.text, sliceStart, sliceEnd);

  let caretStart = -1;
  let caretEnd = -1;
  let total = 0;
  for (const cell of cells) {
    if (caretStart < 0 && cell.offset - bounds.start >= from) caretStart = total;
    if (caretEnd < 0 && cell.offset - bounds.start >= to) caretEnd = total;
    total += cell.width;
  }
  if (caretStart < 0) caretStart = total;
  if (caretEnd < 0) caretEnd = total;
  caretEnd = Math.max(caretEnd, caretStart + 1);

  const clippedBefore = sliceStart > bounds.start;
  const clippedAfter = sliceEnd < bounds.end;
  if (!clippedBefore && !clippedAfter && total <= MAX_SOURCE_WIDTH) {
    return { text: cells.map((c) => c.text).join(""), caretColumn: caretStart, caretWidth: caretEnd - caretStart };
  }

  // Clip to a window of cells that starts a little before the span.
  const room = MAX_SOURCE_WIDTH - 2; // an ellipsis may take a cell at each end
  let windowStart = Math.max(0, caretStart - LEFT_CONTEXT);
  let windowEnd = windowStart + room;
  if (windowEnd > total) {
    windowEnd = total;
    windowStart = Math.max(0, total - room);
  }
  let shown = "";
  let firstShown = -1;
  let lastShown = 0;
  let column = 0;
  for (const cell of cells) {
    if (column >= windowStart && column + cell.width <= windowEnd) {
      if (firstShown < 0) firstShown = column;
      shown += cell.text;
      lastShown = column + cell.width;
    }
    column += cell.width;
  }
  if (firstShown < 0) firstShown = windowStart;
  const left = clippedBefore || firstShown > 0 ? ELLIPSIS : "";
  const right = clippedAfter || lastShown < total ? ELLIPSIS : "";
  const caretFrom = Math.min(Math.max(caretStart, firstShown), lastShown);
  const caretTo = Math.max(Math.min(caretEnd, lastShown), caretFrom + 1);
  return { text: `${left}${shown}${right}`, caretColumn: left.length + caretFrom - firstShown, caretWidth: caretTo - caretFrom };
}

interface Cell {
  /** What is printed for one code point. */
  readonly text: string;
  readonly width: number;
  /** UTF-16 offset of the code point in the file. */
  readonly offset: number;
}

function measure(text: string, start: number, end: number): Cell[] {
  const cells: Cell[] = [];
  let i = start;
  while (i < end) {
    const cp = text.codePointAt(i) ?? 0;
    const size = cp > 0xffff ? 2 : 1;
    if (cp === 9) cells.push({ text: TAB, width: TAB.length, offset: i });
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp === 0x2028 || cp === 0x2029 || isSurrogate(cp)) {
      cells.push({ text: "\ufffd", width: 1, offset: i });
    } else cells.push({ text: text.slice(i, i + size), width: widthOf(cp), offset: i });
    i += size;
  }
  return cells;
}

function lineBounds(file: SourceFile, line: number): { start: number; end: number } {
  const starts = file.lineStarts;
  const start = starts[line - 1] ?? file.text.length;
  let end = starts[line] ?? file.text.length;
  while (end > start && (file.text.charCodeAt(end - 1) === 10 || file.text.charCodeAt(end - 1) === 13)) end--;
  return { start, end };
}

const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
/** `codePointAt` returns a surrogate only when it is unpaired. */
const isSurrogate = (cp: number): boolean => cp >= 0xd800 && cp <= 0xdfff;

/** Terminal cells for a code point: 0 for combining marks, 2 for East Asian wide and emoji. */
function widthOf(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  const wide =
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

type Paint = (text: string) => string;

function painter(color: boolean): { red: Paint; yellow: Paint; cyan: Paint; blue: Paint; bold: Paint } {
  const style =
    (open: string): Paint =>
    (text) =>
      color ? `\u001b[${open}m${text}\u001b[0m` : text;
  return { red: style("1;31"), yellow: style("1;33"), cyan: style("1;36"), blue: style("1;34"), bold: style("1") };
}
