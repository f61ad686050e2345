"""evalens' JSON-RPC protocol: pygls' LSP protocol with a shutdown and exit that hold up.

Six things pygls 2.1.1 does not do for us:

- ``initialize`` offers every registered feature; code lenses and inlay hints are
  offered only to clients that declare them.
- ``$/cancelRequest`` only cancels a future; ``on_cancel`` lets the server interrupt
  the interpreter running that request.
- Follow-ups (``after_current_response``) run once a response is sent, so the client sees a
  result before the refresh it triggers.
- A long repr the worker sent as a JSON literal (``jsontext.JsonString``), and a display
  bundle, are written into the message as they are, not decoded and encoded again, nor
  copied into one buffer with the rest of the message when it is big.
- The futures of handled notifications and of commands' inner handlers are dropped;
  pygls keeps them for the rest of the session.
- ``shutdown`` and ``exit``. pygls' ``lsp_shutdown`` cancels the pending futures while
  iterating over the live ``_request_futures`` dict (language_server.py, lines
  209-211). A request served by a generator handler (``workspace/executeCommand``
  is one) waits on a ``concurrent.futures.Future`` (json_rpc.py, lines 218-220);
  cancelling it runs its done-callback at once, and that callback,
  ``_send_handler_result``, pops the request from the same dict (json_rpc.py,
  line 296): "dictionary changed size during iteration". The shutdown then answers an internal error, ``_shutdown``
  stays False, and ``exit`` ends with code 1. ``lsp_exit`` raises ``SystemExit``
  inside a message handler, which leaves ``asyncio.run`` to cancel every task and
  the interpreter to join every thread (a busy jedi lane, a reader blocked on stdin)
  before the process ends. Here ``shutdown`` cancels a copy and ``exit`` hands the
  exit code to ``on_exit``, which ends the process (``lifecycle``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Generator
from typing import Any, cast

from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import RPCMessage, RPCRequest
from pygls.protocol.language_server import lsp_method

from ..text import jsontext

log = logging.getLogger(__name__)

#: JSON-RPC's code for a request the server will not take in its current state.
INVALID_REQUEST = -32600
#: a message shorter than this goes out in one write; a longer one piece by piece
SMALL = 1 << 16


class EvalensProtocol(LanguageServerProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._follow_ups: dict[Any, list[Callable[[], None]]] = {}
        #: called with the id of a request the client cancelled
        self.on_cancel: Callable[[Any], None] | None = None
        #: called with the exit code when the client sends ``exit``; it ends the process
        self.on_exit: Callable[[int], object] | None = None
        self._pruning = False
        self._writing = threading.Lock()  # the pieces of one message are never interleaved

    def exit_code(self) -> int:
        """LSP's exit code: 0 once a shutdown request has come, 1 without one."""
        return 0 if self._shutdown else 1

    # -- initialize ---------------------------------------------------------------------

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Generator[Any, Any, types.InitializeResult]:
        """pygls' initialize, without advertising features the client did not declare."""
        result: types.InitializeResult = yield from super().lsp_initialize(params)
        withhold_undeclared(result.capabilities, params.capabilities)
        return result

    # -- shutdown and exit ---------------------------------------------------------------

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Generator[Any, Any, None]:
        """Refuse new requests, cancel the pending ones, then run the server's handler."""
        self._shutdown = True
        current = self.msg_id
        # A copy: cancelling a request's future removes it from the dict (see above).
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current and not future.done():
                future.cancel()
        if (handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield handler, args, None

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(types.EXIT)) is not None:
            yield handler, args, None
        if self.on_exit is None:
            raise SystemExit(self.exit_code())
        self.on_exit(self.exit_code())

    def handle_message(self, message: RPCMessage) -> None:
        if self._shutdown and isinstance(message, RPCRequest) and message.method != types.EXIT:
            # pygls drops it without a word, and the client would wait for ever.
            error = types.ResponseError(INVALID_REQUEST, f"{message.method}: the server is shutting down")
            self._send_response(message.id, error=error)
            return
        super().handle_message(message)

    # -- cancellation and follow-ups -------------------------------------------------------

    def is_pending(self, msg_id: Any) -> bool:
        """Whether request ``msg_id`` still waits for its answer (not cancelled, not answered)."""
        return msg_id in self._request_futures

    def after_current_response(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the request being handled has been answered (at once outside one)."""
        msg_id = self.msg_id
        if msg_id is not None:
            self._follow_ups.setdefault(msg_id, []).append(action)
        else:
            action()

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        if self.on_cancel is not None:
            self.on_cancel(msg_id)
        super()._handle_cancel_notification(msg_id)

    def _send_response(self, msg_id: Any, result: Any | None = None, error: Any | None = None) -> None:
        if isinstance(result, dict):
            # A command's answer, plain JSON but for JsonValues: encoded here, once, by json's C
            # encoder; pygls' converter would walk every value of it first (a doctest's answer
            # of 360 examples: 3 ms).
            result = jsontext.JsonPieces(*jsontext.dumps_pieces(result, default=self._serialize_message))
        super()._send_response(msg_id, result, error)
        self._schedule_pruning()
        for action in self._follow_ups.pop(msg_id, []):
            action()

    def _send_data(self, data: Any) -> None:
        """pygls' writer, with long reprs (``JsonString``) written as the literal the worker sent."""
        if not data:
            return
        if self.writer is None:
            log.error("cannot send %s: no transport", type(data).__name__)
            return
        try:
            pieces = jsontext.dumps_pieces(data, default=self._serialize_message)
            length = sum(len(piece) for piece in pieces)
            header = f"Content-Length: {length}\r\nContent-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
            if self._include_headers:
                pieces.insert(0, header.encode("ascii"))
            with self._writing:
                if length < SMALL:  # one write
                    self.writer.write(b"".join(pieces))
                else:  # a big literal (an image) is written as it is, not copied into one buffer
                    for piece in pieces:  # both writers (a binary file, a transport) take any bytes-like
                        self.writer.write(cast(bytes, piece))
        except BrokenPipeError:
            log.exception("the client's pipe is closed")
            raise
        except Exception as error:
            log.exception("could not send a message")
            self._server._report_server_error(error, JsonRpcInternalError)

    def _check_handler_result(self, future: Any) -> None:
        super()._check_handler_result(future)
        self._schedule_pruning()  # a notification handled: its future is finished

    def _schedule_pruning(self) -> None:
        """pygls keeps the future of every notification and of a command's inner handler
        under a random id and never removes it (a keystroke cost ~1.4 kB for the rest of the
        session): drop finished ones. Later, not now: pygls may be iterating over them."""
        if not self._pruning:
            self._pruning = True
            asyncio.get_running_loop().call_soon(self._prune_finished)

    def _prune_finished(self) -> None:
        self._pruning = False
        finished = [key for key, future in self._request_futures.items() if future.done()]
        for key in finished:
            del self._request_futures[key]


def withhold_undeclared(offered: types.ServerCapabilities, declared: types.ClientCapabilities) -> None:
    """Leave code lenses and inlay hints out of what the server offers to a client that
    declares no support for them (pygls offers every registered feature). Their requests
    are still answered, for a client that asks anyway."""
    text = declared.text_document
    if text is None or text.code_lens is None:
        offered.code_lens_provider = None
    if text is None or text.inlay_hint is None:
        offered.inlay_hint_provider = None
