"""The messaging with one Jupyter kernel, whatever carries it: start or attach, execute,
interrupt, notice death, let go.

``Channels`` is what a kernel session needs of a transport; ``kernelzmq.ZmqChannels``
speaks to a local kernel through jupyter_client, ``kernelserver.ServerChannels`` to a
kernel of a Jupyter Server or gateway through its REST API and websocket. Each hands every
message it reads to ``deliver``, which gives it to the ``Execution`` of the request it
answers (its parent header's msg_id); messages for no request of ours (another client's,
a thread's) go to ``between_runs``. An execution is done when its execute_reply has come
and the kernel has gone idle for it, so all of its output is in. A kernel that dies ends
every execution under way with the cause.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import importlib.util
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from ...settings import KernelTarget
from ...worker import messages
from ..backend import InterpreterDied, RunEvents, Shown

log = logging.getLogger(__name__)
INSTALL = "pip install 'evalens[jupyter]'"
#: how often a kernel is checked for life while something waits for it
WATCH_SECONDS = 0.25
#: an interrupted execution still running after this long is interrupted again, so many times
INTERRUPT_AGAIN = 0.5
#: the least grace period for a kernel: an interrupt goes through its event loop, and one that
#: lands before the code runs is sent again
MIN_GRACE_SECONDS = 1.0
#: an interrupted execution the kernel went idle for is taken as dropped when no reply came so long after
DROPPED_AFTER = 0.5

BetweenRuns = Callable[[str, dict[str, Any]], None]
#: the iopub messages that carry a bundle to show (``data`` and ``metadata``)
SHOWN = ("display_data", "execute_result", "update_display_data")


def missing_jupyter_client() -> str | None:
    """What to tell a user who set ``kernel`` without jupyter_client installed, or None."""
    if importlib.util.find_spec("jupyter_client") is None:
        return f"the kernel setting needs jupyter_client, which is not installed where evalens runs: {INSTALL}"
    return None


def shown_of(content: dict[str, Any]) -> Shown:
    """A kernel's display message (``display_data``, ``execute_result``, ...) as a bundle kept
    encoded, like the worker's."""
    data = content.get("data") or {}
    literal = json.dumps({"data": data, "metadata": content.get("metadata") or {}}, separators=(",", ":"))
    plain = data.get("text/plain")
    return Shown(literal.encode("ascii"), tuple(data), plain[: messages.PLAIN_CHARS] if isinstance(plain, str) else "")


def execute_content(code: str, silent: bool, expressions: dict[str, str]) -> dict[str, Any]:
    """An execute_request's content as evalens sends it: no history, no stdin."""
    return {
        "code": code,
        "silent": silent,
        "store_history": False,
        "user_expressions": expressions,
        "allow_stdin": False,
        "stop_on_error": True,
    }


class Execution:
    """One execute_request: its reply, what it printed and showed, how it ended."""

    def __init__(self, events: RunEvents | None) -> None:
        self.events = events
        self.reply: Any = None  # the worker's answer, from the user expression
        self.error: str | None = None  # the execute's own failure (not user code's)
        self.died: str | None = None
        self.streams: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self._replied = False
        self._idle = False
        #: an interrupt was sent while it ran
        self.interrupted = False
        #: the kernel went idle without answering it: an interrupt landed outside the code
        self.dropped = False
        self._drop_timer: asyncio.TimerHandle | None = None
        #: the kernel has begun it (its busy status): an interrupt now reaches it
        self.started = False
        #: called once, when it starts
        self.on_start: Callable[[], None] | None = None
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_iopub(self, message_type: str, content: dict[str, Any]) -> None:
        if message_type == "stream":
            name = "stderr" if content.get("name") == "stderr" else "stdout"
            text = content.get("text", "")
            self.streams[name].append(text)
            if self.events is not None:
                self.events.output(name, text)
        elif message_type in SHOWN:
            if self.events is not None:
                self.events.display(shown_of(content))
        elif message_type == "error":
            self.error = f"{content.get('ename')}: {content.get('evalue')}"
        elif message_type == "status" and content.get("execution_state") == "busy" and not self.started:
            self.started = True
            if self.on_start is not None:
                self.on_start()
        elif message_type == "status" and content.get("execution_state") == "idle":
            self._idle = True
            self._settle()

    @property
    def idle(self) -> bool:
        """The kernel has finished with it (its idle status)."""
        return self._idle

    def on_reply(self, content: dict[str, Any]) -> None:
        if content.get("status") != "ok":
            self.error = self.error or f"{content.get('ename')}: {content.get('evalue')}"
        answer = (content.get("user_expressions") or {}).get("evalens") or {}
        if answer.get("status") == "ok":
            self.reply = (answer.get("data") or {}).get("application/json")
        elif answer:
            self.error = self.error or f"{answer.get('ename')}: {answer.get('evalue')}"
        self._replied = True
        self._settle()

    def end(self, cause: str) -> None:
        self.died = cause
        if not self.done.done():
            self.done.set_result(None)

    def _settle(self) -> None:
        if self.done.done():
            return
        if self._replied and self._idle:
            if self._drop_timer is not None:
                self._drop_timer.cancel()
            self.done.set_result(None)
        elif self._idle and self.interrupted and self._drop_timer is None:
            # ipykernel drops a request when the interrupt lands in its own code around the
            # user's: it goes idle without a reply (which, on another channel, may still come)
            self._drop_timer = asyncio.get_running_loop().call_later(DROPPED_AFTER, self._dropped)

    def _dropped(self) -> None:
        if not self.done.done():
            self.dropped = True
            self.done.set_result(None)

    def output(self, limit: int) -> tuple[str, str, bool]:
        """stdout and stderr, together at most ``limit`` bytes, and whether they were cut."""
        left, cut, texts = limit, False, []
        for name in ("stdout", "stderr"):
            text = "".join(self.streams[name])
            size = len(text.encode("utf-8", "replace"))
            if size > left:
                text, cut = text.encode("utf-8", "replace")[: max(left, 0)].decode("utf-8", "ignore"), True
                size = left
            left -= size
            texts.append(text)
        return texts[0], texts[1], cut


class Channels(abc.ABC):
    """One kernel's messaging: what is under way, how it ends; the transport is a subclass's."""

    def __init__(self, target: KernelTarget, between_runs: BetweenRuns) -> None:
        self.target = target
        self.between_runs = between_runs
        self.running: dict[str, Execution] = {}
        self.dead: str | None = None
        #: the kernel runs something of another client's (its last status for no request of ours)
        self.others_busy = False
        self.connected = False
        #: the kernel died and its server started it again (the same kernel, without evalens)
        self.restarted = False
        #: how long a run may ignore interrupts before evalens gives up on it (``_escalate``)
        self.grace_seconds = MIN_GRACE_SECONDS
        self._tasks: list[asyncio.Task[None]] = []
        self._later: set[asyncio.Future[None]] = set()
        self._closed: asyncio.Future[None] | None = None

    @property
    def alive(self) -> bool:
        return self.connected and self.dead is None

    def describe(self) -> str:
        """The kernel in a few words, for messages."""
        return self.target.describe()

    async def start(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._connect(), timeout)
        except asyncio.TimeoutError:
            raise InterpreterDied(f"{self.describe()} did not answer within {timeout:g} s; {self.check_hint}") from None
        self.connected = True
        self._tasks = [asyncio.ensure_future(job) for job in self._readers()]
        self._tasks.append(asyncio.ensure_future(self._watch()))

    # -- the transport ---------------------------------------------------------------

    #: what to check when the kernel does not answer
    check_hint = "check that it runs"

    @abc.abstractmethod
    async def _connect(self) -> None:
        """Start or reach the kernel, until it answers."""

    @abc.abstractmethod
    def _readers(self) -> list[Coroutine[Any, Any, None]]:
        """The loops that read the kernel's messages into ``deliver``."""

    @abc.abstractmethod
    def _send_execute(self, code: str, silent: bool, expressions: dict[str, str]) -> str:
        """Send an execute_request; its msg_id."""

    @abc.abstractmethod
    async def interrupt(self) -> None:
        """Interrupt what the kernel runs."""

    async def _death(self) -> str | None:
        """Why the kernel is gone, checked while something waits for it; None while it lives."""
        return None

    @property
    def owned(self) -> bool:
        """evalens started the kernel (and may end it)."""
        return False

    def handover(self) -> tuple[str, bool] | None:
        """A kernel its server restarted, for the next session to send evalens into again:
        its id and whether evalens owns it (this one then lets go of it without shutting it
        down); None when there is none to hand over."""
        return None

    def _kill(self) -> None:  # noqa: B027 (most transports have nothing to end at once)
        """End at once a kernel started here (the server may be ending)."""

    @abc.abstractmethod
    async def _disconnect(self) -> None:
        """Let go of the kernel; shut down one started here."""

    # -- messages ---------------------------------------------------------------------

    def deliver(self, channel: str, message: dict[str, Any]) -> None:
        """One message the kernel sent on ``channel`` (``shell`` or ``iopub``)."""
        parent = (message.get("parent_header") or {}).get("msg_id")
        execution = self.running.get(parent) if isinstance(parent, str) else None
        kind, content = message["header"]["msg_type"], message.get("content") or {}
        if execution is not None:
            if channel == "shell":
                execution.on_reply(content)
            else:
                execution.on_iopub(kind, content)
        elif channel == "iopub":
            if kind == "status":
                state = content.get("execution_state")
                if state in ("restarting", "dead"):
                    self.restarted = state == "restarting"
                    verb = "restarted" if state == "restarting" else "could not restart"
                    self._end(
                        f"{self.describe()} died and its server {verb} it (a fresh interpreter: what it held is gone)"
                    )
                elif parent:
                    self.others_busy = state == "busy"
            self.between_runs(kind, content)

    async def execute(
        self,
        code: str,
        silent: bool,
        expressions: dict[str, str] | None = None,
        events: RunEvents | None = None,
    ) -> Execution:
        execution = Execution(events)
        if self.dead is not None:
            execution.end(self.dead)
            return execution
        msg_id = self._send_execute(code, silent, expressions or {})
        self.running[msg_id] = execution
        try:
            await execution.done
        finally:
            self.running.pop(msg_id, None)
        return execution

    async def _watch(self) -> None:
        """End the executions under way when the kernel dies."""
        while self.dead is None:
            await asyncio.sleep(WATCH_SECONDS)
            if self.running:
                cause = await self._death()
                if cause is not None:
                    self._end(cause)

    def _end(self, cause: str) -> None:
        self.dead = self.dead or cause
        for execution in list(self.running.values()):
            execution.end(self.dead)

    def soon(self, job: Coroutine[Any, Any, None]) -> None:
        """Run ``job`` in the background; a failure is logged."""
        task = asyncio.ensure_future(job)
        self._later.add(task)

        def finished(done: asyncio.Future[None]) -> None:
            self._later.discard(done)
            if not done.cancelled() and done.exception() is not None:
                log.warning("%s: %s", self.describe(), done.exception())

        task.add_done_callback(finished)

    def interrupt_soon(self) -> None:
        """Interrupt what the kernel runs for us, until it has stopped. An interrupt reaches the
        code only once the kernel runs it: one that lands before (before its busy status, or
        between that status and the code, while the kernel's own event loop runs) is swallowed
        there, and the code would run on. So an execution not begun yet is interrupted as it
        begins, and each one again every ``INTERRUPT_AGAIN`` seconds while it goes on, for
        the grace period; then ``_escalate``."""
        for execution in list(self.running.values()):
            if execution.started:
                self.soon(self._interrupt_until_done(execution))
            else:
                execution.on_start = lambda begun=execution: self.soon(self._interrupt_until_done(begun))

    async def _interrupt_until_done(self, execution: Execution) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(self.grace_seconds, MIN_GRACE_SECONDS)
        while (left := deadline - loop.time()) > 0:
            if execution.idle:  # an interrupt now would land in the next request
                return
            execution.interrupted = True
            await self.interrupt()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(execution.done), min(INTERRUPT_AGAIN, left))
                return
        if not execution.done.done() and not execution.idle:
            self._escalate()

    def _escalate(self) -> None:
        """The run ignored every interrupt for the grace period: a kernel evalens owns is ended
        (the next run starts a fresh one); one it attached to is left running the code."""
        seconds = f"{max(self.grace_seconds, MIN_GRACE_SECONDS):g}"
        if self.owned:
            self._end(f"{self.describe()} ignored the interrupt for {seconds} s; evalens ended it")
            self._kill()
        else:
            self._end(
                f"{self.describe()} ignored the interrupt for {seconds} s and still runs the code; evalens does "
                "not restart a kernel it does not own: restart it where it was started (its notebook or console, "
                "its server); the next run waits for it"
            )

    def abandon(self, reason: str) -> None:
        """Stop waiting for the kernel now; a kernel started here is ended at once (the server
        may be ending: no shutdown could be waited for), one attached to is left alone."""
        self._end(reason)
        self._kill()
        self.soon(self.close())

    async def close(self) -> None:
        """Let go of the kernel (once, however many ask)."""
        if self._closed is None:
            for task in self._tasks:
                task.cancel()
            self._tasks = []
            self.connected = False
            self._closed = asyncio.ensure_future(self._disconnect())
        await asyncio.shield(self._closed)
