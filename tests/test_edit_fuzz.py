"""Random incremental edits: the server's text of each document equals a reference model."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Editor

ALPHABET = st.sampled_from(["a", "b", " ", "\n", "\r\n", "é", "字", "😀", "𝄞", "\t", "#", "'"])
text_strategy = st.lists(ALPHABET, max_size=12).map("".join)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def lines_of(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[-1].endswith(("\n", "\r")):
        lines.append("")
    return lines


def position_at(text: str, offset: int) -> tuple[int, int]:
    """The UTF-16 LSP position of code point ``offset`` (never inside a CR LF pair)."""
    lines = lines_of(text[:offset])
    return (len(lines) - 1, utf16_len(lines[-1]))


def safe_offsets(text: str) -> list[int]:
    return [i for i in range(len(text) + 1) if not (0 < i < len(text) and text[i - 1] == "\r" and text[i] == "\n")]


@st.composite
def edits(draw: Any, start_text: str) -> list[tuple[int, int, str]]:
    text = start_text
    steps = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            steps.append((-1, -1, draw(text_strategy)))
            text = steps[-1][2]
            continue
        offsets = safe_offsets(text)
        a = draw(st.sampled_from(offsets))
        b = draw(st.sampled_from([o for o in offsets if o >= a]))
        new = draw(text_strategy)
        steps.append((a, b, new))
        text = text[:a] + new + text[b:]
    return steps


async def server_text(editor: Editor, uri: str) -> str:
    result = await editor.command("evalens.document", {"uri": uri})
    return str(result["text"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), start=text_strategy)
async def test_incremental_edits_match_the_model(editor: Editor, data: st.DataObject, start: str) -> None:
    uri = editor.uri(f"doc{len(editor.versions)}.py")
    editor.open_uri(uri, start)
    model = start
    for a, b, new in data.draw(edits(start)):
        if a < 0:
            editor.replace(uri, new)
            model = new
        else:
            editor.edit(uri, position_at(model, a), position_at(model, b), new)
            model = model[:a] + new + model[b:]
    assert await server_text(editor, uri) == model
