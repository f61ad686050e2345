"""Settling: the static side's work after many real files are opened at once, and what a
request waits meanwhile.

    python bench/settle.py [--packages NAME ...]

Copies six installed packages (rich, _pytest, cattrs, toolz, packaging, attr: 287
files) into a workspace, opens every file at once as an editor restoring a session
does, and reports: open to ``analysis: idle`` in ``evalens.status`` (every diagnostics
pass, preloading and jedi's start over), open to the first ``evalens.eval`` result,
and the round trips of hover and completion sent (one after the other, again and again)
while the analysis is still busy, beside the same requests once it is idle; and all of it
again with only the probed file open, the control for what a request costs anyway.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types

from lsp_session import connect, disconnect

PACKAGES = ["rich", "_pytest", "cattrs", "toolz", "packaging", "attr"]


def copy_packages(names: list[str], workspace: Path) -> list[Path]:
    """The packages' source trees copied under ``workspace``; their .py files."""
    files: list[Path] = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"package {name} is not installed: pip install it or pass --packages")
        source = Path(next(iter(spec.submodule_search_locations)))
        shutil.copytree(source, workspace / name, ignore=shutil.ignore_patterns("__pycache__"))
        files += sorted((workspace / name).rglob("*.py"))
    return files


async def probe(editor, uri: str, line: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Hover and completion round trips (ms) at the start of ``line`` of ``uri``."""
    where = types.TextDocumentPositionParams(types.TextDocumentIdentifier(uri), types.Position(line, 4))
    started = time.perf_counter()
    await editor.client.text_document_hover_async(types.HoverParams(where.text_document, where.position))
    hovered = time.perf_counter()
    await editor.client.text_document_completion_async(types.CompletionParams(where.text_document, where.position))
    return (hovered - started) * 1000, (time.perf_counter() - hovered) * 1000


async def measure(names: list[str], alone: bool = False) -> dict[str, float | int]:
    """With ``alone``, only the probed file (rich/console.py) is opened: the control."""
    workspace = Path(tempfile.mkdtemp())
    files = copy_packages(names, workspace)
    probed = workspace / "rich" / "console.py"
    if alone:
        files = [probed]
    editor = await connect([sys.executable, "-m", "evalens"], workspace)
    began = time.perf_counter()
    for path in files:
        editor.open_uri(path.as_uri(), path.read_text(encoding="utf-8"))
    main = editor.open("main.py", "import toolz\n")
    await editor.evaluate(main, "1 + 1")
    first = time.perf_counter() - began
    busy: list[tuple[float, float]] = []
    while (await editor.status())["analysis"]["state"] != "idle":
        busy.append(await probe(editor, probed.as_uri(), 50))
    settled = time.perf_counter() - began
    idle = [await probe(editor, probed.as_uri(), 50) for _ in range(5)]
    await disconnect(editor.client)
    shutil.rmtree(workspace)
    later = busy[1:]
    return {
        "files opened": len(files),
        "open to analysis idle, s": settled,
        "open to first eval result, s": first,
        "first hover, ms": busy[0][0] if busy else 0.0,
        "first completion, ms": busy[0][1] if busy else 0.0,
        "later probes while busy": len(later),
        "later hover while busy, median ms": statistics.median(h for h, _ in later) if later else 0.0,
        "later hover while busy, max ms": max((h for h, _ in later), default=0.0),
        "later completion while busy, median ms": statistics.median(c for _, c in later) if later else 0.0,
        "later completion while busy, max ms": max((c for _, c in later), default=0.0),
        "hover when idle, median ms": statistics.median(h for h, _ in idle),
        "completion when idle, median ms": statistics.median(c for _, c in idle),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", nargs="+", default=PACKAGES)
    args = parser.parse_args()
    everything = asyncio.run(measure(args.packages))
    control = asyncio.run(measure(args.packages, alone=True))
    print(f"{'':<42}{'all open':>10}{'one open':>10}")
    for name, value in everything.items():
        print(
            f"{name:<42}"
            + "".join(f"{v:>10.2f}" if isinstance(v, float) else f"{v:>10}" for v in (value, control[name]))
        )


if __name__ == "__main__":
    main()
