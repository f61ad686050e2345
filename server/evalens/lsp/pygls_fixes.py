"""Every way evalens adapts pygls 2, in one index, and the ones applied at registration.

Where each lives and why:

- ``protocol.EvalensProtocol``: ``$/cancelRequest`` that reaches the interpreter,
  follow-ups after a response, long reprs spliced into responses, the futures of
  handled notifications dropped, a ``shutdown`` and ``exit`` that hold up (the
  module's docstring has the details, with pygls' line numbers).
- ``transport``: framing that answers broken messages instead of dropping them, and
  one TCP client served like stdio.
- ``textsync``: incremental edits spliced in time proportional to the edit, and LSP
  lines instead of ``str.splitlines``; ``install`` below applies it.
- ``command`` below: pygls reads a command handler's type hints and signature at every
  ``workspace/executeCommand``; they are worked out once here.
- ``feature`` below: pygls sets attributes on the function it registers, which a bound
  method refuses; a plain function stands in for it.
- ``AnswersAreNotFaults`` below: pygls logs every ``JsonRpcException`` a handler raises
  with its traceback, also the answers evalens gives on purpose (an untrusted
  workspace, a bad argument); those become one line without a traceback, which an
  editor showing the server's last stderr lines after a crash can show as they are.
"""

from __future__ import annotations

import inspect
import logging
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from . import textsync

Handler = TypeVar("Handler", bound=Callable[..., Any])


def install() -> None:
    """The patches of pygls' classes (once per process)."""
    textsync.install()
    logging.getLogger("pygls.protocol.json_rpc").addFilter(AnswersAreNotFaults())


class AnswersAreNotFaults(logging.Filter):
    """A handler's ``JsonRpcException`` is the answer the client gets: logged in one line,
    at INFO, without the traceback pygls attaches."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, JsonRpcException):
            record.msg, record.args = "answered with error %s: %s", (error.code, error.message)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def command(server: LanguageServer, name: str, handler: Handler) -> Handler:
    """``server.command(name)(handler)``, with the handler's annotations and signature worked
    out once: pygls reads both at every executeCommand, and annotations kept as strings
    (``from __future__ import annotations``) are compiled again each time (0.1-0.2 ms a run)."""
    handler.__annotations__ = typing.get_type_hints(handler)
    handler.__signature__ = inspect.signature(handler)  # type: ignore[attr-defined]
    server.command(name)(handler)
    return handler


def feature(server: LanguageServer, method: str, answer: Callable[[Any], Any], options: Any = None) -> None:
    """Register ``answer`` (a bound method is fine) for ``method``, without the server argument."""
    if inspect.iscoroutinefunction(answer):

        async def handle_async(params: Any) -> Any:
            return await answer(params)

        server.feature(method, options)(handle_async)
    else:

        def handle(params: Any) -> Any:
            return answer(params)

        server.feature(method, options)(handle)
