"""Values kept in their JSON form, so a long repr or an image crosses the server without being
re-encoded.

A value's repr can be megabytes long. The worker sends a long one as a JSON
string literal (``worker/messages.encode_reply``); the server keeps it as a
``JsonString`` and splices the literal into the LSP response (``dumps``):
decoding it on the private pipe and encoding it again for the editor would
cost the server twice the JSON work of the whole answer. Whatever in the
server needs the text itself (a lens title, the command line) asks for it.
What a run shows (a MIME bundle with a base64 image) travels the same way, as a
``JsonValue``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

#: stands for a literal in the encoded message until it is spliced in; random, so no text
#: in the message (output, a file name) can be taken for one
_PLACEHOLDER = f"evalens-literal-{os.urandom(8).hex()}-"


class JsonValue:
    """Any JSON value kept as its encoded bytes (a display's bundle: images as base64), decoded
    only when something in the server needs the value itself."""

    __slots__ = ("literal",)

    def __init__(self, literal: bytes) -> None:
        self.literal = literal

    def decoded(self) -> Any:
        return json.loads(self.literal)

    def pieces(self) -> tuple[bytes | memoryview, ...]:
        """The literal, in pieces that are written one after the other."""
        return (self.literal,)


class JsonPieces(JsonValue):
    """A JSON value written as pieces, so that a big one is not copied to be joined (a bundle
    with the notification's ``uri`` put before its fields)."""

    __slots__ = ("_pieces",)

    def __init__(self, *pieces: bytes | memoryview) -> None:
        super().__init__(b"")
        self._pieces = pieces

    def pieces(self) -> tuple[bytes | memoryview, ...]:
        return self._pieces

    def decoded(self) -> Any:
        return json.loads(b"".join(self._pieces))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.literal)} bytes)"


class JsonString(JsonValue):
    """A string as a JSON literal (quotes and escapes included, ASCII only)."""

    __slots__ = ("_text",)

    def __init__(self, literal: bytes) -> None:
        super().__init__(literal)
        self._text: str | None = None

    @property
    def text(self) -> str:
        """The string itself, decoded on first use."""
        if self._text is None:
            decoded = json.loads(self.literal)
            if not isinstance(decoded, str):
                raise ValueError("a JsonString holds a JSON string literal")
            self._text = decoded
        return self._text

    def head(self, chars: int) -> str:
        """The first ``chars`` characters, decoding only the start of the literal."""
        start = self.literal[: 12 * chars + 2]  # each character is at most 12 bytes (an escaped pair)
        if self._text is not None or len(start) == len(self.literal):
            return self.text[:chars]
        for end in range(len(start), len(start) - 13, -1):  # back out of an escape the cut split
            try:
                decoded = json.loads(start[:end] + b'"')
            except ValueError:
                continue
            if isinstance(decoded, str) and len(decoded) > chars:  # so no half of a pair is kept
                return decoded[:chars]
        return self.text[:chars]

    def __str__(self) -> str:
        return self.text


def text_of(value: str | JsonString) -> str:
    return value.text if isinstance(value, JsonString) else value


def dumps(data: Any, default: Callable[[Any], Any], indent: int | None = None) -> bytes:
    """``json.dumps(data, default=default)`` as bytes, with every ``JsonValue`` (``JsonString``)
    written as its literal, unchanged (no decoding, no re-encoding)."""
    return b"".join(dumps_pieces(data, default, indent))


def dumps_pieces(data: Any, default: Callable[[Any], Any], indent: int | None = None) -> list[bytes | memoryview]:
    """``dumps``, as the pieces that make it up, in order: the literals are not copied."""
    literals: list[JsonValue] = []

    def hook(obj: Any) -> Any:
        if isinstance(obj, JsonValue):
            literals.append(obj)
            return f"{_PLACEHOLDER}{len(literals) - 1}"
        return default(obj)

    rest = json.dumps(data, default=hook, indent=indent).encode("utf-8")
    pieces: list[bytes | memoryview] = []
    for index, literal in enumerate(literals):  # the hook ran in the order they are written
        before, _, rest = rest.partition(f'"{_PLACEHOLDER}{index}"'.encode())
        pieces.append(before)
        pieces.extend(literal.pieces())
    pieces.append(rest)
    return pieces
