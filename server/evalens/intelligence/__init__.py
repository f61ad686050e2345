"""Static intelligence: jedi over the editor's unsaved documents, and static diagnostics.

Completion (with resolve), hover, signature help, definition, declaration,
references, document highlight, document and workspace symbols come from jedi
seeing the text of every open document (``overlay``), on worker threads
(``lanes``), never on the event loop. Diagnostics report syntax errors and
unresolved imports (``diagnostics``). Hover and completion consult the live
interpreter through the optional ``ls.live`` seam (``live``).

``server.py`` calls ``register`` once and keeps the ``Intelligence`` it returns as
``ls.intelligence`` (a server without it has no static intelligence), and calls
``document_opened`` / ``document_changed`` / ``document_closed`` from its document
handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from .diagnostics import static_diagnostics
from .handlers import Intelligence

if TYPE_CHECKING:
    from ..server import EvalensServer

__all__ = [
    "Intelligence",
    "document_changed",
    "document_closed",
    "document_opened",
    "register",
    "static_diagnostics",
]


def register(server: EvalensServer) -> Intelligence:
    """Register the handlers on ``server``; the instance they share is for the server to keep."""
    intelligence = Intelligence(server)
    server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=["."], resolve_provider=True),
    )(_handler(intelligence.completion))
    server.feature(types.COMPLETION_ITEM_RESOLVE)(_handler(intelligence.resolve))
    server.feature(types.TEXT_DOCUMENT_HOVER)(_handler(intelligence.hover))
    server.feature(
        types.TEXT_DOCUMENT_SIGNATURE_HELP,
        types.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=[","]),
    )(_handler(intelligence.signature_help))
    server.feature(types.TEXT_DOCUMENT_DEFINITION)(_handler(intelligence.definition))
    server.feature(types.TEXT_DOCUMENT_DECLARATION)(_handler(intelligence.declaration))
    server.feature(types.TEXT_DOCUMENT_REFERENCES)(_handler(intelligence.references))
    server.feature(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)(_handler(intelligence.highlight))
    server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(_handler(intelligence.document_symbols))
    server.feature(types.WORKSPACE_SYMBOL)(_handler(intelligence.workspace_symbols))
    return intelligence


def _handler(method: Callable[[EvalensServer, Any], Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """A plain function for pygls, which cannot register bound methods."""

    async def handler(ls: EvalensServer, params: Any) -> Any:
        return await method(ls, params)

    return handler


def document_opened(ls: EvalensServer, uri: str) -> None:
    """A new module may satisfy other documents' imports: check every document."""
    if ls.intelligence is not None:
        ls.intelligence.changed(ls, uri, everyone=True)


def document_changed(ls: EvalensServer, uri: str) -> None:
    if ls.intelligence is not None:
        ls.intelligence.changed(ls, uri, everyone=False)


def document_closed(ls: EvalensServer, uri: str) -> None:
    if ls.intelligence is not None:
        ls.intelligence.closed(ls, uri)
