"""The messaging with one Jupyter kernel, through jupyter_client: start or attach, execute,
interrupt, notice death, let go.

``Channels`` owns the kernel client (and, for a kernelspec, the kernel manager). Two tasks
read the shell and iopub channels and hand each message to the ``Execution`` of the
request it answers (its parent header's msg_id); messages for no request of ours (another
client's, a thread's) go to ``between_runs``. An execution is done when its execute_reply
has come and the kernel has gone idle for it, so all of its output is in. A kernel that
dies, or stops answering its heartbeat, ends every execution under way with the cause.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import logging
import queue
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
INTERRUPT_TRIES = 6

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
        if self._replied and self._idle and not self.done.done():
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


class Channels:
    """The kernel client (and the manager of a kernel started here) and its readers."""

    def __init__(self, target: KernelTarget, cwd: str | None, between_runs: BetweenRuns) -> None:
        self.target = target
        self.cwd = cwd
        self.between_runs = between_runs
        self.manager: Any = None
        self.client: Any = None
        self.running: dict[str, Execution] = {}
        self.dead: str | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._later: set[asyncio.Future[None]] = set()

    @property
    def alive(self) -> bool:
        return self.client is not None and self.dead is None

    async def start(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._connect(), timeout)
        except asyncio.TimeoutError:
            raise InterpreterDied(
                f"{self.target.describe()} did not answer within {timeout:g} s; check that it runs "
                "(jupyter kernelspec list, or the connection file's kernel)"
            ) from None
        self._tasks = [
            asyncio.ensure_future(self._read("shell")),
            asyncio.ensure_future(self._read("iopub")),
            asyncio.ensure_future(self._watch()),
        ]

    async def _connect(self) -> None:
        from jupyter_client.asynchronous.client import AsyncKernelClient
        from jupyter_client.kernelspec import NoSuchKernel
        from jupyter_client.manager import AsyncKernelManager

        target = self.target
        if target.url is not None:
            raise InterpreterDied(
                f"{target.describe()}: kernels of a Jupyter Server or gateway are not supported by this "
                'version of evalens yet; use {"spec": name} or {"connectionFile": path}'
            )
        if target.spec is not None:
            self.manager = AsyncKernelManager(kernel_name=target.spec)
            try:
                await self.manager.start_kernel(cwd=self.cwd)
            except NoSuchKernel:
                names = ", ".join(sorted(self.manager.kernel_spec_manager.find_kernel_specs())) or "none"
                raise InterpreterDied(
                    f"no kernelspec named {target.spec!r} is installed (installed: {names}); "
                    "see `jupyter kernelspec list`, or install one with `python -m ipykernel install --user`"
                ) from None
            self.client = self.manager.client()
        else:
            self.client = AsyncKernelClient()
            try:
                self.client.load_connection_file(target.connection_file)
            except (OSError, ValueError) as exc:
                raise InterpreterDied(
                    f"cannot read the connection file {target.connection_file}: {exc}; "
                    "give the path `jupyter --runtime-dir` holds for the running kernel"
                ) from None
        self.client.start_channels()
        await self._ready()

    async def _ready(self) -> None:
        """Until the kernel answers ``kernel_info`` on shell and its iopub messages for it reach
        us (a subscription takes a moment to connect). jupyter_client's own wait_for_ready
        then waits for 0.2 s of silence on iopub: 400 ms of a first result."""
        while True:
            if self.manager is not None and not await self.manager.is_alive():
                raise InterpreterDied(f"{self.target.describe()} exited as it started; try it with `jupyter console`")
            asked = self.client.kernel_info()
            try:
                reply = await self.client.get_shell_msg(timeout=1)
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") != asked:
                continue
            with contextlib.suppress(queue.Empty):
                while True:
                    message = await self.client.get_iopub_msg(timeout=0.2)
                    if message["parent_header"].get("msg_id") == asked:
                        return

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
        msg_id = self.client.execute(
            code, silent=silent, store_history=False, user_expressions=expressions or {}, allow_stdin=False
        )
        self.running[msg_id] = execution
        try:
            await execution.done
        finally:
            self.running.pop(msg_id, None)
        return execution

    async def _read(self, channel: str) -> None:
        get = self.client.get_shell_msg if channel == "shell" else self.client.get_iopub_msg
        while True:
            try:
                message = await get()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a closed socket: the watcher says why
                log.debug("%s channel of %s: %s", channel, self.target.describe(), exc)
                return
            parent = (message.get("parent_header") or {}).get("msg_id")
            execution = self.running.get(parent) if isinstance(parent, str) else None
            kind, content = message["header"]["msg_type"], message.get("content") or {}
            if execution is None:
                if channel == "iopub":
                    self.between_runs(kind, content)
            elif channel == "shell":
                execution.on_reply(content)
            else:
                execution.on_iopub(kind, content)

    async def _watch(self) -> None:
        """End the executions under way when the kernel dies or stops beating."""
        while self.dead is None:
            await asyncio.sleep(WATCH_SECONDS)
            if not self.running:
                continue
            if self.manager is not None:
                if not await self.manager.is_alive():
                    code = getattr(getattr(self.manager, "provisioner", None), "exit_code", None)
                    self._end(f"{self.target.describe()} died" + (f" (exit code {code})" if code is not None else ""))
            elif not self.client.hb_channel.is_beating():
                self._end(f"{self.target.describe()} stopped answering its heartbeat")

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
                log.warning("%s: %s", self.target.describe(), done.exception())

        task.add_done_callback(finished)

    def interrupt_soon(self) -> None:
        """Interrupt what the kernel runs for us, until it has stopped. An interrupt reaches the
        code only once the kernel runs it: one that lands before (before its busy status, or
        between that status and the code, while the kernel's own event loop runs) is swallowed
        there, and the code would run on. So an execution not begun yet is interrupted as it
        begins, and each one again every ``INTERRUPT_AGAIN`` seconds while it goes on (at
        most ``INTERRUPT_TRIES`` times)."""
        if not self.running:
            self.soon(self.interrupt())
        for execution in list(self.running.values()):
            if execution.started:
                self.soon(self._interrupt_until_done(execution))
            else:
                execution.on_start = lambda begun=execution: self.soon(self._interrupt_until_done(begun))

    async def _interrupt_until_done(self, execution: Execution) -> None:
        for _ in range(INTERRUPT_TRIES):
            await self.interrupt()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(execution.done), INTERRUPT_AGAIN)
                return

    async def interrupt(self) -> None:
        if self.manager is not None:
            await self.manager.interrupt_kernel()
        else:  # a kernel we attached to: its control channel (we may not signal its process)
            self.client.control_channel.send(self.client.session.msg("interrupt_request", {}))

    def abandon(self, reason: str) -> None:
        """Stop waiting for the kernel now; a kernel started here is killed at once (the server
        may be ending: no shutdown request could be waited for), one attached to is left alone."""
        self._end(reason)
        process = getattr(getattr(self.manager, "provisioner", None), "process", None)
        if process is not None:
            with contextlib.suppress(OSError):
                process.kill()
        self.soon(self.close())

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.stop_channels()
        if self.manager is not None:
            manager, self.manager = self.manager, None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(manager.shutdown_kernel(now=False), 10)
            with contextlib.suppress(Exception):
                if await manager.is_alive():
                    await manager.shutdown_kernel(now=True)
