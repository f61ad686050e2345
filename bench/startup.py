"""Startup: spawn to `initialize` result, and spawn to the first `evalens.eval` result.

    python bench/startup.py [--runs N] [--peers PATH_TO_VENV]

Side by side in one run: evalens; jedi-language-server's spawn to initialize
(from the peers venv that bench/completion.py creates, /tmp/bench-peers by
default); ipykernel's start to its first executed result through jupyter_client.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from lsp_session import Editor, disconnect, field, initialize_params, start_like_a_user
from peers import PEERS


async def lsp_startup(
    command: list[str], workspace: Path, evaluate: bool, restarts: dict[str, list[float]] | None = None
) -> tuple[float, float | None]:
    """Spawn to initialize and spawn to the first result; with ``restarts``, also five
    ``evalens.restart`` → next result and five crash (``os._exit``) → next result, back to back."""
    started = time.perf_counter()
    client = LanguageClient("bench", "0")
    editor = Editor(client, workspace)
    await client.start_io(*command)
    # Not editor.initialize: the clock stops at the answer, before ``initialized`` is sent.
    await client.initialize_async(initialize_params(workspace, {"trusted": True}))
    initialized = (time.perf_counter() - started) * 1000
    first: float | None = None
    client.initialized(types.InitializedParams())
    if evaluate:
        uri = editor.open("main.py", "")
        result = await editor.execute("evalens.eval", {"uri": uri, "code": "1 + 1"})
        assert field(field(result, "value"), "repr") == "2"
        first = (time.perf_counter() - started) * 1000
        for _ in range(5 if restarts is not None else 0):
            assert restarts is not None
            for kind, command, argument in (
                ("restart", "evalens.restart", {}),
                ("crash", "evalens.eval", {"uri": uri, "code": "import os; os._exit(3)"}),
            ):
                began = time.perf_counter()
                await editor.execute(command, argument)
                after = await editor.execute("evalens.eval", {"uri": uri, "code": "1 + 1"})
                assert field(after, "ok") is True
                restarts.setdefault(kind, []).append((time.perf_counter() - began) * 1000)
    await disconnect(client)
    return initialized, first


def warm(commands: list[list[str]], workspace: Path) -> None:
    """Start each server once, unmeasured: a first start after an install writes caches
    (bytecode, evalens' start-up code) that every later start reads."""
    for command in commands:
        asyncio.run(lsp_startup(command, workspace, False))


def ipykernel_startup() -> float:
    from jupyter_client.manager import start_new_kernel

    started = time.perf_counter()
    manager, kernel = start_new_kernel(kernel_name="python3")
    try:
        reply = kernel.execute_interactive("1 + 1", output_hook=lambda message: None, timeout=30)
        assert reply["content"]["status"] == "ok"
        return (time.perf_counter() - started) * 1000
    finally:
        kernel.stop_channels()
        manager.shutdown_kernel(now=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--peers", default=str(PEERS))
    args = parser.parse_args()
    workspace = Path(tempfile.mkdtemp())
    rows: dict[str, list[float]] = {}
    jls = Path(args.peers) / "bin" / "jedi-language-server"
    start_like_a_user()
    warm([[sys.executable, "-m", "evalens"], *([[str(jls)]] if jls.exists() else [])], workspace)
    for _ in range(args.runs):
        restarts: dict[str, list[float]] = {}
        init, first = asyncio.run(lsp_startup([sys.executable, "-m", "evalens"], workspace, True, restarts))
        rows.setdefault("evalens: restart to next eval result", []).extend(restarts["restart"])
        rows.setdefault("evalens: crash to next eval result", []).extend(restarts["crash"])
        rows.setdefault("evalens: spawn to initialize", []).append(init)
        rows.setdefault("evalens: spawn to first eval", []).append(first or 0.0)
        if jls.exists():
            init, _ = asyncio.run(lsp_startup([str(jls)], workspace, False))
            rows.setdefault("jedi-language-server: spawn to initialize", []).append(init)
        rows.setdefault("ipykernel: start to first result", []).append(ipykernel_startup())
    print(f"startup, {args.runs} runs each (ms)")
    print(f"{'':<44}{'median':>10}{'min':>10}")
    for name, values in rows.items():
        print(f"{name:<44}{statistics.median(values):>10.1f}{min(values):>10.1f}")
    if not jls.exists():
        print(f"(jedi-language-server not found at {jls}: run bench/completion.py once to create the peers venv)")


if __name__ == "__main__":
    main()
