"""Serving LSP on stdio or TCP with resilient framing and answers for broken messages.

pygls' own stdio loop drops a message it cannot parse without a word, which
leaves a client waiting forever for a request with a mistyped parameter. Here
every body goes through ``FrameParser``; invalid JSON gets a ParseError
response and a request whose parameters do not fit gets InvalidParams, so the
client always hears back and the next valid request is answered.

The process ends when the client sends ``exit``, closes stdin (or, on TCP,
disconnects), sends SIGTERM or its process ends (``lifecycle``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import stat
import sys
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn, Protocol

from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol

from .. import pipes
from .framing import FrameParser
from .lifecycle import Lifecycle, end_process

log = logging.getLogger(__name__)
PARSE_ERROR = -32700
INVALID_PARAMS = -32602
INVALID_REQUEST = -32600


class Served(Protocol):
    """A language server with a lifecycle: what the transports serve."""

    lifecycle: Lifecycle

    @property
    def protocol(self) -> LanguageServerProtocol: ...

    @property
    def thread_pool(self) -> ThreadPoolExecutor: ...


def error_response(msg_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}


def handle_body(server: Served, body: bytes) -> None:
    """Hand one body to pygls; answer the client ourselves when pygls cannot."""
    protocol = server.protocol
    try:
        message = json.loads(body, object_hook=protocol.structure_message)
    except Exception as exc:
        try:
            raw = json.loads(body)
        except ValueError as bad_json:
            log.warning("dropped a body that is not JSON (%d bytes): %s", len(body), bad_json)
            protocol._send_data(error_response(None, PARSE_ERROR, f"Parse error: {bad_json}"))
            return
        if isinstance(raw, dict) and "id" in raw and "method" in raw:
            text = f"Invalid params for {raw['method']}: {type(exc).__name__}: {exc}"
            protocol._send_data(error_response(raw["id"], INVALID_PARAMS, text[:2000]))
        elif not isinstance(raw, dict):
            protocol._send_data(error_response(None, INVALID_REQUEST, "Invalid request: not a JSON object"))
        log.warning("could not handle a message: %s", exc)
        return
    try:
        protocol.handle_message(message)
    except Exception:
        log.exception("could not handle a message")


async def _hand_over(server: Served, read: Callable[[], Awaitable[bytes]]) -> None:
    """Hand every message ``read`` delivers to the server until it returns nothing (the
    client closed stdin or the connection)."""
    parser = FrameParser()
    while chunk := await read():
        for body in parser.feed(chunk):
            handle_body(server, body)


async def _serve(server: Served, messages: Coroutine[Any, Any, None]) -> None:
    """Handle ``messages`` until the client goes, then end the process (``lifecycle``)."""

    def terminated() -> None:
        server.lifecycle.end(server.lifecycle.exit_code())

    with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows' loop
        # An editor that gives up waiting terminates the server: take the interpreter along.
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, terminated)
    try:
        await messages
        log.info("the client closed the connection; shutting down")
    except (BrokenPipeError, ConnectionError) as error:
        log.error("the client's connection broke (%s); shutting down", error)
    # Unless ``exit`` came first, the client left without one.
    await server.lifecycle.end(server.lifecycle.exit_code())


def _run(server: Served, main: Coroutine[Any, Any, None]) -> NoReturn:
    try:
        asyncio.run(main)
    except KeyboardInterrupt:
        log.info("interrupted; shutting down")
    except BaseException:
        log.exception("the server stopped")
    server.lifecycle.end_now(server.lifecycle.exit_code())


async def _pipe_reader(loop: asyncio.AbstractEventLoop, fd: int) -> Callable[[], Awaitable[bytes]] | None:
    """Reads of ``fd`` by the event loop itself when it is a pipe or a socket (as an editor
    starts a server), without a thread's hop per message; None for anything else."""
    mode = os.fstat(fd).st_mode
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return None
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", 0, closefd=False))
    return lambda: reader.read(1 << 20)


def serve_stdio(server: Served) -> NoReturn:
    """Serve ``server`` on this process's stdin and stdout until the client sends ``exit``,
    closes stdin or terminates the process; then end the process (``lifecycle``)."""
    pipes.widen(sys.stdout.fileno())  # an image in one write, when the editor reads a pipe
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))

    async def main() -> None:
        loop, stdin = asyncio.get_running_loop(), sys.stdin.fileno()
        read = await _pipe_reader(loop, stdin)
        if read is None:  # a file or a terminal: read in a thread
            read = lambda: loop.run_in_executor(server.thread_pool, os.read, stdin, 1 << 20)  # noqa: E731
        await _serve(server, _hand_over(server, read))

    _run(server, main())


def serve_tcp(server: Served, host: str, port: int) -> NoReturn:
    """Listen on ``host``:``port`` (0: any free port), announce the address on stderr and
    serve the first client that connects, as on stdio: the process ends when it sends
    ``exit``, disconnects or the process is terminated. One client per process: the
    interpreter's state is that editor's."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        client: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = loop.create_future()

        def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if client.done():
                log.warning("refused a second client: this server serves one editor")
                writer.close()
            else:
                client.set_result((reader, writer))

        try:
            listener = await asyncio.start_server(connected, host, port)
        except OSError as error:  # nothing started yet: say why and go
            print(f"evalens: cannot listen on {host}:{port}: {error}; pass --port 0 for a free port", file=sys.stderr)
            end_process(2)
        bound = listener.sockets[0].getsockname()[1]
        print(f"evalens: listening on {host}:{bound}", file=sys.stderr, flush=True)
        reader, writer = await client
        listener.close()
        server.protocol.set_writer(writer)
        await _serve(server, _hand_over(server, lambda: reader.read(1 << 20)))

    _run(server, main())
