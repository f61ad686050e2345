"""LSP base-protocol framing that survives a hostile or broken client.

``FrameParser`` turns a byte stream into message bodies. Unlike a strict
reader it resynchronises: garbage before a header is skipped, a header block
with junk lines still yields its ``Content-Length``, a body cut short by a too
small length is handed on (and fails to parse on its own), and a too large
length is detected when the next header shows up inside the body. Pure and
incremental: feed any chunks, get whole bodies.
"""

from __future__ import annotations

import re

HEADER_END = b"\r\n\r\n"
CONTENT_LENGTH = re.compile(rb"Content-Length:[ \t]*(\d+)", re.IGNORECASE)
#: A header line inside a body means the announced length was wrong: raw CR LF
#: around a bare word cannot occur in valid JSON.
STRAY_HEADER = re.compile(rb"Content-Length:[ \t]*\d+\r\n", re.IGNORECASE)
MAX_HEADER_BYTES = 64 * 1024


class FrameParser:
    """Incremental framing: ``feed`` bytes, get the complete message bodies."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.length: int | None = None  # body length once a header is read
        self.scanned = 0  # body bytes already checked for a stray header
        self.skipped = 0  # bytes dropped as garbage, for diagnostics

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        bodies: list[bytes] = []
        while True:
            if self.length is None:
                if not self._read_header():
                    return bodies
                continue
            body = self._read_body()
            if body is None:
                return bodies
            bodies.append(body)

    def _read_header(self) -> bool:
        end = self.buffer.find(HEADER_END)
        if end < 0:
            if len(self.buffer) > MAX_HEADER_BYTES:
                # No header in sight: keep only a tail that may start one.
                keep = self.buffer.rfind(b"Content-Length")
                cut = keep if keep > 0 else len(self.buffer) - 32
                self.skipped += cut
                del self.buffer[:cut]
            return False
        matches = list(CONTENT_LENGTH.finditer(self.buffer, 0, end))
        if not matches:
            self.skipped += end + len(HEADER_END)
            del self.buffer[: end + len(HEADER_END)]
            return True
        self.skipped += matches[-1].start()
        self.length = int(matches[-1].group(1))
        self.scanned = 0
        del self.buffer[: end + len(HEADER_END)]
        return True

    def _read_body(self) -> bytes | None:
        assert self.length is not None
        if len(self.buffer) > self.scanned:
            start = max(self.scanned - 32, 0)
            stray = STRAY_HEADER.search(self.buffer, start)
            if stray is not None and stray.start() < self.length:
                return self._take(stray.start())
            self.scanned = len(self.buffer)
        if len(self.buffer) < self.length:
            return None
        end = self.length
        body = bytes(self.buffer[:end])
        if not body.rstrip().endswith((b"}", b"]")):
            # Too long by a few bytes: give back the start of the next header.
            end -= _partial_header_suffix(body)
        return self._take(end)

    def _take(self, end: int) -> bytes:
        body = bytes(self.buffer[:end])
        del self.buffer[:end]
        self.length = None
        self.scanned = 0
        return body


PARTIAL_HEADER = re.compile(
    rb"C(?:o(?:n(?:t(?:e(?:n(?:t(?:-(?:L(?:e(?:n(?:g(?:t(?:h(?::[ \t]*\d*\r?)?)?)?)?)?)?)?)?)?)?)?)?)?)?\Z",
    re.IGNORECASE,
)


def _partial_header_suffix(body: bytes) -> int:
    """Length of a ``Content-Length`` header start at the very end of ``body``."""
    window = max(len(body) - 40, 0)
    start = max(body.rfind(b"C", window), body.rfind(b"c", window))
    if start >= 0 and PARTIAL_HEADER.match(body, start):
        return len(body) - start
    return 0
