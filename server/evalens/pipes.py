"""Pipes wide enough for an image: the worker's answers and the server's stdout.

A pipe holds 64 KiB by default on Linux: a 1 MB image written through one took
some twenty wake-ups of the writer and the reader. ``widen`` asks for Linux's
unprivileged maximum (1 MiB); elsewhere, or when the system allows less, the
pipe stays as it is.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat

WIDTH = 1 << 20


def widen(fd: int, width: int = WIDTH) -> None:
    """Make the pipe of ``fd`` hold ``width`` bytes, if ``fd`` is a pipe and the system lets us."""
    setter = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setter is None:
        return
    with contextlib.suppress(OSError):  # not a pipe any more, or a lower pipe-max-size
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            fcntl.fcntl(fd, setter, width)
