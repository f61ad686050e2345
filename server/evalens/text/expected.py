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
    where = _Lines([line.rstrip("\r\n") for line in split_lines(source)], docstring)
    wanted = _want_lines(docstring, example, got)
    first_want = example.first + example.source_lines
    last_source, last_want = first_want - 1, first_want + example.want_lines - 1
    if example.want_lines:
        for number in range(first_want, last_want + 1):
            where.start(number)  # each expected line is written as it reads
        end = (docstring.document_line(last_want), where.end(last_want))
        if wanted:
            start = (docstring.document_line(first_want), where.start(first_want))
        else:  # nothing to expect: the lines go, with the line break before them
            start = (docstring.document_line(last_source), where.end(last_source))
        return Replacement(*start, *end, wanted)
    if not wanted:
        raise CannotExpect("the example already expects nothing, which is what it printed")
    line, at = docstring.document_line(last_source), where.end(last_source)
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
    lines = got.split("\n")  # doctest's lines: split at \n only
    if lines[-1] == "":
        lines.pop()
    if lines and lines[0].lstrip().startswith("..."):
        raise CannotExpect("its output starts with ..., which doctest reads as more of the example's source")
    for line in lines:
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


class _Lines:
    """Where the lines of a docstring's value are in the document."""

    def __init__(self, lines: list[str], docstring: Docstring) -> None:
        self.lines = lines
        self.docstring = docstring
        self.values = docstring.text.split("\n")

    def _text(self, number: int) -> str:
        line = self.docstring.document_line(number)
        return self.lines[line] if line < len(self.lines) else ""

    def _alone(self, number: int) -> bool:
        """Value line ``number`` ends where its document line does (no escape joins the next)."""
        lines = self.docstring.lines
        return number + 1 < len(lines) and lines[number + 1] == lines[number] + 1

    def start(self, number: int) -> int:
        """The column where value line ``number`` starts, which must be written as it reads."""
        text, value = self._text(number), self.values[number]
        if number > 0 and text.startswith(value) and (self._alone(number) or number == len(self.values) - 1):
            return 0
        raise CannotExpect("its expected output is written with escapes in the source; update it by hand")

    def end(self, number: int) -> int:
        """The column where value line ``number`` ends: its document line's end, or the closing
        quotes on the last line."""
        text = self._text(number)
        if number == len(self.values) - 1:
            at = text.rfind(self.docstring.quote)
            if at >= 0:
                return at
        elif self._alone(number):
            return len(text)
        raise CannotExpect("its lines are joined with escapes in the source; update it by hand")
