"""The diagnostics board: one owner for what the editor shows under each document.

LSP has one list of diagnostics per document: each publication replaces the
last. Several parts of evalens have something to say about a document (the
failure of the last run, syntax errors and unresolved imports, failing
examples), each on its own schedule, so none of them publishes: each ``set``s
its own list for a document under its source, and the board publishes the union,
in the order of ``sources`` (so a run failure stays first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lsprotocol import types

Publish = Callable[[str, list[types.Diagnostic]], None]  # (uri, diagnostics)

#: the failure of the last run, at its innermost frame in an open document
RUN = "run"
#: syntax errors and unresolved imports
STATIC = "static"
#: docstring examples that failed their last run
DOCTEST = "doctest"


class DiagnosticsBoard:
    def __init__(self, publish: Publish, sources: Sequence[str] = (RUN, STATIC, DOCTEST)) -> None:
        self._publish = publish
        self.sources = list(sources)
        self._lists: dict[str, dict[str, list[types.Diagnostic]]] = {}  # uri -> source -> diagnostics

    def set(self, uri: str, source: str, diagnostics: list[types.Diagnostic]) -> None:
        """Replace ``source``'s diagnostics of ``uri`` and publish the document's union."""
        if source not in self.sources:
            raise ValueError(f"unknown diagnostics source {source!r}; register it in DiagnosticsBoard(sources=...)")
        lists = self._lists.setdefault(uri, {})
        if diagnostics:
            lists[source] = list(diagnostics)
        else:
            lists.pop(source, None)
        if not lists:
            del self._lists[uri]
        self._publish(uri, self.get(uri))

    def get(self, uri: str) -> list[types.Diagnostic]:
        """The union shown for ``uri``, sources in order."""
        lists = self._lists.get(uri, {})
        return [diagnostic for source in self.sources for diagnostic in lists.get(source, [])]

    def of(self, uri: str, source: str) -> list[types.Diagnostic]:
        return list(self._lists.get(uri, {}).get(source, []))

    def forget(self, uri: str) -> None:
        """A closed document: every source's diagnostics go, and the editor is told."""
        self._lists.pop(uri, None)
        self._publish(uri, [])
