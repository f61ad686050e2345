"""One owner for each document's diagnostics: every source's list, published as one union."""

from __future__ import annotations

import pytest
from lsprotocol import types

from evalens.lsp.diagnostics import RUN, STATIC, DiagnosticsBoard

URI = "file:///w/a.py"


def diagnostic(message: str) -> types.Diagnostic:
    return types.Diagnostic(range=types.Range(types.Position(0, 0), types.Position(0, 1)), message=message)


def board() -> tuple[DiagnosticsBoard, list[tuple[str, list[str]]]]:
    published: list[tuple[str, list[str]]] = []
    return DiagnosticsBoard(lambda uri, found: published.append((uri, [d.message for d in found]))), published


def test_each_source_keeps_its_own_list_and_the_union_is_published_in_source_order() -> None:
    diagnostics, published = board()
    diagnostics.set(URI, STATIC, [diagnostic("syntax")])
    diagnostics.set(URI, RUN, [diagnostic("ZeroDivisionError")])
    diagnostics.set(URI, STATIC, [diagnostic("import"), diagnostic("syntax")])
    diagnostics.set(URI, RUN, [])
    assert published == [
        (URI, ["syntax"]),
        (URI, ["ZeroDivisionError", "syntax"]),
        (URI, ["ZeroDivisionError", "import", "syntax"]),
        (URI, ["import", "syntax"]),
    ]
    assert [d.message for d in diagnostics.of(URI, STATIC)] == ["import", "syntax"]


def test_a_closed_document_loses_every_source_and_the_editor_is_told() -> None:
    diagnostics, published = board()
    diagnostics.set(URI, RUN, [diagnostic("boom")])
    diagnostics.forget(URI)
    assert published[-1] == (URI, [])
    assert diagnostics.get(URI) == []


def test_an_unknown_source_is_refused_with_the_fix() -> None:
    diagnostics, _ = board()
    with pytest.raises(ValueError, match=r"unknown diagnostics source 'lint'; register it"):
        diagnostics.set(URI, "lint", [])
