"""``evalens.variables``: a page of a module's namespace or of an object's children, read from
the idle interpreter without running user code (``worker/variables``); a busy interpreter,
a stale ref and bad arguments are refused saying so.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams

from ..execution import requests
from ..execution.engine import InterpreterBusy, LookupFailed
from ..worker.variablemessages import DEFAULT_COUNT, DEFAULT_REPR_CHARS, VariablesPage, variables_query
from .runs import REQUEST_FAILED, Runs, bad_request, refused

#: how long a page may take in the interpreter (a hundred bounded reprs)
TIMEOUT = 10.0


async def list_variables(runs: Runs, args: tuple[Any, ...]) -> VariablesPage:
    host = runs.host
    try:
        request = requests.parse_variables(args, DEFAULT_COUNT, DEFAULT_REPR_CHARS)
    except requests.BadRequest as exc:
        raise bad_request(exc) from None
    await host.ready()
    module = host.variables.module_of(request.uri) if request.ref is None else None
    chars = min(request.repr_chars, host.settings.limits.repr_chars)
    query = variables_query(module, request.ref, request.start, request.count, request.everything, chars, request.names)
    try:
        answer = await host.engine.look(query, TIMEOUT)
    except InterpreterBusy as busy:
        running = f" ({busy})" if str(busy) else ""
        raise refused(
            f"evalens.variables: the interpreter is busy running code{running}; ask again when the run ends "
            "(evalens/variablesChanged says when)",
            "busy",
        ) from None
    except asyncio.TimeoutError:
        raise JsonRpcException(
            f"evalens.variables: the interpreter took longer than {TIMEOUT:g} s to read the page; "
            "ask for fewer entries (`count`) or shorter reprs (`reprChars`)",
            code=REQUEST_FAILED,
        ) from None
    except LookupFailed as failed:
        raise JsonRpcInternalError(
            f"evalens.variables: reading the variables failed in the interpreter: {failed}"
        ) from None
    if answer is None:  # no interpreter: nothing has run, so nothing is bound
        if request.ref is not None:
            raise _stale(request.ref)
        return {"variables": [], "total": 0}
    if "stale" in answer:
        raise _stale(request.ref)
    page: VariablesPage = answer
    return page


def _stale(ref: int | None) -> JsonRpcInvalidParams:
    return refused(
        f"evalens.variables: ref {ref} is stale: refs last until the next run (or restart); "
        "ask for the namespace again and expand from there",
        "staleRef",
    )
