"""The variables view: the first page of a 10,000-name namespace and of a 1,000,000-item list.

    python bench/variables.py [--runs N]

One module binds 10,000 names (ints) and ``big = list(range(1_000_000))``; it runs once.
Then, in the steady state (nothing runs in between, so refs stay valid):

1. ``evalens.variables {uri}``: the namespace's first page of 100 entries (names, types,
   bounded reprs, sizes, refs), through a real LSP session over stdio;
2. ``evalens.variables {ref}``: the first page of ``big``'s items;
3. the same two pages computed in an ipykernel by jupyter_client's ``execute_interactive``,
   the way notebook variable explorers ask a kernel (code that sorts the globals and calls
   ``repr``), from the request to its reply and idle status.

Target: 1. and 2. under 20 ms (median).
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

from lsp_session import connect, disconnect, field, percentile

NAMES = 10_000
MODULE = f"for _i in range({NAMES}):\n    globals()[f'v{{_i:05}}'] = _i\nbig = list(range(1_000_000))\n"
#: what a notebook's variable explorer runs in the kernel for a page (it calls repr: user code)
KERNEL_NAMESPACE = (
    "_g = globals(); _names = sorted(n for n, v in _g.items() if not n.startswith('_') "
    "and type(v).__name__ not in ('module', 'function', 'type'))[:100]; "
    "_page = [(n, type(_g[n]).__name__, repr(_g[n])[:200]) for n in _names]"
)
KERNEL_ITEMS = "_page = [(str(i), type(v).__name__, repr(v)[:200]) for i, v in enumerate(big[:100])]"


async def timed(call: Callable[[], Awaitable[Any]], runs: int, warmup: int = 10) -> list[float]:
    samples = []
    for index in range(warmup + runs):
        started = time.perf_counter()
        await call()
        if index >= warmup:
            samples.append((time.perf_counter() - started) * 1000)
    return samples


async def evalens_pages(runs: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        editor = await connect([sys.executable, "-m", "evalens"], Path(folder))
        try:
            uri = editor.open("names.py", MODULE)
            await editor.settled()
            await editor.evaluate(uri, "1")
            first = await editor.execute("evalens.variables", {"uri": uri})
            big = next(entry for entry in field(first, "variables") if field(entry, "name") == "big")

            async def namespace() -> None:
                page = await editor.execute("evalens.variables", {"uri": uri})
                assert field(page, "total") == NAMES + 1 and len(field(page, "variables")) == 100

            async def items() -> None:
                page = await editor.execute("evalens.variables", {"ref": field(big, "ref")})
                assert field(page, "total") == 1_000_000 and len(field(page, "variables")) == 100

            return {"namespace": await timed(namespace, runs), "items": await timed(items, runs)}
        finally:
            await disconnect(editor.client)


def ipykernel_pages(runs: int) -> dict[str, list[float]]:
    from jupyter_client.manager import start_new_kernel

    manager, kernel = start_new_kernel(kernel_name="python3")
    try:
        kernel.execute_interactive(MODULE, timeout=60)

        def sampled(code: str) -> list[float]:
            samples = []
            for index in range(10 + runs):
                started = time.perf_counter()
                reply = kernel.execute_interactive(code, store_history=False, timeout=30)
                assert reply["content"]["status"] == "ok", reply["content"]
                if index >= 10:
                    samples.append((time.perf_counter() - started) * 1000)
            return samples

        return {"namespace": sampled(KERNEL_NAMESPACE), "items": sampled(KERNEL_ITEMS)}
    finally:
        kernel.stop_channels()
        manager.shutdown_kernel(now=True)


def measure(runs: int) -> dict[str, dict[str, list[float]]]:
    return {"evalens.variables": asyncio.run(evalens_pages(runs)), "ipykernel (explorer code)": ipykernel_pages(runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    table = measure(args.runs)
    print(f"first page (100 entries), {args.runs} runs each (ms)")
    print(f"{'':<28}{'page':<34}{'median':>10}{'p95':>10}")
    pages = {"namespace": f"namespace of {NAMES:,} names", "items": "items of a 1,000,000-item list"}
    for peer, samples in table.items():
        for key, title in pages.items():
            values = samples[key]
            print(f"{peer:<28}{title:<34}{statistics.median(values):>10.2f}{percentile(values, 0.95):>10.2f}")
    for key, title in pages.items():
        print(
            f"evalens.variables, {title}: median {statistics.median(table['evalens.variables'][key]):.2f} ms (target < 20)"
        )


if __name__ == "__main__":
    main()
