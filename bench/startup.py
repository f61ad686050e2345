"""Startup: spawn to `initialize` result, and spawn to the first `evalens.eval` result.

    python bench/startup.py [--runs N] [--peers PATH_TO_VENV]

evalens runs from a non-editable install of this checkout (bench/installed.py), as a
user's ``pipx install .`` has it, in two environments: bytecode written, and
``PYTHONDONTWRITEBYTECODE=1`` (common in containers). Side by side in the same
environments: ipykernel's start to its first executed result through jupyter_client,
and jedi-language-server's spawn to initialize (from the peers venv that
bench/completion.py creates, /tmp/bench-peers by default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from installed import INSTALLED, install_evalens
from lsp_session import Editor, disconnect, field, initialize_params
from peers import PEERS


async def lsp_startup(
    command: list[str],
    workspace: Path,
    evaluate: bool,
    restarts: dict[str, list[float]] | None = None,
    env: dict[str, str] | None = None,
) -> tuple[float, float | None]:
    """Spawn to initialize and spawn to the first result; with ``restarts``, also five
    ``evalens.restart`` → next result and five crash (``os._exit``) → next result, back to back."""
    started = time.perf_counter()
    client = LanguageClient("bench", "0")
    editor = Editor(client, workspace)
    await client.start_io(*command, env=env)
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


def warm(commands: list[list[str]], workspace: Path, env: dict[str, str]) -> None:
    """Start each server once, unmeasured: a first start after an install writes caches
    (bytecode, evalens' start-up code) that every later start reads."""
    for command in commands:
        asyncio.run(lsp_startup(command, workspace, False, env=env))


def ipykernel_startup(env: dict[str, str]) -> float:
    from jupyter_client.manager import start_new_kernel

    started = time.perf_counter()
    manager, kernel = start_new_kernel(kernel_name="python3", env=env)
    try:
        reply = kernel.execute_interactive("1 + 1", output_hook=lambda message: None, timeout=30)
        assert reply["content"]["status"] == "ok"
        return (time.perf_counter() - started) * 1000
    finally:
        kernel.stop_channels()
        manager.shutdown_kernel(now=True)


ENVIRONMENTS = {
    "bytecode written": {},
    "PYTHONDONTWRITEBYTECODE=1": {"PYTHONDONTWRITEBYTECODE": "1"},
}


def environment(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without PYTHONDONTWRITEBYTECODE, plus ``extra``."""
    base = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    return {**base, **extra}


def measure(runs: int, jls: Path | None) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """The figures (ms) by row name, and by environment the ratios of evalens' spawn to first
    eval over ipykernel's start to first result, each pair measured back to back."""
    workspace = Path(tempfile.mkdtemp())
    rows: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {}
    evalens = [str(install_evalens())]
    for label, extra in ENVIRONMENTS.items():
        env = environment(extra)
        warm([evalens, *([[str(jls)]] if jls else [])], workspace, env)
        for _ in range(runs):
            restarts: dict[str, list[float]] = {}
            init, first = asyncio.run(lsp_startup(evalens, workspace, True, restarts, env=env))
            kernel = ipykernel_startup(env)
            assert first is not None
            rows.setdefault(f"evalens: spawn to initialize ({label})", []).append(init)
            rows.setdefault(f"evalens: spawn to first eval ({label})", []).append(first)
            rows.setdefault(f"ipykernel: start to first result ({label})", []).append(kernel)
            ratios.setdefault(label, []).append(first / kernel)
            rows.setdefault("evalens: restart to next eval result", []).extend(restarts["restart"])
            rows.setdefault("evalens: crash to next eval result", []).extend(restarts["crash"])
            if jls:
                init, _ = asyncio.run(lsp_startup([str(jls)], workspace, False, env=env))
                rows.setdefault(f"jedi-language-server: spawn to initialize ({label})", []).append(init)
    return rows, ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--peers", default=str(PEERS))
    args = parser.parse_args()
    jls = Path(args.peers) / "bin" / "jedi-language-server"
    rows, ratios = measure(args.runs, jls if jls.exists() else None)
    print(
        f"startup from a non-editable install ({install_evalens.__module__}: {INSTALLED}), {args.runs} runs each (ms)"
    )
    print(f"{'':<72}{'median':>10}{'min':>10}")
    for name, values in rows.items():
        print(f"{name:<72}{statistics.median(values):>10.1f}{min(values):>10.1f}")
    for label, values in ratios.items():
        ratio = statistics.median(values)
        print(f"evalens first eval / ipykernel first result, back to back ({label}): median {ratio:.2f}x")
    if not jls.exists():
        print(f"(jedi-language-server not found at {jls}: run bench/completion.py once to create the peers venv)")


if __name__ == "__main__":
    main()
