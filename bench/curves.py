"""Cost curves: keystroke and reload cost against the number of open documents and the size of one.

    python bench/curves.py [--edits N] [--runs N] [--settle S] [--documents 1,10,100,1000] [--lines 1000,10000,50000]

Keystroke cost is bench/keystroke.py's measurement (what a one-character
incremental didChange adds to the next request's round trip); reload cost is
bench/reload.py's (evaluate after editing a leaf and the root of an import
tree; a one-line function edit and a call of it in one big document, with each
reload setting, beside re-executing it in a plain interpreter). Writes bench/results/curves.json (the numbers) and
bench/results/curves.png (the plot).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import keystroke
import reload
from lsp_session import summary

RESULTS = Path(__file__).resolve().parent / "results"
Figures = dict[str, float]


def figures(samples: list[float]) -> Figures:
    median, p95 = summary(samples)
    return {"median": round(median, 3), "p95": round(p95, 3), "min": round(min(samples), 3)}


def keystroke_cost(documents: dict[str, str], edits: int, settle: float) -> Figures:
    baseline, edited = asyncio.run(keystroke.session(documents, edits, settle))
    floor = statistics.median(baseline)
    return figures([sample - floor for sample in edited])


def collect(documents: list[int], lines: list[int], edits: int, runs: int, settle: float) -> dict[str, Any]:
    """Every point of both curves; progress goes to stderr."""
    data: dict[str, Any] = {
        "settings": {"edits": edits, "runs": runs, "settle": settle},
        "machine": {"cpus": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()]},
        "keystroke": {"documents": {}, "lines": {}},
        "reload": {"documents": {}, "lines": {}},
    }
    for count in documents:
        print(f"  curves: {count} documents", file=sys.stderr, flush=True)
        modules = {f"mod{i}.py": keystroke.MODULE for i in range(count)}
        data["keystroke"]["documents"][str(count)] = keystroke_cost(modules, edits, settle)
        tree = asyncio.run(reload.tree_case(count, runs))
        data["reload"]["documents"][str(count)] = {
            kind: {**figures(row["ms"]), "no edit median": figures(row["no edit ms"])["median"]}
            | {"module": row["module"], "expected": row["expected"], "reloaded": sorted(set(row["reloaded"]))}
            for kind, row in tree.items()
        }
    for size in lines:
        print(f"  curves: one {size}-line document", file=sys.stderr, flush=True)
        data["keystroke"]["lines"][str(size)] = keystroke_cost({"big.py": "x = 1\n" * size}, edits, settle)
        # compile speed drifts on a busy machine: this ratio wants more samples than the others
        big = asyncio.run(reload.big_case(size, max(runs, 9)))
        data["reload"]["lines"][str(size)] = {name: figures(samples) for name, samples in big.items()}
    return data


def plot(data: dict[str, Any], path: Path) -> None:
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    counts = [int(n) for n in data["keystroke"]["documents"]]
    keys = data["keystroke"]["documents"].values()
    left.plot(counts, [k["median"] for k in keys], "o-", label="keystroke, median")
    left.plot(counts, [k["p95"] for k in keys], "o--", label="keystroke, p95")
    trees = list(data["reload"]["documents"].values())
    for kind, style in (("leaf", "s-"), ("root", "^-")):
        left.plot(counts, [tree[kind]["median"] for tree in trees], style, label=f"edit {kind} + eval, median")
    left.axhline(2.0, color="grey", linestyle=":", label="2 ms (keystroke p95 target)")
    left.set(xscale="log", xlabel="open documents", ylabel="ms", title="cost against open documents")
    sizes = [int(n) for n in data["keystroke"]["lines"]]
    keys = data["keystroke"]["lines"].values()
    bigs = data["reload"]["lines"].values()
    right.plot(sizes, [k["median"] for k in keys], "o-", label="keystroke, median")
    right.plot(sizes, [k["p95"] for k in keys], "o--", label="keystroke, p95")
    right.plot(sizes, [b["evalens changed"]["median"] for b in bigs], "s-", label='function edit + call, "changed"')
    right.plot(sizes, [b["evalens module"]["median"] for b in bigs], "d-", label='function edit + call, "module"')
    right.plot(sizes, [b["plain exec"]["median"] for b in bigs], "x:", label="plain exec(compile(src)), median")
    right.axhline(2.0, color="grey", linestyle=":", label="2 ms (keystroke p95 target)")
    right.set(xscale="log", xlabel="lines in the document", ylabel="ms", title="cost against file size")
    for axes in (left, right):
        axes.set_yscale("symlog", linthresh=0.1)  # a keystroke's median cost can measure at or below zero
        axes.set_ylim(bottom=0)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8)
    load = data["machine"]["loadavg"]
    figure.suptitle(f"evalens cost curves ({data['machine']['cpus']} CPUs, load {load[0]} at start)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write(data: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "curves.json").write_text(json.dumps(data, indent=2) + "\n")
    plot(data, RESULTS / "curves.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=100, help="keystrokes per point")
    parser.add_argument("--runs", type=int, default=5, help="evaluations per reload point")
    parser.add_argument("--settle", type=float, default=keystroke.SETTLE, help="seconds after opening (keystrokes)")
    parser.add_argument("--documents", default="1,10,100,1000")
    parser.add_argument("--lines", default="1000,10000,50000")
    args = parser.parse_args()
    documents = [int(n) for n in args.documents.split(",")]
    lines = [int(n) for n in args.lines.split(",")]
    data = collect(documents, lines, args.edits, args.runs, args.settle)
    write(data)
    print(json.dumps({k: data[k] for k in ("keystroke", "reload")}, indent=1))
    print(f"wrote {RESULTS / 'curves.json'} and {RESULTS / 'curves.png'}")


if __name__ == "__main__":
    main()
