"""A Result in one line: the rule every client shares (``tests/fixtures/inline_results.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalens.features.oneline import inline, summary
from evalens.text.jsontext import JsonString

CASES = json.loads((Path(__file__).parents[1] / "fixtures" / "inline_results.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_inline_text_of_a_result(case: dict[str, Any]) -> None:
    assert inline(case["result"], case["limit"]) == case["inline"]


def test_a_long_repr_kept_as_json_is_read_from_its_start() -> None:
    literal = JsonString(json.dumps("x" * 100_000 + "\n").encode())
    assert inline({"ok": True, "value": {"repr": literal, "type": "str"}}, 5) == "⇒ xxxx…"


def test_a_lens_title_or_progress_shows_the_result_without_its_glyph() -> None:
    assert summary({"ok": True, "value": {"repr": "42", "type": "int"}}) == "42"
    assert summary({"ok": True, "value": None}) == "✓"
    assert summary({"ok": False, "error": {"type": "KeyError", "message": "'x'"}}) == "KeyError: 'x'"
