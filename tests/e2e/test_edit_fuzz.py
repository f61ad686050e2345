"""Random incremental edits: the server's text of each document equals a reference model.

Lines end at LF, CR LF and CR only, as the LSP says: form feeds, U+2028 and
the other characters ``str.splitlines`` also breaks at are ordinary text.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness import Editor

ALPHABET = st.sampled_from(
    ["a", "b", " ", "\n", "\r\n", "\r", "é", "字", "😀", "𝄞", "\t", "#", "'", "\f", "\u2028", "\x85", "\v"]
)
text_strategy = st.lists(ALPHABET, max_size=12).map("".join)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def lines_of(text: str) -> list[str]:
    """LSP lines with their breaks; the last one (maybe empty) has none."""
    pieces = re.split("(\r\n|\r|\n)", text)
    return [a + b for a, b in zip(pieces[::2], [*pieces[1::2], ""], strict=True)]


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


#: A form feed and a line separator before line 2, which ``str.splitlines`` would call line 4.
TRICKY = "x = 1\f\ny = '\u2028'\n40 + 2\n"


async def test_an_edit_after_a_form_feed_and_a_line_separator_lands_on_its_line(editor: Editor) -> None:
    uri = editor.open("tricky.py", TRICKY)
    editor.edit(uri, (2, 0), (2, 2), "50")
    assert await server_text(editor, uri) == "x = 1\f\ny = '\u2028'\n50 + 2\n"


def span(start: tuple[int, int], end: tuple[int, int]) -> dict[str, Any]:
    return {"start": {"line": start[0], "character": start[1]}, "end": {"line": end[0], "character": end[1]}}


async def test_a_selection_after_a_form_feed_and_a_line_separator_evaluates_its_text(editor: Editor) -> None:
    uri = editor.open("tricky.py", TRICKY)
    result = await editor.eval(uri, range=span((2, 0), (2, 6)))
    assert (result["ok"], result["value"]) == (True, {"repr": "42", "type": "int"})
    editor.edit(uri, (1, 0), (1, 0), "z = '\u2029\x85'\r")
    result = await editor.eval(uri, range=span((3, 5), (3, 6)))
    assert (result["ok"], result["value"]) == (True, {"repr": "2", "type": "int"})


async def test_an_error_in_a_selection_after_a_form_feed_reports_its_document_line(editor: Editor) -> None:
    uri = editor.open("tricky.py", TRICKY + "if False:\n    1 / 0\n")
    result = await editor.eval(uri, range=span((4, 4), (4, 9)))
    assert result["error"]["type"] == "ZeroDivisionError"
    assert [(f["uri"], f["line"]) for f in result["error"]["frames"]] == [(uri, 4)]
