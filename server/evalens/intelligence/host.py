"""What the static intelligence needs of the server it serves, and nothing more.

The language server satisfies ``Host``; tests can hand in anything shaped like it.
Static intelligence never reaches the interpreter except through ``live``
(``runtime.RuntimeValues``), and never publishes diagnostics except through
``publish_static_diagnostics`` (the server's diagnostics board).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from lsprotocol import types
from pygls.workspace import TextDocument

from ..settings import Settings
from ..text.cells import Cell
from ..text.documents import DocumentStore
from ..text.modnames import Project
from .clientcaps import ClientFeatures
from .runtime import RuntimeValues


class Host(Protocol):
    @property
    def store(self) -> DocumentStore:
        """The open documents."""
        ...

    @property
    def settings(self) -> Settings: ...

    @property
    def project(self) -> Project:
        """The workspace folders and import roots."""
        ...

    @property
    def live(self) -> RuntimeValues:
        """Live values from the interpreter, for hover and completion."""
        ...

    @property
    def jedi_cache(self) -> str | None:
        """Where jedi keeps its parse cache (None: in memory only)."""
        ...

    def text_document(self, uri: str) -> TextDocument:
        """pygls' document (its line index and position encoding)."""
        ...

    @property
    def client_features(self) -> ClientFeatures:
        """What the client can show: markup kinds, label details."""
        ...

    def position_units(self) -> Callable[[str], int]:
        """The client's position units in a string (UTF-16 code units unless negotiated)."""
        ...

    def running(self) -> bool:
        """Whether the interpreter is running user code (a run the user waits for)."""
        ...

    def publish_static_diagnostics(self, uri: str, diagnostics: list[types.Diagnostic]) -> None: ...

    def cells_of(self, uri: str) -> list[Cell]:
        """The cells (``# %%``) of an open document, under the ``cellMarkers`` setting."""
        ...
