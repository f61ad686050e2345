"""Rich output's cost: a run that shows a 1 MB PNG, and capturing a matplotlib figure.

    python bench/display.py [--runs N]

1. A 1 MB PNG: `evalens.eval` of a value whose `_repr_png_` returns 1,000,000 bytes,
   through a real LSP session over stdio; the editor gets the image twice, as an
   `evalens/display` notification during the run and in the Result's `display`
   (1,333,336 base64 characters each). The floor: the bare pygls server answering
   the same command with a constant Result carrying the same base64 once. Target:
   evalens within 1.5x of the floor (median).
2. A figure, in the interpreter: what evalens does to show a changed figure (draw it as
   PNG, base64, encode the bundle for the channel) against `fig.savefig(BytesIO(),
   format="png")` alone, on the same figure (a line of 1,000 points, matplotlib's
   default size and dpi). Target: within 1.2x (median).
3. A figure, end to end: `evalens.eval` of a change to a pyplot figure, which shows it at
   the end of the run, against the same change to a figure pyplot does not track plus
   `savefig` into a buffer in user code (the same drawing, nothing shown).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsp_session import connect, disconnect, field, summary

HERE = Path(__file__).resolve().parent
SIZE = 1_000_000
BASE64 = 4 * ((SIZE + 2) // 3)
IMAGE = (
    "import os\n"
    f"DATA = os.urandom({SIZE})\n"
    "class Image:\n"
    "    def _repr_png_(self):\n"
    "        return DATA\n"
    "    def __repr__(self):\n"
    "        return '<Image>'\n"
)
FIGURE = (
    "import io, math\n"
    "import matplotlib.pyplot as plt\n"
    "from matplotlib.figure import Figure\n"
    "xs = [i / 100 for i in range(1000)]\n"
    "shown, (line,) = plt.figure(), plt.plot(xs, [math.sin(x) for x in xs])\n"
    "hidden = Figure()\n"
    "(quiet,) = hidden.add_subplot().plot(xs, [math.sin(x) for x in xs])\n"
    "step = 0\n"
    "def wave():\n"
    "    global step\n"
    "    step += 1\n"
    "    return [math.sin(x + step) for x in xs]\n"
)


async def image_round_trips(command: list[str], runs: int, warmup: int = 3) -> list[float]:
    """Milliseconds per `evalens.eval` that shows a 1 MB PNG (the floor: carries its base64)."""
    with tempfile.TemporaryDirectory() as folder:
        editor = await connect(command, Path(folder))
        uri = editor.open("image.py", IMAGE)
        argument = {"uri": uri, "code": "Image()", "floorDisplayChars": BASE64}
        samples = []
        try:
            await editor.evaluate(uri, "0")  # loads the module: DATA exists
            for index in range(warmup + runs):
                editor.displays.clear()
                started = time.perf_counter()
                result = await editor.execute("evalens.eval", argument)
                elapsed = (time.perf_counter() - started) * 1000
                [bundle] = field(result, "display")
                assert len(field(field(bundle, "data"), "image/png")) == BASE64
                if index >= warmup:
                    samples.append(elapsed)
        finally:
            await disconnect(editor.client)
    return samples


def figure_in_process(runs: int, warmup: int = 3) -> dict[str, list[float]]:
    """Milliseconds to show a changed figure as evalens' worker does, and to savefig it alone."""
    sys.path.insert(0, str(HERE.parent / "server"))
    import math

    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt

    from evalens.worker.displays import Displays
    from evalens.worker.figures import FigureTracker
    from evalens.worker.mimebundles import encode_display

    sent: list[bytes] = []
    tracker = FigureTracker(Displays(sent.append, print, lambda: None))
    xs = [i / 100 for i in range(1000)]
    figure = plt.figure()
    (line,) = plt.plot(xs, [math.sin(x) for x in xs])
    samples: dict[str, list[float]] = {"savefig alone": [], "evalens shows it": []}
    for index in range(warmup + runs):
        for name in samples:
            line.set_ydata([math.sin(x + index) for x in xs])
            started = time.perf_counter()
            if name == "savefig alone":
                figure.savefig(io.BytesIO(), format="png")
            else:
                bundle = tracker.render(figure)
                assert bundle is not None
                sent.append(encode_display(1, bundle))
            if index >= warmup:
                samples[name].append((time.perf_counter() - started) * 1000)
        sent.clear()
    plt.close(figure)
    return samples


async def figure_round_trips(runs: int, warmup: int = 3) -> dict[str, list[float]]:
    """Milliseconds per `evalens.eval` changing a figure: shown at the end of the run, or
    (not tracked by pyplot) drawn by `savefig` in user code."""
    codes = {
        "savefig in user code": "quiet.set_ydata(wave()); hidden.savefig(io.BytesIO(), format='png')",
        "evalens shows it": "line.set_ydata(wave())",
    }
    samples: dict[str, list[float]] = {name: [] for name in codes}
    with tempfile.TemporaryDirectory() as folder:
        editor = await connect([sys.executable, "-m", "evalens"], Path(folder))
        uri = editor.open("figure.py", FIGURE)
        try:
            await editor.evaluate(uri, "0")
            for index in range(warmup + runs):
                for name, code in codes.items():
                    started = time.perf_counter()
                    result = await editor.execute("evalens.eval", {"uri": uri, "code": code})
                    elapsed = (time.perf_counter() - started) * 1000
                    assert field(result, "ok"), field(result, "error")
                    assert len(field(result, "display")) == (name == "evalens shows it")
                    if index >= warmup:
                        samples[name].append(elapsed)
        finally:
            await disconnect(editor.client)
    return samples


def table(title: str, rows: dict[str, list[float]]) -> None:
    print(title)
    print(f"{'':<26}{'median':>10}{'p95':>10}")
    for name, values in rows.items():
        median, p95 = summary(values)
        print(f"{name:<26}{median:>10.2f}{p95:>10.2f}")


def ratio(rows: dict[str, list[float]], top: str, bottom: str) -> float:
    return statistics.median(rows[top]) / statistics.median(rows[bottom])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    image = {
        "floor (bare pygls)": asyncio.run(
            image_round_trips([sys.executable, str(HERE / "floor_server.py")], args.runs)
        ),
        "evalens": asyncio.run(image_round_trips([sys.executable, "-m", "evalens"], args.runs)),
    }
    table(f"a run that shows a 1 MB PNG ({BASE64:,} base64 characters), {args.runs} runs (ms)", image)
    print(f"evalens / floor  median ratio {ratio(image, 'evalens', 'floor (bare pygls)'):.2f} (target <= 1.5)\n")
    shown = figure_in_process(args.runs)
    table(f"showing a changed figure in the interpreter (640x480 PNG), {args.runs} runs (ms)", shown)
    print(f"evalens / savefig  median ratio {ratio(shown, 'evalens shows it', 'savefig alone'):.2f} (target <= 1.2)\n")
    ends = asyncio.run(figure_round_trips(args.runs))
    table(f"evalens.eval changing a figure, {args.runs} runs (ms)", ends)
    print(f"shown / savefig in user code  median ratio {ratio(ends, 'evalens shows it', 'savefig in user code'):.2f}")


if __name__ == "__main__":
    main()
