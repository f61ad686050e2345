"""Ending the server: stop the interpreter and the jedi lanes, then end the process.

``shutdown`` releases: the interpreter's whole process group is killed (user code and
every process it started) and queued jedi jobs are dropped. ``exit`` and the end of
stdin release too, if that is still to do, and end the process at once with LSP's
exit code (0 after a shutdown request, 1 without one). So does the end of the
client's process (``watch_parent``), as LSP asks of a server.

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
from collections.abc import Callable
from typing import Any, NoReturn, Protocol

log = logging.getLogger(__name__)

#: How long ``shutdown`` waits for the interpreter to be gone before killing what is left.
SHUTDOWN_SECONDS = 2.0
#: The same for ``exit``, which must end the process within about a second.
EXIT_SECONDS = 0.5
#: Where the client's process cannot be watched with a pidfd (not Linux): how often to look.
PARENT_POLL_SECONDS = 5.0


class Parts(Protocol):
    """What ending the server ends: the interpreter, the analysis, files being written."""

    async def stop(self) -> None:
        """Stop them and wait until they are gone."""
        ...

    def kill(self, reason: str) -> None:
        """Kill them now, without waiting (a run under way ends with InterpreterDied)."""
        ...

    def settle(self, timeout: float) -> None:
        """Let a file being written be finished, for at most ``timeout`` seconds."""
        ...


class Lifecycle:
    """One release of the server's resources, shared by shutdown, exit and the end of stdin."""

    def __init__(self, parts: Parts, exit_code: Callable[[], int]) -> None:
        self.parts = parts
        #: LSP's exit code at this moment (0 once a shutdown request has come)
        self.exit_code = exit_code
        self._release: asyncio.Future[None] | None = None
        self._ending: asyncio.Future[Any] | None = None
        self._parent_poll: asyncio.TimerHandle | None = None

    def watch_parent(self, pid: int | None) -> None:
        """End the server when the client's process (``initialize``'s ``processId``) is gone,
        as LSP asks: an editor that crashed leaves no server and no interpreter behind."""
        if pid is None or os.name != "posix" or pid == os.getpid():
            return
        if not _process_exists(pid):
            log.warning("the client's processId %d is not a process here (another container?): not watching it", pid)
            return
        loop = asyncio.get_running_loop()
        try:
            fd = os.pidfd_open(pid)  # readable when the process ends: no polling
        except (AttributeError, OSError):
            self._parent_poll = loop.call_later(PARENT_POLL_SECONDS, self._poll_parent, pid)
            return
        loop.add_reader(fd, self._parent_ended, pid, fd)

    def _poll_parent(self, pid: int) -> None:
        if _process_exists(pid):
            self._parent_poll = asyncio.get_running_loop().call_later(PARENT_POLL_SECONDS, self._poll_parent, pid)
        else:
            self._parent_ended(pid, None)

    def _parent_ended(self, pid: int, fd: int | None) -> None:
        if fd is not None:
            asyncio.get_running_loop().remove_reader(fd)
            os.close(fd)
        log.warning("the client's process %d ended without shutting the server down; shutting down", pid)
        self.end(self.exit_code())

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
        await self.parts.stop()

    def kill_now(self) -> None:
        """Kill the interpreter's process group and drop queued jedi jobs, without waiting."""
        self.parts.kill("the language server shut down")

    def end(self, code: int) -> asyncio.Future[Any]:
        """Release what is left, then end the process with ``code``; the first call decides."""
        if self._ending is None:
            self._ending = asyncio.ensure_future(self._finish(code))
        return self._ending

    async def _finish(self, code: int) -> NoReturn:
        await self.release(EXIT_SECONDS)
        self.end_now(code)

    def end_now(self, code: int) -> NoReturn:
        """Kill what is left, let a file being written be finished, end the process."""
        self.kill_now()
        self.parts.settle(EXIT_SECONDS)
        end_process(code)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def end_process(code: int) -> NoReturn:
    """End the process now, without waiting for busy worker threads."""
    log.info("exiting with code %d", code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    logging.shutdown()
    os._exit(code)
