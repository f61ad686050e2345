"""Round trip of a small evaluation: evalens vs a bare pygls floor vs ipykernel.

    python bench/roundtrip.py [--runs N]

Each peer runs in this one process's event loop, one after the other, against
the same code (`1 + 1`): evalens through a real LSP session (stdio), the floor
server through the same client, and ipykernel through jupyter_client
(execute_interactive: request sent to reply and idle status received).
Prints median and p95 in milliseconds, and the ratios the issue sets targets for.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types

from lsp_session import connect, disconnect, percentile

HERE = Path(__file__).resolve().parent
CODE = "1 + 1"


async def time_calls(call: Callable[[], Awaitable[Any]], runs: int, warmup: int = 20) -> list[float]:
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def lsp_round_trips(command: list[str], runs: int, workspace: Path, settle: float = 0.0) -> list[float]:
    editor = await connect(command, workspace)
    client = editor.client
    uri = editor.open("main.py", "x = 1\n")
    params = types.ExecuteCommandParams(command="evalens.eval", arguments=[{"uri": uri, "code": CODE}])
    await asyncio.sleep(settle)  # let background warm-up (jedi) finish: steady state is what is measured

    async def call() -> None:  # timed: the bare client call, its params built once (not editor.execute)
        result = await client.workspace_execute_command_async(params)
        value = result["value"] if isinstance(result, dict) else result.value
        repr_ = value["repr"] if isinstance(value, dict) else value.repr
        assert repr_ == "2", result

    try:
        return await time_calls(call, runs)
    finally:
        await disconnect(client)


def ipykernel_round_trips(runs: int) -> list[float]:
    from jupyter_client.manager import start_new_kernel

    manager, kernel = start_new_kernel(kernel_name="python3")
    try:
        replies: list[Any] = []

        def call() -> None:
            reply = kernel.execute_interactive(CODE, output_hook=replies.append, timeout=30)
            assert reply["content"]["status"] == "ok"

        for _ in range(20):
            call()
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        return samples
    finally:
        kernel.stop_channels()
        manager.shutdown_kernel(now=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to wait after opening the document")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder)
        rows = {
            "floor (bare pygls)": asyncio.run(
                lsp_round_trips([sys.executable, str(HERE / "floor_server.py")], args.runs, workspace, args.settle)
            ),
            "evalens": asyncio.run(
                lsp_round_trips([sys.executable, "-m", "evalens"], args.runs, workspace, args.settle)
            ),
            "ipykernel": ipykernel_round_trips(args.runs),
        }
    print(f"evalens.eval round trip of {CODE!r}, {args.runs} runs each (ms)")
    print(f"{'peer':<22}{'median':>10}{'p95':>10}")
    for name, samples in rows.items():
        print(f"{name:<22}{statistics.median(samples):>10.3f}{percentile(samples, 0.95):>10.3f}")
    evalens = statistics.median(rows["evalens"])
    print(
        f"evalens / floor      median ratio {evalens / statistics.median(rows['floor (bare pygls)']):.2f} (target <= 1.5)"
    )
    print(f"evalens / ipykernel  median ratio {evalens / statistics.median(rows['ipykernel']):.2f} (target < 0.2)")


if __name__ == "__main__":
    main()
