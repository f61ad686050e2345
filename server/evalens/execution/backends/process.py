"""The default backend: the worker in a private process of the user's Python.

One ``WorkerProcess`` serves at a time. A warm spare (the standby) is started
beside it, so a restart, a crash or a change of settings costs a swap instead
of a start (about 60 ms of the user's wait). An interpreter killed because it
ignored an interrupt is replaced at once, before anyone asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from ..backend import InterpreterDied, RunEvents, SessionConfig
from .workerprocess import WorkerProcess

log = logging.getLogger(__name__)


class ProcessBackend:
    """Starts worker processes for ``config()`` and keeps a spare one ready."""

    def __init__(self, config: Callable[[], SessionConfig], background: RunEvents, keep_standby: bool = True) -> None:
        self.config = config
        #: output printed and displays shown between runs (threads, child processes)
        self.background = background
        #: a warm spare interpreter for restarts and crashes (not worth it for one run)
        self.keep_standby = keep_standby
        self._session: WorkerProcess | None = None
        self._starting: asyncio.Task[WorkerProcess] | None = None
        self._standby: asyncio.Future[WorkerProcess] | None = None
        self._retiring: set[asyncio.Future[None]] = set()
        self._replacing: asyncio.Future[None] | None = None

    @property
    def session(self) -> WorkerProcess | None:
        return self._session

    @property
    def starting(self) -> bool:
        return self._starting is not None and not self._starting.done()

    def _outdated(self) -> bool:
        """A setting the interpreter was started with changed (new roots are sent live)."""
        return self._session is not None and not self._session.config.same_session(self.config())

    async def start(self) -> WorkerProcess:
        while True:
            if self._session is not None and self._session.alive and not self._outdated():
                return self._session
            if self._starting is None or self._starting.done():
                self._starting = asyncio.ensure_future(self._start())
            starting = self._starting
            try:
                session = await asyncio.shield(starting)
            finally:
                if starting.done() and self._starting is starting:
                    self._starting = None
            if not self._outdated():
                return session
            # The settings changed while it started: start one that has them.

    async def _start(self) -> WorkerProcess:
        if self._session is not None:
            # Kill the old one, but do not wait for it to be gone: the standby is ready now.
            retiring = asyncio.ensure_future(self._session.stop())
            self._retiring.add(retiring)
            retiring.add_done_callback(self._retiring.discard)
        session = await self._take_standby()
        if session is None:
            session = self._process()
            self._session = session
            await session.start()
        self._session = session
        self._prepare_standby()
        return session

    def _process(self) -> WorkerProcess:
        return WorkerProcess(self.config(), self.background, on_exit=self._ended)

    def _prepare_standby(self) -> None:
        """Start a spare interpreter now, so a restart or crash costs a swap, not a start."""
        if not self.keep_standby or self._standby is not None:
            return
        spare = self._process()

        async def start() -> WorkerProcess:
            await spare.start()
            return spare

        self._standby = asyncio.ensure_future(start())

    async def _take_standby(self) -> WorkerProcess | None:
        task, self._standby = self._standby, None
        if task is None:
            return None
        try:
            session = await task
        except InterpreterDied as exc:
            log.warning("the standby interpreter did not start: %s", exc)
            return None
        if session.alive and session.config == self.config():
            return session
        await session.stop("a standby interpreter with outdated settings was discarded")
        return None

    def _ended(self, process: WorkerProcess) -> None:
        """An interpreter killed for ignoring an interrupt is replaced at once."""
        if process is self._session and process.killed_after_interrupt:
            self._replacing = asyncio.ensure_future(self._replace())

    async def _replace(self) -> None:
        # A failure here is reported by the next request, which tries again.
        with contextlib.suppress(InterpreterDied):
            await self.start()

    async def restart(self) -> WorkerProcess:
        if self._session is not None:
            self._session.kill("the interpreter was stopped by evalens.restart")
        return await self.start()

    def kill(self, reason: str) -> None:
        if self._session is not None:
            self._session.kill(reason)

    async def shutdown(self) -> None:
        starting = self._starting
        if starting is not None and not starting.done():
            # Let a start in progress finish (or fail) so nothing is left half made.
            await asyncio.wait([starting], timeout=10)
        if self._retiring:
            await asyncio.wait(list(self._retiring), timeout=10)
        standby, self._standby = self._standby, None
        if standby is not None:
            await asyncio.wait([standby], timeout=10)
            if standby.done() and not standby.cancelled() and standby.exception() is None:
                await standby.result().stop("the server shut down")
        if self._session is not None:
            await self._session.stop("the server shut down")
