"""A 1 MB result: `evalens.eval` of a 1 MB string against a plain pipe carrying the same bytes.

    python bench/bigvalue.py [--runs N] [--size BYTES]

evalens evaluates a name bound to a 1,000,000-character string, whose repr
(1,000,002 characters, limits.reprChars raised so none of it is cut) comes back
in the Result through a real LSP session over stdio. The peers, in the same run:
a plain pipe (a long-lived child process writing the same number of bytes to
its stdout on request, read by this process: no framing, no JSON), encoding and
decoding such a response as JSON alone (what any Python server and client pay
before a byte moves), and the bare
pygls floor server answering with a constant Result of the same size (what
JSON-RPC over stdio costs with pygls on both ends). Median and p95 of N runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsp_session import connect, disconnect, field, summary

HERE = Path(__file__).resolve().parent
SIZE = 1_000_000
#: The child of the plain pipe: one request byte in, ``size`` bytes out.
PIPE_CHILD = """
import os, sys
payload = b"x" * int(sys.argv[1])
while os.read(0, 1):
    view = memoryview(payload)
    while view:
        view = view[os.write(1, view):]
"""


def pipe_round_trips(size: int, runs: int, warmup: int = 3) -> list[float]:
    """Milliseconds from asking a child for ``size`` bytes to having read all of them."""
    child = subprocess.Popen(
        [sys.executable, "-c", PIPE_CHILD, str(size)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert child.stdin is not None and child.stdout is not None
    into, read_fd, write_fd = bytearray(size), child.stdout.fileno(), child.stdin.fileno()
    samples = []
    try:
        for index in range(warmup + runs):
            started = time.perf_counter()
            os.write(write_fd, b"?")
            view, got = memoryview(into), 0
            while got < size:
                count = os.readv(read_fd, [view[got:]])
                if count == 0:
                    raise RuntimeError("the pipe child exited")
                got += count
            if index >= warmup:
                samples.append((time.perf_counter() - started) * 1000)
    finally:
        child.stdin.close()
        child.wait()
    return samples


async def lsp_round_trips(command: list[str], size: int, runs: int, warmup: int = 3) -> list[float]:
    """Milliseconds per `evalens.eval` answering with a ``size``-character repr."""
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder)
        editor = await connect(command, workspace, {"limits": {"reprChars": size + 1000}})
        uri = editor.open("main.py", f"big = 'x' * {size - 2}\n")
        argument = {"uri": uri, "code": "big", "floorReprChars": size}
        samples = []
        try:
            await editor.evaluate(uri, "big")  # the floor answers too: loads the module, starts things
            for index in range(warmup + runs):
                started = time.perf_counter()
                result = await editor.execute("evalens.eval", argument)  # the answer as it comes: no conversion
                elapsed = (time.perf_counter() - started) * 1000
                text = field(field(result, "value"), "repr")
                assert len(text) == size and not field(result, "truncated"), (len(text), field(result, "error"))
                if index >= warmup:
                    samples.append(elapsed)
        finally:
            await disconnect(editor.client)
    return samples


def json_only(size: int, runs: int) -> list[float]:
    """Milliseconds to ``json.dumps`` and ``json.loads`` an LSP response carrying a
    ``size``-character repr: what a Python server and client spend on the JSON alone,
    before any byte moves (the server writes it, the client reads it)."""
    response = {"jsonrpc": "2.0", "id": 7, "result": {"ok": True, "value": {"repr": "x" * size}}}
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        json.loads(json.dumps(response).encode())
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def measure(runs: int, size: int = SIZE) -> dict[str, list[float]]:
    """Samples (ms) per peer: the plain pipe, the JSON alone, the bare pygls floor, evalens."""
    return {
        "plain pipe": pipe_round_trips(size, runs),
        "JSON encode + decode": json_only(size, runs),
        "floor (bare pygls)": asyncio.run(lsp_round_trips([sys.executable, str(HERE / "floor_server.py")], size, runs)),
        "evalens": asyncio.run(lsp_round_trips([sys.executable, "-m", "evalens"], size, runs)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--size", type=int, default=SIZE, help="characters of the repr (bytes through the pipe)")
    args = parser.parse_args()
    rows = measure(args.runs, args.size)
    print(f"a {args.size:,}-byte value, {args.runs} runs each (ms)")
    print(f"{'peer':<22}{'median':>10}{'p95':>10}")
    for name, samples in rows.items():
        median, p95 = summary(samples)
        print(f"{name:<22}{median:>10.2f}{p95:>10.2f}")
    evalens = summary(rows["evalens"])[0]
    print(f"evalens / plain pipe  median ratio {evalens / summary(rows['plain pipe'])[0]:.2f} (target <= 2)")
    print(f"evalens / floor       median ratio {evalens / summary(rows['floor (bare pygls)'])[0]:.2f}")


if __name__ == "__main__":
    main()
