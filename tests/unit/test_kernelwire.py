"""The kernel websocket's two framings, against Jupyter Server's own encoder and decoder."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalens.execution.backends import kernelwire

base = pytest.importorskip("jupyter_server.services.kernels.connection.base")

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
CONTENTS = st.dictionaries(st.text(max_size=10), JSON, max_size=5)


def message(channel: str, content: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
    made = kernelwire.new_message(channel, "execute_request", content, "session-1")
    made["metadata"] = metadata
    made["parent_header"] = {"msg_id": "parent"}
    return made


@given(st.sampled_from(["shell", "iopub", "control", "stdin"]), CONTENTS, CONTENTS)
def test_our_v1_frames_are_what_the_server_reads_and_back(channel: str, content: Any, metadata: Any) -> None:
    sent = message(channel, content, metadata)
    frame = kernelwire.encode(sent, v1=True)
    assert isinstance(frame, bytes)
    read_channel, parts = base.deserialize_msg_from_ws_v1(frame)
    assert read_channel == channel
    assert [json.loads(part) for part in parts] == [sent[name] for name in kernelwire.PARTS]
    assert kernelwire.decode(frame, v1=True) == {key: value for key, value in sent.items() if key != "buffers"}


@given(CONTENTS, CONTENTS)
def test_the_servers_v1_frames_are_read(content: Any, metadata: Any) -> None:
    sent = message("iopub", content, metadata)
    parts = [json.dumps(sent[name]).encode() for name in kernelwire.PARTS]
    frame = base.serialize_msg_to_ws_v1(parts, "iopub")
    assert kernelwire.decode(frame, v1=True) == {key: value for key, value in sent.items() if key != "buffers"}


@given(CONTENTS)
def test_json_frames_and_the_servers_binary_ones_with_buffers_are_read(content: Any) -> None:
    sent = message("iopub", content, {})
    text = kernelwire.encode(sent, v1=False)
    assert isinstance(text, str) and json.loads(text)["channel"] == "iopub"
    assert kernelwire.decode(text, v1=False) == {key: value for key, value in sent.items() if key != "buffers"}
    with_buffers = base.serialize_binary_message({**sent, "buffers": [b"\x00\x01", b"xyz"]})
    decoded = kernelwire.decode(with_buffers, v1=False)
    assert decoded["content"] == content and decoded["channel"] == "iopub"


@pytest.mark.parametrize("frame", [b"", b"\x02" + b"\x00" * 7, b"\xff" * 40, "not json", "[1, 2]"])
def test_a_frame_that_is_no_message_is_said_so(frame: str | bytes) -> None:
    with pytest.raises(kernelwire.BadFrame):
        kernelwire.decode(frame, v1=isinstance(frame, bytes))
