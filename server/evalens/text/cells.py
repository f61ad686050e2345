"""Cells of a plain .py file: the ``# %%`` convention and its relatives.

A line that starts (at column 0) with a cell marker, outside any string, starts a
cell that runs to the line before the next marker or to the end of the document;
lines before the first marker belong to no cell. The default markers are VS
Code's, Spyder's and Jupytext's: ``# %%`` / ``#%%`` (a title may follow;
``[markdown]`` or ``[md]`` after the marker makes a markdown cell), ``# In[ ]:``
/ ``# In[12]:`` and ``# <codecell>`` / ``# <markdowncell>``. The ``cellMarkers``
setting replaces them with the user's regular expressions: each matched at the
start of a line, what follows the match is the title.

Whether a marker line is inside a string is decided by one left-to-right scan of
the text that skips strings and comments (``_SCAN``, a regular expression: C
speed, and it never fails on text that does not parse, as ``tokenize`` does).
``CellIndex`` keeps the cells of each document's last text, and rescans a new
text only from the last marker before the first line that changed.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .lineindex import line_starts

#: VS Code's, Spyder's and Jupytext's markers; the rest of the line is the title
DEFAULT_MARKERS = (
    r"#\s*%%",
    r"#\s*In\[[0-9 ]*\]:?",
    r"#\s*<(?:code|markdown)cell>",
)
_MARKDOWN_TAG = re.compile(r"\s*\[(?:markdown|md)\]", re.IGNORECASE)

#: Python string literals (any prefix, triple or single quoted, escapes), comments,
#: and newlines, in the order they can begin: scanning with it from a point outside
#: any string visits every newline that is outside a string
_DEFAULT_PREFILTER = re.compile(r"(?:^|(?<=[\r\n]))#\s*(?:%%|In\[|<(?:code|markdown)cell>)")
_SCAN = re.compile(
    r"""
    (?P<string>(?:[rRbBuUfF]{0,2})
        (?:'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)
          |\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z)
          |'(?:[^'\\\r\n]|\\\r\n|\\.)*(?:'|(?=[\r\n])|\Z)
          |"(?:[^"\\\r\n]|\\\r\n|\\.)*(?:"|(?=[\r\n])|\Z)))
    |(?P<comment>\#[^\r\n]*)
    |(?P<newline>\r\n|\r|\n)
    |(?P<other>[^'"\#\r\n]+)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Cell:
    """One cell: its marker line, its last line (both 0-based, inclusive), its title."""

    line: int
    end: int
    title: str
    markdown: bool


@functools.lru_cache(maxsize=8)
def compile_markers(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One expression matching any of ``patterns`` (none: ``DEFAULT_MARKERS``) at the start
    of a line; the same object for the same patterns. A bad pattern raises ``re.error``
    (the settings refuse those)."""
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns or DEFAULT_MARKERS))


DEFAULT = compile_markers(())


def marker_lines(text: str, markers: re.Pattern[str] = DEFAULT, start: int = 0) -> Iterable[tuple[int, str]]:
    """The (character offset, line text) of every line at or after ``start`` (an offset at
    the beginning of a line, outside any string) that begins with a marker outside a string."""
    position = start
    at_line_start = True
    for match in _SCAN.finditer(text, start):
        kind = match.lastgroup
        if kind == "newline":
            at_line_start = True
            position = match.end()
            continue
        if at_line_start and kind == "comment" and match.start() == position:
            line = match.group()
            if markers.match(line):
                yield position, line
        at_line_start = False


def parse(text: str, markers: re.Pattern[str] = DEFAULT) -> list[Cell]:
    """The cells of ``text`` in order."""
    return _cells(text, markers, [], 0, _line_starts(text))


def _line_starts(text: str) -> list[int]:
    """The offset of every line's start, the LSP's lines (``lineindex``)."""
    return [0, *line_starts(text)]


def _cells(text: str, markers: re.Pattern[str], kept: list[Cell], start: int, starts: list[int]) -> list[Cell]:
    """``kept`` (the cells before offset ``start``) and those found from ``start`` on."""
    found = [(bisect.bisect_right(starts, offset) - 1, line) for offset, line in marker_lines(text, markers, start)]
    # the document's last line, as the LSP counts lines: an empty line after a final newline is not part of a cell
    last_line = len(starts) - 2 if text.endswith(("\n", "\r")) else len(starts) - 1
    cells = list(kept)
    if kept:
        previous = cells[-1]
        end = found[0][0] - 1 if found else max(last_line, previous.line)
        cells[-1] = Cell(previous.line, end, previous.title, previous.markdown)
    for index, (line, marker) in enumerate(found):
        end = found[index + 1][0] - 1 if index + 1 < len(found) else max(last_line, line)
        title, markdown = _title(marker, markers)
        cells.append(Cell(line, end, title, markdown))
    return cells


def _title(marker_line: str, markers: re.Pattern[str]) -> tuple[str, bool]:
    matched = markers.match(marker_line)
    rest = marker_line[matched.end() if matched else 0 :]
    markdown = marker_line.lstrip("# \t").lower().startswith("<markdowncell>")
    tag = _MARKDOWN_TAG.match(rest)
    if tag is not None:
        markdown, rest = True, rest[tag.end() :]
    return rest.strip(), markdown


def cell_at(cells: Sequence[Cell], line: int) -> Cell | None:
    """The cell holding 0-based ``line`` (its marker line included), None before the first."""
    index = bisect.bisect_right([cell.line for cell in cells], line) - 1
    if index < 0 or line > cells[index].end:
        return None
    return cells[index]


class CellIndex:
    """The cells of each document's latest text, rescanned from the last marker before the
    first changed line (an edit far below the top costs only the scan of its own part)."""

    def __init__(self) -> None:
        self._texts: dict[str, tuple[str, re.Pattern[str], list[Cell]]] = {}

    def cells(self, key: str, text: str, markers: re.Pattern[str] = DEFAULT) -> list[Cell]:
        """The cells of ``text``, the latest text of the document ``key``."""
        known = self._texts.get(key)
        if known is not None and known[0] == text and known[1] is markers:
            return known[2]
        starts = _line_starts(text)
        if known is None or known[1] is not markers or not known[2]:
            cells = _cells(text, markers, [], 0, starts) if _may_have_markers(text, markers) else []
        else:
            cells = _rescan(known[0], known[2], text, markers, starts)
        self._texts[key] = (text, markers, cells)
        return cells

    def forget(self, key: str) -> None:
        self._texts.pop(key, None)


def _rescan(old: str, old_cells: list[Cell], text: str, markers: re.Pattern[str], starts: list[int]) -> list[Cell]:
    """The cells of ``text``, keeping those of ``old`` above its first changed line."""
    changed_line = bisect.bisect_right(starts, _first_difference(old, text)) - 1
    kept = [cell for cell in old_cells if cell.line < changed_line]
    if not kept:
        return _cells(text, markers, [], 0, starts)
    restart = kept.pop()  # its extent ends below the change: found again from its marker
    return _cells(text, markers, kept, starts[restart.line], starts)


def _may_have_markers(text: str, markers: re.Pattern[str]) -> bool:
    """A cheap first look: any line that starts with a marker, string or not."""
    if markers is DEFAULT:
        return _DEFAULT_PREFILTER.search(text) is not None
    return any(markers.match(line) for line in text.splitlines())


def _first_difference(old: str, new: str) -> int:
    """The first offset where ``old`` and ``new`` differ (the shorter one's length if one
    is the other's start), found by halving: string comparison runs in C."""
    low, high = 0, min(len(old), len(new))
    while low < high:
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    return low
