"""The interface between the engine and whatever provides the interpreter.

A ``Backend`` gives the engine ``Session``s: one interpreter at a time, in
which the worker (``evalens/worker``) answers the requests of
``worker/messages``. The engine never knows how: today a private process of the
user's Python (``backends/process.py``); a Jupyter kernel with the worker sent
into it fits the same two protocols. What the engine hands a backend is a
``SessionConfig``; what it gets back is a ``Session`` to run in, and events:
output (``OutputSink``) as it is printed, during a run and between runs.

A backend owns its sessions' whole life: starting one, starting a fresh one when
the configuration changes or the last one died, restarting, stopping. A
``Session`` that ended raises ``InterpreterDied`` from every request.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..settings import KernelTarget
from ..text.jsontext import JsonPieces, JsonValue
from ..worker import messages


class Shown(JsonValue):
    """A MIME bundle a run showed (a figure, an image, HTML): ``{"data", "metadata"}`` as the
    interpreter encoded it, kept encoded (it may hold megabytes of base64); written into
    messages to the editor as it is. ``mimes`` and ``plain`` (the start of its ``text/plain``)
    came beside it; ``file`` is where the server saved it for clients that open files."""

    __slots__ = ("file", "mimes", "plain")

    def __init__(self, literal: bytes, mimes: tuple[str, ...], plain: str) -> None:
        super().__init__(literal)
        self.mimes = mimes
        self.plain = plain
        self.file: str | None = None

    def with_uri(self, uri: str | None) -> JsonValue:
        """``{"uri", "data", "metadata"}``: the ``evalens/display`` notification's params (the
        bundle's own fields after the ``uri``, not copied)."""
        head = b'{"uri":' + json.dumps(uri).encode() + b","
        return JsonPieces(head, memoryview(self.literal)[1:])


#: (stream, text) as the interpreter prints it; stream is "stdout" or "stderr"
OutputSink = Callable[[str, str], None]
#: a rich value shown while a run goes on (a figure, an image, HTML)
DisplaySink = Callable[[Shown], None]


@dataclass(frozen=True)
class RunEvents:
    """Where what a run shows goes, as it happens (before the run's reply); for a backend,
    also where what the interpreter shows between runs goes (threads, child processes)."""

    output: OutputSink
    display: DisplaySink


class SessionState(str, enum.Enum):
    STARTING = "starting"
    IDLE = "idle"
    BUSY = "busy"
    STOPPED = "stopped"


class InterpreterDied(Exception):
    """The interpreter ended (or could not start) while we needed it.

    ``output`` holds what the run printed before it ended.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.output: dict[str, str] = {"stdout": "", "stderr": ""}
        self.display: list[Shown] = []  # what the run showed before it ended


class RestartRefused(Exception):
    """A restart evalens may not do: the interpreter is a kernel it attached to, not its own."""


@dataclass(frozen=True)
class SessionConfig:
    """What a session starts with; a change to anything but ``roots`` needs a new session
    (new import roots reach a running one with the next run's ``Sync``)."""

    executable: str
    roots: list[str]
    extra_paths: list[str]
    cwd: str | None
    memory_mb: int = 4096
    output_bytes: int = 1_000_000
    repr_chars: int = 10_000
    grace_seconds: float = 3.0
    display_bytes: int = 20_000_000
    figure_format: str = "png"
    #: the Jupyter kernel user code runs in; None: a process of ``executable``
    kernel: KernelTarget | None = None
    env: dict[str, str] = field(default_factory=dict)

    def same_session(self, other: SessionConfig) -> bool:
        """Whether a session started with ``other`` serves this configuration."""
        return dataclasses.replace(self, roots=[]) == dataclasses.replace(other, roots=[])


@dataclass(frozen=True)
class RunOutcome:
    """A finished run: the worker's reply and the output captured with it."""

    reply: messages.RunReply
    stdout: str
    stderr: str
    truncated: bool  # output was cut at ``SessionConfig.output_bytes``
    display: list[Shown] = field(default_factory=list)  # in the order they were shown


class Session(Protocol):
    """One interpreter and the conversation with the worker in it."""

    config: SessionConfig
    #: the process id, when there is one to name
    pid: int | None
    #: the Python version, once the worker has said hello
    python: str | None
    executable: str

    @property
    def state(self) -> SessionState:
        """Busy while it runs something (live lookups wait for idle)."""
        ...

    @property
    def alive(self) -> bool:
        """Started, and not ended."""
        ...

    async def run(self, body: messages.Run, events: RunEvents) -> RunOutcome:
        """Run one action; what it shows goes to ``events`` as it comes. Raises ``InterpreterDied``."""
        ...

    async def inspect(self, query: messages.Query) -> Any:
        """A lookup that runs no user code; only asked while the session is idle."""
        ...

    def interrupt(self) -> bool:
        """Interrupt the run under way (escalating as the backend sees fit); False if none."""
        ...

    def kill(self, reason: str) -> None:
        """End the interpreter now; requests raise ``InterpreterDied`` with ``reason``."""
        ...


class Backend(Protocol):
    """Where sessions come from."""

    @property
    def session(self) -> Session | None:
        """The current session, if one was started (it may have ended since)."""
        ...

    @property
    def starting(self) -> bool:
        """A session is being started."""
        ...

    async def start(self) -> Session:
        """The current session, or a new one when there is none, it ended, or the
        configuration changed. Raises ``InterpreterDied`` when none can start."""
        ...

    async def restart(self) -> Session:
        """End the current session and start a fresh one."""
        ...

    def kill(self, reason: str) -> None:
        """End every interpreter now, without waiting (the server is ending)."""
        ...

    async def shutdown(self) -> None:
        """End every interpreter and wait until they are gone."""
        ...


def describe_exit(returncode: int | None, who: str = "the interpreter") -> str:
    """How a process ended, from its return code (negative: the signal that killed it)."""
    if returncode is None:
        return f"{who} stopped"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "unknown signal"
        return f"{who} was killed by signal {-returncode} ({name})"
    return f"{who} exited with code {returncode}"
