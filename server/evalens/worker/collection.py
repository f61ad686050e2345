"""The garbage collector paused for evalens' own allocation-heavy work in the interpreter.

Compiling a module, parsing it and reading its statements make tens of thousands
of small objects, none of them garbage; every 700 of them the collector walks the
young ones, and now and then all of the session's objects. For a 50,000-line
module that is about 40 ms of a 270 ms compile (``bench/reload.py``). User code
always runs with the collector as the user left it.
"""

from __future__ import annotations

import contextlib
import gc
import types
from typing import Any, Callable, Iterator, TypeVar

T = TypeVar("T")


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No collection inside; the collector is on again after if it was before."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def compiled(source: Any, filename: str, mode: str, flags: int = 0) -> types.CodeType:
    """``compile(source, filename, mode, flags, dont_inherit=True)`` with the collector paused."""
    with paused():
        code: types.CodeType = compile(source, filename, mode, flags=flags, dont_inherit=True)
        return code


def as_user_left_it(run: Callable[[T], Any], collecting: bool) -> Callable[[T], Any]:
    """``run`` (user code) with the collector on when the user had it on, inside a ``paused`` block."""

    def with_collector(argument: T) -> Any:
        if not collecting:
            return run(argument)
        gc.enable()
        try:
            return run(argument)
        finally:
            gc.disable()

    return with_collector
