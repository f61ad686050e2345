"""The edit that makes an example expect what it printed: its expected-output lines replaced,
written so that doctest reads back exactly that output.

doctest reads a docstring's value, not its source, so what is written must survive both: a
blank line becomes ``<BLANKLINE>`` (a blank line ends the expected output), every line gets
the ``>>>`` line's indentation, backslashes are doubled in a docstring that is not raw, and
trailing whitespace is kept (doctest compares it). Output that no docstring can expect is
refused with the reason: a line starting with ``>>>``, a tab (doctest turns the docstring's
tabs into spaces), output followed by an exception (doctest cannot expect both), a closing
quote in a raw docstring.
"""

from __future__ import annotations

import doctest
from dataclasses import dataclass

from .docstrings import Docstring, Example
from .lineindex import split_lines

_HEADER = "Traceback (most recent call last):"


@dataclass(frozen=True)
class Replacement:
    """Replace from (start_line, start_character) to (end_line, end_character) with ``text``
    (characters in code points; the caller converts them to the client's units)."""

    start_line: int
    start_character: int
    end_line: int
    end_character: int
    text: str


class CannotExpect(ValueError):
    """The output cannot be written as this example's expected output; the message says why."""


def replacement(source: str, docstring: Docstring, example: Example, got: str) -> Replacement:
    """The edit of ``source`` that makes ``example`` of ``docstring`` expect ``got``."""
    lines = [line.rstrip("\r\n") for line in split_lines(source)]
    value_lines = docstring.text.split("\n")
    wanted = _want_lines(docstring, example, got)
    first_want = example.first + example.source_lines
    if example.want_lines:
        start = _column(lines, docstring, value_lines, first_want)
        last = first_want + example.want_lines - 1
        end = _column(lines, docstring, value_lines, last) + len(value_lines[last])
        for number in range(first_want, last + 1):
            _column(lines, docstring, value_lines, number)
        if not wanted:  # nothing to expect: the lines go, with the line break before them
            last_source = first_want - 1
            at = _column(lines, docstring, value_lines, last_source) + len(value_lines[last_source])
            return Replacement(docstring.document_line(last_source), at, docstring.document_line(last), end, "")
        return Replacement(docstring.document_line(first_want), start, docstring.document_line(last), end, wanted)
    if not wanted:
        raise CannotExpect("the example already expects nothing, which is what it printed")
    last_source = first_want - 1
    at = _column(lines, docstring, value_lines, last_source) + len(value_lines[last_source])
    line = docstring.document_line(last_source)
    return Replacement(line, at, line, at, "\n" + wanted)


def _want_lines(docstring: Docstring, example: Example, got: str) -> str:
    """``got`` as expected-output lines of ``example``, indented, without a final line break."""
    if got and not got.startswith(_HEADER) and f"\n{_HEADER}\n" in "\n" + got:
        raise CannotExpect("the example printed output and then raised: doctest cannot expect both")
    if "\t" in got:
        raise CannotExpect("its output holds a tab, which doctest reads as spaces in a docstring")
    if docstring.quote in ('"', "'"):
        raise CannotExpect("a docstring in single quotes cannot hold more lines; use triple quotes")
    blank_allowed = not (example.options.get(doctest.DONT_ACCEPT_BLANKLINE, False))
    indent = " " * example.indent
    written = []
    for line in got.split("\n")[:-1] if got.endswith("\n") else got.split("\n"):
        if not line.strip():
            if not blank_allowed:
                raise CannotExpect("its output has a blank line, and DONT_ACCEPT_BLANKLINE is set")
            line = doctest.BLANKLINE_MARKER
        elif line.lstrip().startswith(">>>"):
            raise CannotExpect("a line of its output starts with >>>, which doctest reads as an example")
        written.append(indent + line)
    text = "\n".join(written)
    if docstring.raw:
        if docstring.quote in text or text.endswith(docstring.quote[0]):
            raise CannotExpect(f"its output holds {docstring.quote}, which would end the raw docstring")
        return text
    text = text.replace("\\", "\\\\")
    quote = docstring.quote
    return text.replace(quote, "\\" + "\\".join(quote)) if quote in text else text


def _column(lines: list[str], docstring: Docstring, value_lines: list[str], number: int) -> int:
    """Where value line ``number`` starts on its document line; CannotExpect when the line is
    not written there as it reads (escapes)."""
    line = docstring.document_line(number)
    text = lines[line] if line < len(lines) else ""
    value = value_lines[number]
    if number == 0:
        at = text.find(docstring.quote + value)
        if at >= 0:
            return at + len(docstring.quote)
    elif text.startswith(value) and (number + 1 >= len(docstring.lines) or docstring.lines[number + 1] == line + 1):
        return 0
    raise CannotExpect("its expected output is written with escapes in the source; update it by hand")
