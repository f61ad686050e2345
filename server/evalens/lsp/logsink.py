"""Logging that never blocks the server: records reach stderr from a thread of their own.

A client that reads the server's stderr slowly, or never (pygls' own client
pipes it and leaves it unread), lets the pipe fill; a write to a full pipe
blocks, and a server that logs from its event loop then stops answering
everything. Here a log call only formats its record and puts it on a bounded
queue; a writer thread writes it. While stderr is not read the queue fills,
further records are dropped and counted, and the writer says how many as
soon as it can write again.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import TextIO

#: records waiting for stderr before further ones are dropped
QUEUE_RECORDS = 1000
#: how long ending the process waits for the writer to empty the queue
FLUSH_SECONDS = 0.5
FORMAT = "%(levelname)s:%(name)s:%(message)s"


class NonBlockingHandler(logging.Handler):
    """Hands records to a writer thread; never waits for stderr."""

    def __init__(self, stream: TextIO, capacity: int = QUEUE_RECORDS) -> None:
        super().__init__()
        self.writer = logging.StreamHandler(stream)
        self._formatter = logging.Formatter(FORMAT)
        self.writer.setFormatter(self._formatter)
        self.records: queue.Queue[logging.LogRecord | None] = queue.Queue(capacity)
        self.dropped = 0
        self._count = threading.Lock()
        self._thread = threading.Thread(target=self._write, name="evalens-log", daemon=True)
        self._thread.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # Format here, where the record's arguments and traceback are still current.
            record.msg, record.args = record.getMessage(), None
            if record.exc_info:
                record.exc_text = self._formatter.formatException(record.exc_info)
                record.exc_info = None
        except Exception:  # a log call with bad arguments: logging's own report, not the caller's error
            self.handleError(record)
            return
        try:
            self.records.put_nowait(record)
        except queue.Full:
            with self._count:
                self.dropped += 1

    def _write(self) -> None:
        while True:
            record = self.records.get()
            with self._count:
                dropped, self.dropped = self.dropped, 0
            if dropped:
                note = f"{dropped} log records were dropped: the client did not read the server's stderr"
                self.writer.handle(
                    logging.makeLogRecord(
                        {"msg": note, "levelno": logging.WARNING, "levelname": "WARNING", "name": __name__}
                    )
                )
            if record is None:
                return
            self.writer.handle(record)

    def close(self) -> None:
        """Let the writer finish what is queued, waiting at most ``FLUSH_SECONDS`` (a stderr
        nobody reads must not keep the process from ending)."""
        try:
            self.records.put(None, timeout=FLUSH_SECONDS)
        except queue.Full:  # stderr is stuck: what is queued cannot be written anyway
            pass
        else:
            self._thread.join(FLUSH_SECONDS)
        super().close()


def install(level: str | int, stream: TextIO) -> NonBlockingHandler:
    """Send every log record of the process to ``stream`` through a ``NonBlockingHandler``."""
    handler = NonBlockingHandler(stream)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return handler
