"""The start-up code cache in a real server start: the second start compiles nothing before initialize."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from tests.process.stdio_client import StdioServer, notification

# -- end to end: the server's own start ---------------------------------------------------------

START_UP = re.compile(r"start-up code: (\d+) reused, (\d+) compiled \((.*)\)")


async def start_once(tmp_path: Path, **extra: str) -> tuple[int, int, str]:
    """Start a server with its bytecode under ``tmp_path``, initialize, shut it down: what
    its start-up code cache reports."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # A fixed hash seed: the source attrs writes for a frozen class's __hash__ holds a
    # salted string hash, which would differ between the two starts.
    env.update(PYTHONPYCACHEPREFIX=str(tmp_path / "pycache"), PYTHONHASHSEED="0", **extra)
    server = await StdioServer.start("--log-level", "INFO", env=env, stderr=True)
    try:
        await server.initialize(tmp_path)
        assert "result" in await server.request(2, "shutdown", None)
        await server.send(notification("exit", None))
        assert await server.exit_code(10) == 0
        found = START_UP.search(await server.log())
    finally:
        await server.kill()
    assert found is not None
    return int(found[1]), int(found[2]), found[3]


async def test_the_second_start_compiles_nothing_before_answering_initialize(tmp_path: Path) -> None:
    reused, compiled, path = await start_once(tmp_path)
    assert reused == 0 and compiled > 500  # lsprotocol's classes: a fresh cache
    assert path.startswith(str(tmp_path / "pycache"))
    assert os.path.isfile(path)
    reused, compiled, _ = await start_once(tmp_path)
    assert compiled == 0 and reused > 500


async def test_without_bytecode_the_cache_lives_in_the_users_cache_directory(tmp_path: Path) -> None:
    """PYTHONDONTWRITEBYTECODE (many container images set it) no longer costs the cache."""
    where = {"PYTHONDONTWRITEBYTECODE": "1", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    reused, compiled, path = await start_once(tmp_path, **where)
    assert reused == 0 and compiled > 500
    assert path == str(tmp_path / "cache" / "evalens" / f"startcode.{sys.implementation.cache_tag}.marshal")
    assert os.path.isfile(path)
    reused, compiled, _ = await start_once(tmp_path, **where)
    assert compiled == 0 and reused > 500
    assert not (tmp_path / "pycache").exists()
