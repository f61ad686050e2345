"""``evalens.runCell``: the cells of a scope run back to back, each recorded as it ends.

Each cell runs as ``evalens.eval`` of its lines would, as a ``cell`` run (its document is
not brought up to date, by this run or any later one: ``execution.mirror``); the scope
runs in one turn of the interpreter (``Runs.run_steps``) and ends at the first failure,
an interrupt or a cancellation. As each cell ends, its value becomes the cell's inlay hint
and an ``evalens/cellDone`` notification, so clients show results as they come.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from ..execution import requests
from ..execution.results import Result, nothing_run
from ..text.cells import Cell, cell_at
from ..text.documents import Document
from ..worker import messages
from .cells import CellRun, RunCellResult, cell_code, in_scope, value_position
from .runs import Runs, Step, refused


class CellDoneParams(CellRun):
    """``evalens/cellDone``: one cell of a scope has run: its entry of ``cells``, and where."""

    uri: str


async def run_cell(runs: Runs, args: tuple[Any, ...]) -> RunCellResult:
    request, doc = await runs.prepare("evalens.runCell", requests.parse_run_cell, args)
    cells = runs.host.cells.of(doc)
    chosen = cell_at(cells, request.line)
    if chosen is None:
        raise _in_no_cell(request.line, cells)
    chosen_cells = in_scope(cells, chosen, request.scope)
    if not chosen_cells:
        nothing: Result = nothing_run()
        return {**nothing, "cells": []}
    steps = []
    for number, cell in enumerate(chosen_cells, start=1):
        code, first_line = cell_code(doc, cell)
        action = messages.eval_action(code, doc.module.path, first_line)
        name = cell.title or f"line {cell.line + 1}"
        title = f"{doc.module.name}: cell {number} of {len(chosen_cells)} ({name})"
        steps.append(Step(title, action, _recorder(runs, doc, cell)))
    done = await runs.run_steps(doc, steps, cell=True)
    runs.after_response(runs.host.refresh.hints)
    ran = [_entry(cell, result) for cell, result in zip(chosen_cells, done, strict=False)]
    last: Result = done[-1]
    return {**last, "cells": ran}


def _entry(cell: Cell, result: Result) -> CellRun:
    return {
        "line": cell.line,
        "end": cell.end,
        "title": cell.title,
        "ok": result["ok"],
        "value": result["value"],
        "error": result["error"],
        "durationMs": result["durationMs"],
        "reloaded": result["reloaded"],
        "display": result["display"],
    }


def _recorder(runs: Runs, doc: Document, cell: Cell) -> Callable[[Result], None]:
    """What happens when ``cell`` has run: its hint, and the client told."""
    host = runs.host
    units = host.text_document(doc.uri).position_codec.client_num_units

    def after(result: Result) -> None:
        at = value_position(doc, cell, units)
        runs.record_hint(doc.uri, at, result, replacing=(cell.line, cell.end))
        params: CellDoneParams = {"uri": doc.uri, **_entry(cell, result)}
        host.protocol.notify("evalens/cellDone", params)

    return after


def _in_no_cell(line: int, cells: list[Cell]) -> JsonRpcInvalidParams:
    starts = ", ".join(str(cell.line) for cell in cells[:10]) or "none: the document has no cell markers"
    return refused(
        f"evalens.runCell: line {line} is in no cell; cells start at the marker lines (# %%), here lines {starts}",
        "noCell",
        cells=[cell.line for cell in cells],
    )
