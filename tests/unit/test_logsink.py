"""The log handler: a stuck stream never blocks the caller; dropped records are counted."""

from __future__ import annotations

import io
import logging
import threading

import pytest

from evalens.lsp.logsink import NonBlockingHandler


class StuckStream(io.StringIO):
    """stderr that nobody reads: a write waits until ``unstick``."""

    def __init__(self) -> None:
        super().__init__()
        self.writing = threading.Event()
        self.free = threading.Event()

    def write(self, text: str) -> int:
        self.writing.set()
        self.free.wait(10)
        return super().write(text)


def test_a_stuck_stream_drops_records_and_says_how_many_once_free() -> None:
    stream = StuckStream()
    handler = NonBlockingHandler(stream, capacity=3)
    log = logging.getLogger("test-logsink")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.warning("record 0")
        assert stream.writing.wait(10)  # the writer is stuck writing record 0
        for number in range(1, 10):  # returns at once: nothing waits for the stream
            log.warning("record %d", number)
        stream.free.set()
        handler.close()
    finally:
        log.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    # the writer holds record 0 (stuck in write), the queue 1-3; 4-9 are dropped
    assert lines == [
        "WARNING:test-logsink:record 0",
        "WARNING:evalens.lsp.logsink:6 log records were dropped: the client did not read the server's stderr",
        "WARNING:test-logsink:record 1",
        "WARNING:test-logsink:record 2",
        "WARNING:test-logsink:record 3",
    ]


def test_a_traceback_is_written_with_its_record() -> None:
    stream = io.StringIO()
    handler = NonBlockingHandler(stream)
    log = logging.getLogger("test-logsink-traceback")
    log.propagate = False
    log.addHandler(handler)
    try:
        try:
            raise ValueError("bad value")
        except ValueError:
            log.exception("hover failed")
        handler.close()
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert text.startswith("ERROR:test-logsink-traceback:hover failed\nTraceback (most recent call last):\n")
    assert text.endswith("ValueError: bad value\n")


def test_a_log_call_with_bad_arguments_does_not_raise_into_its_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    handler = NonBlockingHandler(stream)
    reported: list[str] = []
    monkeypatch.setattr(handler, "handleError", lambda record: reported.append(record.msg))
    log = logging.getLogger("test-logsink-bad")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.warning("%d documents", "many")  # no exception here
        log.warning("next")
        handler.close()
    finally:
        log.removeHandler(handler)
    assert reported == ["%d documents"]
    assert stream.getvalue() == "WARNING:test-logsink-bad:next\n"
