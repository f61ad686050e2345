"""Definition, declaration, references and document highlight from jedi."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from . import convert
from .snapshot import Cursor, Snapshot


def _locations(names: Any, snap: Snapshot, where: Cursor) -> list[types.Location]:
    found: list[types.Location] = []
    for name in names:
        place = convert.location(name, snap, where.path, where.doc.uri)
        if place is not None and place not in found:
            found.append(place)
    return found


def definition(script: Any, where: Cursor, snap: Snapshot) -> list[types.Location]:
    names = script.goto(where.line, where.column, follow_imports=True, follow_builtin_imports=False)
    return _locations(names, snap, where)


def declaration(script: Any, where: Cursor, snap: Snapshot) -> list[types.Location]:
    return _locations(script.goto(where.line, where.column, follow_imports=False), snap, where)


def references(script: Any, where: Cursor, snap: Snapshot, include_declaration: bool) -> list[types.Location]:
    names = script.get_references(where.line, where.column, include_builtins=False)
    if not include_declaration:
        names = [name for name in names if not name.is_definition()]
    ordered = sorted(names, key=lambda n: (str(n.module_path or ""), n.line or 0, n.column or 0))
    return _locations(ordered, snap, where)


def highlight(script: Any, where: Cursor, snap: Snapshot) -> list[types.DocumentHighlight]:
    names = script.get_references(where.line, where.column, scope="file")
    return [
        types.DocumentHighlight(
            range=convert.name_range(name, snap, where.path),
            kind=types.DocumentHighlightKind.Write if name.is_definition() else types.DocumentHighlightKind.Read,
        )
        for name in sorted(names, key=lambda n: (n.line or 0, n.column or 0))
    ]
