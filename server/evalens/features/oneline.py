"""A Result in one line: the text of inlay hints, lens titles and progress, and the rule
every editor client follows for its inline results.

``inline`` is that rule: ``⇒ repr`` for a value, ``✓`` for a run without one,
``✗ Type: message`` for a failure; whitespace runs (ASCII: space, tab, line
breaks, form feed, vertical tab) folded to one space, the ends trimmed, and
text longer than the limit cut to ``limit - 1`` characters (code points) and
``…``. ``tests/fixtures/inline_results.json`` pins it: the server's unit test
and the VS Code, Neovim and Emacs tests all read it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..text.jsontext import JsonString

HINT_CHARS = 80
VALUE = "⇒"
DONE = "✓"
FAILED = "✗"
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")


def fold(text: str, limit: int) -> str:
    text = _WHITESPACE.sub(" ", text).strip(" ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _repr_start(value: Mapping[str, Any], limit: int) -> str:
    shown = value["repr"]
    # A long repr kept as JSON: decode only its start (generous: whitespace is folded after).
    return shown.head(4 * limit) if isinstance(shown, JsonString) else str(shown)


def _failure(result: Mapping[str, Any]) -> str:
    error = result.get("error") or {}
    kind, message = error.get("type") or "Error", error.get("message") or ""
    return f"{kind}: {message}" if message else kind


def inline(result: Mapping[str, Any], limit: int = HINT_CHARS) -> str:
    """What an editor shows after the code that ran (see the module's docstring)."""
    if not result.get("ok"):
        return f"{FAILED} {fold(_failure(result), limit)}"
    value = result.get("value")
    if value is None:
        return DONE
    return f"{VALUE} {fold(_repr_start(value, limit), limit)}"


def summary(result: Mapping[str, Any], limit: int = HINT_CHARS) -> str:
    """The result without a glyph before a value or a failure, for a lens title after ``⇒``
    and the end of a run's progress: ``42``, ``✓``, ``KeyError: 'x'``."""
    if not result.get("ok"):
        return fold(_failure(result), limit)
    value = result.get("value")
    return DONE if value is None else fold(_repr_start(value, limit), limit)
