"""Evaluation without an editor in mind: documents in, Results out.

``Engine`` runs one action at a time, in arrival order, in a session its
``Backend`` provides: before each run it tells the session's worker which
documents changed and which loaded modules to reload, in import order (what the
session's ``WorkerMirror`` says the worker lacks), and it turns the worker's
reply into a Result. The language server and the command line both drive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypedDict

from ..settings import Settings, find_interpreter
from ..text.documents import Document, DocumentStore
from ..text.modnames import Project
from ..worker import messages
from . import backends, reloads, results
from .backend import InterpreterDied, RunEvents, Session, SessionConfig, SessionState, Shown
from .backends import BackendFactory
from .mirror import WorkerMirror
from .results import Finished

log = logging.getLogger(__name__)

OutputListener = Callable[[str | None, str, str], None]  # (uri, stream, text)
DisplayListener = Callable[[str | None, Shown], None]  # (uri, what was shown)
ChangeListener = Callable[[str, list[str]], None]  # (uri, names of its module a run rebound or deleted)


class Queued(TypedDict):
    """A run waiting for the interpreter (or running), as ``evalens.status`` lists it."""

    title: str
    uri: str | None


class EngineStatus(TypedDict):
    state: str
    pid: int | None
    python: str | None
    executable: str
    held: list[str]
    running: Queued | None
    queue: list[Queued]
    #: the ``kernel`` setting in force, without its token; null: evalens' own interpreter
    kernel: dict[str, str | bool] | None


class Engine:
    """The interpreter sessions serving runs on the store's documents."""

    def __init__(
        self,
        store: DocumentStore,
        project: Project,
        settings: Settings,
        on_output: OutputListener | None = None,
        backend: BackendFactory | None = None,
    ) -> None:
        self.store = store
        self.project = project
        self.settings = settings
        self.on_output = on_output
        #: where the MIME bundles a run shows go, as they are shown
        self.on_display: DisplayListener | None = None
        #: told, after each run in a document, which names of its module the run changed
        self.on_changed: ChangeListener | None = None
        #: told when a new interpreter replaced one that ran code (a restart, a death): all is gone
        self.on_reset: Callable[[], None] | None = None
        #: the backend's factory; None: the one ``backends.choose`` picks for the settings in force
        self._fixed = backend
        self._factory = backend or backends.choose(settings)
        self.backend = self._factory(self.session_config, self.between_runs)
        self._queue = asyncio.Lock()
        self._imports = reloads.ImportCache()
        self._mirror: tuple[Session, WorkerMirror] | None = None  # the worker of the current session
        self.running: Any = None  # tag of the request being run
        self._reaching: _Reaching | None = None  # the run waiting for its interpreter, if one is
        self.running_title: Queued | None = None
        self.queued: list[Queued] = []  # runs waiting for the interpreter, in order

    # -- configuration -----------------------------------------------------------

    @property
    def executable(self) -> str:
        return find_interpreter(self.settings, self.project.folders)

    def session_config(self) -> SessionConfig:
        limits = self.settings.limits
        return SessionConfig(
            executable=self.executable,
            roots=self.project.roots,
            extra_paths=list(self.settings.extra_paths),
            cwd=self.project.folders[0] if self.project.folders else None,
            memory_mb=limits.memory_mb,
            output_bytes=limits.output_bytes,
            repr_chars=limits.repr_chars,
            grace_seconds=limits.interrupt_grace_seconds,
            display_bytes=limits.display_bytes,
            figure_format=self.settings.figure_format,
            kernel=self.settings.kernel,
        )

    # -- the session -------------------------------------------------------------

    async def start(self) -> Session:
        """The running session, started (again) if it is gone or its settings changed."""
        if self._fixed is None and (chosen := backends.choose(self.settings)) is not self._factory:
            # The settings now call for another backend: it takes over once the old one's
            # interpreters are gone (switched first, so a second caller does not switch again).
            old, self._factory = self.backend, chosen
            self.backend = chosen(self.session_config, self.between_runs)
            await old.shutdown()
        return await self.backend.start()

    def mirror(self, session: Session) -> WorkerMirror:
        """What the worker of ``session`` holds; a new session starts with a new mirror."""
        if self._mirror is None or self._mirror[0] is not session:
            if self._mirror is not None and self.on_reset is not None:
                self.on_reset()
            self._mirror = (session, WorkerMirror(session.config.roots))
        return self._mirror[1]

    @property
    def held(self) -> list[str]:
        """The `with` items held open in the current session, outermost first."""
        session = self.backend.session
        if self._mirror is None or session is None or self._mirror[0] is not session or not session.alive:
            return []
        return list(self._mirror[1].held)

    @property
    def between_runs(self) -> RunEvents:
        """Where what the interpreter prints or shows while no run is under way (threads, child
        processes) goes: to the listeners, without a document."""
        return RunEvents(self.output_between_runs, self.display_between_runs)

    def output_between_runs(self, stream: str, text: str) -> None:
        if self.on_output is not None:
            self.on_output(None, stream, text)

    def display_between_runs(self, shown: Shown) -> None:
        if self.on_display is not None:
            self.on_display(None, shown)

    async def restart(self) -> int:
        session = await self.backend.restart()
        assert session.pid is not None
        self.mirror(session)  # a new mirror for the new session: ``on_reset`` is told now
        return session.pid

    def interrupt(self) -> bool:
        """Interrupt the run under way; one still waiting for its interpreter to start (a
        kernel takes a second) does not run at all."""
        session = self.backend.session
        if session is not None and session.interrupt():
            return True
        if self.running is not None and self._reaching is not None:
            self._reaching.cancel_run = True
            return True
        return False

    def busy(self) -> bool:
        """Whether a run is under way or waiting."""
        return self.running is not None or bool(self.queued)

    def status(self) -> EngineStatus:
        session = self.backend.session
        starting = self.backend.starting
        kernel = self.settings.kernel.shown() if self.settings.kernel is not None else None
        if session is None:
            return {
                "state": (SessionState.STARTING if starting else SessionState.STOPPED).value,
                "pid": None,
                "python": None,
                "executable": self.executable,
                "held": [],
                "running": None,
                "queue": list(self.queued),
                "kernel": kernel,
            }
        return {
            "state": (SessionState.STARTING if starting else session.state).value,
            "pid": session.pid if session.alive else None,
            "python": session.python,
            "executable": session.executable,
            "held": self.held,
            "running": self.running_title,
            "queue": list(self.queued),
            "kernel": kernel,
        }

    def kill(self, reason: str) -> None:
        """End the interpreter now (the server is ending); a run under way gets InterpreterDied."""
        self.backend.kill(reason)

    async def shutdown(self) -> None:
        await self.backend.shutdown()

    # -- running -------------------------------------------------------------------

    async def run(
        self, doc: Document | None, action: messages.Action, tag: Any = None, title: str = "", cell: bool = False
    ) -> Finished:
        """Queue one run of ``action`` in ``doc``'s module (None: an exit); runs go in arrival order.
        A ``cell`` run does not bring ``doc`` itself up to date (what runs in a document with
        cell markers is what the user runs), only the modules it imports."""
        async with self.turn(doc.uri if doc is not None else None, tag, title):
            return await self._run(doc, action, cell)

    @contextlib.asynccontextmanager
    async def turn(self, uri: str | None, tag: Any = None, title: str = "") -> AsyncIterator[Queued]:
        """The interpreter for the caller alone, once the runs queued before have run: several
        runs in one turn (a scope of cells) go back to back, none queued later between them.
        The entry it yields is what ``status`` shows as running (its title may change)."""
        entry: Queued = {"title": title, "uri": uri}
        self.queued.append(entry)
        try:
            await self._queue.acquire()
        finally:
            self.queued.remove(entry)
        self.running = tag
        self.running_title = entry
        try:
            yield entry
        finally:
            self.running = None
            self.running_title = None
            self._queue.release()

    async def run_in_turn(self, doc: Document | None, action: messages.Action, cell: bool = False) -> Finished:
        """``run``, for a caller that holds a ``turn``."""
        assert self._queue.locked(), "run_in_turn outside a turn"
        return await self._run(doc, action, cell)

    async def _run(self, doc: Document | None, action: messages.Action, cell: bool) -> Finished:
        started = time.perf_counter()
        self._reaching = reaching = _Reaching()
        try:
            session = await self.start()
        except InterpreterDied as exc:
            return results.died(str(exc), (time.perf_counter() - started) * 1000)
        finally:
            self._reaching = None
        if reaching.cancel_run:
            return results.interrupted_before_it_ran((time.perf_counter() - started) * 1000)
        mirror = self.mirror(session)
        module = doc.module.name if doc is not None else None
        body = messages.run(
            action,
            module,
            mirror.sync(self.store, self.project.roots, self._imports, keep=module if cell else None),
            self.settings.reload,
            cell=cell,
        )
        uri = doc.uri if doc is not None else None

        def output(stream: str, text: str) -> None:
            if self.on_output is not None:
                self.on_output(uri, stream, text)

        def display(shown: Shown) -> None:
            if self.on_display is not None:
                self.on_display(uri, shown)

        try:
            outcome = await session.run(body, RunEvents(output, display))
        except InterpreterDied as exc:
            self._mirror = None
            if self.on_reset is not None:
                self.on_reset()
            return results.died(str(exc), (time.perf_counter() - started) * 1000, **exc.output, display=exc.display)
        mirror.learn(outcome.reply)
        changed = outcome.reply.get("changed")
        if changed is not None and uri is not None and self.on_changed is not None:
            self.on_changed(uri, changed)
        duration = (time.perf_counter() - started) * 1000
        return results.finished(outcome, duration)

    async def inspect(self, query: messages.Query, timeout: float = 0.5) -> Any:
        """Ask the idle interpreter about live values; None when it is busy, absent or slow.

        Lookups do not queue behind each other: the hover, signature help and completion an
        editor sends at once are all answered (one in flight made the others static). A
        run that starts meanwhile is written after them and runs once they are answered."""
        try:
            return await self.look(query, timeout)
        except (InterpreterBusy, asyncio.TimeoutError):
            return None
        except LookupFailed as failed:
            log.warning("live lookup failed in the interpreter: %s", failed)
            return None

    async def look(self, query: messages.Query, timeout: float) -> Any:
        """``inspect``, for a caller that says why there is no answer: None when no
        interpreter runs; ``InterpreterBusy`` while a run holds it, ``asyncio.TimeoutError``
        past ``timeout``, ``LookupFailed`` when the lookup raised in the interpreter."""
        session = self.backend.session
        if session is None or not session.alive:
            return None
        if self._queue.locked() or session.state is not SessionState.IDLE:
            raise InterpreterBusy(self.running_title["title"] if self.running_title is not None else "")
        try:
            answer = await asyncio.wait_for(session.inspect(query), timeout)
        except InterpreterDied:
            return None
        if isinstance(answer, dict) and "failed" in answer:
            raise LookupFailed(str(answer["failed"]))
        return answer


class InterpreterBusy(Exception):
    """A run holds the interpreter; the message is its title ("" when not known)."""


class LookupFailed(Exception):
    """A lookup of live values raised in the interpreter (a bug of evalens' to report)."""


class _Reaching:
    """A run waiting for its interpreter to start; ``cancel_run``: interrupted meanwhile."""

    cancel_run = False
