"""Docstring examples: every example of a module run by `evalens.doctest`, against the stdlib's doctest.

    python bench/doctests.py [--runs N] [--functions N]

The module: ``--functions`` generated functions (default 60) of 5 examples each and a fifth
as many classes of 5 (a class docstring of 2, a method's of 3): 360 quick examples in 85
docstrings by default (values, lists, printed lines, a loop, an expected exception,
``+ELLIPSIS``), all passing. Written to a workspace folder and opened in the editor with the
same text.

Three measurements, taking turns run by run (each meets the same moment of the machine):

1. `evalens.doctest` ``{uri}`` through a real LSP session over stdio: the round trip of
   the request whose answer carries every example's outcome (the text unchanged, so nothing
   is reloaded), in the steady state (analysis idle, warm-up runs unmeasured);
2. ``doctest.testmod(module)`` in a warm plain interpreter of the same Python (a subprocess
   that imported the module once and ran testmod a few times first);
3. ``python -m doctest file.py``: the wall time of the whole command, start-up included;
4. the floor for carrying the answer: a bare pygls server (bench/floor_server.py) answering
   ``evalens.doctest`` with evalens' own last answer, read once from a file and encoded by
   json's C encoder, through the same client. 2. + 4. is about what an editor could get from a
   server that ran testmod in its own process (evalens runs it in another: the user's).

Targets: 1. at most 1.2x 2. (median), and well under 3.

"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsp_session import Editor, connect, disconnect, field, percentile, plain, start_like_a_user

HERE = Path(__file__).resolve().parent

MODULE = "generated_examples"
TESTMOD = """
import contextlib, doctest, io, json, sys, time
sys.path.insert(0, ".")
module = __import__(sys.argv[1])
for _ in range(int(sys.argv[2])):  # warm-up
    with contextlib.redirect_stdout(io.StringIO()):
        doctest.testmod(module)
for _ in sys.stdin:
    sink = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(sink):
        result = doctest.testmod(module)
    elapsed = (time.perf_counter() - started) * 1000
    print(json.dumps([elapsed, result.attempted, result.failed, sink.getvalue()[-2000:]]), flush=True)
"""


def function_text(index: int) -> str:
    factor = index % 7 + 2
    return (
        f"def scale_{index}(x, factor={factor}):\n"
        f'    """Return x times {factor}.\n'
        "\n"
        f"    >>> scale_{index}(3)\n"
        f"    {3 * factor}\n"
        f"    >>> [scale_{index}(n) for n in range(4)]\n"
        f"    {[n * factor for n in range(4)]}\n"
        f"    >>> scale_{index}('ab')\n"
        f"    {'ab' * factor!r}\n"
        "    >>> for n in range(2):\n"
        f"    ...     print(n, scale_{index}(n))\n"
        "    0 0\n"
        f"    1 {factor}\n"
        f"    >>> scale_{index}(None)\n"
        "    Traceback (most recent call last):\n"
        "        ...\n"
        "    TypeError: unsupported operand type(s) for *: 'NoneType' and 'int'\n"
        '    """\n'
        "    return x * factor\n"
        "\n"
        "\n"
    )


def class_text(index: int) -> str:
    return (
        f"class Counter{index}:\n"
        f'    """Counts from {index}.\n'
        "\n"
        f"    >>> counter = Counter{index}()\n"
        "    >>> counter.step(), counter.step()\n"
        f"    ({index + 1}, {index + 2})\n"
        '    """\n'
        "\n"
        "    def __init__(self):\n"
        f"        self.value = {index}\n"
        "\n"
        "    def step(self, by=1):\n"
        '        """Count by ``by``.\n'
        "\n"
        f"        >>> Counter{index}().step(10)\n"
        f"        {index + 10}\n"
        f"        >>> sorted({{'a': Counter{index}().step(), 'b': 0}}.items())\n"
        f"        [('a', {index + 1}), ('b', 0)]\n"
        "        >>> list(range(100))  # doctest: +ELLIPSIS\n"
        "        [0, 1, 2, ..., 99]\n"
        '        """\n'
        "        self.value += by\n"
        "        return self.value\n"
        "\n"
        "\n"
    )


def module_text(functions: int) -> tuple[str, int]:
    """The module's text and how many examples it holds."""
    classes = functions // 5
    text = '"""Generated for bench/doctests.py: quick docstring examples, all passing."""\n\n\n'
    text += "".join(function_text(index) for index in range(functions))
    text += "".join(class_text(index) for index in range(classes))
    return text, 5 * functions + 5 * classes


class Testmod:
    """A plain interpreter that imported the module once and runs ``doctest.testmod`` on it when asked."""

    def __init__(self, folder: Path, warmup: int) -> None:
        self.child = subprocess.Popen(
            [sys.executable, "-c", TESTMOD, MODULE, str(warmup)],
            cwd=folder,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, examples: int) -> float:
        """Milliseconds of one ``testmod``, which must have passed every example."""
        assert self.child.stdin is not None and self.child.stdout is not None
        self.child.stdin.write("\n")
        self.child.stdin.flush()
        elapsed, attempted, failed, printed = json.loads(self.child.stdout.readline())
        if (attempted, failed) != (examples, 0):
            raise RuntimeError(f"testmod: {failed} of {attempted} failed (expected {examples} passing)\n{printed}")
        return float(elapsed)

    def close(self) -> None:
        if self.child.stdin is not None:
            self.child.stdin.close()
        self.child.wait()


def python_m_doctest(path: Path) -> float:
    """Milliseconds of ``python -m doctest file.py``, start to exit; it must pass."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "doctest", path.name], cwd=path.parent, capture_output=True, text=True)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"python -m doctest failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


async def evalens_doctest(editor: Editor, uri: str, examples: int) -> tuple[float, Any]:
    """Milliseconds of one `evalens.doctest` round trip, which must have passed every example,
    and its answer."""
    started = time.perf_counter()
    result = await editor.execute("evalens.doctest", {"uri": uri})
    elapsed = (time.perf_counter() - started) * 1000
    outcome = (field(result, "ok"), field(result, "passed"), field(result, "failed"))
    if outcome != (True, examples, 0):
        raise RuntimeError(f"evalens.doctest: ok, passed, failed = {outcome} (expected {examples} passing)")
    return elapsed, result


async def floor_doctest(floor: Editor, answer_file: Path) -> float:
    """Milliseconds of one `evalens.doctest` round trip to the bare pygls floor server."""
    started = time.perf_counter()
    await floor.execute("evalens.doctest", {"floorAnswerFile": str(answer_file)})
    return (time.perf_counter() - started) * 1000


async def measure(runs: int, functions: int = 60, warmup: int = 3) -> tuple[dict[str, list[float]], int]:
    """Milliseconds per run of each of the four, and the module's example count."""
    text, examples = module_text(functions)
    samples: dict[str, list[float]] = {
        "evalens.doctest": [],
        "doctest.testmod, warm": [],
        "python -m doctest": [],
        "floor: the answer alone": [],
    }
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / f"{MODULE}.py"
        answer_file = folder / "answer.json"
        editor = await connect([sys.executable, "-m", "evalens"], folder)
        floor = await connect([sys.executable, str(HERE / "floor_server.py")], folder)
        testmod = Testmod(folder, warmup)
        try:
            uri = editor.open(path.name, text, on_disk=True)
            await editor.settled()  # the document's diagnostics, jedi's start: over before anything is timed
            _, answer = await evalens_doctest(editor, uri, examples)
            answer_file.write_text(json.dumps(plain(answer)))
            for run in range(warmup + runs):
                timed = {
                    "evalens.doctest": (await evalens_doctest(editor, uri, examples))[0],
                    "doctest.testmod, warm": testmod.run(examples),
                    "python -m doctest": python_m_doctest(path),
                    "floor: the answer alone": await floor_doctest(floor, answer_file),
                }
                if run >= warmup:
                    for key, value in timed.items():
                        samples[key].append(value)
        finally:
            testmod.close()
            await disconnect(editor.client)
            await disconnect(floor.client)
    return samples, examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--functions", type=int, default=60, help="generated functions (5 examples each, and classes)")
    args = parser.parse_args()
    start_like_a_user()
    samples, examples = asyncio.run(measure(args.runs, args.functions))
    print(f"all {examples} examples of a generated module, {args.runs} runs each (ms)")
    print(f"{'':<26}{'median':>10}{'p95':>10}{'min':>10}")
    for name, values in samples.items():
        print(f"{name:<26}{statistics.median(values):>10.2f}{percentile(values, 0.95):>10.2f}{min(values):>10.2f}")
    ours = statistics.median(samples["evalens.doctest"])
    testmod = statistics.median(samples["doctest.testmod, warm"])
    wall = statistics.median(samples["python -m doctest"])
    print(f"evalens.doctest / testmod (warm)    median ratio {ours / testmod:.2f} (target <= 1.2)")
    fastest = min(samples["evalens.doctest"]) / min(samples["doctest.testmod, warm"])
    print(f"evalens.doctest / testmod (warm)    fastest against fastest {fastest:.2f}")
    print(f"evalens.doctest / python -m doctest median ratio {ours / wall:.2f} (target well under 1)")
    floor = statistics.median(samples["floor: the answer alone"])
    print(f"(testmod + the answer's floor) / testmod     {(testmod + floor) / testmod:.2f}")


if __name__ == "__main__":
    main()
