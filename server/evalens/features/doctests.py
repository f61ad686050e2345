"""Docstring examples in the editor: each docstring's lens, the failing examples as
diagnostics, and the code actions that run examples or update what they expect.

``DoctestFeatures`` keeps, per document, the outcome of each docstring's last run, under
the docstring's name and text: a docstring that moves keeps its outcome (its lens title, its
diagnostics follow it), one whose text changes loses it, and its diagnostics go. Where the
docstrings are comes from ``text.docstrings``, read again only when the text changed. The
command that runs them is ``doctestruns.run_doctest``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from lsprotocol import types

from ..lsp.diagnostics import DOCTEST, DiagnosticsBoard
from ..text import docstrings
from ..text.docstrings import Docstring, Example
from ..text.documents import Document
from ..text.expected import CannotExpect, Replacement, replacement
from ..text.lineindex import split_lines
from ..worker.doctestmessages import DoctestOutcome, ExampleOutcome

SOURCE = "evalens.doctest"
RUN_TITLE = "Run examples"
RUN_ALL_TITLE = "Run all examples"
UPDATE_TITLE = "Update expected output"
UPDATE_ALL_TITLE = "Update all expected output in this docstring"
#: seconds without an edit before a document's outcomes are matched to its docstrings again
SETTLE = 0.2


@dataclass(frozen=True)
class EditSupport:
    """What the client declared of code actions and workspace edits."""

    literals: bool  # CodeAction literals (codeActionLiteralSupport), not only Commands
    versioned: bool  # edits of a document version (workspace.workspaceEdit.documentChanges)


#: a docstring's identity across edits: its name and its text
Key = tuple[str, str]
Units = Callable[[str], int]  # the length of a text in the client's position units


@dataclass(frozen=True)
class Checked:
    """A docstring's last run: each example's outcome, by its place in the docstring."""

    outcomes: dict[int, ExampleOutcome]

    @property
    def failed(self) -> list[int]:
        return [index for index, outcome in self.outcomes.items() if not outcome["ok"] and not outcome["skipped"]]

    def title(self) -> str:
        ran = [outcome for outcome in self.outcomes.values() if not outcome["skipped"]]
        failed = len(self.failed)
        return f"✗ {failed} of {len(ran)} failed" if failed else f"✓ {len(ran)}/{len(ran)}"


class DoctestFeatures:
    def __init__(
        self, board: DiagnosticsBoard, units: Callable[[str], Units], support: Callable[[], EditSupport]
    ) -> None:
        self.board = board
        self.units = units  # the client's units for a document, by uri
        self.support = support
        self._found: dict[str, tuple[str, list[Docstring]]] = {}  # uri -> (text, its docstrings)
        self._checked: dict[str, dict[Key, Checked]] = {}  # uri -> docstring -> its last run
        self._settling: dict[str, asyncio.TimerHandle] = {}  # uri -> its pending match after edits

    # -- where the docstrings are ---------------------------------------------------------

    def docstrings(self, doc: Document) -> list[Docstring] | None:
        """The document's docstrings with examples; None when its text does not parse (then
        the last ones found stay, for lenses and outcomes)."""
        known = self._found.get(doc.uri)
        if known is not None and known[0] == doc.text:
            return known[1]
        found = docstrings.find(doc.text) if ">>>" in doc.text else []
        if found is None:
            return None
        self._found[doc.uri] = (doc.text, found)
        return found

    def last_found(self, uri: str) -> list[Docstring]:
        """The docstrings of the document's last text that parsed."""
        known = self._found.get(uri)
        return known[1] if known is not None else []

    def _current(self, doc: Document) -> list[Docstring]:
        found = self.docstrings(doc)
        return found if found is not None else self.last_found(doc.uri)

    # -- outcomes -----------------------------------------------------------------------

    def record(self, doc: Document, ran: list[Docstring], outcome: DoctestOutcome, whole: bool) -> None:
        """A run's outcome, for the docstrings ``ran`` (as they were when it started); a run
        of the whole document replaces every docstring's last outcome."""
        checked = {} if whole else dict(self._checked.get(doc.uri, {}))
        by_line = {entry["line"]: entry for entry in outcome["examples"]}
        for docstring in ran:
            outcomes = {
                example.index: by_line[line]
                for example in docstring.examples
                if (line := docstring.document_line(example.first)) in by_line
            }
            if outcomes:
                checked[(docstring.name, docstring.text)] = Checked(outcomes)
            else:
                checked.pop((docstring.name, docstring.text), None)
        self._checked[doc.uri] = checked
        self.show(doc)

    def document_changed(self, doc: Document) -> None:
        """Once the edits pause (``SETTLE``): outcomes of docstrings whose text changed go, the
        others follow their docstring (reading a long document's docstrings at every
        keystroke would hold up the server)."""
        if not self._checked.get(doc.uri):
            return
        pending = self._settling.pop(doc.uri, None)
        if pending is not None:
            pending.cancel()
        self._settling[doc.uri] = asyncio.get_running_loop().call_later(SETTLE, self.settle, doc)

    def settle(self, doc: Document) -> None:
        """Match the document's outcomes to its docstrings as they are now."""
        self._settling.pop(doc.uri, None)
        checked = self._checked.get(doc.uri)
        if not checked:
            return
        found = self.docstrings(doc)
        if found is None:  # mid-edit: keep them until the text parses again
            return
        keys = {(docstring.name, docstring.text) for docstring in found}
        self._checked[doc.uri] = {key: value for key, value in checked.items() if key in keys}
        self.show(doc)

    def forget(self, uri: str) -> None:
        self._found.pop(uri, None)
        self._checked.pop(uri, None)
        pending = self._settling.pop(uri, None)
        if pending is not None:
            pending.cancel()

    def checked(self, uri: str, docstring: Docstring) -> Checked | None:
        return self._checked.get(uri, {}).get((docstring.name, docstring.text))

    # -- what the editor shows ------------------------------------------------------------

    def show(self, doc: Document) -> None:
        """The failing examples of ``doc`` on the diagnostics board."""
        lines = split_lines(doc.text)
        units = self.units(doc.uri)
        diagnostics = []
        for docstring in self._current(doc):
            checked = self.checked(doc.uri, docstring)
            if checked is None:
                continue
            for index in checked.failed:
                example = docstring.examples[index]
                diagnostics.append(_diagnostic(docstring, example, checked.outcomes[index], lines, units))
        self.board.set(doc.uri, DOCTEST, diagnostics)

    def code_lenses(self, doc: Document) -> list[types.CodeLens]:
        """*Run examples* (then its outcome) above each docstring with examples, and *Run all
        examples* on the first line when there are several."""
        found = self._current(doc)
        lenses = []
        if len(found) > 1:
            lenses.append(_lens(0, RUN_ALL_TITLE, {"uri": doc.uri}))
        for docstring in found:
            checked = self.checked(doc.uri, docstring)
            title = RUN_TITLE if checked is None else checked.title()
            lenses.append(_lens(docstring.line, title, {"uri": doc.uri, "line": docstring.line}))
        return lenses

    def code_actions(
        self, doc: Document, span: types.Range, version: int | None
    ) -> list[types.Command | types.CodeAction]:
        """For the docstring at the cursor: *Run examples* (clients without lenses), and for
        its failing examples *Update expected output* (the one at the cursor) and *Update all
        expected output in this docstring*."""
        docstring = docstrings.at_line(self._current(doc), span.start.line)
        if docstring is None:
            return []
        run = {"uri": doc.uri, "line": docstring.line}
        actions: list[types.Command | types.CodeAction] = [
            types.Command(title=f"evalens: {RUN_TITLE}", command="evalens.doctest", arguments=[run])
        ]
        checked = self.checked(doc.uri, docstring)
        if checked is None or self.docstrings(doc) is None or not self.support().literals:
            return actions
        lines = split_lines(doc.text)
        units = self.units(doc.uri)
        updates: list[tuple[Example, Replacement]] = []
        for index in checked.failed:
            example = docstring.examples[index]
            try:
                updates.append((example, replacement(doc.text, docstring, example, checked.outcomes[index]["got"])))
            except CannotExpect:
                continue
        for example, edit in updates:
            first = docstring.document_line(example.first)
            last = docstring.document_line(example.first + example.source_lines + example.want_lines - 1)
            if first <= span.start.line <= max(first, last) or first <= span.end.line <= max(first, last):
                diagnostic = _diagnostic(docstring, example, checked.outcomes[example.index], lines, units)
                changes = [_text_edit(edit, lines, units)]
                actions.append(self._quick_fix(UPDATE_TITLE, doc.uri, version, changes, [diagnostic]))
        if updates:
            changes = [_text_edit(edit, lines, units) for _, edit in updates]
            actions.append(self._quick_fix(UPDATE_ALL_TITLE, doc.uri, version, changes, []))
        return actions

    def _quick_fix(
        self,
        title: str,
        uri: str,
        version: int | None,
        edits: list[types.TextEdit],
        diagnostics: list[types.Diagnostic],
    ) -> types.CodeAction:
        if self.support().versioned:
            document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
            edit = types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=document, edits=edits)])
        else:
            edit = types.WorkspaceEdit(changes={uri: edits})
        return types.CodeAction(
            title=title, kind=types.CodeActionKind.QuickFix, diagnostics=diagnostics or None, edit=edit
        )


def _lens(line: int, title: str, argument: dict[str, object]) -> types.CodeLens:
    at = types.Range(types.Position(line, 0), types.Position(line, 0))
    return types.CodeLens(range=at, command=types.Command(title=title, command="evalens.doctest", arguments=[argument]))


def _diagnostic(
    docstring: Docstring, example: Example, outcome: ExampleOutcome, lines: list[str], units: Units
) -> types.Diagnostic:
    line = docstring.document_line(example.first)
    text = lines[line].rstrip("\r\n") if line < len(lines) else ""
    start = text.find(">>>")
    span = types.Range(types.Position(line, units(text[: max(start, 0)])), types.Position(line, units(text)))
    return types.Diagnostic(
        range=span,
        message=failure_message(outcome["want"], outcome["got"]),
        severity=types.DiagnosticSeverity.Error,
        source=SOURCE,
        code="example-failed",
    )


def failure_message(want: str, got: str) -> str:
    """``expected 4, got 5``; on lines of their own when either is longer than one line."""
    if want.count("\n") <= 1 and got.count("\n") <= 1 and len(want) + len(got) < 120:
        return f"expected {want.rstrip() or 'nothing'}, got {got.rstrip() or 'nothing'}"

    def block(text: str) -> str:
        return "".join(f"    {line}\n" for line in text.rstrip("\n").split("\n")) if text else "    (nothing)\n"

    return f"expected:\n{block(want)}got:\n{block(got)}".rstrip("\n")


def _text_edit(edit: Replacement, lines: list[str], units: Units) -> types.TextEdit:
    def position(line: int, character: int) -> types.Position:
        text = lines[line].rstrip("\r\n") if line < len(lines) else ""
        return types.Position(line, units(text[:character]))

    span = types.Range(position(edit.start_line, edit.start_character), position(edit.end_line, edit.end_character))
    return types.TextEdit(range=span, new_text=edit.text)
