"""One parse of a file at a time: jedi's lanes must agree on a module's tree.

jedi keys its cache of a module's definitions (``jedi.inference.filters``) by
parso's cache entry for the module's path, but reads the names from the tree
its own module value holds. When two lanes parse the same file at once (the
typeshed stub of ``builtins`` when hover, signature help and completion arrive
together on fresh states), each gets a tree of its own and the cache entry is
the last one's: the other lane's definitions then come from a tree its scopes
are not in, are all filtered out, and ``int`` is not found in ``builtins``
(``ValueError: not enough values to unpack``). The hover fails, and so does
every later request on that state.

With parses of one path taking turns, the second finds the first's tree in
parso's cache and both lanes share it. Files of different paths still parse
in parallel.
"""

from __future__ import annotations

import threading
from typing import Any

from jedi.inference import InferenceState  # type: ignore[import-untyped]

_JEDI_PARSE_AND_GET_CODE = InferenceState.parse_and_get_code


class PathLocks:
    """A lock per path, made on first use."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def __call__(self, path: str) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(path)
            if lock is None:
                lock = self._locks[path] = threading.Lock()
            return lock


LOCKS = PathLocks()


def _parse_and_get_code(self: Any, code: Any = None, path: Any = None, *args: Any, **kwargs: Any) -> Any:
    file_io = kwargs.get("file_io")
    where = path if path is not None else getattr(file_io, "path", None)
    if where is None or not kwargs.get("cache"):
        return _JEDI_PARSE_AND_GET_CODE(self, code, path, *args, **kwargs)
    with LOCKS(str(where)):
        return _JEDI_PARSE_AND_GET_CODE(self, code, path, *args, **kwargs)


def install() -> None:
    InferenceState.parse_and_get_code = _parse_and_get_code
