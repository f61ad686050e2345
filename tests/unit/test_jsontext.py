"""Strings kept as JSON literals: their text, their start, and splicing them into a message."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from evalens.execution.backend import Shown
from evalens.text.jsontext import JsonString, dumps, dumps_pieces, text_of


@given(st.text(), st.integers(min_value=0, max_value=50))
def test_the_head_is_the_start_of_the_text(text: str, chars: int) -> None:
    value = JsonString(json.dumps(text).encode())
    assert value.head(chars) == text[:chars]
    assert value.text == text


@given(st.text(alphabet='\\"a\u00e9\U0001f600\n', min_size=200, max_size=400), st.integers(1, 40))
def test_the_head_of_a_long_escaped_text_decodes_only_its_start(text: str, chars: int) -> None:
    value = JsonString(json.dumps(text).encode())
    assert value.head(chars) == text[:chars]


@given(st.lists(st.text(), max_size=3), st.text())
def test_a_spliced_message_is_the_message_with_its_texts(texts: list[str], other: str) -> None:
    message = {"result": {"values": [JsonString(json.dumps(t).encode()) for t in texts], "other": other}}
    body = dumps(message, default=lambda obj: obj)
    assert json.loads(body) == {"result": {"values": texts, "other": other}}


def test_plain_strings_and_literals_read_alike() -> None:
    literal = JsonString(b'"x\\ny"')
    assert (text_of(literal), text_of("x\ny")) == ("x\ny", "x\ny")
    assert str(literal) == "x\ny"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(st.lists(st.dictionaries(st.text(), JSON, max_size=3), max_size=3), st.none() | st.text())
def test_bundles_kept_encoded_and_given_a_uri_are_written_as_the_json_they_hold(
    bundles: list[dict[str, object]], uri: str | None
) -> None:
    kept = [Shown(json.dumps({"data": b, "metadata": {}}).encode(), tuple(b), "") for b in bundles]
    message = {"display": kept, "params": [shown.with_uri(uri) for shown in kept]}
    pieces = dumps_pieces(message, default=lambda obj: obj)
    assert any(isinstance(piece, memoryview) for piece in pieces) == bool(bundles)
    assert json.loads(b"".join(pieces)) == {
        "display": [{"data": b, "metadata": {}} for b in bundles],
        "params": [{"uri": uri, "data": b, "metadata": {}} for b in bundles],
    }
