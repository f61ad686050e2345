"""Incremental document edits: exact per LSP, in time proportional to the edit.

pygls applies an incremental change by rewriting the document line by line in
Python (15-40 ms per keystroke in a 50,000-line file), splits lines with
``str.splitlines`` (which also breaks at form feeds, U+2028 and other
characters the LSP does not count as line breaks), and on a last line without
a newline it clamps a position one character short, which can duplicate text.

``apply_incremental`` converts the two positions as the LSP specification
says (a character past the end of a line means the end of that line; a line
past the end means the end of the document; columns in the negotiated
encoding) through the document's ``LineIndex``, which it keeps across edits,
and splices the string once. ``install`` puts it in place of pygls' method and
gives ``TextDocument`` LSP lines: ``lines``, and ``offset_at_position``
through the index. ``tests/unit/test_textsync.py`` checks it against a reference
model, ``tests/e2e/test_edit_fuzz.py`` the server.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace.text_document import TextDocument

from ..text.lineindex import LineIndex, split_lines

_INDEXES: weakref.WeakKeyDictionary[TextDocument, LineIndex] = weakref.WeakKeyDictionary()


def units_to_column(content: str, units: int, encoding: str | None) -> int:
    """The code-point column of ``units`` code units into a line's ``content``."""
    if encoding == types.PositionEncodingKind.Utf32:
        return min(units, len(content))
    if content.isascii():
        return min(units, len(content))
    width = 1 if encoding == types.PositionEncodingKind.Utf8 else 2
    counted = 0
    for index, char in enumerate(content):
        if counted >= units:
            return index
        counted += len(char.encode("utf-8")) if width == 1 else (2 if ord(char) > 0xFFFF else 1)
    return len(content)


def line_index(document: TextDocument) -> LineIndex:
    """The line index of the document's current text, built on first use after a full change."""
    source = document.source
    index = _INDEXES.get(document)
    if index is None or index.text is not source:
        index = _INDEXES[document] = LineIndex(source)
    return index


def offset_at(document: TextDocument, position: types.Position) -> int:
    """The code-point offset of an LSP ``position`` (clamped as the specification says)."""
    index = line_index(document)
    if position.line >= len(index):
        return len(index.text)
    content = index.content(position.line)
    return index.start(position.line) + units_to_column(content, position.character, document.position_codec.encoding)


def apply_incremental(document: TextDocument, change: types.TextDocumentContentChangePartial) -> None:
    index = line_index(document)
    start = offset_at(document, change.range.start)
    end = max(offset_at(document, change.range.end), start)
    index.replace(start, end, change.text)
    document._source = index.text


def _lines(document: TextDocument) -> Sequence[str]:
    """pygls' ``lines``, split at LSP line breaks; like pygls, without an empty last line."""
    lines = split_lines(document.source)
    return tuple(lines if lines[-1] else lines[:-1])


def install() -> None:
    """Make every pygls TextDocument in this process use ``apply_incremental`` and LSP lines."""
    TextDocument._apply_incremental_change = apply_incremental  # type: ignore[method-assign,assignment]
    TextDocument.lines = property(_lines)  # type: ignore[method-assign,assignment]
    TextDocument.offset_at_position = offset_at  # type: ignore[method-assign,assignment]
