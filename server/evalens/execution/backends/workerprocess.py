"""The server side of the interpreter process: spawn, talk, capture, interrupt, kill.

``WorkerProcess`` (a ``backend.Session``) owns one worker process. Requests and replies travel over two
private pipes; the process's own stdout and stderr are pipes read here, so
output from C code and child processes is captured too and can never reach the
message channel. Nothing here blocks the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import secrets
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from ... import pipes
from ...text.jsontext import JsonString
from ...worker import bootstrap, messages
from ..backend import InterpreterDied, RunEvents, RunOutcome, SessionConfig, SessionState, Shown, describe_exit
from ..environment import interpreter_environment
from .capture import Capture, partial_token

log = logging.getLogger(__name__)
WORKER_DIR = str(Path(messages.__file__).resolve().parent)
#: Top-level packages of the server that user code must not import.
SERVER_PACKAGES = ["evalens", "pygls", "lsprotocol", "jedi", "parso", "pytest_lsp"]


def hidden_packages(executable: str) -> list[str]:
    """The server's packages to hide when the interpreter shares our environment."""
    ours = Path(sys.executable).parent.resolve()
    same = Path(os.path.abspath(executable)).parent.resolve() == ours
    return SERVER_PACKAGES if same else ["evalens"]


class WorkerProcess:
    """One interpreter process and the conversation with it."""

    def __init__(
        self,
        config: SessionConfig,
        background: RunEvents | None = None,
        on_exit: Callable[[WorkerProcess], None] | None = None,
    ) -> None:
        self.config = config
        #: where output printed and displays shown while no run is under way go
        self.background = background
        #: called once the process has ended and every request has been told
        self.on_exit = on_exit
        self.state = SessionState.STOPPED
        self.pid: int | None = None
        self.python: str | None = None
        self.executable: str = config.executable
        self.token = secrets.token_hex(16).encode()
        self._process: asyncio.subprocess.Process | None = None
        self._channel: asyncio.WriteTransport | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._capture: Capture | None = None
        self._run: tuple[int, RunEvents, list[Shown]] | None = None  # request id, events, displays
        self._death: str | None = None
        self._exited = asyncio.Event()
        self._kill_timer: asyncio.TimerHandle | None = None
        self._started = False  # whether the worker has read the running request
        self._grace_waiting = False  # an interrupt came before that: its grace period waits for it
        self._interrupts_sent = 0  # to this process; each run says how many came before it
        self.killed_after_interrupt = False

    # -- lifecycle ---------------------------------------------------------

    async def start(self) -> None:
        self.state = SessionState.STARTING
        self._death = None
        self._exited = asyncio.Event()
        self.killed_after_interrupt = False
        self._interrupts_sent = 0
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        pipes.widen(from_worker_w)
        env = interpreter_environment(os.environ, self.config.executable)
        env.update(self.config.env)
        try:
            self._process = await asyncio.create_subprocess_exec(
                self.config.executable,
                "-u",
                "-c",
                bootstrap.SOURCE,
                WORKER_DIR,
                str(to_worker_r),
                str(from_worker_w),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                pass_fds=(to_worker_r, from_worker_w),
                start_new_session=True,
                cwd=self.config.cwd,
                env=env,
            )
        except OSError as exc:
            for fd in (to_worker_r, to_worker_w, from_worker_r, from_worker_w):
                os.close(fd)
            self.state = SessionState.STOPPED
            raise InterpreterDied(
                f"could not start the interpreter {self.config.executable!r}: {exc.strerror or exc}; "
                "set `evalens.interpreter` to a Python 3.9+ executable"
            ) from exc
        finally:
            if self._process is not None:
                os.close(to_worker_r)
                os.close(from_worker_w)
        loop = asyncio.get_running_loop()
        self._channel, _ = await loop.connect_write_pipe(asyncio.Protocol, os.fdopen(to_worker_w, "wb", 0))
        reader = asyncio.StreamReader(limit=1 << 30)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(from_worker_r, "rb", 0))
        process = self._process
        assert process.stdout is not None and process.stderr is not None
        self._tasks = [
            asyncio.ensure_future(self._read_replies(reader)),
            asyncio.ensure_future(self._pump("stdout", process.stdout)),
            asyncio.ensure_future(self._pump("stderr", process.stderr)),
            asyncio.ensure_future(self._watch(process)),
        ]
        self.pid = process.pid
        log.debug("interpreter %s started as pid %s", self.config.executable, self.pid)
        hello = messages.hello_request(
            next(self._ids),
            token=self.token.decode(),
            roots=self.config.roots,
            extra_paths=self.config.extra_paths,
            hidden=hidden_packages(self.config.executable),
            memory_mb=self.config.memory_mb,
            repr_chars=self.config.repr_chars,
            output_bytes=self.config.output_bytes,
            display_bytes=self.config.display_bytes,
            figure_format=self.config.figure_format,
        )
        info = cast(messages.HelloReply, await self._request(hello, starting=True))["hello"]
        self.python = info["python"]
        self.executable = info["executable"]
        self.state = SessionState.IDLE

    async def stop(self, reason: str = "the interpreter was stopped by evalens.restart") -> None:
        """Kill the process group and wait for the process to be gone."""
        process = self._process
        if process is not None and process.returncode is None:
            self._death = self._death or reason
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            if self._tasks:
                await self._exited.wait()
        self._close()

    def kill(self, reason: str) -> None:
        """Kill the process group now; ``stop`` (or the watcher) cleans up after."""
        process = self._process
        self._death = self._death or reason
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

    def _close(self) -> None:
        if self._kill_timer is not None:
            self._kill_timer.cancel()
            self._kill_timer = None
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        process = self._process
        if process is not None:
            transport = getattr(process, "_transport", None)
            if transport is not None:
                transport.close()
        self.state = SessionState.STOPPED

    @property
    def alive(self) -> bool:
        """Started (the worker has answered hello) and not ended."""
        return (
            self.python is not None
            and self._process is not None
            and self._process.returncode is None
            and self._death is None
        )

    # -- requests ------------------------------------------------------------

    async def _request(
        self, request: messages.HelloRequest | messages.RunRequest | messages.InspectRequest, starting: bool = False
    ) -> dict[str, Any]:
        if not (self.alive or starting) or self._channel is None or self._death is not None:
            raise InterpreterDied(self._death or "the interpreter is not running")
        request_id = request["id"]
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        self._channel.write(messages.encode(request))
        log.debug("sent request %s (%s) to pid %s", request_id, request["op"], self.pid)
        try:
            return await future
        finally:
            self._pending.pop(request_id, None)

    async def inspect(self, query: messages.Query) -> Any:
        """A lookup that runs no user code; only sent while the interpreter is idle."""
        reply = await self._request(messages.inspect_request(next(self._ids), query))
        return cast(messages.InspectReply, reply)["inspected"]

    async def run(self, body: messages.Run, events: RunEvents) -> RunOutcome:
        """Send one run; its reply and output once both are whole."""
        capture = Capture(self.config.output_bytes, events.output)
        self._capture = capture
        self.state = SessionState.BUSY
        self._started = False
        self._grace_waiting = False
        request = messages.run_request(next(self._ids), self._interrupts_sent, body)
        shown: list[Shown] = []
        self._run = (request["id"], events, shown)
        try:
            reply = cast(messages.RunReply, await self._request(request))
            if reply.get("repaired"):
                log.info("after the run, the interpreter undid what user code did to: %s", ", ".join(reply["repaired"]))
            marked = reply["marked"]
            if marked:
                capture.expect(marked)
                await capture.complete
        except InterpreterDied as died:
            await self._drain()
            died = InterpreterDied(str(died))
            died.output = capture.finish()
            died.display = shown
            raise died from None
        finally:
            self._run = None
            if self._kill_timer is not None:
                self._kill_timer.cancel()
                self._kill_timer = None
            self._capture = None
            if self.state is SessionState.BUSY:
                self.state = SessionState.IDLE
        output = capture.finish()
        return RunOutcome(reply, output["stdout"], output["stderr"], capture.truncated, shown)

    async def _drain(self) -> None:
        """Give the output pipes a moment to deliver what the dead process wrote."""
        pumps = self._tasks[1:3]
        if pumps:
            await asyncio.wait(pumps, timeout=0.2)

    def interrupt(self) -> bool:
        """SIGINT the running code; kill the process if it ignores it for the grace period."""
        if self.state is not SessionState.BUSY or self._process is None or self._process.returncode is not None:
            return False
        self._interrupts_sent += 1
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._process.pid, signal.SIGINT)
        if self._started:
            self._start_grace()
        else:  # still reading the request (a large sync takes a while): the grace period waits
            self._grace_waiting = True
        return True

    def _run_started(self) -> None:
        self._started = True
        if self._grace_waiting:
            self._grace_waiting = False
            self._start_grace()

    def _start_grace(self) -> None:
        if self._kill_timer is None:
            loop = asyncio.get_running_loop()
            self._kill_timer = loop.call_later(self.config.grace_seconds, self._kill_unresponsive)

    def _kill_unresponsive(self) -> None:
        self._kill_timer = None
        process = self._process
        if process is None or process.returncode is not None:
            return
        self.killed_after_interrupt = True
        self._death = (
            f"the interpreter ignored the interrupt for {self.config.grace_seconds:g} s "
            "and was killed with its child processes; a fresh interpreter was started"
        )
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)

    # -- background tasks ------------------------------------------------------

    async def _read_replies(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            reply = messages.decode(line)
            size = reply.pop("rawRepr", None)
            if isinstance(size, int):  # a long repr follows as a JSON literal: keep it so
                literal = (await reader.readexactly(size + 1))[:-1]
                reply["result"]["value"]["repr"] = JsonString(literal)
            if reply.get("started"):  # the run's request is read: interrupts reach it now
                self._run_started()
                continue
            if "display" in reply:  # a bundle follows, to be passed on as it is
                body = (await reader.readexactly(reply["raw"] + 1))[:-1]
                self._shown(reply["display"], Shown(body, tuple(reply["mimes"]), reply["plain"]))
                continue
            log.debug("reply %s from pid %s", reply.get("id"), self.pid)
            future = self._pending.get(reply.get("id", -1))
            if future is not None and not future.done():
                future.set_result(reply)

    async def _pump(self, stream: str, source: asyncio.StreamReader) -> None:
        token = self.token
        pending = b""
        while chunk := await source.read(1 << 16):
            data = pending + chunk
            while (index := data.find(token)) >= 0:
                self._deliver(stream, data[:index])
                log.debug("end of %s output for the run on pid %s", stream, self.pid)
                if self._capture is not None:
                    self._capture.mark(stream)
                data = data[index + len(token) :]
            keep = partial_token(data, token)
            self._deliver(stream, data[: len(data) - keep])
            pending = data[len(data) - keep :]
        self._deliver(stream, pending)

    def _shown(self, request_id: int, shown: Shown) -> None:
        """A display: the run's when it comes from the run under way, else between runs."""
        run = self._run
        if run is not None and run[0] == request_id:
            run[2].append(shown)
            run[1].display(shown)
        elif self.background is not None:
            self.background.display(shown)

    def _deliver(self, stream: str, data: bytes) -> None:
        if not data:
            return
        if self._capture is not None:
            self._capture.add(stream, data)
        elif self.background is not None:
            self.background.output(stream, data.decode("utf-8", "replace"))

    async def _watch(self, process: asyncio.subprocess.Process) -> None:
        returncode = await process.wait()
        if self._death is None:
            self._death = describe_exit(returncode)
        await self._drain()
        self._exited.set()
        if self._capture is not None:
            self._capture.end()
        died = InterpreterDied(self._death)
        for future in list(self._pending.values()):
            if not future.done():
                future.set_exception(died)
        self.state = SessionState.STOPPED
        if self.on_exit is not None:
            self.on_exit(self)
