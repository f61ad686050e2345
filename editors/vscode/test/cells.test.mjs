// The pure part of cells (src/cells.ts): cells read from the server's document symbols, the
// cell holding a line, where a cell's result goes and where its code starts, the next code
// cell for Shift+Enter, and the Result of each cell of an evalens.runCell answer. `npm test`
// bundles src/cells.ts to out/test/cells.mjs with esbuild first.

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const { NAMESPACE, cellAt, cellLine, cellResults, cellsFromSymbols, codeStart, describeCellRun, nextCodeCell, resultLine, scopeOf } =
  await import(join(here, "..", "out", "test", "cells.mjs"));

const range = (start, end, endCharacter = 0) => ({
  start: { line: start, character: 0 },
  end: { line: end, character: endCharacter },
});

// What the server answers for
//  0 import math              (before the first cell: in none)
//  1 # %% Setup
//  2 base = 20
//  3
//  4 base + 1
//  5
//  6 #%% [markdown]
//  7 # Prose
//  8 # %%
//  9 base * base
// 10 # %% Empty
const LINES = ["import math", "# %% Setup", "base = 20", "", "base + 1", "  ", "#%% [markdown]", "# Prose", "# %%", "    base * base", "# %% Empty"];
const text = (line) => LINES[line];
const SYMBOLS = [
  { name: "math", kind: 13, range: range(0, 0, 11), selectionRange: range(0, 0, 4) },
  {
    name: "Setup",
    kind: NAMESPACE,
    range: range(1, 5, 2),
    selectionRange: range(1, 1, 10),
    children: [{ name: "base", kind: 13, range: range(2, 2, 9), selectionRange: range(2, 2, 4) }],
  },
  { name: "Cell 2", kind: NAMESPACE, range: range(6, 7, 7), selectionRange: range(6, 6, 14), children: [] },
  { name: "Cell 3", kind: NAMESPACE, range: range(8, 9, 15), selectionRange: range(8, 8, 4), children: [] },
  { name: "Empty", kind: NAMESPACE, range: range(10, 10, 10), selectionRange: range(10, 10, 10), children: [] },
];
const CELLS = [
  { line: 1, end: 5, name: "Setup" },
  { line: 6, end: 7, name: "Cell 2" },
  { line: 8, end: 9, name: "Cell 3" },
  { line: 10, end: 10, name: "Empty" },
];

test("the cells are the server's Namespace symbols at the top level, in order", () => {
  assert.equal(NAMESPACE, 3); // LSP SymbolKind.Namespace
  assert.deepEqual(cellsFromSymbols(SYMBOLS), CELLS);
  assert.deepEqual(cellsFromSymbols([...SYMBOLS].reverse()), CELLS);
  // SymbolInformation[] (a location instead of a range) reads the same
  const flat = SYMBOLS.map(({ name, kind, range }) => ({ name, kind, location: { uri: "file:///x.py", range } }));
  assert.deepEqual(cellsFromSymbols(flat), CELLS);
  assert.deepEqual(cellsFromSymbols(null), []);
  assert.deepEqual(cellsFromSymbols([SYMBOLS[0]]), []); // no markers: no cells
});

test("a line is in the cell from its marker to its last line; lines before the first marker in none", () => {
  assert.equal(cellAt(CELLS, 0), undefined);
  assert.equal(cellAt(CELLS, 1).name, "Setup"); // the marker line belongs to its cell
  assert.equal(cellAt(CELLS, 5).name, "Setup");
  assert.equal(cellAt(CELLS, 6).name, "Cell 2");
  assert.equal(cellAt(CELLS, 9).name, "Cell 3");
  assert.equal(cellAt(CELLS, 10).name, "Empty");
  assert.equal(cellAt(CELLS, 11), undefined);
  assert.equal(cellAt([], 3), undefined);
});

test("a cell's result goes after its last line that is not blank, its marker line when all are", () => {
  assert.equal(resultLine(CELLS[0], text), 4); // lines 3 and 5 are blank
  assert.equal(resultLine(CELLS[2], text), 9);
  assert.equal(resultLine(CELLS[3], text), 10); // the marker alone
  assert.equal(resultLine({ line: 1, end: 3, name: "" }, (n) => ["", "# %%", " ", ""][n]), 1);
  assert.equal(resultLine({ line: 1, end: 9, name: "" }, (n) => ["", "# %%", "x"][n]), 2); // past the end: no text
});

test("a cell's code starts at its first line after the marker that is not blank, at its first character", () => {
  assert.deepEqual(codeStart(CELLS[0], text), { line: 2, character: 0 });
  assert.deepEqual(codeStart(CELLS[2], text), { line: 9, character: 4 });
  assert.deepEqual(codeStart({ line: 1, end: 3, name: "" }, (n) => ["", "# %%", "", "\t"][n]), { line: 2, character: 0 });
  assert.deepEqual(codeStart(CELLS[3], text), { line: 10, character: 10 }); // the end of a lone marker line
});

test("Shift+Enter moves to the next code cell: markdown cells (no Run cell lens) are passed over", () => {
  const code = new Set([1, 8, 10]);
  assert.equal(nextCodeCell(CELLS, CELLS[0], code).line, 8);
  assert.equal(nextCodeCell(CELLS, CELLS[1], code).line, 8); // from the markdown cell
  assert.equal(nextCodeCell(CELLS, CELLS[2], code).line, 10);
  assert.equal(nextCodeCell(CELLS, CELLS[3], code), undefined); // the last: nowhere, nothing created
  assert.equal(nextCodeCell(CELLS, CELLS[0], undefined).line, 6); // the server did not say which are code
});

test("each cell of an evalens.runCell answer gets its Result: the answer for the last, the value alone before", () => {
  const error = { type: "ZeroDivisionError", message: "division by zero", traceback: "Traceback…", frames: [] };
  const answer = {
    ok: false,
    value: null,
    valueName: null,
    stdout: "printed\n",
    stderr: "",
    truncated: false,
    error,
    durationMs: 2.5,
    reloaded: [],
    cells: [
      { line: 1, ok: true, value: { repr: "21", type: "int" } },
      { line: 3, ok: true, value: null },
      { line: 8, ok: false, value: null },
    ],
  };
  const ran = cellResults(answer);
  assert.deepEqual(
    ran.map(({ line, result }) => [line, result.ok, result.value?.repr ?? null, result.error?.type ?? null]),
    [
      [1, true, "21", null],
      [3, true, null, null],
      [8, false, null, "ZeroDivisionError"],
    ],
  );
  const { cells, ...last } = answer;
  assert.deepEqual(ran[2].result, last); // the last cell's output, error and timing
  assert.equal(ran[0].result.stdout, "");
  assert.ok(Number.isNaN(ran[0].result.durationMs)); // not known: not shown
  assert.deepEqual(ran[0].result.reloaded, []);
  assert.deepEqual(ran[0].result.display, []); // its displays came as evalens/display notifications
  assert.equal(cellLine(1, ran[0].result), "cell at line 2 ⇒ 21");
  assert.equal(cellLine(3, ran[1].result), "cell at line 4 ✓");
  assert.equal(cellLine(8, ran[2].result), "cell at line 9 ✗ ZeroDivisionError: division by zero");
  assert.deepEqual(cellResults({ ...answer, ok: true, error: null, cells: [] }), []); // a markdown cell alone
});

test("a cell run in the output channel's words; the scope defaults to the cell", () => {
  assert.equal(describeCellRun("demo.py", 2, "cell"), "run cell demo.py:3");
  assert.equal(describeCellRun("demo.py", 2, "above"), "run cells above demo.py:3");
  assert.equal(describeCellRun("demo.py", 2, "below"), "run cell and below demo.py:3");
  assert.equal(describeCellRun("demo.py", 2, "all"), "run all cells demo.py");
  assert.equal(describeCellRun("demo.py", undefined, "cell"), "run cell demo.py");
  assert.equal(scopeOf({}), "cell");
  assert.equal(scopeOf({ scope: "below" }), "below");
  assert.equal(scopeOf({ scope: "sideways" }), "cell");
});
