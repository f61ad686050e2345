"""Parse trees of open documents, one per revision, shared by every reader.

Parsing a large file from scratch takes hundreds of milliseconds, so a new
revision is diff-parsed from the previous tree when no request is still
reading it (parso's diff parser rewrites a tree in place). While a reader
holds the old tree, the new revision gets a fresh tree instead: a slow
request never blocks a parse, and a tree never changes under its reader.

jedi expects the tree of every module with a path in parso's parser cache
(it keys its name caches by that entry), so the newest tree of a document is
registered there, marked as never older than the file on disk: whatever
part of jedi reads an open document's path then gets the editor's text, and
parso never diff-parses a registered tree against the disk. Trees are
reached through ``Lease``: ``acquire`` returns
the tree of exactly the text asked for, ``release`` lets a later revision
rewrite it.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parso.cache import _NodeCacheItem, parser_cache
from parso.python.tree import Module
from parso.utils import split_lines


@dataclass(eq=False)
class Lease:
    """A tree and its lines, held until released."""

    path: str
    text: str
    tree: Module
    lines: list[str]  # with line endings, as jedi wants them
    guard: threading.Lock  # the lock of the document's slot, which counts readers
    readers: int = 0
    item: Any = None  # the parser cache entry


@dataclass
class _Slot:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latest: Lease | None = None
    newest: int = -1  # the newest revision parsed


class Trees:
    """The latest tree of each document path, per grammar."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[tuple[str, int], _Slot] = {}

    def acquire(self, grammar: Any, path: str, text: str, revision: int) -> Lease:
        """The tree of ``text`` (the document's ``revision``); call ``release`` when done."""
        with self._lock:
            slot = self._slots.setdefault((path, id(grammar)), _Slot())
        with slot.lock:
            latest = slot.latest
            if latest is not None and latest.text == text:
                lease = latest
            else:
                lines = split_lines(text, keepends=True)
                if latest is not None and latest.readers == 0 and revision >= slot.newest:
                    # No one reads the old tree: rewrite it in place (fast).
                    differ = grammar._diff_parser(grammar._pgen_grammar, grammar._tokenizer, latest.tree)
                    tree = differ.update(old_lines=latest.lines, new_lines=lines)
                else:
                    tree = grammar.parse(text, error_recovery=True)
                lease = Lease(path, text, tree, lines, slot.lock, item=_cache_item(tree, lines))
                if revision >= slot.newest:
                    slot.latest, slot.newest = lease, revision
            lease.readers += 1
            if lease is slot.latest:
                lease.item.last_used = time.time()
                parser_cache.setdefault(grammar._hashed, {})[_key(path)] = lease.item
            return lease

    def warm(self, grammar: Any, path: str, text: str, revision: int) -> None:
        """Parse ``revision`` ahead of the requests that will want it; nothing when a request
        already parsed it or a later revision."""
        with self._lock:
            slot = self._slots.setdefault((path, id(grammar)), _Slot())
        with slot.lock:
            if slot.newest >= revision:
                return
        self.release(self.acquire(grammar, path, text, revision))

    def release(self, lease: Lease) -> None:
        with lease.guard:
            lease.readers -= 1

    def forget(self, path: str) -> None:
        """Drop the trees of a closed document."""
        with self._lock:
            for key in [k for k in self._slots if k[0] == path]:
                del self._slots[key]
            for entries in parser_cache.values():
                entries.pop(_key(path), None)


def _cache_item(tree: Module, lines: list[str]) -> Any:
    return _NodeCacheItem(tree, lines, change_time=math.inf)  # type: ignore[no-untyped-call]


def _key(path: str) -> Path | str:
    """parso keys its cache by ``Path`` (the URI of an untitled document stays a string)."""
    return Path(path) if os.path.isabs(path) else path


#: The process-wide cache: trees are plain data, shared across worker threads.
TREES = Trees()
