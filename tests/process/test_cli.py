"""The command line: evaluation without an editor, and LSP over TCP."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from pygls.lsp.client import LanguageClient

from tests.harness import Editor, plain

EVALENS = [sys.executable, "-m", "evalens"]


def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    package = tmp_path / "app"
    package.mkdir()
    (package / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    (package / "main.py").write_text(
        "from helpers import double\n\ndef run(n, scale=1):\n    print('running')\n    return double(n) * scale\n"
    )
    return package / "main.py"


def evalens(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EVALENS, *args], capture_output=True, text=True, timeout=60)


def test_eval_prints_output_then_the_value(tmp_path: Path) -> None:
    done = evalens("eval", str(project(tmp_path)), "run(4)")
    assert (done.returncode, done.stdout, done.stderr) == (0, "running\n8\n", "")


def test_call_takes_python_arguments_and_json_prints_the_result(tmp_path: Path) -> None:
    done = evalens("call", f"{project(tmp_path)}:run", "5, scale=3", "--json")
    assert done.returncode == 0
    result = json.loads(done.stdout)
    assert (result["ok"], result["value"], result["stdout"]) == (True, {"repr": "30", "type": "int"}, "running\n")


def test_displays_are_named_on_stderr_and_whole_in_the_json(tmp_path: Path) -> None:
    main = tmp_path / "shows.py"
    main.write_text(
        "class Bold:\n    def _repr_html_(self):\n        return '<b>x</b>'\n    def __repr__(self):\n        return 'Bold()'\n"
    )
    done = evalens("eval", str(main), "Bold()")
    assert (done.returncode, done.stdout, done.stderr) == (0, "Bold()\n", "[text/html display] Bold()\n")
    result = json.loads(evalens("eval", str(main), "Bold()", "--json").stdout)
    assert result["display"] == [{"data": {"text/plain": "Bold()", "text/html": "<b>x</b>"}, "metadata": {}}]


def test_failures_exit_with_one_and_print_the_traceback(tmp_path: Path) -> None:
    done = evalens("eval", str(project(tmp_path)), "run('x', scale=None)")
    assert done.returncode == 1
    assert done.stderr.endswith("TypeError: can't multiply sequence by non-int of type 'NoneType'\n")


def test_bad_requests_exit_with_two(tmp_path: Path) -> None:
    main = project(tmp_path)
    assert evalens("call", f"{main}:run", "1); print(2").returncode == 2
    assert evalens("call", str(main)).returncode == 2
    assert "is not a file" in evalens("eval", str(tmp_path / "nope.py"), "1").stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def listening(*args: str) -> tuple[asyncio.subprocess.Process, int]:
    """``evalens --tcp --port 0 ARGS`` and the port it announced."""
    server = await asyncio.create_subprocess_exec(
        *EVALENS, "--tcp", "--port", "0", *args, stderr=asyncio.subprocess.PIPE
    )
    assert server.stderr is not None
    line = (await asyncio.wait_for(server.stderr.readline(), 30)).decode()
    assert line.startswith("evalens: listening on 127.0.0.1:"), line
    return server, int(line.rsplit(":", 1)[1])


async def test_tcp_serves_lsp_on_loopback(tmp_path: Path) -> None:
    server, port = await listening()
    client = LanguageClient("tcp-test", "0")
    editor = Editor(client, tmp_path)
    try:
        await client.start_tcp("127.0.0.1", port)
        await editor.initialize({"trusted": True})
        uri = editor.open("m.py", "x = 6\n")
        result = await editor.eval(uri, "x * 7")
        assert plain(result)["value"] == {"repr": "42", "type": "int"}
        await client.shutdown_async(None)
        client.exit(None)
        assert await asyncio.wait_for(server.wait(), 10) == 0
    finally:
        await client.stop()
        if server.returncode is None:
            server.kill()
            await server.wait()


INITIALIZE = json.dumps(
    {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "capabilities": {}}}
).encode()


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
async def test_a_tcp_client_that_leaves_without_exit_ends_the_server(reset: bool) -> None:
    # An editor that crashes closes its socket, or resets it with replies unread.
    server, port = await listening()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"Content-Length: %d\r\n\r\n" % len(INITIALIZE) + INITIALIZE)
        assert (await reader.readline()).startswith(b"Content-Length: ")
        if reset:  # close with data unread and no lingering: the peer gets an RST
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.close()
        assert await asyncio.wait_for(server.wait(), 10) == 1  # no shutdown came first
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()


async def turned_away(port: int) -> bool:
    """Whether a client connecting to ``port`` is refused or hung up on without a word."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"Content-Length: %d\r\n\r\n" % len(INITIALIZE) + INITIALIZE)
        said = await asyncio.wait_for(reader.read(), 10)
        writer.close()
    except ConnectionError:  # refused, or reset at connect or read
        return True
    return said == b""


async def test_a_second_tcp_client_is_turned_away_and_the_first_is_still_served() -> None:
    server, port = await listening()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await turned_away(port)
        writer.write(b"Content-Length: %d\r\n\r\n" % len(INITIALIZE) + INITIALIZE)
        assert (await reader.readline()).startswith(b"Content-Length: ")
        writer.close()
        assert await asyncio.wait_for(server.wait(), 10) == 1
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()


def test_a_tcp_port_in_use_is_named_with_the_way_out() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = evalens("--tcp", "--port", str(port))
    assert done.returncode == 2
    assert done.stderr.startswith(f"evalens: cannot listen on 127.0.0.1:{port}: ")
    assert done.stderr.endswith("; pass --port 0 for a free port\n")


async def test_tcp_on_another_host_warns_loudly() -> None:
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        *EVALENS, "--tcp", "--host", "0.0.0.0", "--port", str(port), stderr=asyncio.subprocess.PIPE
    )
    try:
        assert server.stderr is not None
        line = await asyncio.wait_for(server.stderr.readline(), 30)
        assert b"evalens listens on 0.0.0.0: anyone who can reach it can run code as you" in line
    finally:
        server.kill()
        await server.wait()


def framed(*messages: dict[str, object]) -> bytes:
    out = b""
    for message in messages:
        body = json.dumps(message).encode()
        out += b"Content-Length: %d\r\n\r\n" % len(body) + body
    return out


@pytest.mark.parametrize("stdin", ["a file", "a pipe"])
def test_stdin_as_a_file_or_a_pipe_is_served(stdin: str, tmp_path: Path) -> None:
    """A pipe (as editors start the server) is read by the event loop, anything else (a file
    redirected in) by a thread: both are answered, and their end ends the server (code 1: no
    shutdown came)."""
    messages = framed({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
    if stdin == "a file":
        (tmp_path / "in.bin").write_bytes(messages)
        with open(tmp_path / "in.bin", "rb") as source:
            done = subprocess.run([*EVALENS], stdin=source, capture_output=True, timeout=60, cwd=tmp_path)
    else:
        done = subprocess.run([*EVALENS], input=messages, capture_output=True, timeout=60, cwd=tmp_path)
    answers = [json.loads(part.split(b"\r\n\r\n", 1)[1]) for part in done.stdout.split(b"Content-Length: ")[1:]]
    assert [(answer["id"], "capabilities" in answer["result"]) for answer in answers] == [(1, True)]
    assert done.returncode == 1, done.stderr.decode()[-2000:]
