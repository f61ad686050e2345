"""Workspace symbols of the files on disk that are not open, indexed once per file version.

``workspace/symbol`` answers from every Python file under the workspace
folders, not only from the open documents. Each file is parsed once and its
symbols kept until its size or modification time changes, so a query after
the first costs one ``stat`` per file. Folders that hold no project code
(hidden folders, virtual environments, ``node_modules``, ``__pycache__``,
``site-packages``) are skipped, files over ``MAX_BYTES`` too, and at most
``MAX_FILES`` files are read, nearest the roots first.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from parso.utils import split_lines

from . import symbols

log = logging.getLogger(__name__)
MAX_FILES = 5000
MAX_BYTES = 1_000_000
MAX_RESULTS = 1000
SKIPPED = {"__pycache__", "node_modules", "site-packages", "venv", "env"}


@dataclass(frozen=True)
class _Entry:
    stamp: tuple[int, int]  # size, modification time (ns)
    symbols: tuple[types.WorkspaceSymbol, ...]


class SymbolIndex:
    """Symbols of files on disk by path; safe to use from several lanes at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    def query(
        self, grammar: Any, folders: list[str], skip: set[str], query: str, units: symbols.Units
    ) -> list[types.WorkspaceSymbol]:
        """The matching symbols of every Python file under ``folders`` except the paths in ``skip``."""
        found: list[types.WorkspaceSymbol] = []
        seen: set[str] = set()
        for path in python_files(folders):
            seen.add(path)
            if path in skip:
                continue
            entry = self._entry(grammar, path, units)
            if entry is not None:
                found.extend(s for s in entry.symbols if symbols.matches(query, s.name))
        with self._lock:
            for gone in [path for path in self._entries if path not in seen]:
                del self._entries[gone]
        return found[:MAX_RESULTS]

    def _entry(self, grammar: Any, path: str, units: symbols.Units) -> _Entry | None:
        try:
            info = os.stat(path)
        except OSError:
            return None
        stamp = (info.st_size, info.st_mtime_ns)
        with self._lock:
            entry = self._entries.get(path)
        if entry is not None and entry.stamp == stamp:
            return entry
        if info.st_size > MAX_BYTES:
            return None
        try:
            text = Path(path).read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            log.info("workspace symbols skip %s: %s", path, exc)
            return None
        tree = grammar.parse(text, error_recovery=True, cache=False)
        found = symbols.document_symbols(tree, split_lines(text, keepends=True), units)
        entry = _Entry(stamp, tuple(symbols.flatten(found, Path(path).as_uri())))
        with self._lock:
            self._entries[path] = entry
        return entry


def python_files(folders: list[str]) -> Iterator[str]:
    """The ``.py`` files under ``folders``, breadth first, at most ``MAX_FILES``."""
    count = 0
    queue = [os.path.normpath(folder) for folder in folders]
    visited: set[str] = set()
    while queue:
        folder = queue.pop(0)
        if folder in visited:
            continue
        visited.add(folder)
        try:
            with os.scandir(folder) as listing:
                items = sorted(listing, key=lambda item: item.name)
        except OSError:
            continue
        for item in items:
            if item.is_dir(follow_symlinks=False):
                if _project_folder(item):
                    queue.append(item.path)
            elif item.name.endswith(".py") and item.is_file():
                yield item.path
                count += 1
                if count >= MAX_FILES:
                    return


def _project_folder(item: os.DirEntry[str]) -> bool:
    if item.name.startswith(".") or item.name in SKIPPED:
        return False
    return not os.path.exists(os.path.join(item.path, "pyvenv.cfg"))
