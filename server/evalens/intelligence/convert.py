"""jedi's names as LSP values: kinds, locations and markdown."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lsprotocol import types
from parso.utils import split_lines

from .snapshot import Snapshot

COMPLETION_KINDS = {
    "module": types.CompletionItemKind.Module,
    "class": types.CompletionItemKind.Class,
    "instance": types.CompletionItemKind.Variable,
    "function": types.CompletionItemKind.Function,
    "param": types.CompletionItemKind.Variable,
    "path": types.CompletionItemKind.File,
    "keyword": types.CompletionItemKind.Keyword,
    "property": types.CompletionItemKind.Property,
    "statement": types.CompletionItemKind.Variable,
}


def cheap_type(completion: Any) -> str:
    """A completion's type without inference (jedi resolves from-imports for ``.type``,
    which costs seconds on a real file): an imported name is guessed from its spelling."""
    name = completion._name
    tree_name = getattr(name, "tree_name", None)
    if tree_name is not None:
        definition = tree_name.get_definition()
        if definition is not None and definition.type == "import_from" and tree_name.is_definition():
            text = tree_name.value
            if text.isupper():
                return "statement"
            return "class" if text[:1].isupper() else "statement"
    return str(name.api_type)


def completion_kind(api_type: str) -> types.CompletionItemKind:
    return COMPLETION_KINDS.get(api_type, types.CompletionItemKind.Text)


def uri_of(name: Any, current_path: str, current_uri: str) -> str | None:
    path = name.module_path
    if path is None:
        return None if name.in_builtin_module() else current_uri
    text = str(path)
    if text == current_path:
        return current_uri
    return Path(text).as_uri()


def name_range(name: Any, snap: Snapshot, current_path: str) -> types.Range:
    """The range of a name's identifier, in the client's units when its file is open."""
    line = max((name.line or 1) - 1, 0)
    column = name.column or 0
    path = os.path.normpath(str(name.module_path)) if name.module_path is not None else current_path
    entry = snap.files.get(path)
    start, end = column, column + len(name.name)
    if entry is not None:
        lines = split_lines(entry[0])
        if line < len(lines):
            text = lines[line]
            start, end = snap.units(text[:start]), snap.units(text[:end])
    return types.Range(types.Position(line, start), types.Position(line, end))


def location(name: Any, snap: Snapshot, current_path: str, current_uri: str) -> types.Location | None:
    if name.line is None:
        return None
    uri = uri_of(name, current_path, current_uri)
    if uri is None:
        return None
    return types.Location(uri=uri, range=name_range(name, snap, current_path))


def code_block(text: str) -> str:
    return f"```python\n{text}\n```"


def describe(name: Any) -> str:
    """The first line of a hover or a resolved completion: signatures, else the description."""
    signatures = [signature.to_string() for signature in name.get_signatures()]
    if signatures:
        return "\n".join(signatures)
    return str(name.description)


def documented(name: Any, markdown: bool) -> str:
    """A hover's text for a jedi name: its signatures or description, then its docstring,
    as markdown (the head in a code block) or as plain text."""
    doc = name.docstring(raw=True).strip()
    head = describe(name)
    if markdown:
        head = code_block(head)
    return f"{head}\n\n{doc}" if doc else head
