"""Every change evalens makes to jedi and parso, applied when jedi is first loaded.

- ``overlay``: a jedi plugin that serves open documents to imports, and open documents
  in jedi's module listing (``import |`` completion) and reference search.
- ``treequeries``: parso's used-names index and name-at-position, without walking the
  whole tree.
- ``parselock``: one parse of a file at a time, so that jedi's lanes share one tree of it.
- ``caches.use_jedi_cache``: jedi's parse cache inside the workspace, or in memory.

Nothing is patched at import time: ``install`` is called once, by the loader of the
static intelligence (and by tests that use the patched modules directly).
"""

from __future__ import annotations

from . import caches, overlay, parselock, treequeries


def install(jedi_cache: str | None) -> None:
    """Apply them all; ``jedi_cache`` as for ``caches.use_jedi_cache``."""
    overlay.install()
    treequeries.install()
    parselock.install()
    caches.use_jedi_cache(jedi_cache)
