"""Document and workspace symbols, read straight from the parse tree (no inference)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from lsprotocol import types

from ..text.cells import Cell

Units = Callable[[str], int]


def _position(lines: list[str], pos: tuple[int, int], units: Units) -> types.Position:
    line = pos[0] - 1
    text = lines[line] if 0 <= line < len(lines) else ""
    return types.Position(line, units(text[: pos[1]]))


def _range(lines: list[str], node: Any, units: Units) -> types.Range:
    return types.Range(_position(lines, node.start_pos, units), _position(lines, node.end_pos, units))


def _children(node: Any) -> Iterator[Any]:
    """The statements of a module, class or function body."""
    body = node.children if node.type == "file_input" else node.children[-1].children
    for child in body:
        if child.type in ("decorated", "async_stmt", "async_funcdef"):
            child = child.children[-1]
            if child.type == "async_funcdef":
                child = child.children[-1]
        yield child


def document_symbols(module: Any, lines: list[str], units: Units) -> list[types.DocumentSymbol]:
    return _symbols(module, lines, units, in_class=False)


def _symbols(scope: Any, lines: list[str], units: Units, in_class: bool) -> list[types.DocumentSymbol]:
    found: list[types.DocumentSymbol] = []
    if scope.type != "file_input" and scope.children[-1].type != "suite":
        return found
    for node in _children(scope):
        if node.type in ("classdef", "funcdef"):
            if node.type == "classdef":
                kind = types.SymbolKind.Class
            else:
                kind = types.SymbolKind.Method if in_class else types.SymbolKind.Function
            found.append(
                types.DocumentSymbol(
                    name=node.name.value,
                    kind=kind,
                    range=_range(lines, node, units),
                    selection_range=_range(lines, node.name, units),
                    children=_symbols(node, lines, units, in_class=node.type == "classdef"),
                )
            )
        elif node.type == "simple_stmt" and scope.type != "funcdef":
            for statement in node.children:
                if statement.type != "expr_stmt":
                    continue
                for name in statement.get_defined_names():
                    kind = types.SymbolKind.Field if in_class else types.SymbolKind.Variable
                    if name.value.isupper() and not in_class:
                        kind = types.SymbolKind.Constant
                    found.append(
                        types.DocumentSymbol(
                            name=name.value,
                            kind=kind,
                            range=_range(lines, statement, units),
                            selection_range=_range(lines, name, units),
                        )
                    )
    return found


def in_cells(
    found: list[types.DocumentSymbol], cells: Sequence[Cell], lines: list[str], units: Units
) -> list[types.DocumentSymbol]:
    """``found`` with each cell as a symbol (kind Namespace, named by its title or ``Cell N``,
    ``detail`` "markdown" for a markdown cell) holding the symbols that start in it; those
    before the first cell stay at the top."""
    if not cells:
        return found
    outline = [symbol for symbol in found if symbol.range.start.line < cells[0].line]
    for number, cell in enumerate(cells, start=1):
        last = lines[cell.end].rstrip("\r\n") if cell.end < len(lines) else ""
        marker = lines[cell.line].rstrip("\r\n") if cell.line < len(lines) else ""
        outline.append(
            types.DocumentSymbol(
                name=cell.title or f"Cell {number}",
                detail="markdown" if cell.markdown else None,
                kind=types.SymbolKind.Namespace,
                range=types.Range(types.Position(cell.line, 0), types.Position(cell.end, units(last))),
                selection_range=types.Range(types.Position(cell.line, 0), types.Position(cell.line, units(marker))),
                children=[s for s in found if cell.line <= s.range.start.line <= cell.end],
            )
        )
    return outline


def flatten(
    symbols: Sequence[types.DocumentSymbol], uri: str, container: str | None = None
) -> Iterator[types.WorkspaceSymbol]:
    for symbol in symbols:
        yield types.WorkspaceSymbol(
            name=symbol.name,
            kind=symbol.kind,
            location=types.Location(uri=uri, range=symbol.selection_range),
            container_name=container,
        )
        yield from flatten(symbol.children or [], uri, symbol.name)


def matches(query: str, name: str) -> bool:
    """Case-insensitive: the query's characters appear in the name, in order."""
    position = 0
    lowered = name.lower()
    for char in query.lower():
        position = lowered.find(char, position) + 1
        if position == 0:
            return False
    return True
