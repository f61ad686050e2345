"""Evaluation without an editor in mind: documents in, Results out.

``Engine`` keeps the interpreter session, tells it which documents changed and
which loaded modules to reload (in import order), runs one request at a time
in arrival order, and turns the worker's reply into a SPEC Result. The language
server and the command line both drive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..settings import Settings, find_interpreter
from ..text.documents import Document, DocumentStore
from ..worker import messages
from . import graph, reloads
from .session import InterpreterDied, Session, SessionConfig, State

log = logging.getLogger(__name__)

OutputListener = Callable[[str | None, str, str], None]  # (uri, stream, text)
Result = dict[str, Any]


@dataclass(frozen=True)
class Workspace:
    folders: list[str]
    roots: list[str]


def died_result(message: str, duration_ms: float, stdout: str = "", stderr: str = "") -> Result:
    return {
        "ok": False,
        "value": None,
        "stdout": stdout,
        "stderr": stderr,
        "truncated": False,
        "error": {
            "type": "InterpreterDied",
            "message": f"{message}; the next request starts a fresh interpreter"
            if "fresh interpreter" not in message
            else message,
            "traceback": f"InterpreterDied: {message}\n",
            "frames": [],
        },
        "durationMs": duration_ms,
    }


class Engine:
    """One interpreter session serving evaluations of the store's documents."""

    def __init__(
        self, store: DocumentStore, workspace: Workspace, settings: Settings, on_output: OutputListener | None = None
    ) -> None:
        self.store = store
        self.workspace = workspace
        self.settings = settings
        self.on_output = on_output
        self.session: Session | None = None
        self._starting: asyncio.Task[Session] | None = None
        self._queue = asyncio.Lock()
        self._sent: dict[str, tuple[str, int]] = {}  # uri -> (module name, revision) the worker has
        self._loaded: dict[str, int] = {}  # module name -> revision it last executed
        self._modules: dict[str, str] = {}  # loaded user module -> file name
        self._imports = reloads.ImportCache()
        self.running: Any = None  # tag of the request being run
        self.held: list[str] = []  # `with` items held open in the interpreter, outermost first
        self.queued: list[dict[str, Any]] = []  # runs waiting for the interpreter, in order
        self.keep_standby = True  # a warm spare interpreter for restarts and crashes
        self._standby: asyncio.Future[Session] | None = None
        self._retiring: set[asyncio.Future[None]] = set()
        self.running_title: dict[str, Any] | None = None
        self._replacing: asyncio.Future[None] | None = None

    # -- configuration -----------------------------------------------------------

    @property
    def executable(self) -> str:
        return find_interpreter(self.settings, self.workspace.folders)

    def session_config(self) -> SessionConfig:
        limits = self.settings.limits
        return SessionConfig(
            executable=self.executable,
            roots=self.workspace.roots,
            extra_paths=list(self.settings.extra_paths),
            cwd=self.workspace.folders[0] if self.workspace.folders else None,
            memory_mb=limits.memory_mb,
            output_bytes=limits.output_bytes,
            repr_chars=limits.repr_chars,
            grace_seconds=limits.interrupt_grace_seconds,
        )

    def needs_restart(self) -> bool:
        """A setting the interpreter was started with changed (new roots are sent live)."""
        if self.session is None:
            return False
        return dataclasses.replace(self.session.config, roots=[]) != dataclasses.replace(
            self.session_config(), roots=[]
        )

    # -- the session -------------------------------------------------------------

    async def ensure_session(self) -> Session:
        """The running session, started (again) if it is gone or its settings changed."""
        while True:
            if self.session is not None and self.session.alive and not self.needs_restart():
                return self.session
            if self._starting is None or self._starting.done():
                self._starting = asyncio.ensure_future(self._start())
            starting = self._starting
            try:
                session = await asyncio.shield(starting)
            finally:
                if starting.done() and self._starting is starting:
                    self._starting = None
            if not self.needs_restart():
                return session
            # The settings changed while it started: start one that has them.

    async def _start(self) -> Session:
        if self.session is not None:
            # Kill the old one, but do not wait for it to be gone: the standby is ready now.
            retiring = asyncio.ensure_future(self.session.stop())
            self._retiring.add(retiring)
            retiring.add_done_callback(self._retiring.discard)
        self._sent.clear()
        self._loaded.clear()
        self._modules.clear()
        self.held = []
        session = await self._take_standby()
        if session is None:
            session = Session(self.session_config(), self._background_output)
            self.session = session
            await session.start()
        self.session = session
        self._prepare_standby()
        return session

    def _prepare_standby(self) -> None:
        """Start a spare interpreter now, so a restart or crash costs a swap, not a start."""
        if not self.keep_standby or self._standby is not None:
            return
        spare = Session(self.session_config(), self._background_output)

        async def start() -> Session:
            await spare.start()
            return spare

        self._standby = asyncio.ensure_future(start())

    async def _take_standby(self) -> Session | None:
        task, self._standby = self._standby, None
        if task is None:
            return None
        try:
            session = await task
        except InterpreterDied as exc:
            log.warning("the standby interpreter did not start: %s", exc)
            return None
        if session.alive and session.config == self.session_config():
            return session
        await session.stop("a standby interpreter with outdated settings was discarded")
        return None

    def _background_output(self, stream: str, text: str) -> None:
        if self.on_output is not None:
            self.on_output(None, stream, text)

    async def restart(self) -> int:
        if self.session is not None:
            self.session.kill("the interpreter was stopped by evalens.restart")
        session = await self.ensure_session()
        assert session.pid is not None
        return session.pid

    def interrupt(self) -> bool:
        return self.session is not None and self.session.interrupt()

    def busy(self) -> bool:
        """Whether a run is under way or waiting."""
        return self.running is not None or bool(self.queued)

    def status(self) -> dict[str, Any]:
        session = self.session
        starting = self._starting is not None and not self._starting.done()
        if session is None:
            state = State.STARTING if starting else State.STOPPED
            return {
                "state": state.value,
                "pid": None,
                "python": None,
                "executable": self.executable,
                "held": [],
                "running": None,
                "queue": list(self.queued),
            }
        state = State.STARTING if starting else session.state
        return {
            "state": state.value,
            "pid": session.pid if session.alive else None,
            "python": session.python,
            "executable": session.executable,
            "held": list(self.held),
            "running": self.running_title,
            "queue": list(self.queued),
        }

    async def shutdown(self) -> None:
        starting = self._starting
        if starting is not None and not starting.done():
            # Let a start in progress finish (or fail) so nothing is left half made.
            await asyncio.wait([starting], timeout=10)
        if self._retiring:
            await asyncio.wait(list(self._retiring), timeout=10)
        standby, self._standby = self._standby, None
        if standby is not None:
            await asyncio.wait([standby], timeout=10)
            if standby.done() and not standby.cancelled() and standby.exception() is None:
                await standby.result().stop("the server shut down")
        if self.session is not None:
            await self.session.stop("the server shut down")

    # -- synchronising documents --------------------------------------------------

    def _sync(self) -> messages.Sync:
        documents: list[messages.DocumentInfo] = []
        open_names = set()
        open_paths: dict[str, Document] = {}
        for doc in self.store:
            module = doc.module
            open_names.add(module.name)
            open_paths[module.path] = doc
            if self._sent.get(doc.uri) != (module.name, doc.revision):
                documents.append(
                    {
                        "name": module.name,
                        "path": module.path,
                        "uri": doc.uri,
                        "text": doc.text,
                        "revision": doc.revision,
                        "importable": module.importable,
                        "isPackage": module.is_package,
                        "root": module.root,
                    }
                )
                self._sent[doc.uri] = (module.name, doc.revision)
        closed = []
        for uri, (name, _) in list(self._sent.items()):
            if self.store.get(uri) is None:
                del self._sent[uri]
                if name not in open_names:
                    closed.append(name)
        stale = []
        for name, path in self._modules.items():
            opened = open_paths.get(path)
            if opened is not None and self._loaded.get(name) != opened.revision:
                stale.append(name)
        reload: list[str] = []
        if stale:
            reload = graph.reload_order(stale, reloads.affected(stale, self._modules, open_paths, self._imports))
        roots = [] if self.session is None else [r for r in self.workspace.roots if r not in self.session.config.roots]
        return {"documents": documents, "closed": closed, "reload": reload, "roots": roots}

    # -- running -------------------------------------------------------------------

    async def run(self, doc: Document | None, request: dict[str, Any], tag: Any = None, title: str = "") -> Result:
        """Queue one run of ``request`` (eval, call, runModule, exit) for ``doc``; runs go in arrival order."""
        entry = {"title": title, "uri": doc.uri if doc is not None else None}
        self.queued.append(entry)
        try:
            await self._queue.acquire()
        finally:
            self.queued.remove(entry)
        self.running = tag
        self.running_title = entry
        try:
            return await self._run(doc, request)
        finally:
            self.running = None
            self.running_title = None
            self._queue.release()

    async def _run(self, doc: Document | None, request: dict[str, Any]) -> Result:
        started = time.perf_counter()
        try:
            session = await self.ensure_session()
        except InterpreterDied as exc:
            return died_result(str(exc), (time.perf_counter() - started) * 1000)
        request["sync"] = self._sync()
        request["module"] = doc.module.name if doc is not None else None
        uri = doc.uri if doc is not None else None

        def sink(stream: str, text: str) -> None:
            if self.on_output is not None:
                self.on_output(uri, stream, text)

        try:
            reply, output, cut = await session.run(request, sink)
        except InterpreterDied as exc:
            self._sent.clear()
            self._loaded.clear()
            self._modules.clear()
            self.held = []
            if session.killed_after_interrupt:
                self._replacing = asyncio.ensure_future(self._replace_after_kill())
            return died_result(str(exc), (time.perf_counter() - started) * 1000, **exc.output)
        if "modules" in reply:
            self._modules = reply["modules"]
        self._loaded.update(reply.get("loaded", {}))
        for name in reply.get("unloaded", []):
            self._loaded.pop(name, None)
        self.held = reply.get("held", self.held)
        result: Result = dict(reply["result"])
        result["stdout"] = output["stdout"]
        result["stderr"] = output["stderr"]
        result["truncated"] = bool(result.get("truncated")) or cut
        result["durationMs"] = round((time.perf_counter() - started) * 1000, 3)
        return result

    async def inspect(self, message: dict[str, Any], timeout: float = 0.5) -> Any:
        """Ask the idle interpreter about live values; None when it is busy, absent or slow."""
        session = self.session
        if session is None or not session.alive or self._queue.locked() or session.state is not State.IDLE:
            return None
        async with self._queue:
            try:
                answer = await asyncio.wait_for(session.inspect(message), timeout)
            except (asyncio.TimeoutError, InterpreterDied):
                return None
        if isinstance(answer, dict) and "failed" in answer:
            log.warning("live lookup failed in the interpreter: %s", answer["failed"])
            return None
        return answer

    async def _replace_after_kill(self) -> None:
        # A failure here is reported by the next request, which tries again.
        with contextlib.suppress(InterpreterDied):
            await self.ensure_session()
