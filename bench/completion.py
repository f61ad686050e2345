"""Completion and hover latency: evalens against jedi-language-server 0.47 and pylsp 1.15, in one run.

    python bench/completion.py [--rounds 1]

The peers (and tornado, whose ``web.py`` is one of the files) are installed
into a separate venv, /tmp/bench-peers, created on first use. Every server
gets the same files (the stdlib's ``typing.py``, tornado's ``web.py``), the
same positions and the same edits (each completion follows a didChange, so
no server answers from a cache of the previous request), from a client that
advertises VS Code's capabilities (snippet support included).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import subprocess
import sys
import time
import tokenize
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pytest_lsp import client_capabilities

from lsp_session import Editor, percentile, reap, start_like_a_user
from peers import ensure_peers, version

PER_FILE = 6  # positions per file
TIMEOUT = 60.0


def peer_files(python: Path) -> list[Path]:
    code = "import json, typing, tornado.web; print(json.dumps([typing.__file__, tornado.web.__file__]))"
    return [Path(p) for p in json.loads(subprocess.check_output([str(python), "-c", code]))]


def positions(text: str) -> list[tuple[int, int]]:
    """Right after ``name.`` where a name follows, in code (never in a string or a comment,
    where every server answers an empty list at once), spread through the file."""
    found = []
    lines = text.splitlines()
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    for before, dot, after in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if (
            dot.string == "."
            and before.type == tokenize.NAME
            and after.type == tokenize.NAME
            and before.end == dot.start
            and dot.end == after.start
            and not lines[dot.start[0] - 1].lstrip().startswith(("from ", "import "))
        ):
            found.append((dot.end[0] - 1, dot.end[1]))
    step = max(len(found) // PER_FILE, 1)
    return found[::step][:PER_FILE]


def item_count(answer: object) -> int:
    if isinstance(answer, types.CompletionList):
        return len(answer.items)
    return len(answer) if isinstance(answer, list) else 0


async def measure(
    command: list[str], options: dict[str, object], files: list[Path], rounds: int
) -> dict[str, list[float]]:
    client = LanguageClient("bench", "1")
    # pylsp and jedi-language-server advertise notebook sync in a shape lsprotocol cannot
    # structure, which would leave the initialize request unanswered: the bench ignores it.
    client.protocol._converter.register_structure_hook(types.NotebookDocumentSyncOptions, lambda obj, _type: None)
    editor = Editor(client, files[0].parent)

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def configuration(params: types.ConfigurationParams) -> list[object]:
        return [options for _ in params.items]

    started = time.perf_counter()
    await client.start_io(*command)
    await editor.initialize(options, client_capabilities("visual-studio-code"))
    results: dict[str, list[float]] = {"first": [], "completion": [], "hover": [], "items": []}
    for index, path in enumerate(files):
        text = path.read_text()
        uri = editor.open_uri(path.as_uri(), text)
        spots = positions(text)
        doc = types.TextDocumentIdentifier(uri=uri)
        if index == 0:
            line, character = spots[0]
            answer = await client.text_document_completion_async(
                types.CompletionParams(doc, types.Position(line, character))
            )
            results["first"].append((time.perf_counter() - started) * 1000)
            results["items"].append(item_count(answer))
        for round_number in range(rounds):
            for line, character in spots:
                editor.replace(uri, text + f"# edit {round_number} {line}\n")
                t0 = time.perf_counter()
                answer = await client.text_document_completion_async(
                    types.CompletionParams(doc, types.Position(line, character))
                )
                results["completion"].append((time.perf_counter() - t0) * 1000)
                results["items"].append(item_count(answer))
                t0 = time.perf_counter()
                await client.text_document_hover_async(types.HoverParams(doc, types.Position(line, character - 2)))
                results["hover"].append((time.perf_counter() - t0) * 1000)
    try:
        await asyncio.wait_for(client.shutdown_async(None), 10)
        client.exit(None)
        await asyncio.wait_for(client.stop(), 10)
    except asyncio.TimeoutError:
        print(f"    {command[-1]} did not stop in time", flush=True)
    await reap(client)
    return results


async def first_completions(
    servers: dict[str, tuple[list[str], dict[str, object]]], files: list[Path], starts: int
) -> None:
    """Spawn to first completion only, ``starts`` times per server, the servers taking turns
    (so a slow moment of the machine falls on all of them)."""
    times: dict[str, list[float]] = {name: [] for name in servers}
    items: dict[str, list[float]] = {name: [] for name in servers}
    for _ in range(starts):
        for name, (command, options) in servers.items():
            os.environ.pop("VIRTUAL_ENV", None)
            measured = await measure(command, options, files, 0)
            times[name].append(measured["first"][0])
            items[name] += measured["items"]
    print(f"spawn to first completion in {files[0].name}, {starts} interleaved starts (ms)")
    for name, values in times.items():
        print(
            f"{name:<28} median {statistics.median(values):>8.1f}   all {[round(v) for v in values]}"
            f"   items {sorted(set(int(n) for n in items[name]))}"
        )
    ours, jls = times["evalens"], next(v for k, v in times.items() if k.startswith("jedi"))
    print(f"\nevalens / jedi-language-server: {statistics.median(ours) / statistics.median(jls):.2f}x (target <= 1)")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--starts", type=int, default=0, help="only time spawn to first completion, N starts per server, interleaved"
    )
    args = parser.parse_args()
    python = ensure_peers()
    files = peer_files(python)
    bin_dir = python.parent
    servers = {
        "evalens": ([sys.executable, "-m", "evalens"], {"interpreter": str(python)}),
        f"jedi-language-server {version(python, 'jedi-language-server')}": (
            [str(bin_dir / "jedi-language-server")],
            {},
        ),
        f"pylsp {version(python, 'python-lsp-server')}": ([str(bin_dir / "pylsp")], {}),
    }
    start_like_a_user()
    for command, options in servers.values():
        await measure(command, options, files[:1], 0)  # unmeasured: the first start writes caches
    if args.starts:
        await first_completions(servers, files[:1], args.starts)
        return
    env_note = f"files: {', '.join(str(f) for f in files)}; {PER_FILE} positions each, {args.rounds} rounds"
    print(env_note)
    table = {}
    for name, (command, options) in servers.items():
        os.environ.pop("VIRTUAL_ENV", None)
        table[name] = await measure(command, options, files, args.rounds)
        print(f"  measured {name}", flush=True)
    print(
        f"\n{'server':<28} {'completion median':>18} {'p95':>9} {'hover median':>13} {'p95':>9} {'spawn→first':>12}"
        f"  {'items (min–max)':>15}"
    )
    for name, res in table.items():
        print(
            f"{name:<28} {statistics.median(res['completion']):>15.1f} ms {percentile(res['completion'], 0.95):>6.1f} ms"
            f" {statistics.median(res['hover']):>10.1f} ms {percentile(res['hover'], 0.95):>6.1f} ms {res['first'][0]:>9.1f} ms"
            f"  {min(res['items']):>7.0f}–{max(res['items']):.0f}"
        )
    ours, jls = table["evalens"], next(v for k, v in table.items() if k.startswith("jedi"))
    print(
        f"\nevalens / jedi-language-server: completion median {statistics.median(ours['completion']) / statistics.median(jls['completion']):.2f}x"
        f" (target <= 0.5), hover median {statistics.median(ours['hover']) / statistics.median(jls['hover']):.2f}x"
        f" (target <= 1), spawn to first completion {ours['first'][0] / jls['first'][0]:.2f}x (target <= 1)"
    )


if __name__ == "__main__":
    asyncio.run(main())
