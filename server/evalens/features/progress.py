"""Work-done progress for runs longer than about half a second.

A run that is still going after ``DELAY`` seconds gets a server-initiated,
cancellable ``$/progress`` (begin with what is running, end with the outcome),
when the client supports work-done progress. Cancelling it interrupts the run.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.progress import Progress

from ..execution.results import Result
from .oneline import summary

log = logging.getLogger(__name__)
DELAY = 0.5


class RunProgress:
    """The progress of one run, begun only if the run outlasts ``DELAY``; ``progress`` is None
    for a client without work-done progress."""

    def __init__(self, progress: Progress | None, title: str, on_cancel: Callable[[], None]) -> None:
        self.progress = progress
        self.title = title
        self.on_cancel = on_cancel
        self.token: str | None = None
        self.finished = False
        self.task: asyncio.Future[None] | None = None
        self.timer = asyncio.get_running_loop().call_later(DELAY, self._start) if progress is not None else None

    def _start(self) -> None:
        self.timer = None
        if not self.finished:
            self.task = asyncio.ensure_future(self._begin(f"evalens-run-{uuid.uuid4().hex}"))

    async def _begin(self, token: str) -> None:
        progress = self.progress
        assert progress is not None
        try:
            await progress.create_async(token)
        except Exception as exc:  # the client refused: the run goes on without progress
            log.info("window/workDoneProgress/create failed: %s", exc)
            return
        if self.finished:
            return
        progress.begin(token, types.WorkDoneProgressBegin(title="evalens", message=self.title, cancellable=True))
        self.token = token
        progress.tokens[token].add_done_callback(self._on_done)

    def report(self, message: str) -> None:
        """What runs now (a scope of cells: the cell being run), shown once progress has begun."""
        if message == self.title:
            return
        self.title = message
        if self.token is not None and self.progress is not None and not self.finished:
            self.progress.report(self.token, types.WorkDoneProgressReport(message=message))

    def _on_done(self, future: Any) -> None:
        if future.cancelled() and not self.finished:
            self.on_cancel()

    def finish(self, result: Result | None) -> None:
        self.finished = True
        if self.timer is not None:
            self.timer.cancel()
        if self.token is not None and self.progress is not None:
            message = summary(result) if result is not None else "cancelled"
            self.progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.progress.tokens.pop(self.token, None)
