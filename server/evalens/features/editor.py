"""Code actions, code lenses, inlay hints and run diagnostics, as LSP handlers.

Each handler reads the document and ``RunHistory`` and returns lsprotocol
types; the source analysis lives in ``analysis`` and the state in ``history``.
Nothing is offered in an untrusted workspace, since clients may fire lenses
and actions on their own.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ..text.documents import selection
from ..text.lineindex import split_lines
from . import analysis

if TYPE_CHECKING:
    from ..server import EvalensServer

log = logging.getLogger(__name__)
SOURCE = "evalens"


def code_actions(ls: EvalensServer, params: types.CodeActionParams) -> list[types.Command]:
    """Commands rather than CodeAction literals: every client runs them, and clients
    built on lsprotocol's converter mistake a CodeAction that carries a command for
    a Command."""
    doc = ls.store.get(params.text_document.uri)
    if doc is None or not ls.settings.trusted:
        return []
    actions: list[types.Command] = []
    span = params.range
    uri = doc.uri
    if span.start != span.end:
        text_doc = ls.workspace.get_text_document(uri)
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
    return actions


def code_lenses(ls: EvalensServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    doc = ls.store.get(params.text_document.uri)
    if doc is None or not ls.settings.trusted:
        return []
    results = ls.history.calls.get(doc.uri, {})
    lenses = []
    for function in analysis.functions(doc.text):
        if "." in function.qualname or not function.callable_without_arguments:
            continue
        last = results.get(function.qualname)
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


def inlay_hints(ls: EvalensServer, params: types.InlayHintParams) -> list[types.InlayHint]:
    hints = ls.history.hints.get(params.text_document.uri, [])
    first, last = params.range.start.line, params.range.end.line
    return [
        types.InlayHint(
            position=types.Position(hint.line, hint.character),
            label=hint.label,
            padding_left=True,
        )
        for hint in hints
        if first <= hint.line <= last
    ]


def diagnostics_for(ls: EvalensServer, uri: str) -> list[types.Diagnostic]:
    """The run failure in this document, then the static diagnostics (syntax, imports)."""
    return _run_failure(ls, uri) + (ls.intelligence.static_diagnostics(ls, uri) if ls.intelligence else [])


def _run_failure(ls: EvalensServer, uri: str) -> list[types.Diagnostic]:
    failure = ls.history.failure
    doc = ls.store.get(uri)
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


def publish_diagnostics(ls: EvalensServer, uri: str) -> None:
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics_for(ls, uri)))


def _supports_refresh(ls: EvalensServer, area: str) -> bool:
    workspace = ls.client_capabilities.workspace
    capability = getattr(workspace, area, None) if workspace is not None else None
    return bool(capability is not None and capability.refresh_support)


def _refresh(ls: EvalensServer, area: str, method: str) -> None:
    if not _supports_refresh(ls, area):
        return

    def done(future: Any) -> None:
        if not future.cancelled() and future.exception() is not None:
            log.info("%s failed: %s", method, future.exception())

    ls.protocol.send_request(method, None, callback=None).add_done_callback(done)


def refresh_lenses(ls: EvalensServer) -> None:
    _refresh(ls, "code_lens", types.WORKSPACE_CODE_LENS_REFRESH)


def refresh_hints(ls: EvalensServer) -> None:
    _refresh(ls, "inlay_hint", types.WORKSPACE_INLAY_HINT_REFRESH)


def _range_json(span: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": span.start.line, "character": span.start.character},
        "end": {"line": span.end.line, "character": span.end.character},
    }


def register(server: EvalensServer) -> None:
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION)(code_actions)
    server.feature(types.TEXT_DOCUMENT_CODE_LENS)(code_lenses)
    server.feature(types.TEXT_DOCUMENT_INLAY_HINT)(inlay_hints)
