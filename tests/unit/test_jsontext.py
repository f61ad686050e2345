"""Strings kept as JSON literals: their text, their start, and splicing them into a message."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from evalens.text.jsontext import JsonString, dumps, text_of


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
