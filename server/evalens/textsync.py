"""Incremental document edits: exact per LSP, in time proportional to the edit.

pygls applies an incremental change by rewriting the document line by line in
Python (15-40 ms per keystroke in a 50,000-line file), and on a last line
without a newline it clamps a position one character short, which can
duplicate text. ``apply_incremental`` converts the two positions as the LSP
specification says (a character past the end of a line means the end of that
line; a line past the end means the end of the document; columns in the
negotiated encoding) and splices the string once with C-speed line offsets.
``install`` puts it in place of pygls' method. ``tests/test_textsync.py``
checks it against a reference model, ``tests/test_edit_fuzz.py`` the server.
"""

from __future__ import annotations

from itertools import accumulate

from lsprotocol import types
from pygls.workspace.text_document import TextDocument


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


def apply_incremental(document: TextDocument, change: types.TextDocumentContentChangePartial) -> None:
    source = document.source
    lines = source.splitlines(True)
    starts = list(accumulate(map(len, lines), initial=0))
    encoding = document.position_codec.encoding

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(source)
        line = lines[position.line]
        content = line.rstrip("\r\n") if line.endswith(("\n", "\r")) else line
        return starts[position.line] + units_to_column(content, position.character, encoding)

    start = offset(change.range.start)
    end = max(offset(change.range.end), start)
    document._source = source[:start] + change.text + source[end:]


def install() -> None:
    """Make every pygls TextDocument in this process use ``apply_incremental``."""
    TextDocument._apply_incremental_change = apply_incremental  # type: ignore[method-assign,assignment]
