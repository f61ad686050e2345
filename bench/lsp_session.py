"""The server processes the benchmarks start and stop, and the small statistics every
benchmark prints. The LSP conversation itself (initialize, documents, commands, what the
server publishes) is tests/harness.py's Editor, shared with the tests; its names are
available from here too, since this module is what puts the repository on sys.path for
a benchmark run as ``python bench/NAME.py`` from any directory."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import statistics
import sys
from pathlib import Path
from typing import Any

from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))  # after the script's own directory (bench/), before site-packages

from tests.harness import Editor as Editor  # noqa: E402
from tests.harness import field as field  # noqa: E402
from tests.harness import initialize_params as initialize_params  # noqa: E402
from tests.harness import plain as plain  # noqa: E402


async def connect(command: list[str], workspace: Path, options: dict[str, Any] | None = None) -> Editor:
    """An editor on a started, initialized server ``command`` with ``workspace`` as its trusted folder.

    ``options`` are added to the initializationOptions (``{"trusted": true}``); the client
    claims no capabilities."""
    editor = Editor(LanguageClient("bench", "0"), workspace)
    await editor.client.start_io(*command)
    await editor.initialize({"trusted": True, **(options or {})})
    return editor


def start_like_a_user() -> None:
    """Let the servers write their bytecode, as they do on a user's machine. This machine
    sets PYTHONDONTWRITEBYTECODE, under which a source checkout (evalens here) compiles
    every module at every start, while pip-installed peers read the .pyc pip wrote."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def server_pid(client: LanguageClient) -> int:
    """The server process's id."""
    assert client._server is not None
    return client._server.pid


async def disconnect(client: LanguageClient) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    await reap(client)


async def reap(client: LanguageClient) -> None:
    """Kill a server still running after ``exit`` (jedi-language-server 0.47 can keep a core
    busy for a while), so it cannot slow down the next measurement."""
    server = client._server
    if server is not None and server.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.pid, signal.SIGKILL)
        # asyncio's child watcher reports the exit from its thread; let it land while the loop runs.
        for _ in range(200):
            if server.returncode is not None:
                break
            await asyncio.sleep(0.01)
    if server is not None:
        # asyncio.subprocess.Process has no close(); its transport, left open, is closed by
        # the garbage collector after the loop is gone ("Event loop is closed" at exit).
        server._transport.close()  # type: ignore[attr-defined]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values: list[float]) -> tuple[float, float]:
    """Median and p95."""
    return statistics.median(values), percentile(values, 0.95)
