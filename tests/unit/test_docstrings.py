"""Docstrings with examples found in source text, each line of their value placed on its
document line, and the edit that makes an example expect what it printed."""

from __future__ import annotations

import ast
import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalens.text import docstrings
from evalens.text.expected import CannotExpect, replacement

#: pieces of a docstring's source: (source text, value lines it adds, document lines it adds)
PIECES = st.sampled_from(
    [
        ("a", 0, 0),
        (" >>> 1 ", 0, 0),
        ("\n", 1, 1),  # a line break of the source and the value
        ("\\n", 1, 0),  # an escape that breaks the value's line only
        ("\\x0a", 1, 0),
        ("\\012", 1, 0),
        ("\\N{LINE FEED}", 1, 0),
        ("\\u000a", 1, 0),
        ("\\\n", 0, 1),  # a backslash ending the source line: the value goes on
        ("\\t", 0, 0),
        ("\\\\", 0, 0),
        ('\\"', 0, 0),
        ("é", 0, 0),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=30), st.integers(min_value=0, max_value=3))
def test_each_value_line_is_placed_on_the_document_line_it_comes_from(
    pieces: list[tuple[str, int, int]], at: int
) -> None:
    body = "".join(text for text, _, _ in pieces)
    literal = f'"""{body}"""'
    expected = [at]
    line = at
    for _, value_breaks, source_breaks in pieces:
        line += source_breaks
        expected += [line] * value_breaks
    raw, lines = docstrings.value_lines(literal, at) or (None, ())
    assert raw is False
    assert list(lines) == expected
    assert len(lines) == ast.literal_eval(literal).count("\n") + 1


def test_a_raw_docstring_keeps_its_backslashes() -> None:
    assert docstrings.value_lines('r"""a\\n\nb\\\nc"""', 4) == (True, (4, 5, 6))


SOURCE = (
    '"""Module.\n'  # 0
    "\n"  # 1
    ">>> 1\n"  # 2
    "1\n"  # 3
    '"""\n'  # 4
    "import os\n"  # 5
    "if os.sep:\n"  # 6
    "    @staticmethod\n"  # 7
    "    def f():\n"  # 8
    '        """\n'  # 9
    "        >>> f()\n"  # 10
    '        """\n'  # 11
    "class A:\n"  # 12
    '    """No examples."""\n'  # 13
    "    class B:\n"  # 14
    "        def g(self):\n"  # 15
    "            '''>>> 2'''\n"  # 16
    "def outer():\n"  # 17
    "    def inner():\n"  # 18
    '        """>>> 3"""\n'  # 19: doctest never looks inside a function
    '__test__ = {"extra": """\n'  # 20
    ">>> 4\n"  # 21
    '""", "none": "text"}\n'  # 22
)


def test_docstrings_are_found_where_doctest_looks_for_them() -> None:
    found = docstrings.find(SOURCE)
    assert found is not None
    assert [(doc.name, doc.line, doc.end, doc.owner, doc.quote) for doc in found] == [
        ("", 0, 4, 0, '"""'),
        ("f", 9, 11, 7, '"""'),
        ("A.B.g", 16, 16, 15, "'''"),
        ("__test__.extra", 20, 22, 20, '"""'),
    ]
    assert [(example.first, example.source, example.want) for example in found[0].examples] == [(2, "1\n", "1\n")]
    assert docstrings.at_line(found, 8) is found[1]  # the def line holds its docstring
    assert docstrings.at_line(found, 12) is None
    assert docstrings.find("def broken(:\n") is None


def function_with(want_lines: list[str], raw: bool = False, quote: str = '"""') -> str:
    wanted = "".join(f"    {line}\n" for line in want_lines)
    return f"def f():\n    {'r' if raw else ''}{quote}\n    >>> f()\n{wanted}    {quote}\n"


def updated(source: str, got: str) -> str:
    (docstring,) = docstrings.find(source) or []
    edit = replacement(source, docstring, docstring.examples[0], got)
    lines = source.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    start = offsets[edit.start_line] + edit.start_character
    end = offsets[edit.end_line] + edit.end_character
    return source[:start] + edit.text + source[end:]


OUTPUT = st.text(st.sampled_from(["a", " ", "\n", "\\", '"', "'", "é", "<", ">", "."]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(OUTPUT, st.lists(st.sampled_from(["old", "two words", "x  "]), max_size=3), st.booleans())
def test_after_an_update_doctest_expects_exactly_what_was_printed(got: str, old: list[str], raw: bool) -> None:
    source = function_with(old, raw)
    if got and not got.endswith("\n"):
        got += "\n"  # doctest's own capture ends what an example prints with a line break
    try:
        new = updated(source, got)
    except CannotExpect:
        assert (
            ">>>" in got
            or got.lstrip(" ").startswith("...")
            or (raw and ('"""' in got or got.rstrip("\n").endswith('"')))
            or got == "" == "".join(old)
        )
        return
    (docstring,) = docstrings.find(new) or []
    (example,) = docstring.examples
    assert doctest.OutputChecker().check_output(example.want, got, 0)
    assert (example.source, docstring.line) == ("f()\n", 1)


@pytest.mark.parametrize(
    ("got", "reason"),
    [
        ("\tx\n", "tab"),
        (">>> x\n", "starts with >>>"),
        ("...\nx\n", "starts with \\.\\.\\."),
        ("  ... more\n", "starts with \\.\\.\\."),
        ("x\nTraceback (most recent call last):\n    ...\nValueError: v\n", "cannot expect both"),
    ],
)
def test_output_no_docstring_can_expect_is_refused_with_the_reason(got: str, reason: str) -> None:
    with pytest.raises(CannotExpect, match=reason):
        updated(function_with(["old"]), got)


def test_an_exception_is_written_as_doctest_expects_it() -> None:
    got = "Traceback (most recent call last):\n    ...\nValueError: v\n"
    assert updated(function_with(["1"]), got) == function_with(
        ["Traceback (most recent call last):", "    ...", "ValueError: v"]
    )


def test_a_one_line_docstring_gets_its_output_before_the_closing_quotes() -> None:
    source = 'def f():\n    """>>> f()"""\n'
    assert updated(source, "1\n") == 'def f():\n    """>>> f()\n1"""\n'
