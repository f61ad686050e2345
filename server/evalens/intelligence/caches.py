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

log = logging.getLogger(__name__)
FOLDER = ".evalens"


def _memory_only(*args: object, **kwargs: object) -> None:
    """parso's writer, replaced: nothing is pickled to disk."""


def place_jedi_cache(folders: list[str]) -> str | None:
    """The folder for jedi's cache, made inside the first workspace folder; None for memory only.

    Nothing here imports jedi (start-up does not pay for it); ``use_jedi_cache``
    points jedi there once it is imported.
    """
    if not folders:
        return None
    cache = Path(folders[0]) / FOLDER / "cache"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        ignore = cache.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# evalens' caches; safe to delete\n*\n")
    except OSError as exc:
        log.warning("cannot create %s (%s); jedi's parses stay in memory", cache, exc)
        return None
    return os.fspath(cache)


def use_jedi_cache(folder: str | None) -> None:
    """Point jedi's disk cache at ``folder`` (from ``place_jedi_cache``); None keeps parses in memory."""
    import jedi  # type: ignore[import-untyped]
    import parso.cache

    if folder is None:
        parso.cache._save_to_file_system = _memory_only
    else:
        jedi.settings.cache_directory = folder
