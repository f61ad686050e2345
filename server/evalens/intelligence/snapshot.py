"""What jedi needs from the server, copied on the event loop for a worker thread.

A ``Snapshot`` holds the text of every open document (by file path), the
import roots and the interpreter: jedi jobs read only the snapshot, never the
live server state, so documents can change while a job runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from lsprotocol import types

from ..lsp.textsync import line_index, units_to_column
from ..settings import find_interpreter
from ..text.documents import Document
from ..text.lineindex import LineIndex
from .host import Host


@dataclass(frozen=True)
class Snapshot:
    executable: str
    project_path: str
    sys_path: tuple[str, ...]  # import roots, extra paths, and the roots of open documents
    files: dict[str, tuple[str, int]]  # path -> (text, revision) of every open document with a file path
    units: Callable[[str], int]  # the client's position units in a string (UTF-16 by default)


def snapshot(host: Host) -> Snapshot:
    project = host.project
    docs = list(host.store)
    files = {doc.module.path: (doc.text, doc.revision) for doc in docs if doc.module.importable}
    roots = [*project.roots, *host.settings.extra_paths]
    for doc in docs:
        root = doc.module.root
        if root and root not in roots:
            roots.append(root)
    project_path = project.folders[0] if project.folders else (roots[0] if roots else os.getcwd())
    return Snapshot(
        executable=find_interpreter(host.settings, project.folders),
        project_path=project_path,
        sys_path=tuple(roots),
        files=files,
        units=host.position_units(),
    )


@dataclass(frozen=True)
class Cursor:
    """A request's document and position, in jedi's terms (1-based line, code points)."""

    doc: Document
    path: str
    line: int
    column: int
    text: str  # the line's text, without its line break


def cursor(host: Host, uri: str, position: types.Position) -> Cursor | None:
    """Where a request points, found through the document's line index (no split of the text)."""
    doc = host.store.get(uri)
    if doc is None:
        return None
    document = host.text_document(uri)
    index = line_index(document) if document.source is doc.text else LineIndex(doc.text)
    line = min(position.line, len(index) - 1)
    text = index.content(line)
    column = units_to_column(text, position.character, document.position_codec.encoding)
    return Cursor(doc, doc.module.path, line + 1, column, text)
