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
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from .history import short_repr

if TYPE_CHECKING:
    from ..server import EvalensServer

log = logging.getLogger(__name__)
DELAY = 0.5


def supported(ls: EvalensServer) -> bool:
    window = ls.client_capabilities.window
    return bool(window is not None and window.work_done_progress)


class RunProgress:
    """The progress of one run, begun only if the run outlasts ``DELAY``."""

    def __init__(self, ls: EvalensServer, title: str, on_cancel: Callable[[], None]) -> None:
        self.ls = ls
        self.title = title
        self.on_cancel = on_cancel
        self.token: str | None = None
        self.finished = False
        self.task: asyncio.Future[None] | None = None
        self.timer = asyncio.get_running_loop().call_later(DELAY, self._start) if supported(ls) else None

    def _start(self) -> None:
        self.timer = None
        if not self.finished:
            self.task = asyncio.ensure_future(self._begin(f"evalens-run-{uuid.uuid4().hex}"))

    async def _begin(self, token: str) -> None:
        progress = self.ls.work_done_progress
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

    def _on_done(self, future: Any) -> None:
        if future.cancelled() and not self.finished:
            self.on_cancel()

    def finish(self, result: dict[str, Any] | None) -> None:
        self.finished = True
        if self.timer is not None:
            self.timer.cancel()
        if self.token is not None:
            message = short_repr(result) if result is not None else "cancelled"
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.ls.work_done_progress.tokens.pop(self.token, None)
