"""Which loaded modules a change reaches, reading as little source as possible.

After an edit, the interpreter re-executes the changed modules and every
loaded module that imports them, in import order (``graph.reload_order``).
Finding those importers used to parse every loaded module: 220 ms the first
time with 1,000 modules, and a 50,000-line module re-parsed at each edit.
``affected`` instead asks, for each module that could be reached, only the
loaded modules whose source mentions its last name (an import of
``pkg.mod`` always spells ``mod``, or sits inside ``pkg``), and never parses
a changed module alone (its imports cannot change whom it reaches, and it
re-executes first anyway). Imports are cached per text revision
(``ImportCache``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..text.documents import Document
from . import graph


class ImportCache:
    """Imports of each loaded module, parsed once per text."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[object, frozenset[str]]] = {}

    def imports(self, name: str, path: str, open_paths: Mapping[str, Document]) -> frozenset[str]:
        key = _key(path, open_paths)
        if key is None:
            return frozenset()
        cached = self._cache.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        source = _source(path, open_paths)
        if source is None:
            return frozenset()
        found = graph.imports_of(name, source[0], source[1])
        self._cache[name] = (key, found)
        return found

    def may_import(self, name: str, path: str, open_paths: Mapping[str, Document], target: str) -> bool:
        """False only when module ``name`` cannot import ``target``; never parses."""
        if name.startswith(target + "."):
            return True  # a relative import inside a package names no package
        doc = open_paths.get(path)
        if doc is None:
            return True  # a file on disk: its cached imports decide
        cached = self._cache.get(name)
        if cached is not None and cached[0] == ("doc", doc.revision):
            return target in cached[1]
        return target.rpartition(".")[2] in doc.text


def affected(
    stale: list[str], modules: Mapping[str, str], open_paths: Mapping[str, Document], cache: ImportCache
) -> dict[str, frozenset[str]]:
    """The imports of every loaded module (``modules``: name -> file) a change to ``stale``
    reaches: what ``graph.reload_order`` needs to order their reload."""
    known: dict[str, frozenset[str]] = {}  # imports read in this call: a file on disk is stat'ed once

    def imports(name: str) -> frozenset[str]:
        if name not in known:
            known[name] = cache.imports(name, modules[name], open_paths)
        return known[name]

    reached = {name: frozenset[str]() for name in stale if name in modules}
    if len(reached) > 1:  # their order among themselves depends on their own imports
        reached = {name: imports(name) for name in reached}
    todo = list(reached)
    while todo:
        target = todo.pop()
        for name, path in modules.items():
            if name in reached or not cache.may_import(name, path, open_paths, target):
                continue
            imported = imports(name)
            if target in imported:
                reached[name] = imported
                todo.append(name)
    return reached


def _key(path: str, open_paths: Mapping[str, Document]) -> object | None:
    doc = open_paths.get(path)
    if doc is not None:
        return ("doc", doc.revision)
    try:
        return ("disk", os.stat(path).st_mtime_ns)
    except OSError:
        return None


def _source(path: str, open_paths: Mapping[str, Document]) -> tuple[str, bool] | None:
    doc = open_paths.get(path)
    if doc is not None:
        return doc.text, doc.module.is_package
    try:
        with open(path, encoding="utf-8") as file:
            return file.read(), os.path.basename(path) == "__init__.py"
    except (OSError, UnicodeDecodeError):
        return None
