"""Shutdown and exit, end to end on stdio: prompt answers, LSP's exit codes, no process left behind."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.process.stdio_client import StdioServer, descendants, notification, request, wait_gone

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes from /proc")

TRUSTED = {"trusted": True}
CONFIGURATION = {"workspace": {"configuration": True}}
LOOP = "import time\nwhile True:\n    time.sleep(0.01)\n"
REQUEST_CANCELLED = -32800
INVALID_REQUEST = -32600


@pytest.fixture
async def server() -> AsyncIterator[StdioServer]:
    started = await StdioServer.start()
    yield started
    await started.kill()


async def elapsed(awaitable: Any) -> tuple[Any, float]:
    loop = asyncio.get_running_loop()
    start = loop.time()
    result = await awaitable
    return result, loop.time() - start


async def busy_interpreter(server: StdioServer, root: Path) -> tuple[set[int], set[int]]:
    """Start a `sleep` child in the interpreter and keep the interpreter running a loop:
    the interpreter's pid and its child's, and every process below the server."""
    uri = await server.open(root / "main.py", "import subprocess\n")
    code = "subprocess.Popen(['sleep', '300']).pid"
    sleeper = int((await server.command("sleep", "evalens.eval", {"uri": uri, "code": code}))["value"]["repr"])
    interpreter = (await server.command("status", "evalens.status", {}))["pid"]
    run = {"command": "evalens.eval", "arguments": [{"uri": uri, "code": LOOP}]}
    await server.send(request("loop", "workspace/executeCommand", run))
    await wait_for_state(server, "busy")
    processes = descendants(server.process.pid)
    assert {interpreter, sleeper} <= processes
    return {interpreter, sleeper}, processes


async def wait_for_state(server: StdioServer, state: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    asked = 0
    while (status := await server.command(f"state-{asked}", "evalens.status", {}))["state"] != state:
        assert loop.time() < deadline, f"the interpreter stayed {status['state']}"
        asked += 1


async def test_shutdown_answers_a_client_that_never_answers_configuration(server: StdioServer, tmp_path: Path) -> None:
    await server.initialize(tmp_path, CONFIGURATION, TRUSTED)
    await server.message(lambda m: m.get("method") == "workspace/configuration")  # and never answered
    uri = await server.open(tmp_path / "main.py", "")
    # This run waits for the configuration that never comes: a request pending at shutdown.
    run = {"command": "evalens.eval", "arguments": [{"uri": uri, "code": "ran = True"}]}
    await server.send(request("run", "workspace/executeCommand", run))

    answer, seconds = await elapsed(server.request("bye", "shutdown", None))
    assert answer["result"] is None and "error" not in answer
    assert seconds < 2
    assert (await server.response("run"))["error"]["code"] == REQUEST_CANCELLED

    refused = await server.request("late", "workspace/executeCommand", {"command": "evalens.status", "arguments": [{}]})
    assert refused["error"]["code"] == INVALID_REQUEST
    assert "shutting down" in refused["error"]["message"]

    await server.send(notification("exit", None))
    assert await server.exit_code(timeout=1.5) == 0


async def test_shutdown_while_a_long_completion_runs(server: StdioServer, tmp_path: Path) -> None:
    await server.initialize(tmp_path)
    lines = 60_000  # jedi needs several seconds for this document
    uri = await server.open(tmp_path / "big.py", "import os\n" + "value = 1\n" * lines + "os.")
    position = {"line": lines + 1, "character": 3}
    await server.send(
        request("complete", "textDocument/completion", {"textDocument": {"uri": uri}, "position": position})
    )
    await server.command("status", "evalens.status", {})  # the completion is on a jedi lane by now
    processes = descendants(server.process.pid)  # jedi's own subprocesses

    answer, seconds = await elapsed(server.request("bye", "shutdown", None))
    assert answer["result"] is None
    assert seconds < 2
    assert (await server.response("complete"))["error"]["code"] == REQUEST_CANCELLED

    await server.send(notification("exit", None))
    assert await server.exit_code(timeout=1.5) == 0
    await wait_gone(processes, timeout=5)


async def test_exit_after_shutdown_kills_the_interpreter_and_its_children(server: StdioServer, tmp_path: Path) -> None:
    await server.initialize(tmp_path, options=TRUSTED)
    interpreter, processes = await busy_interpreter(server, tmp_path)

    answer, seconds = await elapsed(server.request("bye", "shutdown", None))
    assert answer["result"] is None
    assert seconds < 2
    assert await server.response("loop", timeout=2)  # the running eval was answered
    await wait_gone(interpreter, timeout=2)  # before exit

    await server.send(notification("exit", None))
    assert await server.exit_code(timeout=1.5) == 0
    await wait_gone(processes, timeout=5)


async def test_exit_without_shutdown_ends_with_code_1(server: StdioServer, tmp_path: Path) -> None:
    await server.initialize(tmp_path, options=TRUSTED)
    _, processes = await busy_interpreter(server, tmp_path)

    await server.send(notification("exit", None))
    assert await server.exit_code(timeout=1.5) == 1
    await wait_gone(processes, timeout=5)


async def test_closing_stdin_ends_the_server_and_the_interpreter(server: StdioServer, tmp_path: Path) -> None:
    await server.initialize(tmp_path, options=TRUSTED)
    _, processes = await busy_interpreter(server, tmp_path)

    assert server.process.stdin is not None
    server.process.stdin.close()
    assert await server.exit_code(timeout=1.5) == 1  # the client left without a shutdown
    await wait_gone(processes, timeout=5)


async def test_exit_right_behind_shutdown_still_ends_with_code_0(server: StdioServer, tmp_path: Path) -> None:
    await server.initialize(tmp_path, options=TRUSTED)
    _, processes = await busy_interpreter(server, tmp_path)

    await server.send(request("bye", "shutdown", None))  # no waiting for the answer
    await server.send(notification("exit", None))
    assert await server.exit_code(timeout=1.5) == 0
    await wait_gone(processes, timeout=5)


async def test_terminating_the_server_takes_the_interpreter_along(server: StdioServer, tmp_path: Path) -> None:
    await server.initialize(tmp_path, options=TRUSTED)
    _, processes = await busy_interpreter(server, tmp_path)

    server.process.terminate()
    assert await server.exit_code(timeout=1.5) == 1  # no shutdown came first
    await wait_gone(processes, timeout=5)


async def test_exit_stops_the_diagnostics_parser_in_the_middle_of_a_big_file(
    server: StdioServer, tmp_path: Path
) -> None:
    """The parser process would otherwise finish its parse (seconds of a core) after the
    server has gone."""
    await server.initialize(tmp_path)
    await server.open(tmp_path / "huge.py", "x = 1\n" * 300_000)  # parsing it takes several seconds

    def parsers() -> set[int]:
        found = set()
        for pid in descendants(server.process.pid):
            with contextlib.suppress(OSError):
                if b"syntax.py" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.add(pid)
        return found

    def cpu_seconds(pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not (parser := parsers()) or cpu_seconds(next(iter(parser))) < 1.0:  # well into its parse
        assert loop.time() < deadline, "the diagnostics parser never got busy"
        await asyncio.sleep(0.02)
    assert (await server.request("bye", "shutdown", None))["result"] is None
    await server.send(notification("exit", None))
    assert await server.exit_code(timeout=1.5) == 0
    await wait_gone(parser, timeout=1)


async def test_the_server_ends_when_the_client_process_ends(server: StdioServer, tmp_path: Path) -> None:
    # An editor that crashes may leave the server's stdin open (a wrapper or a child
    # holds it): LSP's processId says whose end ends the server.
    editor = await asyncio.create_subprocess_exec("sleep", "300")
    await server.initialize(tmp_path, options=TRUSTED, process_id=editor.pid)
    uri = await server.open(tmp_path / "main.py", "")
    await server.command("run", "evalens.eval", {"uri": uri, "code": "1"})
    left = descendants(server.process.pid)
    editor.kill()
    await editor.wait()
    assert await server.exit_code(10) == 1  # no shutdown came first
    await wait_gone(left, 5)


async def test_a_process_id_from_elsewhere_is_not_watched(tmp_path: Path) -> None:
    # An editor outside the server's container sends a pid that is no process here.
    server = await StdioServer.start("--log-level", "WARNING", stderr=True)
    try:
        await server.initialize(tmp_path, options=TRUSTED, process_id=2**22 + 12345)
        uri = await server.open(tmp_path / "main.py", "")
        assert (await server.command("run", "evalens.eval", {"uri": uri, "code": "6 * 7"}))["value"]["repr"] == "42"
        await server.request("bye", "shutdown", None)
        await server.send(notification("exit", None))
        assert await server.exit_code(10) == 0
        assert f"the client's processId {2**22 + 12345} is not a process here" in await server.log()
    finally:
        await server.kill()
