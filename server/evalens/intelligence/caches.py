"""Where jedi's parse cache lives: inside a trusted workspace, else the user's cache.

jedi would pickle parsed modules to ``~/.cache/jedi``. In a workspace trusted
when the session starts they go to ``<first workspace folder>/.evalens/cache``
(with a ``.gitignore`` of ``*``, as mypy and ruff do with theirs). Nothing is
written into a workspace that is not trusted: its cache is
``$XDG_CACHE_HOME/evalens/jedi`` (``~/.cache/evalens/jedi``). Without a
workspace folder, parses stay in memory only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)
FOLDER = ".evalens"


def _memory_only(*args: object, **kwargs: object) -> None:
    """parso's writer, replaced: nothing is pickled to disk."""


def place_jedi_cache(folders: list[str], trusted: bool, environ: Mapping[str, str] = os.environ) -> str | None:
    """The folder for jedi's cache, made inside the first workspace folder when it is trusted,
    else in the user's cache directory; None for memory only.

    Nothing here imports jedi (start-up does not pay for it); ``use_jedi_cache``
    points jedi there once it is imported.
    """
    if not folders:
        return None
    if trusted:
        cache = Path(folders[0]) / FOLDER / "cache"
    else:
        cache = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "evalens" / "jedi"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        ignore = cache.parent / ".gitignore"
        if trusted and not ignore.exists():
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
