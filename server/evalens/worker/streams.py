"""The user's stdout and stderr inside the worker: capped, restorable.

``CappedStream`` replaces ``sys.stdout``/``sys.stderr``: it writes whole lines
through to the real stream and, once a run has printed its byte budget, drops
the rest at the source, so a print loop of millions of lines neither floods the
pipe nor crawls. ``StreamKeeper`` puts fds 1 and 2 and ``sys.stdout``/
``sys.stderr`` back after a run that closed, redirected or replaced them.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
from typing import List, Optional, TextIO, Tuple


class Budget:
    """Bytes a run may still print, shared by stdout and stderr."""

    def __init__(self) -> None:
        self.limit = 1_000_000
        self.left = self.limit
        self.dropped = False

    def reset(self, limit: int) -> None:
        self.limit = self.left = limit
        self.dropped = False


class CappedStream(io.TextIOBase):
    """A text stream that buffers to line boundaries and stops at the budget."""

    def __init__(self, raw: TextIO, budget: Budget) -> None:
        super().__init__()
        self.raw = raw
        self.budget = budget
        self.pending: List[str] = []
        self.pending_size = 0
        self.lock = threading.Lock()

    # what code reading these attributes expects of sys.stdout
    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.raw.encoding

    @property
    def errors(self) -> Optional[str]:  # type: ignore[override]
        return self.raw.errors

    @property
    def buffer(self) -> io.BufferedIOBase:
        return self.raw.buffer  # type: ignore[return-value]

    def fileno(self) -> int:
        return self.raw.fileno()

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        with self.lock:
            return self._write(text)

    def _write(self, text: str) -> int:
        budget = self.budget
        if budget.left <= 0:
            if text:
                budget.dropped = True
            return len(text)
        size = len(text) if text.isascii() else len(text.encode("utf-8", "replace"))
        kept = text
        if size > budget.left:
            kept = text[: budget.left]
            size = budget.left
            budget.dropped = True
        budget.left -= size
        self.pending.append(kept)
        self.pending_size += size
        if "\n" in kept or self.pending_size >= 8192 or budget.left <= 0:
            self._flush()
        return len(text)

    def flush(self) -> None:
        with self.lock:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            data = "".join(self.pending)
            self.pending.clear()
            self.pending_size = 0
            self.raw.write(data)
        self.raw.flush()


class StreamKeeper:
    """Remembers where fds 1 and 2 pointed at start and restores them after each run."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.saved: List[Tuple[int, int, Tuple[int, int]]] = []
        for fd in (1, 2):
            copy = os.dup(fd)
            os.set_inheritable(copy, False)
            info = os.fstat(fd)
            self.saved.append((fd, copy, (info.st_dev, info.st_ino)))
        self.stdout = CappedStream(sys.stdout, budget)
        self.stderr = CappedStream(sys.stderr, budget)
        sys.stdout = self.stdout
        sys.stderr = self.stderr

    def restore(self) -> List[str]:
        """Undo what the last run did to the streams; say what was repaired."""
        repaired = []
        for fd, copy, identity in self.saved:
            try:
                info = os.fstat(fd)
                intact = (info.st_dev, info.st_ino) == identity
            except OSError:
                intact = False
            if not intact:
                os.dup2(copy, fd)
                repaired.append(f"fd {fd}")
        for name, fd in (("stdout", 1), ("stderr", 2)):
            stream: CappedStream = getattr(self, name)
            if stream.raw.closed or stream.closed:
                raw = stream.raw
                if raw.closed:
                    raw = open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
                    setattr(sys, f"__{name}__", raw)
                stream = CappedStream(raw, self.budget)
                setattr(self, name, stream)
                repaired.append(f"closed sys.{name}")
            if getattr(sys, name) is not stream:
                setattr(sys, name, stream)
                repaired.append(f"replaced sys.{name}")
        return repaired

    def flush(self) -> None:
        for stream in (self.stdout, self.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
