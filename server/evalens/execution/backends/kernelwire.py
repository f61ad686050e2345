"""Jupyter messages on a kernel websocket (Jupyter Server, Kernel Gateway, Enterprise Gateway).

A server carries every channel of a kernel on one websocket, in one of two framings:
the JSON one (a text frame holding the message with its ``channel``; a message with
binary buffers comes as a binary frame of big-endian offsets, the JSON first), or
``v1.kernel.websocket.jupyter.org`` (each message a binary frame: the number of offsets and
the offsets, little-endian 64-bit, then the channel's name and the message's parts as
JSON). The server signs what it passes to the kernel; a client's messages go unsigned.
"""

from __future__ import annotations

import datetime
import itertools
import json
import struct
import uuid
from typing import Any

#: the binary framing's websocket subprotocol
V1 = "v1.kernel.websocket.jupyter.org"
PROTOCOL_VERSION = "5.3"
PARTS = ("header", "parent_header", "metadata", "content")


def new_message(channel: str, msg_type: str, content: dict[str, Any], session: str) -> dict[str, Any]:
    """A request on ``channel`` (``shell``, ``control``), as a frontend makes it."""
    return {
        "channel": channel,
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "evalens",
            "session": session,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "version": PROTOCOL_VERSION,
        },
        "parent_header": {},
        "metadata": {},
        "content": content,
        "buffers": [],
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def encode(message: dict[str, Any], v1: bool) -> str | bytes:
    """``message`` (with its ``channel``) as one websocket frame of the framing in use."""
    if not v1:
        return _dumps({key: value for key, value in message.items() if key != "buffers"})
    parts = [message["channel"].encode("utf-8")] + [_dumps(message[part]).encode("utf-8") for part in PARTS]
    offsets = [8 * (len(parts) + 2)]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    return struct.pack(f"<{len(offsets) + 1}Q", len(offsets), *offsets) + b"".join(parts)


class BadFrame(ValueError):
    """A frame that is not a kernel message in the framing in use."""


def decode(frame: str | bytes, v1: bool) -> dict[str, Any]:
    """The message of one websocket frame: ``channel``, ``header``, ``parent_header``,
    ``metadata``, ``content`` (binary buffers are dropped: nothing evalens reads uses them)."""
    try:
        if isinstance(frame, str):
            message = json.loads(frame)
        elif v1:
            message = _decode_v1(frame)
        else:
            message = _decode_buffers(frame)
    except (ValueError, UnicodeDecodeError, struct.error) as exc:
        raise BadFrame(f"not a kernel message: {exc}") from None
    if not isinstance(message, dict) or not isinstance(message.get("header"), dict):
        raise BadFrame("not a kernel message: no header")
    return message


def _decode_v1(frame: bytes) -> dict[str, Any]:
    (count,) = struct.unpack_from("<Q", frame)
    if not 2 <= count <= (len(frame) - 8) // 8:
        raise ValueError(f"{count} offsets in a frame of {len(frame)} bytes")
    offsets = struct.unpack_from(f"<{count}Q", frame, 8)
    pieces = [frame[start:stop] for start, stop in itertools.pairwise(offsets)]
    message: dict[str, Any] = {"channel": pieces[0].decode("utf-8")}
    for part, piece in zip(PARTS, pieces[1:], strict=False):
        message[part] = json.loads(piece) if piece else {}
    return message


def _decode_buffers(frame: bytes) -> Any:
    (count,) = struct.unpack_from("!I", frame)
    if not 1 <= count <= (len(frame) - 4) // 4:
        raise ValueError(f"{count} buffers in a frame of {len(frame)} bytes")
    offsets = (*struct.unpack_from(f"!{count}I", frame, 4), len(frame))
    return json.loads(frame[offsets[0] : offsets[1]])
