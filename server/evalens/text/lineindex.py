"""Where each line of a document starts, kept up to date edit by edit.

Lines are the LSP's: they end at ``\\n``, ``\\r\\n`` or ``\\r`` and nowhere else
(``str.splitlines`` also breaks at form feeds, ``\\v``, ``\\x1c``-``\\x1e``,
``\\x85``, U+2028 and U+2029, which the protocol treats as ordinary
characters). A text ending with a line break has an empty last line after it.

``LineIndex`` holds a text and its line start offsets in chunks of about
``CHUNK`` lines. Each chunk stores the starts as they were when the chunk was
last rebuilt plus one shift for the whole chunk, so ``replace`` rewrites only
the chunk(s) holding the edited lines and adds the edit's length change to
the shift of every later chunk: a keystroke in a 50,000-line document touches
a few hundred offsets and about a hundred shifts, not 50,000 offsets.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate, pairwise

CHUNK = 512
_BREAK = re.compile(r"\r\n?|\n")


def line_starts(text: str, begin: int = 0, end: int | None = None) -> list[int]:
    """The offsets just after each line break in ``text[begin:end]``, ascending."""
    stop = len(text) if end is None else end
    if text.find("\r", begin, stop) < 0:
        parts = text[begin:stop].split("\n")
        if len(parts) == 1:
            return []
        return list(accumulate(map(len, parts[:-1]), lambda at, length: at + length + 1, initial=begin))[1:]
    return [match.end() for match in _BREAK.finditer(text, begin, stop)]


def split_lines(text: str) -> list[str]:
    """The document's lines with their line breaks; the last one may be empty."""
    starts = [0, *line_starts(text), len(text)]
    return [text[a:b] for a, b in pairwise(starts)]


def break_length(line: str) -> int:
    """The length of the line break ending ``line`` (0, 1 or 2)."""
    if line.endswith("\r\n"):
        return 2
    return 1 if line.endswith(("\n", "\r")) else 0


class LineIndex:
    """A text and the start offset of each of its LSP lines."""

    def __init__(self, text: str, chunk: int = CHUNK) -> None:
        self.chunk = max(2, chunk)
        self._set(text)

    def _set(self, text: str) -> None:
        self.text = text
        starts = [0, *line_starts(text)]
        size = self.chunk
        self._chunks: list[list[int]] = [starts[i : i + size] for i in range(0, len(starts), size)]
        self._shifts: list[int] = [0] * len(self._chunks)
        self._firsts: list[int] = [chunk[0] for chunk in self._chunks]  # offset of each chunk's first line
        self._lines: list[int] = list(range(0, len(starts), size))  # number of each chunk's first line
        self._count = len(starts)

    def __len__(self) -> int:
        """The number of lines (at least one)."""
        return self._count

    def __iter__(self) -> Iterator[int]:
        for chunk, shift in zip(self._chunks, self._shifts, strict=True):
            for start in chunk:
                yield start + shift

    def start(self, line: int) -> int:
        """The offset where ``line`` starts; the text's length for a line past the end."""
        if line >= self._count:
            return len(self.text)
        c = bisect_right(self._lines, line) - 1
        return self._chunks[c][line - self._lines[c]] + self._shifts[c]

    def line_at(self, offset: int) -> int:
        """The line holding ``offset`` (an offset at a line start belongs to that line)."""
        c = bisect_right(self._firsts, offset) - 1
        chunk, shift = self._chunks[c], self._shifts[c]
        return self._lines[c] + bisect_right(chunk, offset - shift) - 1

    def line(self, line: int) -> str:
        """The text of ``line`` with its line break; empty past the end."""
        if line >= self._count:
            return ""
        return self.text[self.start(line) : self.start(line + 1)]

    def content(self, line: int) -> str:
        """The text of ``line`` without its line break."""
        text = self.line(line)
        return text[: len(text) - break_length(text)]

    def offset(self, line: int, column: int) -> int:
        """The offset of a code-point ``column`` in ``line``, at most the line's end
        (before its break); the text's length for a line past the end."""
        if line >= self._count:
            return len(self.text)
        return self.start(line) + min(column, len(self.content(line)))

    def position(self, offset: int) -> tuple[int, int]:
        """The line and code-point column of ``offset``."""
        line = self.line_at(offset)
        return line, offset - self.start(line)

    def replace(self, start: int, end: int, new: str) -> None:
        """Replace ``text[start:end]`` with ``new`` (``start <= end``), updating the starts.

        Neither offset may fall between the CR and LF of one line break.
        """
        old = self.text
        if end - start > len(old) // 2 or len(new) > len(old):
            self._set(old[:start] + new + old[end:])
            return
        delta = len(new) - (end - start)
        text = self.text = old[:start] + new + old[end:]
        # The starts of lines ``first + 1 .. last - 1`` are rescanned: from a line before the
        # edited one (a CR ending that line may now be followed by an inserted LF) to
        # the line break after the edit, which the edit leaves as it was.
        first = max(self.line_at(start) - 1, 0)
        last = self.line_at(end) + 1  # the first line kept, shifted by ``delta``
        stop = self.start(last) + delta if last < self._count else len(text)
        fresh = line_starts(text, self.start(first), stop)
        if last < self._count:
            fresh.pop()  # the start of line ``last`` itself
        self._splice(first + 1, last, fresh, delta)

    def _splice(self, lo: int, hi: int, fresh: list[int], delta: int) -> None:
        """Lines ``lo .. hi - 1`` now start at ``fresh``; later lines moved by ``delta``."""
        lines, chunks, shifts = self._lines, self._chunks, self._shifts
        c1 = bisect_right(lines, lo) - 1
        c2 = bisect_right(lines, hi - 1) - 1 if hi > lo else c1
        if c2 + 1 < len(chunks) and sum(len(chunks[c]) for c in range(c1, c2 + 1)) < self.chunk // 2:
            c2 += 1  # merge a shrunken chunk with the next one
        base = lines[c1]
        region: list[int] = []
        for c in range(c1, c2 + 1):
            shift = shifts[c]
            region.extend([start + shift for start in chunks[c]] if shift else chunks[c])
        kept = region[hi - base :]
        region[lo - base :] = [*fresh, *([start + delta for start in kept] if delta else kept)]
        size = self.chunk
        rebuilt = [region[i : i + size] for i in range(0, len(region), size)]
        chunks[c1 : c2 + 1] = rebuilt
        shifts[c1 : c2 + 1] = [0] * len(rebuilt)
        self._firsts[c1 : c2 + 1] = [chunk[0] for chunk in rebuilt]
        lines[c1 : c2 + 1] = list(accumulate((len(chunk) for chunk in rebuilt[:-1]), initial=base)) if rebuilt else []
        after = c1 + len(rebuilt)
        moved = len(fresh) - (hi - lo)
        if delta:
            shifts[after:] = [shift + delta for shift in shifts[after:]]
            self._firsts[after:] = [at + delta for at in self._firsts[after:]]
        if moved:
            lines[after:] = [number + moved for number in lines[after:]]
        self._count += moved
