"""Static diagnostics (source ``evalens``): syntax errors and unresolved imports.

A change schedules a pass for its document ``DELAY`` seconds after the last
change; opening a document also reschedules the documents with unresolved
imports (its module may satisfy them), closing one the documents that name
it (``handlers.Intelligence.changed`` / ``closed``). The pass parses in the
``SyntaxChecker`` process, resolves the imports on the background lane, keeps
the result per document revision, and hands it to the server's diagnostics
board (``Host.publish_static_diagnostics``), which publishes it with the other
sources' (the failure of the last run).

A pass whose time comes while the interpreter runs user code waits for the run to end,
for at most ``RUN_YIELD`` seconds: the user is waiting for that run, and on a
two-core machine a 50,000-line document's pass beside it made the run 10-20 %
slower.

Why a process: parsing and checking a 50,000-line document takes parso over
a second of pure Python (a diff parse about 0.2 s, ``iter_errors`` over the
whole tree about 1.2 s). On a thread it holds the server's GIL, and each
keystroke arriving meanwhile waits for it (a 50,000-line document typed into
at four keys a second: p95 56 ms per keystroke instead of under 1 ms).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import logging
import os
import sys

from lsprotocol import types

from ..text.documents import Document
from . import syntax
from .host import Host
from .lanes import Lane, Lanes
from .resolve import Interpreter, Resolver, query
from .snapshot import Snapshot, snapshot

log = logging.getLogger(__name__)
SOURCE = "evalens"
DELAY = 0.2
RUN_YIELD = 1.0  # seconds a pass waits at most for a run to end
RUN_POLL = 0.05  # how often it looks
IMPORT = "Import "  # how an unresolved-import message begins


class Diagnostics:
    def __init__(self, host: Host, lanes: Lanes) -> None:
        self.host = host
        self.lanes = lanes
        self.results: dict[str, tuple[int, list[types.Diagnostic]]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._interpreters: dict[str, asyncio.Task[Interpreter]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.checker = SyntaxChecker()
        self._shared: tuple[object, Snapshot, frozenset[str]] | None = None
        self.yielded = 0  # times a pass waited for a run to end

    def interpreter(self, executable: str) -> asyncio.Task[Interpreter]:
        task = self._interpreters.get(executable)
        if task is None:
            task = self._interpreters[executable] = asyncio.ensure_future(query(executable))
        return task

    def pending(self) -> int:
        """Documents whose diagnostics pass is scheduled or running."""
        return len(self._timers) + len(self._tasks)

    def schedule(self, uri: str) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        loop = asyncio.get_running_loop()
        self._timers[uri] = loop.call_later(DELAY, self._start, uri)

    def _context(self) -> tuple[Snapshot, frozenset[str]]:
        """The snapshot and the open module names, built once per set of open documents
        (not once per document: opening 1,000 documents would build 1,000 of each)."""
        host = self.host
        key = (host.store.generation, id(host.settings), tuple(host.project.folders))
        if self._shared is None or self._shared[0] != key:
            names = frozenset(d.module.name for d in host.store if d.module.importable)
            self._shared = (key, snapshot(host), names)
        return self._shared[1], self._shared[2]

    def unresolved(self) -> list[str]:
        """The documents whose last diagnostics name an import that did not resolve."""
        return [
            uri for uri, (_revision, found) in self.results.items() if any(d.message.startswith(IMPORT) for d in found)
        ]

    def forget(self, uri: str) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self.results.pop(uri, None)
        self.checker.forget(uri)

    def _start(self, uri: str, waiting_since: float | None = None) -> None:
        self._timers.pop(uri, None)
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self.host.running() and (waiting_since is None or now - waiting_since < RUN_YIELD):
            self.yielded += 1
            since = now if waiting_since is None else waiting_since
            self._timers[uri] = loop.call_later(RUN_POLL, self._start, uri, since)
            return
        task = asyncio.ensure_future(self.publish(uri))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def publish(self, uri: str) -> None:
        store = self.host.store
        doc = store.get(uri)
        if doc is None:
            return
        snap, open_modules = self._context()
        interpreter = await self.interpreter(snap.executable)
        search = [*snap.sys_path, *interpreter.sys_path]
        revision = doc.revision
        report = await self.checker.check(uri, interpreter.version, doc.text)
        if report is None:
            return

        def job(lane: Lane) -> list[types.Diagnostic]:
            return compute(report, doc, snap, Resolver(search, interpreter.builtins, open_modules))

        found = await self.lanes.run(f"diagnostics of {uri}", job, None, self.lanes.background)
        current = store.get(uri)
        if found is None or current is None or current.revision != revision:
            return
        self.results[uri] = (revision, found)
        self.host.publish_static_diagnostics(uri, found)


def compute(report: syntax.Report, doc: Document, snap: Snapshot, resolver: Resolver) -> list[types.Diagnostic]:
    found = [
        _diagnostic(snap, problem.start, problem.end, problem.message, types.DiagnosticSeverity.Error)
        for problem in report.problems
    ]
    for statement in report.imports:
        if not _resolves(statement, doc, resolver):
            dotted = "." * statement.level + ".".join(statement.names)
            message = f'{IMPORT}"{dotted}" could not be resolved'
            found.append(_diagnostic(snap, statement.start, statement.end, message, types.DiagnosticSeverity.Warning))
    return found


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
    snap: Snapshot, start: syntax.Point, end: syntax.Point, message: str, severity: types.DiagnosticSeverity
) -> types.Diagnostic:
    def position(point: syntax.Point) -> types.Position:
        return types.Position(point.line, point.column if point.prefix is None else snap.units(point.prefix))

    return types.Diagnostic(
        range=types.Range(position(start), position(end)), message=message, severity=severity, source=SOURCE
    )


class SyntaxChecker:
    """The diagnostics parser process (``syntax.py`` run as a script), started on first use.

    One check at a time: a JSON header line and the document's text go in, a
    ``syntax.Report`` comes back. The process keeps each document's tree and
    diff-parses the next text against it. When it dies, the next check starts
    a new one; when the server shuts down it is killed (``kill``).
    """

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    async def check(self, key: str, version: str | None, text: str) -> syntax.Report | None:
        """The report on ``text``, the newest text of the document ``key``; None if the
        process failed (logged)."""
        data = text.encode("utf-8", "surrogatepass")
        header = json.dumps({"op": "check", "path": key, "version": version, "length": len(data)})
        async with self._lock:
            for _attempt in range(2):
                process = await self._started()
                assert process.stdin is not None and process.stdout is not None
                try:
                    process.stdin.write(header.encode() + b"\n")
                    process.stdin.write(data)
                    await process.stdin.drain()
                    line = await process.stdout.readline()
                except (ConnectionError, OSError):
                    line = b""
                if line:
                    answer = json.loads(line)
                    if "error" in answer:
                        log.warning("checking the syntax of %s failed: %s", key, answer["error"])
                        return None
                    return syntax.Report.from_json(answer)
                log.warning("the diagnostics parser process ended (%s); starting another", process.returncode)
                self._process = None
        return None

    def forget(self, key: str) -> None:
        """Drop the tree of a closed document."""
        process = self._process
        if process is not None and process.returncode is None and process.stdin is not None:
            process.stdin.write(json.dumps({"op": "forget", "path": key}).encode() + b"\n")

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def kill(self) -> None:
        """End the process now: a parse under way would otherwise run on (seconds, for a big
        file) after the server has gone."""
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()

    async def close(self) -> None:
        """End the process (it exits when its stdin ends)."""
        process, self._process = self._process, None
        if process is not None and process.stdin is not None:
            process.stdin.close()
            await process.wait()

    async def _started(self) -> asyncio.subprocess.Process:
        if self._process is None or self._process.returncode is not None:
            # -I keeps the user's environment out, and with it PYTHONPATH: a server whose
            # packages come from there (VS Code's bundled libs) hands parso's folder over.
            parso = importlib.util.find_spec("parso")
            folders = [os.path.dirname(p) for p in (parso.submodule_search_locations or [])] if parso else []
            start = f"import runpy, sys; sys.path[:0] = {folders!r}; runpy.run_path({syntax.__file__!r}, run_name='__main__')"
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-I",
                "-c",
                start,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=1 << 26,
            )
        return self._process
