"""Message definitions shared by the evalens server and its interpreter worker.

This is the only module the two sides share. It is stdlib-only and runs on
CPython 3.9+, because the worker imports it inside the user's interpreter.

The channel is a pair of private pipes carrying one JSON object per line.
The server sends a ``Request`` (``id`` and ``op`` plus the op's fields) and
the worker answers each one, in order, with a ``Reply`` carrying the same ``id``.
A run request also carries ``interrupts``: how many SIGINTs the server had sent
to the process before writing it, so that the worker can tell a late interrupt
of an earlier run from one meant for this run that arrived before user code
started.

A value's repr of ``RAW_REPR`` characters or more leaves the reply line (its
``repr`` is null and ``rawRepr`` gives a byte count) and follows it as a JSON
string literal on a line of its own (``encode_reply``): the server hands that
literal to the editor as it is, instead of decoding and encoding again a
string that may be megabytes long.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, TypedDict

#: Operations the worker understands.
OP_HELLO = "hello"
OP_EVAL = "eval"
OP_CALL = "call"
OP_RUN_MODULE = "runModule"
OP_EXIT = "exit"  # leave the innermost held `with` block
OP_INSPECT = "inspect"  # live values for hover and completion, no user code


class DocumentInfo(TypedDict):
    """An open document as the worker sees it."""

    name: str  # module name; a non-importable name for untitled documents
    path: str  # the file name used for __file__, code objects and linecache
    uri: str
    text: str
    revision: int
    importable: bool
    isPackage: bool
    root: Optional[str]  # its import root; put on sys.path when not there yet


class Sync(TypedDict):
    """What changed in the editor since the last request, sent with every run."""

    documents: List[DocumentInfo]
    closed: List[str]  # module names no longer served from the editor
    reload: List[str]  # loaded modules to re-execute, in this order
    roots: List[str]  # import roots that appeared since the session started


class Hello(TypedDict):
    """The first request: configures the session."""

    token: str  # written to stdout and stderr after each run, marks its end
    roots: List[str]
    extraPaths: List[str]
    hidden: List[str]  # top-level packages of the server that user code must not see
    memoryMB: int
    reprChars: int
    outputBytes: int


class ErrorInfo(TypedDict):
    type: str
    message: str
    traceback: str
    frames: List[Dict[str, Any]]


class RunResult(TypedDict):
    """The worker's part of a Result; the server adds output and timing."""

    ok: bool
    value: Optional[Dict[str, str]]
    valueName: Optional[str]
    error: Optional[ErrorInfo]
    truncated: bool


def encode(message: Dict[str, Any]) -> bytes:
    """One message as one line of UTF-8 JSON."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


#: reprs at least this long travel after their reply line (see the module's docstring)
RAW_REPR = 1 << 16


def encode_reply(message: Dict[str, Any]) -> bytes:
    """A reply as its line, followed by its value's repr as a line of its own when that is long."""
    value = (message.get("result") or {}).get("value") or {}
    text = value.get("repr")
    if not isinstance(text, str) or len(text) < RAW_REPR:
        return encode(message)
    literal = json.dumps(text).encode("ascii")  # escaped to ASCII: JSON as an LSP message carries it
    head = dict(message, result=dict(message["result"], value=dict(value, repr=None)), rawRepr=len(literal))
    return encode(head) + literal + b"\n"


def decode(line: bytes) -> Dict[str, Any]:
    """The message carried by one line."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError(f"expected a JSON object, got {type(message).__name__}")
    return message
