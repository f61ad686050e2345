"""The code of a selected range: its text by LSP lines, dedented, and the line it starts on."""

from __future__ import annotations

import textwrap

from hypothesis import given
from hypothesis import strategies as st

from evalens.text.documents import dedent, selection

TEXT = "x = 1\f\ny = '\u2028'\r\nif x:\r    a = 1\r    b = 2\n"


def test_lines_after_a_form_feed_and_a_line_separator_count_as_the_protocol_says() -> None:
    start = TEXT.index("a = 1")
    chosen = selection(TEXT, start, TEXT.index("b = 2") + 5)
    assert chosen.first_line == 3
    assert chosen.code == "a = 1\rb = 2"


def test_a_selection_after_leading_whitespace_starts_at_its_line() -> None:
    text = "if x:\n    a = [\n      1]\n"
    assert selection(text, text.index("a"), len(text)) == selection(text, text.index("    a"), len(text))
    assert selection(text, text.index("a"), len(text)).code == "a = [\n  1]\n"
    assert selection(text, text.index("[") + 1, len(text)).code == "\n1]\n"


def test_a_selection_inside_a_line_keeps_its_line_number() -> None:
    assert selection("a\rb = 40 + 2\n", 6, 12).first_line == 1
    assert selection("a\rb = 40 + 2\n", 6, 12).code == "40 + 2"


lines = st.lists(
    st.tuples(st.sampled_from(["", " ", "  ", "\t", "    "]), st.sampled_from(["", "x", "y = 1", " "])), max_size=6
)


@given(lines)
def test_dedent_agrees_with_textwrap_on_lf_lines(pairs: list[tuple[str, str]]) -> None:
    code = "".join(f"{indent}{body}\n" for indent, body in pairs)
    assert dedent(code) == textwrap.dedent(code)
    assert dedent(code.replace("\n", "\r")) == textwrap.dedent(code).replace("\n", "\r")
