"""Reloads: evaluating after an edit, with many modules and in a big one.

    python bench/reload.py [--runs N] [--documents 1,100,1000] [--lines 50000]

Many modules, with the setting ``reload: "module"`` (whole modules, whose
reach this case counts): N open documents form an import tree (``mod{i}``
imports its parent ``mod{(i-1)//2}``), all loaded. Then one module is edited
(a comment line inserted, incrementally) and ``evalens.eval`` runs in it: the
figures are the modules executed by that evaluation (each module's text
records its own execution, so the count comes from the interpreter itself)
against the count the contract asks for (the module and the modules importing
it, directly or not), and the round trip, beside the same evaluation without
an edit. The edited module is a leaf, a module in the middle of the tree, and
the root.

Big file: a document of ``--lines`` lines of functions, one function's body
edited (one line, its value alternating): the round trip of evaluating a call
of it after the edit, with ``reload: "changed"`` (the function patched in
place, nothing else run) and with ``reload: "module"`` (the whole text run
again), against re-executing the same text in a plain interpreter
(``exec(compile(src))`` in the module's namespace, timed in a subprocess of the
same Python), the three taking turns. Targets: ``"module"`` at most 1.2x the
plain re-execution; ``"changed"`` well under it.

In the interpreter: the same edit, with no editor, server or pipe around it:
the worker's own update (``evalens.worker.updates.update``, what
``"changed"`` runs before the call) against ``exec(compile(src))`` of the
edited text, in one process, taking turns. Target: under 5 ms plus the patched
code's own cost (here a one-line function, nothing to run).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

from evalens.worker import updates
from lsp_session import Editor, connect, disconnect, field, summary

BODY = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(12))
RECORD = 'sys.__dict__.setdefault("bench_executed", []).append(__name__)\n'
COUNT = "_bench_n = len(sys.bench_executed)\nsys.bench_executed.clear()\n_bench_n"
PLAIN_EXEC = """
import sys, time
source = open(sys.argv[1], encoding="utf-8").read()
namespace = {"__name__": "big"}
exec(compile(source, "big.py", "exec", dont_inherit=True), namespace)  # warm-up
for _ in sys.stdin:
    started = time.perf_counter()
    exec(compile(source, "big.py", "exec", dont_inherit=True), namespace)
    print((time.perf_counter() - started) * 1000, flush=True)
"""


def module_text(index: int) -> str:
    parent = f"import mod{(index - 1) // 2}\n" if index else ""
    return f"import sys\n{parent}{RECORD}{BODY}"


def dependents(index: int, count: int) -> int:
    """``mod{index}`` and every module importing it, directly or not: its subtree."""
    total, level = 0, [index]
    while level:
        total += len(level)
        level = [child for i in level for child in (2 * i + 1, 2 * i + 2) if child < count]
    return total


async def eval_after_edit(editor: Editor, uri: str, code: str, edit: bool) -> tuple[float, Any]:
    """Milliseconds from the (optional) edit to the Result, and the Result."""
    started = time.perf_counter()
    if edit:
        editor.insert(uri, 0, "# edited\n")
    result = await editor.evaluate(uri, code)
    return (time.perf_counter() - started) * 1000, result


async def tree_case(count: int, runs: int) -> dict[str, dict[str, Any]]:
    """Per edited module (leaf, middle, root): expected and measured reload counts, and times
    (whole-module reloads: the reach of an edit, in modules)."""
    middle = (1 << (count.bit_length() // 2)) - 1
    targets = (
        {"leaf": count - 1, "root": 0} if middle in (0, count - 1) else {"leaf": count - 1, "middle": middle, "root": 0}
    )
    with tempfile.TemporaryDirectory() as folder:
        editor = await connect([sys.executable, "-m", "evalens"], Path(folder), {"reload": "module"})
        try:
            uris = [editor.open(f"mod{i}.py", module_text(i)) for i in range(count)]
            driver = editor.open("driver.py", "")
            await editor.wait_published([*uris, driver])  # the first diagnostics pass is over: steady state
            await editor.evaluate(driver, "\n".join(f"import mod{i}" for i in range(count)))
            found: dict[str, dict[str, Any]] = {}
            for kind, index in targets.items():
                uri = editor.uri(f"mod{index}.py")
                await eval_after_edit(editor, uri, COUNT, edit=False)  # start from a cleared record
                row: dict[str, Any] = {"module": index, "expected": dependents(index, count)}
                row["reloaded"], row["ms"], row["no edit ms"] = [], [], []
                for _ in range(runs):
                    elapsed, result = await eval_after_edit(editor, uri, COUNT, edit=True)
                    row["ms"].append(elapsed)
                    row["reloaded"].append(int(field(field(result, "value"), "repr")))
                    row["no edit ms"].append((await eval_after_edit(editor, uri, COUNT, edit=False))[0])
                found[kind] = row
        finally:
            await disconnect(editor.client)
    return found


def big_source(lines: int) -> str:
    return "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(lines // 3))


class PlainExec:
    """A plain interpreter that re-executes ``source`` (compile + exec) each time it is asked."""

    def __init__(self, source: str, folder: Path) -> None:
        path = folder / "plain_big.py"
        path.write_text(source, encoding="utf-8")
        self.child = subprocess.Popen(
            [sys.executable, "-c", PLAIN_EXEC, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def run(self) -> float:
        """Milliseconds of one re-execution."""
        assert self.child.stdin is not None and self.child.stdout is not None
        self.child.stdin.write("\n")
        self.child.stdin.flush()
        return float(self.child.stdout.readline())

    def close(self) -> None:
        if self.child.stdin is not None:
            self.child.stdin.close()
        self.child.wait()


async def edit_then_call(editor: Editor, uri: str, line: int, value: int) -> float:
    """Milliseconds from a one-line edit of a function's body (it returns ``x + value``) to the
    Result of calling it, which must give the edited value."""
    started = time.perf_counter()
    editor.edit(uri, (line, 0), (line + 1, 0), f"    return x + {value}\n")
    result = await editor.evaluate(uri, f"f{line // 3}(0)")
    elapsed = (time.perf_counter() - started) * 1000
    if field(field(result, "value"), "repr") != str(value):
        raise RuntimeError(f"the edited function gave {field(field(result, 'value'), 'repr')}, not {value}")
    return elapsed


async def big_case(lines: int, runs: int) -> dict[str, list[float]]:
    """A one-line function edit + call in a ``lines``-line document, with each reload setting,
    and the plain re-execution, taking turns (the machine's speed drifts; each triple meets the
    same moment)."""
    source = big_source(lines)
    line = 3 * (lines // 6) + 1  # the `return` line of the function in the middle
    samples: dict[str, list[float]] = {"evalens changed": [], "evalens module": [], "plain exec": []}
    with tempfile.TemporaryDirectory() as folder:
        editors: dict[str, Editor] = {}
        for mode in ("changed", "module"):
            workspace = Path(folder) / mode
            workspace.mkdir()
            editors[mode] = await connect([sys.executable, "-m", "evalens"], workspace, {"reload": mode})
        plain = PlainExec(source, Path(folder))
        try:
            uris = {}
            for mode, editor in editors.items():
                uris[mode] = editor.open("big.py", source)
                await editor.wait_published([uris[mode]])
                await editor.evaluate(uris[mode], "1")
            for run in range(runs + 1):  # the first edit of "changed" reads the module's statements: unmeasured
                for mode, editor in editors.items():
                    published = editor.published.get(uris[mode], 0)
                    elapsed = await edit_then_call(editor, uris[mode], line, 1000 + run)
                    # The edit's diagnostics pass is part of its cost, but must not overlap the next run.
                    await editor.wait_published([uris[mode]], 30, after=published)
                    if run:
                        samples[f"evalens {mode}"].append(elapsed)
                elapsed = plain.run()
                if run:
                    samples["plain exec"].append(elapsed)
        finally:
            plain.close()
            for editor in editors.values():
                await disconnect(editor.client)
    return samples


def update_case(lines: int, runs: int) -> dict[str, list[float]]:
    """The one-line function edit brought up to date by the worker's update, in this process,
    beside a plain re-execution of the edited text (each run: one of each)."""
    source = big_source(lines)
    line = 3 * (lines // 6) + 1
    module = types.ModuleType("big")
    exec(compile(source, "big.py", "exec", dont_inherit=True), module.__dict__)
    baseline = updates.Baseline(source)
    samples: dict[str, list[float]] = {"update": [], "plain exec": []}
    rows = source.splitlines(keepends=True)
    for run in range(runs + 1):  # the first update reads the module's statements: unmeasured
        rows[line] = f"    return x + {2000 + run}\n"
        text = "".join(rows)
        started = time.perf_counter()
        _, _, baseline = updates.update(
            module, baseline, text, "big.py", False, {}, lambda code: exec(code, module.__dict__)
        )
        elapsed = (time.perf_counter() - started) * 1000
        if module.__dict__[f"f{line // 3}"](0) != 2000 + run:
            raise RuntimeError("the update did not patch the edited function")
        if run:
            samples["update"].append(elapsed)
            started = time.perf_counter()
            exec(compile(text, "big.py", "exec", dont_inherit=True), {"__name__": "big"})
            samples["plain exec"].append((time.perf_counter() - started) * 1000)
    return samples


def print_tree(count: int, rows: dict[str, dict[str, Any]]) -> None:
    for kind, row in rows.items():
        median, p95 = summary(row["ms"])
        reloaded = sorted(set(row["reloaded"]))
        print(
            f"{count:>9,} {kind + ' mod' + str(row['module']):<16}{row['expected']:>9}{','.join(map(str, reloaded)):>10}"
            f"{median:>10.1f}{p95:>10.1f}{summary(row['no edit ms'])[0]:>10.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--documents", default="1,100,1000", help="comma-separated document counts")
    parser.add_argument("--lines", type=int, default=50_000)
    args = parser.parse_args()
    print(f"evaluate after editing one module of an import tree, {args.runs} runs (ms)")
    print(f"{'documents':>9} {'edited':<16}{'expected':>9}{'reloaded':>10}{'median':>10}{'p95':>10}{'no edit':>10}")
    for count in (int(n) for n in args.documents.split(",")):
        print_tree(count, asyncio.run(tree_case(count, args.runs)))
    big = asyncio.run(big_case(args.lines, args.runs))
    print(f"\na one-line function edit + a call of it in a {args.lines:,}-line document, {args.runs} runs (ms)")
    print(f"{'':<40}{'median':>10}{'p95':>10}")
    for name, label in (
        ("evalens changed", 'evalens, reload "changed"'),
        ("evalens module", 'evalens, reload "module"'),
        ("plain exec", "plain python: exec(compile(src))"),
    ):
        print(f"{label:<40}{summary(big[name])[0]:>10.1f}{summary(big[name])[1]:>10.1f}")
    plain = summary(big["plain exec"])[0]
    print(f'"module" / plain exec median ratio {summary(big["evalens module"])[0] / plain:.2f} (target <= 1.2)')
    print(f'"changed" / plain exec median ratio {summary(big["evalens changed"])[0] / plain:.3f}')
    inside = update_case(args.lines, args.runs)
    print(f"\nthe same edit brought up to date inside the interpreter, {args.runs} runs (ms)")
    print(f"{'':<40}{'median':>10}{'p95':>10}")
    print(
        f"{'evalens worker update (reload changed)':<40}{summary(inside['update'])[0]:>10.1f}{summary(inside['update'])[1]:>10.1f}"
    )
    print(
        f"{'plain python: exec(compile(src))':<40}{summary(inside['plain exec'])[0]:>10.1f}{summary(inside['plain exec'])[1]:>10.1f}"
    )
    print(f"update median {summary(inside['update'])[0]:.1f} ms (target < 5)")


if __name__ == "__main__":
    main()
