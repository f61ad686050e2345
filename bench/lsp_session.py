"""The LSP client side the benchmarks share: start a server, initialize it as a
trusted workspace, send it documents and commands, and shut it down the way an
editor does. Also the small statistics every benchmark prints."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient


class BenchClient(LanguageClient):
    """A client that remembers which documents have had diagnostics published."""

    def __init__(self) -> None:
        super().__init__("bench", "0")
        self.published: dict[str, int] = {}  # uri -> diagnostics publications so far
        self._changed = asyncio.Event()

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = self.published.get(params.uri, 0) + 1
            self._changed.set()

    async def wait_published(self, uris: Iterable[str], timeout: float = 120.0, after: int = 0) -> bool:
        """Wait until every one of ``uris`` has had more than ``after`` diagnostics publications; False on timeout."""
        wanted = set(uris)

        async def wait() -> None:
            while any(self.published.get(uri, 0) <= after for uri in wanted):
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    @property
    def pid(self) -> int:
        """The server process's id."""
        assert self._server is not None
        return self._server.pid


async def connect(command: list[str], workspace: Path, options: dict[str, Any] | None = None) -> BenchClient:
    """A started, initialized client for ``command`` with ``workspace`` as its trusted folder.

    ``options`` are added to the initializationOptions (``{"trusted": true}``)."""
    client = BenchClient()
    await client.start_io(*command)
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(workspace.as_uri(), "bench")],
            initialization_options={"trusted": True, **(options or {})},
        )
    )
    client.initialized(types.InitializedParams())
    return client


def start_like_a_user() -> None:
    """Let the servers write their bytecode, as they do on a user's machine. This machine
    sets PYTHONDONTWRITEBYTECODE, under which a source checkout (evalens here) compiles
    every module at every start, while pip-installed peers read the .pyc pip wrote."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


async def settled(client: LanguageClient, timeout: float = 60.0) -> float:
    """Wait until evalens reports its analysis idle (jedi loaded, every diagnostics pass,
    preload and environment start over): the steady state. Seconds waited."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    status = types.ExecuteCommandParams(command="evalens.status", arguments=[{}])
    while True:
        answer = await client.workspace_execute_command_async(status)
        analysis = field(answer, "analysis")
        if field(analysis, "state") == "idle":
            return loop.time() - started
        if loop.time() - started > timeout:
            raise TimeoutError(f"evalens' analysis still {analysis} after {timeout} s")
        await asyncio.sleep(0.05)  # polling a condition, not a guess at how long it takes


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


def open_document(client: LanguageClient, uri: str, text: str) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))


def insert(client: LanguageClient, uri: str, version: int, line: int, text: str) -> None:
    """An incremental didChange inserting ``text`` at the start of ``line``."""
    at = types.Position(line, 0)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri),
            [types.TextDocumentContentChangePartial(range=types.Range(at, at), text=text)],
        )
    )


async def execute(client: LanguageClient, command: str, argument: dict[str, Any]) -> Any:
    """``workspace/executeCommand`` of ``command`` with its one argument object."""
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(command, arguments=[argument]))


def field(value: Any, name: str) -> Any:
    """A field of a command's answer, whether it came back as a dict or an object."""
    return value[name] if isinstance(value, dict) else getattr(value, name)


async def evaluate(client: LanguageClient, uri: str, code: str) -> Any:
    """The Result of ``evalens.eval``; a failed run raises, with its error."""
    result = await execute(client, "evalens.eval", {"uri": uri, "code": code})
    if not field(result, "ok"):
        raise RuntimeError(f"evaluation of {code[:60]!r} failed: {field(result, 'error')}")
    return result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values: list[float]) -> tuple[float, float]:
    """Median and p95."""
    return statistics.median(values), percentile(values, 0.95)
