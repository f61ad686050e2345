"""Incremental edits against a reference model written from the LSP specification."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace.text_document import TextDocument

from evalens.lsp import textsync
from evalens.lsp.textsync import apply_incremental

PIECES = ["a", "é", "😀", "\n", "\r\n", "\r", " ", "x = 1\n", "\f", "\u2028", "\x85", "\v"]
texts = st.lists(st.sampled_from(PIECES), max_size=15).map("".join)
positions = st.builds(types.Position, line=st.integers(0, 6), character=st.integers(0, 12))


def lsp_lines(text: str) -> list[str]:
    """Lines ending at LF, CR LF or CR only: split by hand, one character at a time."""
    lines, current = [], ""
    for i, char in enumerate(text):
        current += char
        if char == "\n" or (char == "\r" and text[i + 1 : i + 2] != "\n"):
            lines.append(current)
            current = ""
    return [*lines, current] if current else lines


def reference(text: str, start: types.Position, end: types.Position, new: str) -> str:
    lines = lsp_lines(text)

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        content = lines[position.line].rstrip("\r\n")
        units = column = 0
        for char in content:
            if units >= position.character:
                break
            units += 2 if ord(char) > 0xFFFF else 1
            column += 1
        return sum(len(line) for line in lines[: position.line]) + column

    a, b = offset(start), offset(end)
    return text[:a] + new + text[max(a, b) :]


@given(texts, positions, positions, texts)
def test_splice_follows_the_specification(text: str, a: types.Position, b: types.Position, new: str) -> None:
    start, end = sorted([a, b], key=lambda p: (p.line, p.character))
    document = TextDocument("file:///t.py", text)
    apply_incremental(document, types.TextDocumentContentChangePartial(range=types.Range(start, end), text=new))
    assert document.source == reference(text, start, end, new)


@given(texts, st.lists(st.tuples(positions, positions, texts), min_size=1, max_size=6))
def test_successive_edits_through_the_kept_index(text: str, edits: list[tuple[Any, Any, str]]) -> None:
    document = TextDocument("file:///t.py", text)
    for a, b, new in edits:
        start, end = sorted([a, b], key=lambda p: (p.line, p.character))
        apply_incremental(document, types.TextDocumentContentChangePartial(range=types.Range(start, end), text=new))
        text = reference(text, start, end, new)
        assert document.source == text


def test_an_edit_after_a_form_feed_and_a_line_separator_lands_on_its_line() -> None:
    document = TextDocument("file:///t.py", "a = 1\f\nb = '\u2028'\nc = 3\n")
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(2, 0), types.Position(2, 1)), text="d"
    )
    apply_incremental(document, change)
    assert document.source == "a = 1\f\nb = '\u2028'\nd = 3\n"


def test_installed_documents_count_lines_as_the_protocol_does() -> None:
    textsync.install()
    document = TextDocument("file:///t.py", "a\fb\u2028c\rd\r\ne\n")
    assert document.lines == ("a\fb\u2028c\r", "d\r\n", "e\n")
    assert document.offset_at_position(types.Position(1, 1)) == 7
    assert document.offset_at_position(types.Position(2, 9)) == 10
    assert document.offset_at_position(types.Position(3, 0)) == 11
    assert document.offset_at_position(types.Position(9, 0)) == 11


def test_a_position_past_the_last_line_end_appends_instead_of_duplicating() -> None:
    document = TextDocument("file:///t.py", "a")
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(0, 1), types.Position(0, 2)), text="b"
    )
    apply_incremental(document, change)
    assert document.source == "ab"
