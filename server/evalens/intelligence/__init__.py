"""Static intelligence: jedi over the editor's unsaved documents, and static diagnostics.

Completion (with resolve), hover, signature help, definition, declaration,
references, document highlight, document and workspace symbols come from jedi
seeing the text of every open document (``overlay``), on worker threads
(``lanes``), never on the event loop. Diagnostics report syntax errors and
unresolved imports (``diagnostics``). Hover and completion consult the live
interpreter through ``Host.live`` (``runtime``). ``Host`` is all it knows of
the server.

Importing jedi and parso takes a tenth of a second, so nothing here imports
them until the server has answered ``initialize``: ``register`` installs thin
handlers and returns a ``LazyIntelligence``, which imports ``handlers`` (and
with it jedi) on a thread when ``load`` is first called and applies the jedi
patches (``patches``); requests and document events that come earlier wait for it.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from ..lsp import pygls_fixes
from .host import Host

if TYPE_CHECKING:
    from .handlers import Intelligence

__all__ = ["IDLE_DELAY", "Host", "LazyIntelligence", "register"]

log = logging.getLogger(__name__)
IDLE_DELAY = 0.5  # seconds after initialize before jedi is imported, unless a request needs it

#: LSP method -> (the Intelligence method answering it, registration options); the methods of
#: ``handlers.AT_CURSOR`` are answered by ``Intelligence.at_cursor``
FEATURES: dict[str, tuple[str, Any]] = {
    types.TEXT_DOCUMENT_COMPLETION: (
        "completion",
        types.CompletionOptions(trigger_characters=["."], resolve_provider=True),
    ),
    types.COMPLETION_ITEM_RESOLVE: ("resolve", None),
    types.TEXT_DOCUMENT_HOVER: ("hover", None),
    types.TEXT_DOCUMENT_SIGNATURE_HELP: (
        "at_cursor",
        types.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=[","]),
    ),
    types.TEXT_DOCUMENT_DEFINITION: ("at_cursor", None),
    types.TEXT_DOCUMENT_DECLARATION: ("at_cursor", None),
    types.TEXT_DOCUMENT_REFERENCES: ("at_cursor", None),
    types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT: ("at_cursor", None),
    types.TEXT_DOCUMENT_DOCUMENT_SYMBOL: ("document_symbols", None),
    types.WORKSPACE_SYMBOL: ("workspace_symbols", None),
}


class AnalysisStatus(TypedDict):
    state: str  # "waiting" (jedi not imported yet), "loading", "busy" or "idle"
    pending: int  # jobs and documents under way


class LazyIntelligence:
    """The static intelligence of one server, imported on a thread on first use."""

    def __init__(self, host: Host) -> None:
        self._host = host
        self._loading: asyncio.Future[Intelligence] | None = None
        self.instance: Intelligence | None = None
        self._waiting: list[Callable[[Intelligence], None]] = []  # document events before loading

    def load(self) -> asyncio.Future[Intelligence]:
        """Start importing jedi (once); the future gives the ready ``Intelligence``."""
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._load())
            self._loading.add_done_callback(_report_failure)
        return self._loading

    async def _load(self) -> Intelligence:
        module = await asyncio.to_thread(self._import)
        instance: Intelligence = module.Intelligence(self._host)
        self.instance = instance
        waiting, self._waiting = self._waiting, []
        for action in waiting:
            action(instance)
        return instance

    def _import(self) -> Any:
        module = importlib.import_module(f"{__name__}.handlers")
        importlib.import_module(f"{__name__}.patches").install(self._host.jedi_cache)
        return module

    async def get(self) -> Intelligence:
        return self.instance if self.instance is not None else await self.load()

    def then(self, action: Callable[[Intelligence], None]) -> None:
        """Run ``action`` now if loaded, else once loading is done (in the order asked)."""
        if self.instance is not None:
            action(self.instance)
        else:
            self._waiting.append(action)

    def start_when_idle(self, busy: Callable[[], bool], delay: float = IDLE_DELAY) -> None:
        """Load after ``delay`` seconds in which ``busy()`` turned false (the interpreter ran
        nothing): importing jedi and its first work would slow a first evaluation down."""
        loop = asyncio.get_running_loop()

        def check() -> None:
            if self._loading is not None:
                return
            if busy():
                loop.call_later(max(delay / 2, 0.1), check)
            else:
                self.load()

        loop.call_later(delay, check)

    def status(self) -> AnalysisStatus:
        """``analysis`` in ``evalens.status``: ``waiting`` (jedi not imported yet), ``loading``,
        ``busy`` (``pending`` jobs and documents under way) or ``idle``."""
        if self.instance is None:
            return {"state": "waiting" if self._loading is None else "loading", "pending": 0}
        pending = self.instance.pending()
        return {"state": "busy" if pending else "idle", "pending": pending}

    # -- documents ------------------------------------------------------------------

    def document_opened(self, uri: str) -> None:
        """A new module may satisfy other documents' imports: check every document."""
        self.then(lambda instance: instance.upkeep.changed(uri, everyone=True))

    def document_changed(self, uri: str) -> None:
        self.then(lambda instance: instance.upkeep.changed(uri, everyone=False))

    def document_closed(self, uri: str) -> None:
        self.then(lambda instance: instance.upkeep.closed(uri))

    def shutdown(self) -> None:
        if self.instance is not None:
            self.instance.lanes.shutdown()
            self.instance.diagnostics.checker.kill()


def _report_failure(loading: asyncio.Future[Any]) -> None:
    if not loading.cancelled() and loading.exception() is not None:
        log.error("static intelligence is unavailable: %s", loading.exception())


def register(server: LanguageServer, host: Host) -> LazyIntelligence:
    """Register the handlers on ``server``; the instance they share is for the server to keep."""
    lazy = LazyIntelligence(host)
    for method, (name, options) in FEATURES.items():
        pygls_fixes.feature(server, method, _answer(lazy, method, name), options)
    return lazy


def _answer(lazy: LazyIntelligence, method: str, name: str) -> Callable[[Any], Any]:
    async def answer(params: Any) -> Any:
        instance = await lazy.get()
        if name == "at_cursor":
            return await instance.at_cursor(method, params)
        return await getattr(instance, name)(params)

    return answer
