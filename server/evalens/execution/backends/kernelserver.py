"""A kernel of a Jupyter Server, Kernel Gateway or Enterprise Gateway: started through the
REST API (and shut down by evalens) or attached to by its id (and left alone), spoken to
through its websocket in either framing (``kernelwire``).

A websocket that drops is opened again with the same session id, so the server replays
what the kernel sent meanwhile and a run in flight is answered; a server that stays away
ends the runs under way with the cause. The server's own status messages say when the
kernel died (``restarting``, ``dead``). Interrupts go through the REST API: the server
signals the kernel, or sends it an ``interrupt_request``, as its kernelspec asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from collections.abc import Coroutine
from typing import Any

from ...settings import KernelTarget
from ..backend import InterpreterDied
from . import kernelwire
from .kernelchannels import BetweenRuns, Channels, execute_content
from .kernelrest import ServerApi

log = logging.getLogger(__name__)
#: how long a dropped websocket is tried again before the runs under way are ended
RECONNECT_SECONDS = 10.0
#: the largest websocket message taken (a display may be tens of megabytes)
MAX_MESSAGE_BYTES = 1 << 30
PING_SECONDS = 30.0
SHUTDOWN_TRIES = 3
#: Linux's TCP_QUICKACK (None elsewhere)
QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)


class ServerChannels(Channels):
    """One kernel of a Jupyter Server or gateway, through its websocket."""

    check_hint = "check that the server runs and can start that kernel (`jupyter server list`, its log)"

    def __init__(self, target: KernelTarget, between_runs: BetweenRuns, adopt: tuple[str, bool] | None) -> None:
        super().__init__(target, between_runs)
        self.api = ServerApi(target)
        self.kernel_id: str | None = target.id
        #: evalens started the kernel: it shuts it down
        self.started_here = False
        if adopt is not None:
            self.kernel_id, self.started_here = adopt
        self.session = uuid.uuid4().hex
        self.socket: Any = None
        self.v1 = False
        #: msg_id -> the size of its frame (what a message too big for the server was)
        self._sizes: dict[str, int] = {}

    def describe(self) -> str:
        return f"kernel {self.kernel_id} at {self.api.url}" if self.kernel_id else self.target.describe()

    @property
    def owned(self) -> bool:
        return self.started_here

    def _kill(self) -> None:
        if self.started_here and self.kernel_id is not None:
            self.soon(self.api.shutdown(self.kernel_id))

    def handover(self) -> tuple[str, bool] | None:
        if self.kernel_id is None or not self.restarted:
            return None
        owned, self.started_here = self.started_here, False
        return self.kernel_id, owned

    async def _connect(self) -> None:
        if self.started_here and self.kernel_id is not None and await self.api.kernel(self.kernel_id) is None:
            self.kernel_id = None  # the kernel evalens started is gone: another one
        if self.kernel_id is None:
            started = await self.api.start(self.target.spec)
            self.kernel_id, self.started_here = started["id"], True
        elif await self.api.kernel(self.kernel_id) is None:
            raise InterpreterDied(
                f"{self.api.url} has no kernel {self.kernel_id}; evalens.kernels lists the server's kernels, "
                'or leave "id" out of the kernel setting for evalens to start one'
            )
        await self._open()
        await self._ready()

    async def _open(self) -> None:
        from tornado.httpclient import HTTPClientError
        from tornado.websocket import websocket_connect

        assert self.kernel_id is not None
        try:
            self.socket = await websocket_connect(
                self.api.channels_request(self.kernel_id, self.session),
                subprotocols=[kernelwire.V1],
                max_message_size=MAX_MESSAGE_BYTES,
                ping_interval=PING_SECONDS,
            )
        except HTTPClientError as exc:
            if exc.code in (401, 403):
                raise InterpreterDied(self.api.refused(exc.code)) from None
            raise InterpreterDied(
                f"{self.api.url} refused the websocket of {self.describe()} (HTTP {exc.code}: {exc.message}); "
                "check the server's log"
            ) from None
        except OSError as exc:
            raise InterpreterDied(self.api.unreachable(exc)) from None
        self.v1 = self.socket.selected_subprotocol == kernelwire.V1

    async def _ready(self) -> None:
        """Until the kernel answers ``kernel_info`` (a kernel still starting queues it)."""
        asked = self._send("shell", "kernel_info_request", {})
        while True:
            message = await self._receive()
            if message is None:
                raise InterpreterDied(f"{self.api.url} closed the websocket of {self.describe()} as it opened")
            parent = (message.get("parent_header") or {}).get("msg_id")
            if parent == asked:
                if message.get("channel") == "shell":
                    return
                continue
            self.deliver(message.get("channel", ""), message)

    async def _receive(self) -> dict[str, Any] | None:
        """The next kernel message, or None when the websocket closed."""
        while True:
            frame = await self.socket.read_message()
            if frame is None:
                return None
            self._ack_at_once()
            try:
                return kernelwire.decode(frame, self.v1)
            except kernelwire.BadFrame as exc:
                log.warning("%s sent a frame evalens cannot read: %s", self.api.url, exc)

    def _ack_at_once(self) -> None:
        """Acknowledge what the server sends without delay. Jupyter Server writes each kernel
        message to the websocket as it comes, with Nagle's algorithm on (no TCP_NODELAY):
        the second message of a run waits for our acknowledgement of the first, which the
        client's delayed ACK holds back for 40 ms: every run took 48 ms instead of 7 ms.
        Linux resets TCP_QUICKACK as it likes, so it is set again after each message."""
        stream = getattr(getattr(self.socket, "protocol", None), "stream", None)
        sock = getattr(stream, "socket", None)
        if QUICKACK is not None and sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)

    def _send(self, channel: str, msg_type: str, content: dict[str, Any]) -> str:
        from tornado.websocket import WebSocketClosedError

        message = kernelwire.new_message(channel, msg_type, content, self.session)
        frame = kernelwire.encode(message, self.v1)
        self._sizes = {msg_id: size for msg_id, size in self._sizes.items() if msg_id in self.running}
        self._sizes[message["header"]["msg_id"]] = len(frame)
        try:
            sent = self.socket.write_message(frame, binary=self.v1)
        except WebSocketClosedError:
            raise InterpreterDied(
                f"the websocket of {self.describe()} is closed; evalens is reconnecting, run again in a moment"
            ) from None
        sent.add_done_callback(lambda done: done.cancelled() or done.exception())
        msg_id: str = message["header"]["msg_id"]
        return msg_id

    def _readers(self) -> list[Coroutine[Any, Any, None]]:
        return [self._read()]

    async def _read(self) -> None:
        while self.dead is None:
            message = await self._receive()
            if message is None:
                if not await self._reconnect():
                    return
                self._lost_on_the_way()
                continue
            self.deliver(message.get("channel", ""), message)

    def _lost_on_the_way(self) -> None:
        """After a reconnection: a request the kernel never began did not reach it (the server
        closes the websocket on a message over its size limit); it ends saying so."""
        for msg_id, execution in list(self.running.items()):
            if execution.started:
                continue
            size = self._sizes.get(msg_id, 0) / 1e6
            execution.end(
                f"the request ({size:.1f} MB) did not reach {self.describe()}: the server closed the websocket as "
                "it came; Jupyter Server takes messages of at most 10 MB unless started with "
                "--ServerApp.tornado_settings=\"{'websocket_max_message_size': 209715200}\" (200 MB); "
                "the next run tries again"
            )

    async def _reconnect(self) -> bool:
        """Open the websocket again (same session: the server replays what it buffered)."""
        loop = asyncio.get_running_loop()
        deadline, delay, problem = loop.time() + RECONNECT_SECONDS, 0.05, "the websocket closed"
        log.warning("the websocket of %s closed; reconnecting", self.describe())
        while loop.time() < deadline:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)
            try:
                assert self.kernel_id is not None
                if await self.api.kernel(self.kernel_id) is None:
                    self._end(
                        f"{self.describe()} is gone (shut down by its server or another client); "
                        "the next run starts or attaches again"
                    )
                    return False
                await self._open()
                return True
            except InterpreterDied as exc:
                problem = str(exc)
        self._end(
            f"lost the connection to {self.describe()} and could not reconnect within {RECONNECT_SECONDS:g} s: "
            f"{problem}"
        )
        return False

    def _send_execute(self, code: str, silent: bool, expressions: dict[str, str]) -> str:
        return self._send("shell", "execute_request", execute_content(code, silent, expressions))

    async def interrupt(self) -> None:
        if self.kernel_id is not None:
            await self.api.interrupt(self.kernel_id)

    async def _disconnect(self) -> None:
        if self.socket is not None:
            self.socket.close()
        if not self.started_here or self.kernel_id is None:
            return
        for attempt in range(SHUTDOWN_TRIES):  # a kernel the server is restarting may refuse at first
            try:
                await self.api.shutdown(self.kernel_id)
                return
            except InterpreterDied as exc:
                if attempt == SHUTDOWN_TRIES - 1:
                    log.warning("could not shut down %s, which evalens started: %s", self.describe(), exc)
                else:
                    await asyncio.sleep(0.5)
