// Cells (`# %%`) as the server finds them: where they are comes from its document symbols
// (each cell a symbol of kind Namespace, from its marker line to its last line), never from a
// marker regex here, so markers inside strings and the `cellMarkers` setting are the
// server's business. The pure part: which cell holds a line, where a cell's result and its
// code start, the Result of each cell of an evalens.runCell answer. No `vscode` import, so
// test/cells.test.mjs runs it in plain Node.

import { inlineText } from "./inline";
import type { CellRun, CellScope, Result, RunCellResult } from "./protocol";

/** A cell: its marker line and its last line (0-based, both in the cell), and its name. */
export interface Cell {
  line: number;
  end: number;
  name: string;
}

/** LSP SymbolKind.Namespace: the kind of the server's cell symbols. */
export const NAMESPACE = 3;

interface JsonPosition {
  line: number;
}

/** What `textDocument/documentSymbol` answers: DocumentSymbol[] or SymbolInformation[]. */
interface SymbolLike {
  name?: unknown;
  kind?: unknown;
  range?: { start: JsonPosition; end: JsonPosition };
  location?: { range: { start: JsonPosition; end: JsonPosition } };
}

/** The cells in the server's document symbols (top-level symbols of kind Namespace), in order. */
export function cellsFromSymbols(symbols: unknown): Cell[] {
  if (!Array.isArray(symbols)) {
    return [];
  }
  const cells: Cell[] = [];
  for (const symbol of symbols as SymbolLike[]) {
    const range = symbol?.range ?? symbol?.location?.range;
    if (symbol?.kind !== NAMESPACE || !range) {
      continue;
    }
    cells.push({ line: range.start.line, end: Math.max(range.start.line, range.end.line), name: String(symbol.name ?? "") });
  }
  return cells.sort((a, b) => a.line - b.line);
}

/** The cell holding `line`, or undefined (lines before the first marker are in no cell). */
export function cellAt(cells: readonly Cell[], line: number): Cell | undefined {
  return cells.find((cell) => cell.line <= line && line <= cell.end);
}

/** The text of a line of the document (undefined past its end). */
export type LineText = (line: number) => string | undefined;

/**
 * The line a cell's result is shown at the end of: its last line that is not blank, the
 * marker line when all are (where the server puts its inlay hint).
 */
export function resultLine(cell: Cell, text: LineText): number {
  for (let line = cell.end; line > cell.line; line--) {
    if (text(line)?.trim()) {
      return line;
    }
  }
  return cell.line;
}

/**
 * Where the cell's code starts: its first line after the marker that is not blank, at its
 * first character that is not whitespace; the line after the marker when all are blank; the
 * end of the marker line when the cell is that line alone.
 */
export function codeStart(cell: Cell, text: LineText): { line: number; character: number } {
  for (let line = cell.line + 1; line <= cell.end; line++) {
    const lineText = text(line);
    if (lineText?.trim()) {
      return { line, character: lineText.length - lineText.trimStart().length };
    }
  }
  if (cell.end > cell.line) {
    return { line: cell.line + 1, character: 0 };
  }
  return { line: cell.line, character: (text(cell.line) ?? "").length };
}

/**
 * The first code cell after `current`: `codeLines` are the marker lines of the code cells
 * (where the server offers its Run cell lens); undefined: every cell counts.
 */
export function nextCodeCell(cells: readonly Cell[], current: Cell, codeLines?: ReadonlySet<number>): Cell | undefined {
  return cells.find((cell) => cell.line > current.line && (!codeLines || codeLines.has(cell.line)));
}

/**
 * The Result of each cell an evalens.runCell answer ran, with its marker line: the answer
 * itself for the last (its error, output and timing are that cell's); for the earlier ones,
 * which succeeded, their value alone (no output or timing: `durationMs` NaN, shown as unknown).
 */
export function cellResults(answer: RunCellResult): { line: number; result: Result }[] {
  const cells: CellRun[] = answer.cells ?? [];
  const { cells: _ran, ...last } = answer;
  return cells.map((cell, i) => {
    if (i === cells.length - 1) {
      return { line: cell.line, result: last };
    }
    const result: Result = {
      ok: cell.ok,
      value: cell.value,
      stdout: "",
      stderr: "",
      truncated: false,
      error: null,
      durationMs: Number.NaN,
      reloaded: [],
      display: [], // what it showed came as evalens/display notifications; the answer's display is the last cell's
    };
    return { line: cell.line, result };
  });
}

/** What a run of `scope` is, in a few words: `run cell demo.py:3`, `run all cells demo.py`. */
export function describeCellRun(file: string, line: number | undefined, scope: CellScope): string {
  const at = line === undefined ? file : `${file}:${line + 1}`;
  switch (scope) {
    case "above":
      return `run cells above ${at}`;
    case "below":
      return `run cell and below ${at}`;
    case "all":
      return `run all cells ${file}`;
    default:
      return `run cell ${at}`;
  }
}

/** The output channel's line for one cell run: `cell at line 3 ⇒ 21`. */
export function cellLine(line: number, result: Result): string {
  return `cell at line ${line + 1} ${inlineText(result)}`;
}

/** The scope of an evalens.runCell argument (the server's default: "cell"). */
export function scopeOf(argument: Record<string, unknown>): CellScope {
  const scope = argument.scope;
  return scope === "above" || scope === "below" || scope === "all" ? scope : "cell";
}
