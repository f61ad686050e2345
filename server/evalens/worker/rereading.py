"""Reading a module's statements again after an edit, parsing only the lines around it.

The text before the first changed character and after the last one is what it
was: the statements there are the old ones (those after it moved by as many
lines and characters as the edit added). Only the lines from the first
statement the edit touches to the last one are parsed, with the line numbers
they have in the whole text. A part that does not parse on its own is read
with the whole text, as ``compile`` would (and fails as it would).
"""

from __future__ import annotations

import ast
import bisect
from typing import List, NamedTuple, Optional

from .statements import Statement, analyse, statements_in


class Reread(NamedTuple):
    """The statements of the new text: ``statements[first:tail_from]`` are the edited part's,
    which replaced ``replaced``; the others are the old statements (those from ``tail_from`` on
    moved by ``lines`` lines)."""

    statements: List[Statement]
    first: int
    tail_from: int
    lines: int
    replaced: List[Statement]


def reanalyse(old_text: str, old: List[Statement], text: str, filename: str, module: str, is_package: bool) -> Reread:
    """The statements of ``text``, an edit of ``old_text`` whose statements are ``old``, parsing
    only the lines around what changed (a module of 50,000 lines is not parsed again for a
    one-line edit). The statements after the edited part are the old objects, moved in place:
    ``old`` is no longer the old text's (the caller drops it). Raises SyntaxError as
    ``compile`` would."""
    context = (module, is_package)
    prefix = _common_prefix(old_text, text)
    old_end = len(old_text) - _common_suffix(old_text, text, prefix)  # old_text[prefix:old_end] was replaced
    delta = len(text) - len(old_text)
    # The old statements the edit touches (one ending where it starts may have grown), then
    # widened to whole lines: a statement sharing a line with the edited part is part of it.
    first = bisect.bisect_left([statement.end for statement in old], prefix)
    last = first - 1
    while last + 1 < len(old) and old[last + 1].start <= old_end:
        last += 1
    begin = _line_start(old_text, min(prefix, old[first].start) if first <= last else prefix)
    while first > 0 and old[first - 1].end > begin:
        first -= 1
        begin = _line_start(old_text, old[first].start)
    end = _line_end(old_text, max(old_end, old[last].end) if first <= last else old_end)
    while last + 1 < len(old) and old[last + 1].start < end:
        last += 1
        end = _line_end(old_text, old[last].end)
    head, tail = old[:first], old[last + 1 :]
    stop = end + delta  # ``begin`` is before the edit: the same offset in both texts
    line = _line_of(text, head[-1] if head else None, begin)
    try:
        tree = ast.parse("\n" * line + text[begin:stop], filename)
    except SyntaxError:
        fresh = analyse(text, filename, module, is_package)
        return Reread(fresh, 0, len(fresh), 0, list(old))
    middle = statements_in(tree.body, text[begin:stop], line, begin, context)
    # one character more on each side (the same in both texts): a "\r\n" split at either end
    # counts once, as in the whole text
    low = max(begin - 1, 0)
    lines = _line_count(text[low : stop + 1]) - _line_count(old_text[low : end + 1])
    if lines or delta:
        for statement in tail:
            statement.move(lines, delta)
    return Reread([*head, *middle, *tail], len(head), len(head) + len(middle), lines, old[first : last + 1])


def _line_of(text: str, before: Optional[Statement], offset: int) -> int:
    """The 0-based line of ``offset`` in ``text``, counted on from ``before``, a statement
    before it (the text up to ``offset`` is the same before and after the edit; a big module's
    text is not counted from its start at every edit)."""
    if before is None:
        return _line_count(text[:offset])
    return before.first + _line_count(text[before.start : offset])


def _line_start(text: str, offset: int) -> int:
    return max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1


def _line_end(text: str, offset: int) -> int:
    """The offset just after the line break ending the line that holds ``offset`` (or the end)."""
    ends = [found for found in (text.find("\n", offset), text.find("\r", offset)) if found >= 0]
    if not ends:
        return len(text)
    at = min(ends)
    return at + (2 if text.startswith("\r\n", at) else 1)


def _line_count(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _common_prefix(a: str, b: str) -> int:
    """Length of the common start of ``a`` and ``b``, found by halving (string compares in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, prefix: int) -> int:
    """Length of the common end of ``a`` and ``b`` that does not overlap ``prefix``."""
    low, high = 0, min(len(a), len(b)) - prefix
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle : len(a) - low] == b[len(b) - middle : len(b) - low]:
            low = middle
        else:
            high = middle - 1
    return low
