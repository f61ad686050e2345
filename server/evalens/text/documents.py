"""The editor's open documents as the engine sees them: text, revision, module name."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from .lineindex import break_length, split_lines
from .modnames import ModuleName, name_for_uri


@dataclass
class Document:
    uri: str
    text: str
    revision: int
    module: ModuleName


class DocumentStore:
    """Open documents by URI; every change gets a new, never reused revision."""

    def __init__(self, roots: list[str] | None = None) -> None:
        self.roots: list[str] = roots or []
        self._docs: dict[str, Document] = {}
        self._revisions = itertools.count(1)
        #: bumped when documents open or close or the roots change (not on edits)
        self.generation = 0

    def set(self, uri: str, text: str) -> Document:
        doc = self._docs.get(uri)
        if doc is None:
            doc = Document(uri, text, next(self._revisions), name_for_uri(uri, self.roots))
            self._docs[uri] = doc
            self.generation += 1
        else:
            doc.text = text
            doc.revision = next(self._revisions)
        return doc

    def close(self, uri: str) -> None:
        if self._docs.pop(uri, None) is not None:
            self.generation += 1

    def get(self, uri: str) -> Document | None:
        return self._docs.get(uri)

    def set_roots(self, roots: list[str]) -> None:
        """New import roots rename every document; each counts as changed."""
        self.roots = roots
        self.generation += 1
        for doc in self._docs.values():
            doc.module = name_for_uri(doc.uri, roots)
            doc.revision = next(self._revisions)

    def __iter__(self) -> Iterator[Document]:
        return iter(list(self._docs.values()))

    def __len__(self) -> int:
        return len(self._docs)


@dataclass(frozen=True)
class Selection:
    code: str  # dedented
    first_line: int  # the LSP line the code starts on


def selection(text: str, start: int, end: int) -> Selection:
    """The code between two code-point offsets of ``text``, dedented so lines inside a
    block run as top-level code, and the line it starts on.

    Lines are the LSP's (ending at LF, CR LF or CR), as the interpreter counts
    them too; a selection starting after leading whitespace starts at the
    beginning of its line, so indentation is kept consistent for the dedent.
    """
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    first_line = text.count("\n", 0, start) + text.count("\r", 0, start) - text.count("\r\n", 0, start)
    if text[line_start:start].strip(" \t") == "":
        start = line_start
    return Selection(dedent(text[start : max(start, end)]), first_line)


def dedent(code: str) -> str:
    """``textwrap.dedent`` over LSP lines: the common leading spaces and tabs of the lines
    that are not blank go, and blank lines lose their spaces and tabs."""
    lines = split_lines(code)
    bodies = [line[: len(line) - break_length(line)] for line in lines]
    margins = [body[: len(body) - len(body.lstrip(" \t"))] for body in bodies if body.strip(" \t")]
    cut = 0
    if margins:
        low, high = min(margins), max(margins)  # their common prefix is everyone's
        cut = next((i for i, (a, b) in enumerate(zip(low, high, strict=False)) if a != b), len(low))
    return "".join(
        line[cut:] if body.strip(" \t") else line[len(body) :] for line, body in zip(lines, bodies, strict=True)
    )
