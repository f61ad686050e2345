"""Static intelligence: jedi over the editor's unsaved documents, and static diagnostics.

Completion (with resolve), hover, signature help, definition, declaration,
references, document highlight, document and workspace symbols come from jedi
seeing the text of every open document (``overlay``), on worker threads
(``lanes``), never on the event loop. Diagnostics report syntax errors and
unresolved imports (``diagnostics``). Hover and completion consult the live
interpreter through the optional ``ls.live`` seam (``live``).

Importing jedi and parso takes a tenth of a second, so nothing here imports
them until the server has answered ``initialize``: ``register`` installs thin
handlers and returns a ``LazyIntelligence``, which imports ``handlers`` (and
with it jedi) on a thread when ``load`` is first called; requests and
document events that come earlier wait for it.

``server.py`` calls ``register`` once, keeps what it returns as
``ls.intelligence``, calls ``load`` after ``initialize``, and calls
``document_opened`` / ``document_changed`` / ``document_closed`` from its
document handlers.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from . import caches

if TYPE_CHECKING:
    from ..server import EvalensServer
    from .handlers import Intelligence

__all__ = ["IDLE_DELAY", "LazyIntelligence", "document_changed", "document_closed", "document_opened", "register"]

log = logging.getLogger(__name__)
IDLE_DELAY = 0.5  # seconds after initialize before jedi is imported, unless a request needs it

#: LSP method -> (the Intelligence method answering it, registration options)
FEATURES: dict[str, tuple[str, Any]] = {
    types.TEXT_DOCUMENT_COMPLETION: (
        "completion",
        types.CompletionOptions(trigger_characters=["."], resolve_provider=True),
    ),
    types.COMPLETION_ITEM_RESOLVE: ("resolve", None),
    types.TEXT_DOCUMENT_HOVER: ("hover", None),
    types.TEXT_DOCUMENT_SIGNATURE_HELP: (
        "signature_help",
        types.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=[","]),
    ),
    types.TEXT_DOCUMENT_DEFINITION: ("definition", None),
    types.TEXT_DOCUMENT_DECLARATION: ("declaration", None),
    types.TEXT_DOCUMENT_REFERENCES: ("references", None),
    types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT: ("highlight", None),
    types.TEXT_DOCUMENT_DOCUMENT_SYMBOL: ("document_symbols", None),
    types.WORKSPACE_SYMBOL: ("workspace_symbols", None),
}


class LazyIntelligence:
    """The static intelligence of one server, imported on a thread on first use."""

    def __init__(self, server: EvalensServer) -> None:
        self._server = server
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
        instance: Intelligence = module.Intelligence(self._server)
        self.instance = instance
        waiting, self._waiting = self._waiting, []
        for action in waiting:
            action(instance)
        return instance

    def _import(self) -> Any:
        module = importlib.import_module(f"{__name__}.handlers")
        caches.use_jedi_cache(self._server.jedi_cache)
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

    def status(self) -> dict[str, Any]:
        """``analysis`` in ``evalens.status``: ``waiting`` (jedi not imported yet), ``loading``,
        ``busy`` (``pending`` jobs and documents under way) or ``idle``."""
        if self.instance is None:
            return {"state": "waiting" if self._loading is None else "loading", "pending": 0}
        pending = self.instance.pending()
        return {"state": "busy" if pending else "idle", "pending": pending}

    def static_diagnostics(self, ls: EvalensServer, uri: str) -> list[types.Diagnostic]:
        """The last syntax and import diagnostics of an open document (none before loading)."""
        return self.instance.diagnostics.last(ls, uri) if self.instance is not None else []

    def shutdown(self) -> None:
        if self.instance is not None:
            self.instance.lanes.shutdown()
            self.instance.diagnostics.checker.kill()


def _report_failure(loading: asyncio.Future[Any]) -> None:
    if not loading.cancelled() and loading.exception() is not None:
        log.error("static intelligence is unavailable: %s", loading.exception())


def register(server: EvalensServer) -> LazyIntelligence:
    """Register the handlers on ``server``; the instance they share is for the server to keep."""
    lazy = LazyIntelligence(server)
    for method, (name, options) in FEATURES.items():
        server.feature(method, options)(_handler(lazy, name))
    return lazy


def _handler(lazy: LazyIntelligence, name: str) -> Callable[..., Any]:
    """A plain function for pygls, which cannot register bound methods."""

    async def handler(ls: EvalensServer, params: Any) -> Any:
        answer = getattr(await lazy.get(), name)
        return await answer(ls, params)

    return handler


def document_opened(ls: EvalensServer, uri: str) -> None:
    """A new module may satisfy other documents' imports: check every document."""
    if ls.intelligence is not None:
        ls.intelligence.then(lambda instance: instance.changed(ls, uri, everyone=True))


def document_changed(ls: EvalensServer, uri: str) -> None:
    if ls.intelligence is not None:
        ls.intelligence.then(lambda instance: instance.changed(ls, uri, everyone=False))


def document_closed(ls: EvalensServer, uri: str) -> None:
    if ls.intelligence is not None:
        ls.intelligence.then(lambda instance: instance.closed(ls, uri))
