"""Hover and signature help from jedi."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jedi.parser_utils import get_parent_scope  # type: ignore[import-untyped]
from lsprotocol import types

from . import convert
from .clientcaps import ClientFeatures, Form, content
from .snapshot import Cursor, Snapshot
from .treequeries import name_of_position


@dataclass
class Hover:
    text: str  # in the client's markup kind
    range: types.Range | None
    module_name: str | None  # the name, when it is a module-level name of this document (asked only with live values)


def hover(script: Any, where: Cursor, snap: Snapshot, want_module_level: bool, form: Form) -> Hover | None:
    names = script.help(where.line, where.column)
    if not names:
        return None
    leaf = name_of_position(script._module_node, (where.line, where.column))
    span = None
    module_level = None
    if leaf is not None:
        line_text = script._code_lines[leaf.line - 1]
        start, end = leaf.column, leaf.column + len(leaf.value)
        span = types.Range(
            types.Position(leaf.line - 1, snap.units(line_text[:start])),
            types.Position(leaf.line - 1, snap.units(line_text[:end])),
        )
        if want_module_level and _is_module_level(script, where, leaf.value):
            module_level = leaf.value
    return Hover(convert.documented(names[0], form == types.MarkupKind.Markdown), span, module_level)


def _is_module_level(script: Any, where: Cursor, word: str) -> bool:
    """Whether the document binds ``word`` at module level (by its syntax: no inference)."""
    module = script._module_node
    return any(
        name.is_definition() and get_parent_scope(name) is module for name in module.get_used_names().get(word, [])
    )


def signature_help(script: Any, where: Cursor, client: ClientFeatures) -> types.SignatureHelp | None:
    signatures = script.get_signatures(where.line, where.column)
    if not signatures:
        return None
    infos = []
    for signature in signatures:
        doc = signature.docstring(raw=True).strip()
        infos.append(
            types.SignatureInformation(
                label=signature.to_string(),
                documentation=content(doc, client.signature_documentation) if doc else None,
                parameters=[types.ParameterInformation(label=param.to_string()) for param in signature.params],
            )
        )
    first = signatures[0]
    return types.SignatureHelp(signatures=infos, active_signature=0, active_parameter=first.index)
