"""What the last runs produced, kept per document for lenses, hints and diagnostics.

Plain data and pure functions: the LSP handlers read from ``RunHistory`` and
the command handlers record into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from lsprotocol import types

from ..execution.results import Result
from ..text.lineindex import line_starts
from .oneline import inline, summary

#: errors that end a run without being a problem in the code it stopped in
NOT_PROBLEMS = frozenset({"KeyboardInterrupt"})


@dataclass
class Hint:
    line: int
    character: int
    label: str
    #: a later run brought modules up to date (re-ran or patched code): the value may differ now
    stale: bool = False
    #: what the run showed: (the start of its text/plain, the file it was saved to or None)
    displays: tuple[tuple[str, str | None], ...] = ()

    @property
    def shown(self) -> str:
        return f"{self.label}{STALE}" if self.stale else self.label


#: after a result that later changes may have made out of date
STALE = " (stale)"


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
    #: (uri, target) of lens results that may be out of date
    stale_calls: set[tuple[str, str]] = field(default_factory=set)

    def record_call(self, uri: str, target: str, result: Result) -> None:
        self.calls.setdefault(uri, {})[target] = summary(result)
        self.stale_calls.discard((uri, target))

    def call_title(self, uri: str, target: str) -> str | None:
        """What the last call of ``target`` gave, marked when it may be out of date."""
        last = self.calls.get(uri, {}).get(target)
        if last is None:
            return None
        return f"{last}{STALE}" if (uri, target) in self.stale_calls else last

    def record_reloads(self, result: Result) -> bool:
        """A run that re-ran or patched code to bring modules up to date makes every result
        shown before it possibly out of date (it may have used that code). True if any was."""
        if not any(entry["patched"] or entry["rerun"] for entry in result.get("reloaded", [])):
            return False
        marked = False
        for hints in self.hints.values():
            for hint in hints:
                marked = marked or not hint.stale
                hint.stale = True
        for uri, calls in self.calls.items():
            for target in calls:
                marked = marked or (uri, target) not in self.stale_calls
                self.stale_calls.add((uri, target))
        return marked

    def record_hint(
        self, uri: str, end: types.Position, result: Result, replacing: tuple[int, int] | None = None
    ) -> None:
        """The result shown at ``end``, instead of the hint there, or of every hint on the lines
        ``replacing`` (first, last: a cell's, whose last line may have changed since its last run)."""

        def replaced(hint: Hint) -> bool:
            if replacing is not None:
                return replacing[0] <= hint.line <= replacing[1]
            return (hint.line, hint.character) == (end.line, end.character)

        hints = [h for h in self.hints.get(uri, []) if not replaced(h)]
        displays = tuple((shown.plain, shown.file) for shown in result.get("display", []))
        hints.append(Hint(end.line, end.character, inline(result), displays=displays))
        self.hints[uri] = hints

    def record_outcome(self, result: Result, open_uris: set[str]) -> set[str]:
        """Remember the failure of this run (or forget the last one); return URIs to republish.

        A run stopped by an interrupt leaves no failure: its ``✗ KeyboardInterrupt`` shows
        inline, but the line it stopped at is not an error in the user's code."""
        touched = {self.failure.uri} if self.failure else set()
        self.failure = None
        error = result["error"]
        if not result["ok"] and error and error["type"] not in NOT_PROBLEMS:
            for frame in reversed(error["frames"]):
                uri = frame["uri"]
                if uri is not None and uri in open_uris:
                    message = f"{error['type']}: {error['message']}".rstrip(": ")
                    self.failure = Failure(uri, frame["line"], message)
                    touched.add(uri)
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
        self.stale_calls = {(other, target) for other, target in self.stale_calls if other != uri}
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
                kept.append(replace(hint, line=hint.line + added))
            elif span.start.line > hint.line:
                kept.append(hint)
        hints = kept
    return hints
