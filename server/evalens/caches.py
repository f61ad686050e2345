"""Where the server's only on-disk state, jedi's parse cache, lives: inside the workspace.

The server writes no file outside the workspace. jedi would pickle parsed
modules to ``~/.cache/jedi``; instead they go to ``<first workspace
folder>/.evalens/cache`` (with a ``.gitignore`` of ``*``, as mypy and ruff do
with theirs). Without a workspace folder, parses stay in memory only.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import jedi  # type: ignore[import-untyped]
import parso.cache

log = logging.getLogger(__name__)
FOLDER = ".evalens"


def _memory_only(*args: object, **kwargs: object) -> None:
    """parso's writer, replaced: nothing is pickled to disk."""


def place_jedi_cache(folders: list[str]) -> str | None:
    """Point jedi's cache into the first workspace folder; return the path, or None for memory only."""
    if not folders:
        parso.cache._save_to_file_system = _memory_only
        return None
    cache = Path(folders[0]) / FOLDER / "cache"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        ignore = cache.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# evalens' caches; safe to delete\n*\n")
    except OSError as exc:
        log.warning("cannot create %s (%s); jedi's parses stay in memory", cache, exc)
        parso.cache._save_to_file_system = _memory_only
        return None
    jedi.settings.cache_directory = os.fspath(cache)
    return os.fspath(cache)
