"""Cells (``# %%``) in the editor: what ``evalens.runCell`` runs (``cellruns.run_cell``),
and each cell's lenses, code actions, folding range and inlay hint.

A cell runs exactly as ``evalens.eval`` of its lines would (dedented, at its document
lines), except that its own document is not brought up to date first (``cell`` runs:
what runs in a document with cells is what the user runs). A scope of cells runs in one
turn of the interpreter, stopping at the first failure, an interrupt or a cancellation.
Where cells are comes from ``text.cells``, kept per document by ``CellFeatures``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

from lsprotocol import types

from ..execution.backend import Shown
from ..execution.results import Result, Value
from ..settings import Settings
from ..text.cells import Cell, CellIndex, cell_at, compile_markers
from ..text.documents import Document, selection
from ..text.folds import indentation_folds
from ..text.lineindex import line_starts, split_lines
from ..worker import messages

#: code lens and code action titles, by scope (SPEC: lens titles start with these words)
TITLES = {"cell": "Run cell", "above": "Run above", "below": "Run below"}


class CellRun(TypedDict):
    """One entry of ``cells`` in ``evalens.runCell``'s Result."""

    line: int  # the marker line
    end: int  # the cell's last line
    title: str
    ok: bool
    value: Value | None
    error: messages.ErrorInfo | None
    durationMs: float
    #: what was brought up to date before this cell ran (the Result's ``reloaded``)
    reloaded: list[messages.ReloadedModule]
    #: what this cell showed (the Result's ``display``)
    display: list[Shown]


class RunCellResult(Result, total=False):
    cells: list[CellRun]


class CellFeatures:
    """The cells of the open documents, under the ``cellMarkers`` setting."""

    def __init__(self, settings: Callable[[], Settings]) -> None:
        self.settings = settings
        self.index = CellIndex()

    def of(self, doc: Document) -> list[Cell]:
        return self.index.cells(doc.uri, doc.text, compile_markers(self.settings().cell_markers))

    def forget(self, uri: str) -> None:
        self.index.forget(uri)

    def code_lenses(self, doc: Document) -> list[types.CodeLens]:
        """*Run cell*, *Run above*, *Run below* on the marker line of every code cell."""
        lenses = []
        for cell in self.of(doc):
            if cell.markdown:
                continue
            at = types.Range(types.Position(cell.line, 0), types.Position(cell.line, 0))
            for scope, title in TITLES.items():
                argument = {"uri": doc.uri, "line": cell.line, "scope": scope}
                command = types.Command(title=title, command="evalens.runCell", arguments=[argument])
                lenses.append(types.CodeLens(range=at, command=command))
        return lenses

    def code_actions(self, doc: Document, line: int) -> list[types.Command]:
        """The same three runs for the code cell at ``line`` (clients without lenses: eglot)."""
        cell = cell_at(self.of(doc), line)
        if cell is None or cell.markdown:
            return []
        argument = {"uri": doc.uri, "line": cell.line}
        return [
            types.Command(
                title=f"evalens: {title}", command="evalens.runCell", arguments=[{**argument, "scope": scope}]
            )
            for scope, title in TITLES.items()
        ]

    def folding_ranges(self, doc: Document) -> list[types.FoldingRange]:
        """Each cell of more than its marker line (kind ``region``), and the blocks an editor
        folds by indentation: answering folding ranges at all replaces the editor's own."""
        cells = {(cell.line, cell.end) for cell in self.of(doc) if cell.end > cell.line}
        region = types.FoldingRangeKind.Region
        ranges = [types.FoldingRange(start_line=start, end_line=end, kind=region) for start, end in sorted(cells)]
        ranges += [
            types.FoldingRange(start_line=start, end_line=end)
            for start, end in indentation_folds(doc.text)
            if (start, end) not in cells
        ]
        return ranges


def in_scope(cells: list[Cell], chosen: Cell, scope: str) -> list[Cell]:
    """The code cells ``scope`` names from ``chosen``, in document order."""
    code = [cell for cell in cells if not cell.markdown]
    if scope == "cell":
        return [] if chosen.markdown else [chosen]
    if scope == "above":
        return [cell for cell in code if cell.line < chosen.line]
    if scope == "below":
        return [cell for cell in code if cell.line >= chosen.line]
    return code


def cell_code(doc: Document, cell: Cell) -> tuple[str, int]:
    """The cell's code (its lines after the marker, dedented) and its first line."""
    starts = [*line_starts(doc.text), len(doc.text)]  # where each line after the first starts
    start = starts[min(cell.line, len(starts) - 1)]
    end = starts[min(cell.end, len(starts) - 1)]
    chosen = selection(doc.text, start, end)
    return chosen.code, cell.line + 1


def value_position(doc: Document, cell: Cell, units: Callable[[str], int]) -> types.Position:
    """The end of the cell's last line that is not blank (its marker line when all are)."""
    lines = split_lines(doc.text)
    for number in range(min(cell.end, len(lines) - 1), cell.line - 1, -1):
        text = lines[number].rstrip("\r\n")
        if text.strip():
            return types.Position(number, units(text))
    return types.Position(cell.line, 0)
