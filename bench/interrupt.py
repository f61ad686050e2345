"""Interrupt latency: from `evalens.interrupt` to the interrupted Result, in ms.

    python bench/interrupt.py [--runs N]

Runs ordinary Python code that never returns (a pure bytecode loop, and a loop
of short sleeps) and measures, through a real LSP session, the time from
sending `evalens.interrupt` to receiving the run's KeyboardInterrupt Result.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsp_session import connect, disconnect, field, percentile

LOOPS = {
    "bytecode loop": "n = 0\nwhile True:\n    n += 1\n",
    "sleep loop": "import time\nwhile True:\n    time.sleep(0.05)\n",
}


async def measure(runs: int) -> dict[str, list[float]]:
    workspace = Path(tempfile.mkdtemp())
    editor = await connect([sys.executable, "-m", "evalens"], workspace)
    uri = editor.open("main.py", "")
    samples: dict[str, list[float]] = {name: [] for name in LOOPS}
    try:
        for name, code in LOOPS.items():
            for _ in range(runs):
                running = asyncio.ensure_future(editor.execute("evalens.eval", {"uri": uri, "code": code}))
                while (await editor.status())["state"] != "busy":
                    pass
                await asyncio.sleep(0.05)  # let the loop get going: this is a benchmark, not a test
                started = time.perf_counter()
                await editor.execute("evalens.interrupt", {})
                result = await running
                samples[name].append((time.perf_counter() - started) * 1000)
                assert field(field(result, "error"), "type") == "KeyboardInterrupt", result
    finally:
        await disconnect(editor.client)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    samples = asyncio.run(measure(args.runs))
    print(f"interrupt latency, {args.runs} runs each (ms)")
    print(f"{'code':<16}{'median':>10}{'p95':>10}{'max':>10}")
    for name, values in samples.items():
        print(f"{name:<16}{statistics.median(values):>10.2f}{percentile(values, 0.95):>10.2f}{max(values):>10.2f}")


if __name__ == "__main__":
    main()
