"""What runs showed, saved as files for clients that open files rather than show images.

A client without a display panel of its own still gets at a plot: the inlay
hint of a run that showed something carries, in its tooltip, each display's
``text/plain`` and a ``file://`` link to the image (or SVG, PDF, HTML) saved
here. Files go to one temporary folder per server, made when the first one is
saved and removed when the server ends (``remove``). The bundle is decoded and
written on a worker thread: the run's answer never waits for it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import shutil
import tempfile
from pathlib import Path

from ..execution.backend import Shown

log = logging.getLogger(__name__)

#: what is saved of a bundle, the first type it has, and the file's extension
SAVED: tuple[tuple[str, str, bool], ...] = (  # (MIME type, extension, base64)
    ("image/png", "png", True),
    ("image/jpeg", "jpg", True),
    ("image/svg+xml", "svg", False),
    ("application/pdf", "pdf", True),
    ("text/html", "html", False),
)


class DisplayFiles:
    """The server's folder of saved displays."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.count = 0
        self.writing: set[asyncio.Future[None]] = set()

    def save(self, shown: Shown) -> None:
        """Save ``shown``'s richest saveable type in the background; ``shown.file`` says where."""
        chosen = next(((mime, ext, b64) for mime, ext, b64 in SAVED if mime in shown.mimes), None)
        if chosen is None:
            return
        mime, extension, encoded = chosen
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="evalens-display-"))
        self.count += 1
        path = self.folder / f"display-{self.count}.{extension}"
        shown.file = str(path)
        task = asyncio.get_running_loop().run_in_executor(None, _write, shown.literal, mime, encoded, path)
        self.writing.add(task)
        task.add_done_callback(self._written)

    def _written(self, task: asyncio.Future[None]) -> None:
        self.writing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("could not save a display: %s", task.exception())

    def remove(self) -> None:
        """Remove the folder and everything saved in it (the server is ending)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _write(literal: bytes, mime: str, encoded: bool, path: Path) -> None:
    content = json.loads(literal)["data"][mime]
    if not isinstance(content, str):
        raise ValueError(f"{mime} is not a string")
    try:
        data = base64.b64decode(content, validate=True) if encoded else content.encode("utf-8")
    except binascii.Error as exc:
        raise ValueError(f"{mime} is not base64: {exc}") from exc
    path.write_bytes(data)
