"""Cost of a keystroke (`didChange`) with many open documents and in a big file.

    python bench/keystroke.py [--edits N] [--settle S] [--interval S] [--big-only]

For 1, 100 and 1,000 open documents of about 40 lines each, and for one
50,000-line document, sends single-character incremental edits, each followed
by an `evalens.status` request, and reports the round trip minus the same
request's round trip without an edit (the cost the edit adds), median and p95.
``--interval`` paces the keystrokes like a typist (0.25 lets the debounced
diagnostics pass run between keystrokes); ``--settle 3`` measures typing while
the first diagnostics pass of the big document is still running.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types

from lsp_session import connect, disconnect, percentile

#: Seconds to wait, once evalens reports its analysis idle (the first diagnostics pass over
#: every document, preloading, jedi's environments: all over), before typing starts.
SETTLE = 1.0
MODULE = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(13))


async def session(
    documents: dict[str, str], edits: int, settle: float = SETTLE, interval: float = 0.0
) -> tuple[list[float], list[float]]:
    workspace = Path(tempfile.mkdtemp())
    editor = await connect([sys.executable, "-m", "evalens"], workspace)
    client = editor.client
    uris = [editor.open(name, text) for name, text in documents.items()]
    status = types.ExecuteCommandParams(command="evalens.status", arguments=[{}])

    async def ping() -> float:
        started = time.perf_counter()
        answer: Any = await client.workspace_execute_command_async(status)
        assert answer is not None
        return (time.perf_counter() - started) * 1000

    for _ in range(50):
        await ping()
    await editor.settled()  # the open documents' diagnostics, preloading, jedi's start: all over
    await asyncio.sleep(settle)  # and the machine quiet again (the processes that did it exit)
    target = uris[0]
    line = len(documents[next(iter(documents))].splitlines()) // 2
    baseline, edited = [], []
    # Timed: the bare client calls, the request built once and the change before the clock
    # starts (editor.insert would build it inside).
    for version in range(2, edits + 2):
        baseline.append(await ping())
        editor.versions[target] = version
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(line, 0), types.Position(line, 0)), text="#"
        )
        started = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=target), [change]
            )
        )
        answer: Any = await client.workspace_execute_command_async(status)
        assert answer is not None
        edited.append((time.perf_counter() - started) * 1000)
        if interval:
            await asyncio.sleep(interval)  # typing speed: lets the debounced diagnostics pass run
    await disconnect(client)
    return baseline, edited


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=300)
    parser.add_argument("--settle", type=float, default=SETTLE, help="seconds to wait after the analysis settled")
    parser.add_argument("--interval", type=float, default=0.0, help="seconds between keystrokes (default: none)")
    parser.add_argument("--big-only", action="store_true", help="only the 50,000-line document")
    args = parser.parse_args()
    cases = {f"{n} open documents": {f"mod{i}.py": MODULE for i in range(n)} for n in (1, 100, 1000)}
    if args.big_only:
        cases = {}
    cases["one 50,000-line document"] = {"big.py": "x = 1\n" * 50_000}
    print(f"keystroke cost: didChange + status minus status alone, {args.edits} edits (ms)")
    print(f"{'case':<28}{'median':>10}{'p95':>10}")
    for name, documents in cases.items():
        baseline, edited = asyncio.run(session(documents, args.edits, args.settle, args.interval))
        extra = [e - statistics.median(baseline) for e in edited]
        print(f"{name:<28}{statistics.median(extra):>10.3f}{percentile(extra, 0.95):>10.3f}")


if __name__ == "__main__":
    main()
