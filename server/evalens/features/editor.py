"""Code actions, code lenses, inlay hints and the diagnostic of a failed run.

``EditorFeatures`` reads the open documents and ``RunHistory`` and returns
lsprotocol types; the source analysis lives in ``analysis`` and the state in
``history``. Nothing is offered in an untrusted workspace, since clients may
fire lenses and actions on their own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.workspace import TextDocument

from ..lsp.diagnostics import RUN as RUN_DIAGNOSTICS
from ..lsp.diagnostics import DiagnosticsBoard
from ..text.documents import DocumentStore, selection
from ..text.lineindex import split_lines
from . import analysis
from .cells import CellFeatures
from .doctests import DoctestFeatures
from .history import RunHistory
from .oneline import fold

SOURCE = "evalens"


class EditorFeatures:
    def __init__(
        self,
        store: DocumentStore,
        history: RunHistory,
        board: DiagnosticsBoard,
        trusted: Callable[[], bool],
        text_document: Callable[[str], TextDocument],
        cells: CellFeatures,
        doctests: DoctestFeatures,
    ) -> None:
        self.cells = cells
        self.doctests = doctests
        self.store = store
        self.history = history
        self.board = board
        self.trusted = trusted
        self.text_document = text_document

    def code_actions(self, params: types.CodeActionParams) -> list[types.Command | types.CodeAction]:
        """Commands rather than CodeAction literals for what runs: every client runs them, and
        clients built on lsprotocol's converter mistake a CodeAction that carries a command
        for a Command. The edits that update an example's expected output are CodeActions
        (quick fixes of its diagnostic) carrying only their edit."""
        doc = self.store.get(params.text_document.uri)
        if doc is None or not self.trusted():
            return []
        actions: list[types.Command | types.CodeAction] = []
        span = params.range
        uri = doc.uri
        if span.start != span.end:
            text_doc = self.text_document(uri)
            start = text_doc.offset_at_position(span.start)
            end = text_doc.offset_at_position(span.end)
            kind = analysis.runnable_kind(selection(doc.text, start, end).code)
            if kind is not None:
                title = "Evaluate selection" if kind == "expression" else "Run selected statements"
                argument = {"uri": uri, "range": _range_json(span)}
                actions.append(types.Command(title=f"evalens: {title}", command="evalens.eval", arguments=[argument]))
        function = analysis.function_at_line(doc.text, span.start.line)
        if function is not None:
            title = f"Call {function.qualname}()"
            argument = {"uri": uri, "target": function.qualname}
            actions.append(types.Command(title=f"evalens: {title}", command="evalens.call", arguments=[argument]))
        actions += self.cells.code_actions(doc, span.start.line)
        actions += self.doctests.code_actions(doc, span, self.text_document(uri).version)
        return actions

    def code_lenses(self, params: types.CodeLensParams) -> list[types.CodeLens]:
        doc = self.store.get(params.text_document.uri)
        if doc is None or not self.trusted():
            return []
        lenses = self.cells.code_lenses(doc) + self.doctests.code_lenses(doc)
        for function in analysis.functions(doc.text):
            if "." in function.qualname or not function.callable_without_arguments:
                continue
            last = self.history.call_title(doc.uri, function.qualname)
            title = f"▶ {function.qualname}()" if last is None else f"▶ {function.qualname}() ⇒ {last}"
            position = types.Position(function.line, 0)
            lenses.append(
                types.CodeLens(
                    range=types.Range(position, position),
                    command=types.Command(
                        title=title, command="evalens.call", arguments=[{"uri": doc.uri, "target": function.qualname}]
                    ),
                )
            )
        return lenses

    def folding_ranges(self, params: types.FoldingRangeParams) -> list[types.FoldingRange]:
        doc = self.store.get(params.text_document.uri)
        return [] if doc is None else self.cells.folding_ranges(doc)

    def inlay_hints(self, params: types.InlayHintParams) -> list[types.InlayHint]:
        hints = self.history.hints.get(params.text_document.uri, [])
        first, last = params.range.start.line, params.range.end.line
        return [
            types.InlayHint(
                position=types.Position(hint.line, hint.character),
                label=hint.shown,
                padding_left=True,
                tooltip=displays_tooltip(hint.displays),
            )
            for hint in sorted(hints, key=lambda hint: (hint.line, hint.character))
            if first <= hint.line <= last
        ]

    def show_run_failure(self, uri: str) -> None:
        """Put the last run's failure in ``uri`` (or nothing) on the diagnostics board."""
        self.board.set(uri, RUN_DIAGNOSTICS, self._run_failure(uri))

    def _run_failure(self, uri: str) -> list[types.Diagnostic]:
        failure = self.history.failure
        doc = self.store.get(uri)
        if failure is None or failure.uri != uri or doc is None:
            return []
        lines = split_lines(doc.text)
        text = lines[failure.line].rstrip("\r\n") if failure.line < len(lines) else ""
        indent = len(text) - len(text.lstrip())
        span = types.Range(types.Position(failure.line, indent), types.Position(failure.line, len(text)))
        return [
            types.Diagnostic(
                range=span,
                message=failure.message,
                severity=types.DiagnosticSeverity.Error,
                source=SOURCE,
            )
        ]


def _range_json(span: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": span.start.line, "character": span.start.character},
        "end": {"line": span.end.line, "character": span.end.character},
    }


def displays_tooltip(displays: tuple[tuple[str, str | None], ...]) -> types.MarkupContent | None:
    """What a run showed, for an inlay hint's tooltip: each display's ``text/plain`` and a link
    to the file it was saved to (for clients without a display panel of their own)."""
    if not displays:
        return None
    lines = []
    for plain, file in displays:
        text = "`" + fold(plain, 120).replace("`", "'") + "`"
        lines.append(f"{text} [{Path(file).name}]({Path(file).as_uri()})" if file is not None else text)
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n".join(lines))
