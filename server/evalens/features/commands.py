"""The command API (``workspace/executeCommand``), one handler per command.

Each handler takes the ``Runs`` of the server and the command's ``arguments``:
it validates them (``execution.requests``), builds the worker's action
(``worker/messages``) and runs it, or answers from the engine's state. A new
command is a handler here (or in a module of its own) and one line in
``COMMANDS``; ``docs/protocol.md`` documents each, and a test holds the two
together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from ..execution import requests
from ..execution.backend import RestartRefused
from ..execution.results import Result
from ..text.documents import selection
from ..worker import messages
from . import kernels
from .cellruns import run_cell
from .doctestruns import run_doctest
from .runs import REQUEST_FAILED, Runs, Status, bad_request
from .variablepages import list_variables

Handler = Callable[[Runs, tuple[Any, ...]], Awaitable[Any] | Any]


async def evaluate(runs: Runs, args: tuple[Any, ...]) -> Result:
    request, doc = await runs.prepare("evalens.eval", requests.parse_eval, args)
    span = request.span
    if span is None:
        assert request.code is not None
        action = messages.eval_action(request.code, bindings=request.bindings)
    else:
        text_doc = runs.host.text_document(doc.uri)
        start = text_doc.offset_at_position(types.Position(span.start_line, span.start_character))
        end = text_doc.offset_at_position(types.Position(span.end_line, span.end_character))
        chosen = selection(doc.text, start, end)
        action = messages.eval_action(chosen.code, doc.module.path, chosen.first_line, request.bindings)
    result = await runs.run(doc, action)
    if span is not None:
        runs.record_hint(doc.uri, types.Position(span.end_line, span.end_character), result)
        runs.after_response(runs.host.refresh.hints)
    return result


async def call(runs: Runs, args: tuple[Any, ...]) -> Result:
    request, doc = await runs.prepare("evalens.call", requests.parse_call, args)
    action = messages.call_action(request.target, request.args_source, request.args, request.kwargs)
    result = await runs.run(doc, action)
    runs.host.history.record_call(doc.uri, request.target, result)
    runs.after_response(runs.host.refresh.lenses)
    return result


async def run_module(runs: Runs, args: tuple[Any, ...]) -> Result:
    _, doc = await runs.prepare("evalens.runModule", requests.parse_run_module, args)
    return await runs.run(doc, messages.run_module_action())


async def exit_context(runs: Runs, args: tuple[Any, ...]) -> Result:
    try:
        request = requests.parse_exit(args)
    except requests.BadRequest as exc:
        raise bad_request(exc) from None
    await runs.host.ready()
    runs.require_trust()
    if not runs.host.engine.held:
        raise JsonRpcInvalidParams("evalens.exit: no `with` block is held open; evaluate a lone `with ...:` line first")
    return await runs.run(None, messages.exit_action(request.with_exception))


def document(runs: Runs, args: tuple[Any, ...]) -> dict[str, Any]:
    """The server's view of an open document: its text and module name."""
    try:
        obj = requests.single_object("evalens.document", args)
        uri = requests.parse_run_module([obj]).uri
    except requests.BadRequest as exc:
        raise bad_request(exc) from None
    doc = runs.open_document(uri, "evalens.document")
    module = doc.module
    return {
        "uri": doc.uri,
        "text": doc.text,
        "version": runs.host.text_document(uri).version,
        "module": module.name if module.importable else None,
        "path": module.path,
    }


def interrupt(runs: Runs, args: tuple[Any, ...]) -> dict[str, bool]:
    _empty("evalens.interrupt", args)
    return {"interrupted": runs.host.engine.interrupt()}


async def restart(runs: Runs, args: tuple[Any, ...]) -> dict[str, int]:
    _empty("evalens.restart", args)
    await runs.host.ready()
    runs.require_trust()
    try:
        pid = await runs.host.engine.restart()
    except RestartRefused as exc:
        raise JsonRpcInvalidParams(f"evalens.restart: {exc}") from None
    except Exception as exc:
        raise JsonRpcException(f"evalens.restart: {exc}", code=REQUEST_FAILED) from None
    return {"pid": pid}


def status(runs: Runs, args: tuple[Any, ...]) -> Status:
    _empty("evalens.status", args)
    return runs.status()


def _empty(command: str, args: tuple[Any, ...]) -> None:
    try:
        requests.parse_empty(command, args)
    except requests.BadRequest as exc:
        raise bad_request(exc) from None


#: command name -> handler
COMMANDS: dict[str, Handler] = {
    "evalens.eval": evaluate,
    "evalens.call": call,
    "evalens.runModule": run_module,
    "evalens.runCell": run_cell,
    "evalens.doctest": run_doctest,
    "evalens.variables": list_variables,
    "evalens.exit": exit_context,
    "evalens.document": document,
    "evalens.interrupt": interrupt,
    "evalens.restart": restart,
    "evalens.status": status,
    "evalens.kernels": kernels.list_kernels,
    "evalens.attach": kernels.attach,
}
