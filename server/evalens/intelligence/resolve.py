"""Whether an import resolves, without importing anything.

A module resolves when an open document has its name, when it is a builtin
module of the interpreter, or when a package folder, ``.py`` file or
extension module of that name exists along the search path (the import
roots, then the interpreter's ``sys.path``). The interpreter's ``sys.path``
is asked once per interpreter, from a subprocess that imports nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Collection
from dataclasses import dataclass

log = logging.getLogger(__name__)

_QUERY = (
    "import sys, json; print(json.dumps({'path': sys.path, 'builtins': list(sys.builtin_module_names),"
    " 'version': '%d.%d' % sys.version_info[:2]}))"
)


@dataclass(frozen=True)
class Interpreter:
    sys_path: tuple[str, ...]
    builtins: frozenset[str]
    version: str | None  # "3.11"; None when the interpreter did not answer


async def query(executable: str) -> Interpreter:
    try:
        process = await asyncio.create_subprocess_exec(
            executable,
            "-c",
            _QUERY,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, _err = await asyncio.wait_for(process.communicate(), timeout=20)
        answer = json.loads(out)
        paths = tuple(os.path.normpath(p) for p in answer["path"] if p)
        return Interpreter(paths, frozenset(answer["builtins"]), str(answer["version"]))
    except Exception as exc:
        log.warning(
            "cannot read sys.path of %s (%s); imports are checked against the import roots only", executable, exc
        )
        return Interpreter((), frozenset(), None)


class Resolver:
    """Answers for one diagnostics pass (folder listings are cached for the pass)."""

    def __init__(self, search: list[str], builtins: frozenset[str], open_modules: Collection[str]) -> None:
        self.search = search
        self.builtins = builtins
        self.open_modules = set(open_modules)
        for name in open_modules:
            parts = name.split(".")
            self.open_modules.update(".".join(parts[:i]) for i in range(1, len(parts)))
        self._listings: dict[str, set[str]] = {}

    def _listing(self, folder: str) -> set[str]:
        listing = self._listings.get(folder)
        if listing is None:
            try:
                listing = set(os.listdir(folder)) if os.path.isdir(folder) else set()
            except OSError:
                listing = set()
            self._listings[folder] = listing
        return listing

    def resolves(self, names: list[str], folders: list[str] | None = None) -> bool:
        """``a.b.c`` from the search path (or from ``folders`` for a relative import)."""
        if folders is None:
            if ".".join(names) in self.open_modules or names[0] in self.builtins:
                return True
            folders = self.search
        for part in names:
            packages = []
            for folder in folders:
                listing = self._listing(folder)
                if part in listing and os.path.isdir(os.path.join(folder, part)):
                    packages.append(os.path.join(folder, part))
                elif _is_module_file(part, listing):
                    return True  # a plain module: what follows is attributes we cannot see
            if not packages:
                return False
            folders = packages
        return True


def _is_module_file(part: str, listing: set[str]) -> bool:
    if f"{part}.py" in listing or f"{part}.pyc" in listing:
        return True
    prefix = f"{part}."
    return any(name.startswith(prefix) and name.endswith((".so", ".pyd")) for name in listing)
