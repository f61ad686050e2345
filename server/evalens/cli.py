"""The ``evalens`` command: serve LSP (stdio or TCP), or evaluate without an editor.

    evalens                         LSP over stdio
    evalens --tcp --port 2087       LSP over TCP on 127.0.0.1
    evalens eval FILE CODE          evaluate CODE in FILE's module
    evalens call FILE:TARGET [ARGS] call TARGET in FILE's module with ARGS (Python source)

Exit codes: 0 success, 1 the code raised (or the interpreter died), 2 a bad request.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .execution import requests
from .execution.backend import RunEvents, SessionConfig
from .execution.backends.process import ProcessBackend
from .execution.engine import Engine
from .execution.results import Result
from .lsp import logsink, startcode
from .settings import Settings
from .text import jsontext
from .text.documents import DocumentStore
from .text.jsontext import text_of
from .text.modnames import Project, import_roots
from .worker import messages

if TYPE_CHECKING:
    from .server import EvalensServer

PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


def project_folder(path: Path) -> Path:
    """The nearest folder above ``path`` that looks like a project root, else its folder."""
    for folder in path.parents:
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return path.parent


async def evaluate_file(path: Path, action: messages.Action, settings: Settings, stream: bool) -> Result:
    folder = project_folder(path)
    # Like `python FILE`: the file's own folder is a root too, so siblings import.
    roots = import_roots([str(folder)])
    if str(path.parent) not in roots:
        roots.append(str(path.parent))
    store = DocumentStore(roots)
    doc = store.set(path.as_uri(), path.read_text(encoding="utf-8"))

    def echo(uri: str | None, name: str, text: str) -> None:
        target = sys.stdout if name == "stdout" else sys.stderr
        target.write(text)
        target.flush()

    def one_run(config: Callable[[], SessionConfig], between_runs: RunEvents) -> ProcessBackend:
        return ProcessBackend(config, between_runs, keep_standby=False)  # a spare interpreter would be wasted

    engine = Engine(store, Project([str(folder)], roots), settings, echo if stream else None, backend=one_run)
    try:
        return await engine.run(doc, action)
    finally:
        await engine.shutdown()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evalens", description="A Python language server that runs your code.")
    parser.add_argument("--version", action="version", version=f"evalens {__version__}")
    parser.add_argument("--tcp", action="store_true", help="serve LSP over TCP instead of stdio")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="TCP host (default 127.0.0.1; others are reachable by anyone on that network)",
    )
    parser.add_argument("--port", type=int, default=2087, help="TCP port (default 2087; 0 picks a free one)")
    parser.add_argument("--log-level", default="WARNING", help="logging level for the server's stderr")
    sub = parser.add_subparsers(dest="command")
    for name, helptext in (
        ("eval", "evaluate code in a file's module"),
        ("call", "call a function of a file's module"),
    ):
        command = sub.add_parser(name, help=helptext)
        if name == "eval":
            command.add_argument("file", help="the Python file whose module the code runs in")
            command.add_argument("code", help="an expression or statements")
        else:
            command.add_argument("target", help="FILE:TARGET, e.g. app.py:main or app.py:Counter.incr")
            command.add_argument(
                "args", nargs="?", default=None, help='the arguments as Python source, e.g. "3, key=2"'
            )
        command.add_argument("--json", action="store_true", help="print the Result object as JSON")
        command.add_argument("--interpreter", default=None, help="the Python that runs the code")
    return parser


def _print_result(result: Result, as_json: bool) -> None:
    if as_json:  # a long repr and the displays stay the JSON the interpreter wrote
        print(jsontext.dumps(result, default=str, indent=2).decode())
        return
    for shown in result["display"]:
        sys.stderr.write(f"[{', '.join(m for m in shown.mimes if m != 'text/plain')} display] {shown.plain}\n")
    if result["ok"]:
        if result["value"] is not None:
            print(text_of(result["value"]["repr"]))
    elif result["error"] is not None:
        sys.stderr.write(result["error"]["traceback"])


def run_once(args: argparse.Namespace) -> int:
    settings = Settings(trusted=True, interpreter=args.interpreter)
    action: messages.Action
    try:
        if args.command == "eval":
            file = Path(args.file)
            action = messages.eval_action(args.code)
        else:
            file_part, sep, target = args.target.rpartition(":")
            if not sep or not file_part or not target:
                raise requests.BadRequest("give the target as FILE:TARGET, e.g. app.py:main")
            file = Path(file_part)
            call = requests.parse_call([{"uri": "cli", "target": target, "args": args.args}])
            action = messages.call_action(call.target, call.args_source)
    except requests.BadRequest as exc:
        print(f"evalens: {exc}", file=sys.stderr)
        return 2
    if not file.is_file():
        print(f"evalens: {file} is not a file; give the path of a Python file", file=sys.stderr)
        return 2
    result = asyncio.run(evaluate_file(file.resolve(), action, settings, stream=not args.json))
    _print_result(result, args.json)
    return 0 if result["ok"] else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logsink.install(args.log_level.upper(), sys.stderr)
    if args.command in ("eval", "call"):
        return run_once(args)
    # lsprotocol's attrs classes and cattrs' converters compile their generated code
    # through a cache (most of a pygls server's start-up); the server saves it.
    code_cache = startcode.CodeCache(startcode.default_path(), startcode.WORTH_SAVING)
    with code_cache.installed(*startcode.GENERATORS):
        _serve(_created(code_cache), args)
    return 0


def _created(code_cache: startcode.CodeCache) -> EvalensServer:
    """The server, imported and made with the garbage collector off: it would walk the young
    objects of lsprotocol's 570 classes again and again while they are made, none of them
    garbage. Afterwards they go to the permanent generation, out of every later collection's
    way."""
    gc.disable()
    try:
        from .server import create_server

        server = create_server()
        server.code_cache = code_cache
        return server
    finally:
        gc.freeze()
        gc.enable()


def _serve(server: EvalensServer, args: argparse.Namespace) -> None:
    if args.tcp:
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            logging.warning(
                "evalens listens on %s: anyone who can reach it can run code as you; use 127.0.0.1 unless you mean it",
                args.host,
            )
        from .lsp.transport import serve_tcp

        serve_tcp(server, args.host, args.port)
    else:
        from .lsp.transport import serve_stdio

        serve_stdio(server)
