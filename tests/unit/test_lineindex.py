"""The line index against a model that walks the text one character at a time."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from evalens.text.lineindex import LineIndex, split_lines

#: Every character ``str.splitlines`` breaks at, and the three the LSP breaks at.
PIECES = ["a", "é", "😀", " ", "\n", "\r", "\r\n", "\f", "\v", "\x1c", "\x85", "\u2028", "\u2029", "x = 1\n"]
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def model_starts(text: str) -> list[int]:
    """Line starts per the LSP: after LF, after CR not followed by LF, after CR LF."""
    starts = [0]
    for i, char in enumerate(text):
        if char == "\n" or (char == "\r" and text[i + 1 : i + 2] != "\n"):
            starts.append(i + 1)
    return starts


def inside_crlf(text: str, offset: int) -> bool:
    return 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n"


def check(index: LineIndex, text: str) -> None:
    starts = model_starts(text)
    assert index.text == text
    assert list(index) == starts
    assert len(index) == len(starts)
    ends = [*starts[1:], len(text)]
    for line, (a, b) in enumerate(zip(starts, ends, strict=True)):
        assert index.start(line) == a
        assert index.line(line) == text[a:b]
        assert index.content(line) == text[a:b].rstrip("\r\n")
        assert index.offset(line, 10_000) == a + len(index.content(line))
        for offset in range(a, b):
            assert index.line_at(offset) == line
            assert index.position(offset) == (line, offset - a)
    assert index.start(len(starts)) == len(text)
    assert index.offset(len(starts), 0) == len(text)
    assert index.line_at(len(text)) == len(starts) - 1


@st.composite
def edit_scripts(draw: Any) -> tuple[str, list[tuple[int, int, str]]]:
    text = start = draw(texts)
    steps = []
    for _ in range(draw(st.integers(1, 12))):
        offsets = [i for i in range(len(text) + 1) if not inside_crlf(text, i)]
        a = draw(st.sampled_from(offsets))
        b = draw(st.sampled_from([o for o in offsets if o >= a]))
        new = draw(texts)
        steps.append((a, b, new))
        text = text[:a] + new + text[b:]
    return start, steps


def test_only_lf_cr_and_crlf_end_lines() -> None:
    text = "a\fb\u2028c\x85d\ve\rf\r\ng\nh"
    assert split_lines(text) == ["a\fb\u2028c\x85d\ve\r", "f\r\n", "g\n", "h"]
    assert list(LineIndex(text)) == [0, 10, 13, 15]
    assert split_lines("x\n") == ["x\n", ""]
    assert split_lines("") == [""]


@given(texts)
def test_a_fresh_index_matches_the_model(text: str) -> None:
    check(LineIndex(text, chunk=3), text)


@settings(max_examples=300)
@given(edit_scripts(), st.sampled_from([2, 3, 5, 512]))
def test_edits_keep_the_index_equal_to_a_fresh_one(script: tuple[str, list[tuple[int, int, str]]], chunk: int) -> None:
    text, steps = script
    index = LineIndex(text, chunk=chunk)
    for a, b, new in steps:
        index.replace(a, b, new)
        text = text[:a] + new + text[b:]
        check(index, text)


def test_a_keystroke_in_a_big_document_shifts_every_later_line() -> None:
    text = "x = 1\n" * 5_000
    index = LineIndex(text, chunk=64)
    index.replace(6 * 2_500, 6 * 2_500, "#\u2028\f")  # not line breaks
    index.replace(6 * 100, 6 * 100, "\r\n\r")  # two line breaks
    assert len(index) == 5_003
    assert index.start(2_502) == 6 * 2_500 + 3
    assert index.position(6 * 2_500 + 3 + 5) == (2_502, 5)
    assert index.content(2_502) == "#\u2028\fx = 1"
    assert index.content(101) == ""
    assert index.start(5_002) == len(index.text) == 6 * 5_000 + 6
