"""Static diagnostics (source ``evalens``): syntax errors and unresolved imports.

A change schedules a pass for its document ``DELAY`` seconds after the last
change; opening or closing a document reschedules every open document, since
its module may satisfy (or no longer satisfy) their imports. The pass parses
on a lane, keeps the result per document revision, and publishes through
``features.editor.publish_diagnostics``, whose ``diagnostics_for`` appends
``static_diagnostics`` to the run-failure diagnostic (one publication per
document, so neither overwrites the other).
"""

from __future__ import annotations

import asyncio
import logging
import os
import weakref
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from parso.grammar import load_grammar

from . import syntax
from .lanes import Lane, Lanes
from .resolve import Interpreter, Resolver, query
from .snapshot import Snapshot, snapshot
from .trees import TREES

if TYPE_CHECKING:
    from ..documents import Document
    from ..server import EvalensServer

log = logging.getLogger(__name__)
SOURCE = "evalens"
DELAY = 0.2
_ALL: weakref.WeakKeyDictionary[Any, Diagnostics] = weakref.WeakKeyDictionary()


class Diagnostics:
    def __init__(self, ls: EvalensServer, lanes: Lanes) -> None:
        self.lanes = lanes
        self.results: dict[str, tuple[int, list[types.Diagnostic]]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._interpreters: dict[str, asyncio.Task[Interpreter]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        _ALL[ls] = self

    def interpreter(self, executable: str) -> asyncio.Task[Interpreter]:
        task = self._interpreters.get(executable)
        if task is None:
            task = self._interpreters[executable] = asyncio.ensure_future(query(executable))
        return task

    def schedule(self, ls: EvalensServer, uri: str) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        loop = asyncio.get_running_loop()
        self._timers[uri] = loop.call_later(DELAY, self._start, ls, uri)

    def forget(self, uri: str) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self.results.pop(uri, None)

    def _start(self, ls: EvalensServer, uri: str) -> None:
        self._timers.pop(uri, None)
        task = asyncio.ensure_future(self.publish(ls, uri))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def publish(self, ls: EvalensServer, uri: str) -> None:
        doc = ls.store.get(uri)
        if doc is None:
            return
        snap = snapshot(ls)
        interpreter = await self.interpreter(snap.executable)
        open_modules = {d.module.name for d in ls.store if d.module.importable}
        search = [*snap.sys_path, *interpreter.sys_path]
        revision = doc.revision

        def job(lane: Lane) -> list[types.Diagnostic]:
            return compute(doc, revision, snap, interpreter, Resolver(search, interpreter.builtins, open_modules))

        found = await self.lanes.run(f"diagnostics of {uri}", job, None)
        current = ls.store.get(uri)
        if found is None or current is None or current.revision != revision:
            return
        self.results[uri] = (revision, found)
        from ..features import editor

        editor.publish_diagnostics(ls, uri)


def static_diagnostics(ls: EvalensServer, uri: str) -> list[types.Diagnostic]:
    """The last static diagnostics computed for an open document."""
    state = _ALL.get(ls)
    if state is None or ls.store.get(uri) is None:
        return []
    entry = state.results.get(uri)
    return list(entry[1]) if entry is not None else []


def compute(
    doc: Document, revision: int, snap: Snapshot, interpreter: Interpreter, resolver: Resolver
) -> list[types.Diagnostic]:
    grammar = load_grammar(version=interpreter.version) if interpreter.version else load_grammar()
    lease = TREES.acquire(grammar, doc.module.path, doc.text, revision)
    try:
        lines = lease.lines
        found = [
            _diagnostic(lines, snap, problem.start, problem.end, problem.message, types.DiagnosticSeverity.Error)
            for problem in syntax.syntax_errors(grammar, lease.tree)
        ]
        for statement in syntax.imports(lease.tree):
            if not _resolves(statement, doc, resolver):
                dotted = "." * statement.level + ".".join(statement.names)
                message = f'Import "{dotted}" could not be resolved'
                found.append(
                    _diagnostic(lines, snap, statement.start, statement.end, message, types.DiagnosticSeverity.Warning)
                )
        return found
    finally:
        TREES.release(lease)


def _resolves(statement: syntax.Import, doc: Document, resolver: Resolver) -> bool:
    if statement.level == 0:
        return resolver.resolves(statement.names)
    if not doc.module.importable:
        return True  # an untitled document has no package
    folder = os.path.dirname(doc.module.path)
    for _ in range(statement.level - 1):
        folder = os.path.dirname(folder)
    package = doc.module.name.split(".") if doc.module.is_package else doc.module.name.split(".")[:-1]
    package = package[: len(package) - (statement.level - 1)] if statement.level > 1 else package
    if ".".join([*package, *statement.names]) in resolver.open_modules:
        return True
    return resolver.resolves(statement.names, [folder])


def _diagnostic(
    lines: list[str],
    snap: Snapshot,
    start: tuple[int, int],
    end: tuple[int, int],
    message: str,
    severity: types.DiagnosticSeverity,
) -> types.Diagnostic:
    def position(pos: tuple[int, int]) -> types.Position:
        line = pos[0] - 1
        text = lines[line] if 0 <= line < len(lines) else ""
        return types.Position(line, snap.units(text[: pos[1]]))

    return types.Diagnostic(
        range=types.Range(position(start), position(end)), message=message, severity=severity, source=SOURCE
    )
