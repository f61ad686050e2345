"""The output of one run, read from the interpreter's own stdout and stderr pipes.

The worker ends each run's output with the session's token on both streams
(``worker/main.mark_output``); a run's output is whole once both tokens have been
seen, or the process ended. Output is kept up to a byte limit and streamed to a
sink as it is decoded.
"""

from __future__ import annotations

import asyncio
import codecs

from ..backend import OutputSink


class Capture:
    """The output of one run: kept up to a byte limit, streamed to a sink."""

    def __init__(self, limit: int, sink: OutputSink | None) -> None:
        self.limit = limit
        self.sink = sink
        self.kept = 0
        self.truncated = False
        self.text = {"stdout": [], "stderr": []}  # type: dict[str, list[str]]
        self.decoders = {name: codecs.getincrementaldecoder("utf-8")("replace") for name in self.text}
        self.marked: set[str] = set()
        self.expected: set[str] = set()
        self.complete: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def mark(self, stream: str) -> None:
        """The worker's end-of-run token arrived on ``stream``."""
        self.marked.add(stream)
        self._check()

    def expect(self, streams: list[str]) -> None:
        self.expected = set(streams)
        self._check()

    def end(self) -> None:
        """No more output can come (the process ended)."""
        if not self.complete.done():
            self.complete.set_result(None)

    def _check(self) -> None:
        if self.expected and self.expected <= self.marked:
            self.end()

    def add(self, stream: str, data: bytes) -> None:
        room = self.limit - self.kept
        if len(data) > room:
            data = data[: max(room, 0)]
            self.truncated = True
        if not data:
            return
        self.kept += len(data)
        text = self.decoders[stream].decode(data)
        if text:
            self.text[stream].append(text)
            if self.sink is not None:
                self.sink(stream, text)

    def finish(self) -> dict[str, str]:
        for name, decoder in self.decoders.items():
            rest = decoder.decode(b"", final=True)
            if rest:
                self.text[name].append(rest)
        return {name: "".join(parts) for name, parts in self.text.items()}


def partial_token(data: bytes, token: bytes) -> int:
    """Length of the longest suffix of ``data`` that starts ``token``."""
    for size in range(min(len(token) - 1, len(data)), 0, -1):
        if data.endswith(token[:size]):
            return size
    return 0
