"""``evalens/output`` notifications, coalesced so a print flood cannot flood the editor.

Text for the same (uri, stream) is gathered and sent at most once per
``interval`` seconds; ``flush`` sends what is pending at once (before a run's
response, so output always arrives before its Result).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypedDict


class OutputParams(TypedDict):
    """The ``evalens/output`` notification."""

    uri: str | None  # the document of the run that printed it; null between runs
    stream: str  # "stdout" or "stderr"
    text: str


Send = Callable[[OutputParams], None]


class OutputChannel:
    def __init__(self, send: Send, interval: float = 0.03) -> None:
        self.send = send
        self.interval = interval
        self.pending: dict[tuple[str | None, str], list[str]] = {}
        self.timer: asyncio.TimerHandle | None = None
        self.sent = 0  # notifications sent, for tests and benchmarks

    def write(self, uri: str | None, stream: str, text: str) -> None:
        self.pending.setdefault((uri, stream), []).append(text)
        if self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(self.interval, self.flush)

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        pending, self.pending = self.pending, {}
        for (uri, stream), parts in pending.items():
            self.sent += 1
            self.send({"uri": uri, "stream": stream, "text": "".join(parts)})
