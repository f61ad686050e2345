"""Worker threads for jedi, so its work never runs on the event loop.

Each lane is one thread with its own jedi environment (jedi talks to the
environment's subprocess over a pipe that only one thread may use). A job
goes to the least busy lane, so a slow completion on one lane never delays a
hover, which runs on another. ``completionItem/resolve`` goes back to the
lane that produced the item, where its jedi objects live.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import jedi  # type: ignore[import-untyped]

from .states import StateKeeper

log = logging.getLogger(__name__)
QUIET_SETTLE = 0.1  # seconds without requests before background work resumes
T = TypeVar("T")


class Lane:
    """One worker thread and the jedi state confined to it."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.pending = 0
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"evalens-jedi-{index}")
        self._environment: Any = None
        #: the jedi inference state reused across this lane's requests
        self.states = StateKeeper()
        self._executable: str | None = None
        #: completions of the last completion request, for completionItem/resolve
        self.completions: tuple[int, list[Any]] = (0, [])

    def environment(self, executable: str) -> Any:
        """jedi's environment for ``executable``; only call from the lane's thread."""
        if self._environment is None or self._executable != executable:
            self._executable = executable
            try:
                self._environment = jedi.create_environment(executable, safe=False)
            except Exception as exc:
                log.warning("jedi cannot use %s (%s); using the server's own Python for analysis", executable, exc)
                self._environment = jedi.create_environment(sys.executable, safe=False)
        return self._environment


class Lanes:
    """A few lanes for requests; ``run`` picks the least busy one unless told which.

    Work nobody waits for (preloading, diagnostics) goes to the ``background``
    lane, which requests never pick: however long it runs, a request finds a
    free lane when one of the request lanes is free.
    """

    def __init__(self, count: int = 3) -> None:
        self.lanes = [Lane(index) for index in range(count)]
        self.background = Lane(count)
        self.generations = itertools.count(1)
        self.closed = False
        self._requests = 0  # request-lane jobs queued or running (changed on the event loop only)
        self._quiet = threading.Event()  # set while there are none
        self._last_request = 0.0  # time.monotonic() when the last one ended
        self._quiet.set()

    def wait_quiet(self, timeout: float = 1.0, settle: float = QUIET_SETTLE) -> bool:
        """Block a background job (on its own thread) until no request has been queued or
        running for ``settle`` seconds (a hover often follows a completion within a few
        milliseconds); False when requests kept coming for ``timeout`` seconds (or the lanes
        shut down)."""
        deadline = time.monotonic() + timeout
        while not self.closed:
            if not self._quiet.wait(max(0.0, deadline - time.monotonic())):
                return False
            calm = time.monotonic() - self._last_request
            if calm >= settle:
                return not self.closed
            if time.monotonic() + settle - calm > deadline:
                return False
            time.sleep(settle - calm)  # on the background job's own thread
        return False

    def pick(self) -> Lane:
        return min(self.lanes, key=lambda lane: lane.pending)

    async def run(
        self, what: str, job: Callable[[Lane], T], default: T, lane: Lane | None = None, counted: bool = True
    ) -> T:
        """Run ``job`` on a lane; on failure log it and return ``default``.

        An uncounted job (a warm-up that creates the lane's jedi environment) does not make
        the lane look busy: a request rather waits for it there than creates a second
        environment on another lane at the same time.
        """
        chosen = lane or self.pick()
        weight = 1 if counted else 0
        request = counted and chosen is not self.background
        chosen.pending += weight
        if request:
            self._requests += 1
            self._quiet.clear()
        try:
            return await _on_lane(chosen, job)
        except Exception as exc:
            if self.closed:  # the executor refuses new work once shut down
                log.debug("%s dropped at shutdown (%s)", what, exc)
                return default
            if isinstance(exc, RecursionError):  # thousands of jedi frames say nothing more
                log.warning("%s failed: jedi's inference went %d calls deep", what, sys.getrecursionlimit())
            else:
                log.exception("%s failed", what)
            return default
        finally:
            chosen.pending -= weight
            if request:
                self._requests -= 1
                if self._requests == 0:
                    self._last_request = time.monotonic()
                    self._quiet.set()

    def shutdown(self) -> None:
        self.closed = True
        self._quiet.set()
        for lane in [*self.lanes, self.background]:
            lane.executor.shutdown(wait=False, cancel_futures=True)


async def _on_lane(lane: Lane, job: Callable[[Lane], T]) -> T:
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(lane.executor, job, lane)
    except RecursionError:
        # A kept inference state can lead jedi down a deeper path than a fresh one
        # (a hover in typing.py after two completions there): once more, fresh.
        return await loop.run_in_executor(lane.executor, _afresh, job, lane)


def _afresh(job: Callable[[Lane], T], lane: Lane) -> T:
    """``job`` on a new inference state (on the lane's thread, the only one that touches it)."""
    lane.states.forget()
    return job(lane)
