"""Load what an opened document imports before the first request needs it.

The first completion in a freshly opened file pays for reading the stubs and
modules it imports (parsed trees come from jedi's disk cache, the compiled
ones from the environment's subprocess): tens to hundreds of milliseconds
the user feels on their first ``.``. Opening a document therefore infers
each module it imports once, on a lane, in the background: the trees land in
the process-wide parser cache and the lane's reusable inference state (see
``states``) keeps the modules.
"""

from __future__ import annotations

from typing import Any

LIMIT = 100  # imported names looked at per document


def preload(script: Any) -> int:
    """Infer the modules that the script's document imports; return how many names were inferred."""
    script._inference_state.builtins_module  # noqa: B018 (loading it is the point)
    count = 0
    for node in script._module_node.iter_imports():
        for path in node.get_paths():
            if count >= LIMIT:
                return count
            leaf = path[-1]
            script.infer(leaf.line, leaf.column)
            count += 1
    return count
