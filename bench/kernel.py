"""`evalens.eval` through an attached ipykernel against that kernel's own execute round trip.

    python bench/kernel.py [--runs N]

One ipykernel is started here (jupyter_client) and left running, as a user's notebook
kernel would be. The floor: jupyter_client's own `execute` of `1 + 1` on it, from the
request to its execute_reply and idle status (what any Jupyter client pays on that path).
evalens: attached to the same kernel by its connection file, `evalens.eval` of `1 + 1`
through a real LSP session over stdio (the worker in the kernel, the reply in the
execute_reply's user_expressions). Also the time from `evalens.attach` to the first
result, beside `jupyter console --existing`'s start to its first result. Target: evalens
within 1.2x of the floor (median).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsp_session import connect, disconnect, field, summary

CODE = "1 + 1"


async def floor_round_trips(client: Any, runs: int, warmup: int = 20) -> list[float]:
    samples = []
    for index in range(warmup + runs):
        started = time.perf_counter()
        msg_id = client.execute(CODE, store_history=False)
        replied = idle = False
        while not (replied and idle):
            if not replied:
                reply = await client.get_shell_msg(timeout=10)
                replied = reply["parent_header"].get("msg_id") == msg_id
            message = await client.get_iopub_msg(timeout=10)
            if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "status":
                idle = message["content"]["execution_state"] == "idle"
        if index >= warmup:
            samples.append((time.perf_counter() - started) * 1000)
    return samples


async def evalens_round_trips(
    kernel: dict[str, str], runs: int, warmup: int = 20, settle: float = 3.0
) -> tuple[list[float], float]:
    """`evalens.eval` round trips (ms) through a real LSP session attached to ``kernel`` (a
    kernel setting), and the time from `evalens.attach` to the first result."""
    with tempfile.TemporaryDirectory() as folder:
        editor = await connect([sys.executable, "-m", "evalens"], Path(folder))
        uri = editor.open("main.py", "x = 1\n")
        await asyncio.sleep(settle)  # background warm-up (jedi) done: the steady state is measured
        started = time.perf_counter()
        await editor.execute("evalens.attach", {"kernel": kernel})
        first = await editor.execute("evalens.eval", {"uri": uri, "code": CODE})
        attach_ms = (time.perf_counter() - started) * 1000
        assert field(field(first, "value"), "repr") == "2", first
        samples = []
        try:
            for index in range(warmup + runs):
                started = time.perf_counter()
                result = await editor.execute("evalens.eval", {"uri": uri, "code": CODE})
                elapsed = (time.perf_counter() - started) * 1000
                assert field(field(result, "value"), "repr") == "2", result
                if index >= warmup:
                    samples.append(elapsed)
        finally:
            await disconnect(editor.client)
    return samples, attach_ms


def console_first_result(connection_file: str) -> float | None:
    """`jupyter console --existing` started, `1 + 1` typed, until its `Out[...]: 2` (ms); None
    when jupyter-console is not installed."""
    try:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "jupyter_console", "--existing", connection_file, "--simple-prompt"],
            input=f"{CODE}\nexit\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0 or ": 2" not in done.stdout:
        return None
    return (time.perf_counter() - started) * 1000


async def measure(runs: int) -> dict[str, Any]:
    from jupyter_client.manager import AsyncKernelManager

    manager = AsyncKernelManager(kernel_name="python3")
    await manager.start_kernel()
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    try:
        floor = await floor_round_trips(client, runs)
        ours, attach_ms = await evalens_round_trips({"connectionFile": manager.connection_file}, runs)
        console = await asyncio.to_thread(console_first_result, manager.connection_file)
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
    return {"floor": floor, "evalens": ours, "attach": attach_ms, "console": console}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    rows = asyncio.run(measure(args.runs))
    print(f"`{CODE}` on one attached ipykernel, {args.runs} runs each (ms)")
    print(f"{'':<34}{'median':>10}{'p95':>10}")
    for name in ("floor", "evalens"):
        median, p95 = summary(rows[name])
        label = "jupyter_client execute (floor)" if name == "floor" else "evalens.eval"
        print(f"{label:<34}{median:>10.2f}{p95:>10.2f}")
    ratio = statistics.median(rows["evalens"]) / statistics.median(rows["floor"])
    print(f"evalens / floor  median ratio {ratio:.2f} (target <= 1.2)")
    console = rows["console"]
    shown = f"{console:.0f} ms" if console is not None else "jupyter-console not installed"
    print(f"attach to first result: evalens {rows['attach']:.0f} ms; jupyter console --existing {shown}")


if __name__ == "__main__":
    main()
