"""The variables view's state: which module a page without a ``uri`` lists (the last run's),
and ``evalens/variablesChanged``, sent after each run in a document with the names of its
module the run rebound, bound or deleted, so that a view refreshes only those. The pages
themselves: ``variablepages``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from ..text.documents import DocumentStore


class VariablesView:
    """Which module the last run was in, and the notification after each run."""

    def __init__(self, store: DocumentStore, notify: Callable[[str, dict[str, Any]], None]) -> None:
        self.store = store
        self.notify = notify
        #: the last run's document and its module (the default namespace of a page)
        self.last: tuple[str, str] | None = None

    def run_changed(self, uri: str, names: list[str]) -> None:
        """A run in ``uri`` ended having changed ``names`` of its module (the engine says)."""
        doc = self.store.get(uri)
        if doc is not None:
            self.last = (uri, doc.module.name)
        self.notify("evalens/variablesChanged", {"uri": uri, "names": names})

    def reset(self) -> None:
        """The interpreter that ran code is gone (restarted, or it died): every entry of the
        last run's module went with it."""
        if self.last is not None:
            self.notify("evalens/variablesChanged", {"uri": self.last[0], "names": [], "reset": True})

    def module_of(self, uri: str | None) -> str:
        if uri is None:
            if self.last is None:
                raise JsonRpcInvalidParams(
                    "evalens.variables: nothing has run yet, so there is no last module; pass the `uri` of a document"
                )
            return self.last[1]
        doc = self.store.get(uri)
        if doc is not None:
            return doc.module.name
        if self.last is not None and self.last[0] == uri:  # closed since it ran: its module lives on
            return self.last[1]
        raise JsonRpcInvalidParams(
            f"evalens.variables: {uri} is not an open document; open it first (textDocument/didOpen)"
        )
