"""Framing under attack: random chunking, garbage, wrong lengths (pure, property-tested)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from evalens.lsp.framing import FrameParser


def frame(body: bytes, length: int | None = None) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length) + body


bodies = st.lists(
    st.dictionaries(st.text(max_size=5), st.text(max_size=20), max_size=3).map(
        lambda d: json.dumps({"jsonrpc": "2.0", "method": "m", "params": d}).encode()
    ),
    min_size=1,
    max_size=6,
)


def feed_in_chunks(parser: FrameParser, data: bytes, cuts: list[int]) -> list[bytes]:
    out: list[bytes] = []
    last = 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        out += parser.feed(data[last:cut])
        last = max(last, cut)
    out += parser.feed(data[last:])
    return out


@given(bodies, st.lists(st.integers(min_value=0), max_size=10))
def test_any_chunking_gives_the_same_bodies(messages: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(frame(m) for m in messages)
    assert feed_in_chunks(FrameParser(), stream, cuts) == messages


@given(bodies, st.binary(max_size=50).filter(lambda b: b"Content-Length" not in b))
def test_garbage_before_a_header_is_skipped(messages: list[bytes], garbage: bytes) -> None:
    stream = b"".join(garbage + b"\r\n\r\n" + frame(m) for m in messages)
    got = FrameParser().feed(stream)
    assert got[-len(messages) :] == messages


@settings(max_examples=200)
@given(bodies, st.integers(min_value=1, max_value=40), st.booleans())
def test_a_wrong_length_loses_at_most_its_own_message(messages: list[bytes], error: int, too_big: bool) -> None:
    broken = b'{"jsonrpc": "2.0", "id": 1, "method": "broken", "params": {"padding": "' + b"x" * 60 + b'"}}'
    length = len(broken) + error if too_big else max(len(broken) - error, 0)
    stream = frame(broken, length) + b"".join(frame(m) for m in messages)
    got = FrameParser().feed(stream)
    assert got[-len(messages) :] == messages


def test_header_fields_in_any_order_and_case() -> None:
    data = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: 2\r\n\r\n{}"
    assert FrameParser().feed(data) == [b"{}"]


def test_endless_garbage_is_dropped_without_growing() -> None:
    parser = FrameParser()
    for _ in range(100):
        assert parser.feed(b"x" * 10_000) == []
    assert len(parser.buffer) < 70_000
    assert parser.feed(b"\r\n\r\n" + frame(b"{}")) == [b"{}"]
