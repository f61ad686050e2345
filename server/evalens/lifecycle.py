"""Ending the server: stop the interpreter and the jedi lanes, then end the process.

``shutdown`` releases: the interpreter's whole process group is killed (user code and
every process it started) and queued jedi jobs are dropped. ``exit`` and the end of
stdin release too, if that is still to do, and end the process at once with LSP's
exit code (0 after a shutdown request, 1 without one).

The process ends with ``os._exit``: a normal interpreter exit joins every worker
thread, and a jedi lane may be busy with one slow completion for seconds, and the
thread reading stdin is blocked until the client closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from .server import EvalensServer

log = logging.getLogger(__name__)

#: How long ``shutdown`` waits for the interpreter to be gone before killing what is left.
SHUTDOWN_SECONDS = 2.0
#: The same for ``exit``, which must end the process within about a second.
EXIT_SECONDS = 0.5


class Lifecycle:
    """One release of the server's resources, shared by shutdown, exit and the end of stdin."""

    def __init__(self, server: EvalensServer) -> None:
        self.server = server
        self._release: asyncio.Future[None] | None = None
        self._ending: asyncio.Future[Any] | None = None

    async def release(self, timeout: float) -> None:
        """Stop the interpreter (standby included) and the jedi lanes, within ``timeout``."""
        if self._release is None:
            self._release = asyncio.ensure_future(self._stop_everything())
        try:
            await asyncio.wait_for(asyncio.shield(self._release), timeout)
        except asyncio.TimeoutError:
            log.warning("the interpreter did not stop within %.1f s; it was killed", timeout)
        except Exception:
            log.exception("stopping the interpreter failed; it was killed")
        self.kill_now()

    async def _stop_everything(self) -> None:
        self.kill_now()  # a run in progress ends now, with InterpreterDied
        await self.server.engine.shutdown()

    def kill_now(self) -> None:
        """Kill the interpreter's process group and drop queued jedi jobs, without waiting."""
        session = self.server.engine.session
        if session is not None:
            session.kill("the language server shut down")
        if self.server.intelligence is not None:
            self.server.intelligence.shutdown()

    def end(self, code: int) -> asyncio.Future[Any]:
        """Release what is left, then end the process with ``code``; the first call decides."""
        if self._ending is None:
            self._ending = asyncio.ensure_future(self._finish(code))
        return self._ending

    async def _finish(self, code: int) -> NoReturn:
        await self.release(EXIT_SECONDS)
        end_process(code)


def end_process(code: int) -> NoReturn:
    """End the process now, without waiting for busy worker threads."""
    log.info("exiting with code %d", code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    logging.shutdown()
    os._exit(code)
