"""Incremental edits against a reference model written from the LSP specification."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace.text_document import TextDocument

from evalens.textsync import apply_incremental

texts = st.lists(st.sampled_from(["a", "é", "😀", "\n", "\r\n", " ", "x = 1\n"]), max_size=15).map("".join)
positions = st.builds(types.Position, line=st.integers(0, 6), character=st.integers(0, 12))


def reference(text: str, start: types.Position, end: types.Position, new: str) -> str:
    lines = text.splitlines(True)

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


def test_a_position_past_the_last_line_end_appends_instead_of_duplicating() -> None:
    document = TextDocument("file:///t.py", "a")
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(0, 1), types.Position(0, 2)), text="b"
    )
    apply_incremental(document, change)
    assert document.source == "ab"
