"""What the last runs produced, kept per document for lenses, hints and diagnostics.

Plain data and pure functions: the LSP handlers read from ``RunHistory`` and
the command handlers record into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types

from ..text.jsontext import JsonString
from ..text.lineindex import line_starts

HINT_CHARS = 80


def short_repr(result: dict[str, Any], limit: int = HINT_CHARS) -> str:
    """One line for a lens title or an inlay hint: the value, or the error."""
    if result.get("ok"):
        value = result.get("value")
        shown = "✓" if value is None else value["repr"]
        # A long repr kept as JSON: decode only its start (generous: spaces are folded below).
        text = shown.head(4 * limit) if isinstance(shown, JsonString) else shown
    else:
        error = result.get("error") or {}
        text = f"{error.get('type', 'Error')}: {error.get('message', '')}".rstrip(": ")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Hint:
    line: int
    character: int
    label: str


@dataclass
class Failure:
    uri: str
    line: int
    message: str


@dataclass
class RunHistory:
    """Results by document: lens titles by target, hints by range end, the last failure."""

    calls: dict[str, dict[str, str]] = field(default_factory=dict)
    hints: dict[str, list[Hint]] = field(default_factory=dict)
    failure: Failure | None = None

    def record_call(self, uri: str, target: str, result: dict[str, Any]) -> None:
        self.calls.setdefault(uri, {})[target] = short_repr(result)

    def record_hint(self, uri: str, end: types.Position, result: dict[str, Any]) -> None:
        hints = [h for h in self.hints.get(uri, []) if (h.line, h.character) != (end.line, end.character)]
        hints.append(Hint(end.line, end.character, f"⇒ {short_repr(result)}"))
        self.hints[uri] = hints

    def record_outcome(self, result: dict[str, Any], open_uris: set[str]) -> set[str]:
        """Remember the failure of this run (or forget the last one); return URIs to republish."""
        touched = {self.failure.uri} if self.failure else set()
        self.failure = None
        error = result.get("error")
        if not result.get("ok") and error:
            for frame in reversed(error.get("frames") or []):
                if frame.get("uri") in open_uris:
                    message = f"{error['type']}: {error['message']}".rstrip(": ")
                    self.failure = Failure(frame["uri"], frame["line"], message)
                    touched.add(frame["uri"])
                    break
        return touched

    def document_changed(self, uri: str, changes: list[Any]) -> bool:
        """Shift or drop this document's hints; clear its failure. True if diagnostics changed."""
        hints = self.hints.get(uri)
        if hints:
            self.hints[uri] = shift_hints(hints, changes)
        if self.failure is not None and self.failure.uri == uri:
            self.failure = None
            return True
        return False

    def forget(self, uri: str) -> None:
        self.hints.pop(uri, None)
        self.calls.pop(uri, None)
        if self.failure is not None and self.failure.uri == uri:
            self.failure = None


def shift_hints(hints: list[Hint], changes: list[Any]) -> list[Hint]:
    """Move hints below an edit by the lines it added or removed; drop hints it touched."""
    for change in changes:
        span = getattr(change, "range", None)
        if span is None:
            return []
        added = len(line_starts(change.text)) - (span.end.line - span.start.line)
        kept = []
        for hint in hints:
            if span.end.line < hint.line:
                kept.append(Hint(hint.line + added, hint.character, hint.label))
            elif span.start.line > hint.line:
                kept.append(hint)
        hints = kept
    return hints
