"""A kernel evalens started ends with the server, however the server ends."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.process.stdio_client import StdioServer

pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and /proc")


@pytest.fixture
async def server() -> AsyncIterator[StdioServer]:
    started = await StdioServer.start()
    yield started
    await started.kill()


async def gone(pid: int, seconds: float = 10.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_terminated_server_takes_the_kernel_it_started_along(server: StdioServer, tmp_path: Path) -> None:
    await server.initialize(tmp_path, {}, {"trusted": True, "kernel": {"spec": "python3"}})
    uri = await server.open(tmp_path / "main.py", "")
    pid = int(
        (await server.command("pid", "evalens.eval", {"uri": uri, "code": "import os\nos.getpid()"}))["value"]["repr"]
    )
    assert pid != server.process.pid
    server.process.send_signal(signal.SIGTERM)
    await server.process.wait()
    alive = not await gone(pid)
    if alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, "the kernel outlived the server"


async def test_a_kernel_evalens_starts_gets_the_users_environment_without_the_servers_packages(tmp_path: Path) -> None:
    server_packages = str(Path(__file__).resolve().parents[2] / "server")  # holds evalens
    user_lib = str(tmp_path / "lib")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([server_packages, user_lib]), "NVIM": "/tmp/nvim.sock"}
    started = await StdioServer.start(env=env)
    try:
        await started.initialize(tmp_path, {}, {"trusted": True, "kernel": {"spec": "python3"}})
        uri = await started.open(tmp_path / "main.py", "")
        code = "import os\n(os.environ.get('PYTHONPATH'), os.environ.get('NVIM'))"
        result = await started.command("env", "evalens.eval", {"uri": uri, "code": code})
        assert result["value"]["repr"] == repr((user_lib, None))
    finally:
        await started.kill()
