"""A Jupyter kernel as the interpreter: the ``kernel`` setting's backend.

``KernelBackend`` gives the engine one ``KernelSession`` at a time: a local kernel it starts
from a kernelspec (and shuts down), or a running kernel it attaches to by its connection
file (and never shuts down). The session sends the worker's modules into the kernel
(``worker/bootstrap.kernel_source``), then speaks the worker's protocol through the kernel:
each request is an execute whose code calls ``worker/kernelside.answer``; the reply comes
back in the execute_reply's ``user_expressions``, what the run prints as ``stream`` messages
on iopub, what it shows as ``display_data`` / ``execute_result`` / ``update_display_data``.
jupyter_client does the messaging (``pip install 'evalens[jupyter]'``); without it, a
``kernel`` setting gives a Result saying what to install.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...settings import KernelTarget
from ...worker import bootstrap, messages
from ..backend import InterpreterDied, RestartRefused, RunEvents, RunOutcome, SessionConfig, SessionState, Shown
from .kernelchannels import SHOWN, BetweenRuns, Channels, Execution, missing_jupyter_client, shown_of
from .kernelserver import ServerChannels
from .kernelzmq import ZmqChannels

log = logging.getLogger(__name__)
WORKER_DIR = str(Path(messages.__file__).resolve().parent)
#: the reply's user expression: the worker's answer, as application/json
REPLY = {"evalens": "__import__('_evalens_worker.kernelside', fromlist=['reply']).reply()"}
START_SECONDS = 60.0
#: what takes evalens out of a kernel it attached to, and how long it may take
DETACH = "__import__('_evalens_worker.kernelside', fromlist=['detach']).detach()"
DETACH_SECONDS = 5.0


def channels_for(
    target: KernelTarget, cwd: str | None, between_runs: BetweenRuns, adopt: tuple[str, bool] | None = None
) -> Channels:
    """The transport that reaches ``target``'s kernel (``adopt``: one handed over)."""
    if target.url is not None:
        return ServerChannels(target, between_runs, adopt)
    return ZmqChannels(target, cwd, between_runs)


def answer_code(request: dict[str, Any]) -> str:
    """The code of the execute that hands ``request`` to the worker in the kernel."""
    literal = repr(json.dumps(request, separators=(",", ":")))
    return f"__import__('_evalens_worker.kernelside', fromlist=['answer']).answer({literal})"


def recover_code(request: dict[str, Any]) -> str:
    """The code of the execute that asks the worker for its answer to ``request``, or for the
    run as interrupted when it never began."""
    literal = repr(json.dumps(request, separators=(",", ":")))
    return f"__import__('_evalens_worker.kernelside', fromlist=['recover']).recover({literal})"


class KernelSession:
    """One kernel and the worker inside it (``backend.Session``)."""

    def __init__(self, config: SessionConfig, background: RunEvents) -> None:
        assert config.kernel is not None, "a kernel session serves a kernel setting"
        self.config = config
        self.target: KernelTarget = config.kernel
        self.background = background
        self._state = SessionState.STOPPED
        self.pid: int | None = None
        self.python: str | None = None
        self.executable = self.target.describe()
        self.channels: Channels | None = None
        self._ids = 0
        self._death: str | None = None

    @property
    def state(self) -> SessionState:
        """Busy too while the kernel runs another client's code: live lookups must not queue
        behind it."""
        if self._state is SessionState.IDLE and self.channels is not None and self.channels.others_busy:
            return SessionState.BUSY
        return self._state

    @property
    def alive(self) -> bool:
        return self.channels is not None and self._death is None and self.channels.alive

    async def start(self, adopt: tuple[str, bool] | None = None) -> None:
        """Reach the kernel (``adopt``: one a former session handed over) and send evalens in."""
        self._state = SessionState.STARTING
        problem = missing_jupyter_client()
        if problem is not None:
            self._state = SessionState.STOPPED
            raise InterpreterDied(problem)
        self.channels = channels_for(self.target, self.config.cwd, self._between_runs, adopt)
        self.channels.grace_seconds = self.config.grace_seconds
        try:
            await self.channels.start(START_SECONDS)
            await self._boot()
        except InterpreterDied:
            await self.stop()
            raise
        self._state = SessionState.IDLE

    async def _boot(self) -> None:
        """The worker's modules into the kernel, then its hello."""
        assert self.channels is not None
        booted = await self.channels.execute(bootstrap.kernel_source(WORKER_DIR), silent=True)
        if booted.error is not None:
            raise InterpreterDied(f"{self.channels.describe()} could not load evalens' worker: {booted.error}")
        hello = messages.hello_request(
            self._next_id(),
            token="",
            roots=self.config.roots,
            extra_paths=self.config.extra_paths,
            hidden=[],
            memory_mb=self.config.memory_mb,
            repr_chars=self.config.repr_chars,
            output_bytes=self.config.output_bytes,
            display_bytes=self.config.display_bytes,
            figure_format=self.config.figure_format,
        )
        info = (await self._request(hello, silent=True)).reply["hello"]
        self.python, self.pid = info["python"], info["pid"]
        self.executable = f"{info['executable']} in {self.channels.describe()}"

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    async def _request(self, request: Any, silent: bool, events: RunEvents | None = None) -> Execution:
        if self.channels is None or not self.alive:
            raise InterpreterDied(self._death or f"{self.describe()} is not connected")
        done = await self.channels.execute(answer_code(request), silent=silent, expressions=REPLY, events=events)
        if done.died is None and done.reply is None and done.interrupted:
            # the interrupt landed in the kernel's code around evalens' (the request dropped, or
            # the reply's expression interrupted): the worker says what became of the request
            done = await self.channels.execute(recover_code(request), silent=True, expressions=REPLY)
        if done.died is not None:
            self._death = done.died
            raise InterpreterDied(done.died)
        if done.reply is None:
            raise InterpreterDied(
                f"{self.describe()} did not answer evalens' request: {done.error or 'no reply'}; "
                "restart the kernel (evalens.restart) or check that it is a Python kernel with IPython"
            )
        return done

    def describe(self) -> str:
        return self.channels.describe() if self.channels is not None else self.target.describe()

    async def run(self, body: messages.Run, events: RunEvents) -> RunOutcome:
        if self.channels is not None and self.channels.others_busy:
            events.output(
                "stderr",
                f"evalens: {self.describe()} is running another client's code; this run starts when that ends "
                "(evalens.interrupt cancels this run only)\n",
            )
        self._state = SessionState.BUSY
        shown: list[Shown] = []

        def display(item: Shown) -> None:
            shown.append(item)
            events.display(item)

        try:
            done = await self._request(
                messages.run_request(self._next_id(), 0, body), silent=False, events=RunEvents(events.output, display)
            )
        except InterpreterDied as died:
            died.display = shown
            raise
        finally:
            if self._state is SessionState.BUSY:
                self._state = SessionState.IDLE
        reply: messages.RunReply = done.reply
        stdout, stderr, cut = done.output(self.config.output_bytes)
        return RunOutcome(reply, stdout, stderr, cut, shown)

    async def inspect(self, query: messages.Query) -> Any:
        done = await self._request(messages.inspect_request(self._next_id(), query), silent=True)
        return done.reply["inspected"]

    def interrupt(self) -> bool:
        if self._state is not SessionState.BUSY or self.channels is None:
            return False
        self.channels.interrupt_soon()
        return True

    def kill(self, reason: str) -> None:
        """End what runs now (the server may be ending). An idle kernel evalens attached to is
        left for ``stop``, which takes evalens out of it first."""
        if self.channels is not None and not self.channels.owned and self._state is not SessionState.BUSY:
            return
        self._death = self._death or reason
        if self.channels is not None:
            self.channels.abandon(reason)

    async def stop(self) -> None:
        if self.channels is not None and self.alive and not self.channels.owned:
            await self._detach()
        if self.channels is not None:
            try:
                await self.channels.close()
            except Exception:  # the kernel may be gone already; what was left is logged
                log.exception("letting go of %s failed", self.describe())
        self._state = SessionState.STOPPED

    async def _detach(self) -> None:
        """Take evalens out of a kernel it attached to (one it owns ends with it)."""
        assert self.channels is not None
        try:
            done = await asyncio.wait_for(self.channels.execute(DETACH, silent=True), DETACH_SECONDS)
        except asyncio.TimeoutError:
            log.warning("%s did not let evalens out within %g s (busy?)", self.describe(), DETACH_SECONDS)
            return
        if done.error is not None or done.died is not None:
            log.warning("taking evalens out of %s failed: %s", self.describe(), done.error or done.died)

    def _between_runs(self, message_type: str, content: dict[str, Any]) -> None:
        """What the kernel printed or showed for no request of ours (another client's, a thread)."""
        if message_type == "stream":
            self.background.output(content.get("name", "stdout"), content.get("text", ""))
        elif message_type in SHOWN:
            self.background.display(shown_of(content))


class KernelBackend:
    """Sessions in the Jupyter kernel the ``kernel`` setting names (``backend.Backend``)."""

    def __init__(self, config: Callable[[], SessionConfig], background: RunEvents) -> None:
        self.config = config
        self.background = background
        self._session: KernelSession | None = None
        self._starting: asyncio.Task[KernelSession] | None = None

    @property
    def session(self) -> KernelSession | None:
        return self._session

    @property
    def starting(self) -> bool:
        return self._starting is not None and not self._starting.done()

    async def start(self) -> KernelSession:
        while True:
            session, current = self._session, self.config()
            if session is not None and session.alive and session.config.same_session(current):
                return session
            if self._starting is None or self._starting.done():
                self._starting = asyncio.ensure_future(self._start(current))
            session = await asyncio.shield(self._starting)
            if session.config.same_session(self.config()):
                return session
            # the settings changed while it started: start one that has them

    async def _start(self, config: SessionConfig) -> KernelSession:
        old, self._session, adopt = self._session, None, None
        if old is not None:
            if old.channels is not None and old.target == config.kernel:
                adopt = old.channels.handover()  # its server restarted it: evalens goes in again
            await old.stop()
        session = KernelSession(config, self.background)
        started = time.perf_counter()
        await session.start(adopt)
        log.info("%s ready in %.0f ms", session.target.describe(), (time.perf_counter() - started) * 1000)
        self._session = session
        return session

    async def restart(self) -> KernelSession:
        session = self._session
        target = session.target if session is not None else None
        if target is not None and (target.connection_file is not None or target.id is not None):
            where = (
                "the notebook or console that uses it" if target.id is None else "its server (JupyterLab's Kernel menu)"
            )
            raise RestartRefused(
                f"evalens does not restart {target.describe()}: it attached to a kernel it does not own, whose "
                f"state may be someone else's; restart it from {where}, or set kernel to "
                '{"spec": name} (or {"url", "token"} without "id") for a kernel evalens starts and may restart'
            )
        if session is not None:
            await session.stop()
            self._session = None
        return await self.start()

    def kill(self, reason: str) -> None:
        if self._session is not None:
            self._session.kill(reason)

    async def shutdown(self) -> None:
        if self._session is not None:
            with contextlib.suppress(Exception):
                await self._session.stop()
            self._session = None
