"""A raw LSP client for an evalens process on stdio, for tests of the process itself:
its framing, its exit code, the processes it leaves behind."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from evalens.lsp.framing import FrameParser

Message = dict[str, Any]


def frame(message: Message | bytes, length_error: int = 0) -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % (len(body) + length_error) + body


def request(msg_id: Any, method: str, params: Any) -> Message:
    return {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}


def notification(method: str, params: Any) -> Message:
    return {"jsonrpc": "2.0", "method": method, "params": params}


class StdioServer:
    """``python -m evalens`` and what it has said so far."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.parser = FrameParser()
        self.received: list[Message] = []

    @classmethod
    async def start(cls, *args: str, env: dict[str, str] | None = None, stderr: bool | int = False) -> StdioServer:
        """``python -m evalens ARGS``; with ``stderr`` its log is kept for ``log`` (else inherited;
        a file descriptor: written there)."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "evalens",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr if not isinstance(stderr, bool) else asyncio.subprocess.PIPE if stderr else None,
            env=env,
        )
        return cls(process)

    async def log(self) -> str:
        """Everything the server wrote to stderr, once it has ended."""
        assert self.process.stderr is not None
        return (await self.process.stderr.read()).decode()

    async def send(self, message: Message | bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(message if isinstance(message, bytes) else frame(message))
        await self.process.stdin.drain()

    async def message(self, wanted: Callable[[Message], bool], timeout: float = 30) -> Message:
        """The first message from the server that is ``wanted``, waiting for it if need be."""
        assert self.process.stdout is not None
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in self.received:
                if wanted(message):
                    return message
            left = deadline - asyncio.get_running_loop().time()
            assert left > 0, "no such message in time"
            chunk = await asyncio.wait_for(self.process.stdout.read(1 << 16), left)
            assert chunk, "the server closed stdout"
            self.received += [json.loads(body) for body in self.parser.feed(chunk)]

    async def response(self, msg_id: Any, timeout: float = 30) -> Message:
        return await self.message(lambda m: m.get("id") == msg_id and "method" not in m, timeout)

    async def request(self, msg_id: Any, method: str, params: Any, timeout: float = 30) -> Message:
        await self.send(request(msg_id, method, params))
        return await self.response(msg_id, timeout)

    async def command(self, msg_id: Any, name: str, argument: Message) -> Any:
        answer = await self.request(msg_id, "workspace/executeCommand", {"command": name, "arguments": [argument]})
        assert "result" in answer, answer
        return answer["result"]

    async def initialize(
        self, root: Path, capabilities: Message | None = None, options: Any = None, process_id: int | None = None
    ) -> None:
        params = {
            "processId": process_id,
            "rootUri": root.as_uri(),
            "capabilities": capabilities or {},
            "initializationOptions": options,
        }
        assert "capabilities" in (await self.request("init", "initialize", params))["result"]
        await self.send(notification("initialized", {}))

    async def open(self, path: Path, text: str) -> str:
        uri = path.as_uri()
        item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        await self.send(notification("textDocument/didOpen", {"textDocument": item}))
        return uri

    async def exit_code(self, timeout: float) -> int:
        """The exit code, once the process has ended within ``timeout`` seconds."""
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (Linux: read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            children.setdefault(int(stat[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found and alive(child):
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running, or stopped; not gone, and not a zombie waiting to be reaped."""
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


async def wait_gone(pids: Iterable[int], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while left := {pid for pid in pids if alive(pid)}:
        assert loop.time() < deadline, f"still running: {sorted(left)}"
        await asyncio.sleep(0.02)


def _stat(pid: int) -> tuple[str, str] | None:
    """(state, parent pid) of ``pid``, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as file:
            text = file.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], fields[1]
