"""jedi inference states kept across requests, while reusing one is sound.

``jedi.Script`` builds a new ``InferenceState`` per request, so every
completion re-imports builtins and every stub it touches, re-asks the
environment's subprocess about compiled modules and re-infers everything it
inferred a keystroke ago. A ``StateKeeper`` (one per lane, used only from the
lane's thread) keeps the state of the previous request and hands it to the
next one when nothing it learned can have gone stale:

* the environment, project folder and import roots are the same;
* no open document other than the one asked about changed since (they are
  the modules other modules' cached inferences may rest on);
* the state is younger than ``MAX_AGE`` seconds and served fewer than
  ``MAX_USES`` requests, which bounds both staleness about files changed on
  disk and the memory taken by inferences of the edited document's old
  revisions.

Before a reuse, every module built from editor text (and every namespace
package made of editor-only folders) leaves the module cache, so the edited
document is always inferred from its current text.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from jedi.inference import InferenceState  # type: ignore[import-untyped]
from jedi.inference.value.namespace import ImplicitNamespaceValue  # type: ignore[import-untyped]
from parso.file_io import KnownContentFileIO

MAX_AGE = 120.0  # seconds
MAX_USES = 500


class StateKeeper:
    """The inference state of one lane and what it was built on."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._state: Any = None
        self._key: tuple[Any, ...] = ()
        self._others: frozenset[tuple[str, int]] = frozenset()
        self._born = 0.0
        self.uses = 0
        self.created = 0  # states built so far, for tests and benchmarks

    def state(self, project: Any, environment: Any, script_path: Path | None, current: str) -> Any:
        """An inference state for a request on the open document at ``current``."""
        files: dict[str, tuple[str, int]] = project.evalens_overlay.files
        others = frozenset((path, revision) for path, (_text, revision) in files.items() if path != current)
        key = (id(environment), str(project.path), tuple(str(p) for p in project.added_sys_path))
        now = self._clock()
        if (
            self._state is None
            or key != self._key
            or others != self._others
            or self.uses >= MAX_USES
            or now - self._born > MAX_AGE
        ):
            self._state = InferenceState(project, environment=environment, script_path=script_path)
            self._key, self._born, self.uses = key, now, 0
            self.created += 1
        else:
            _refresh(self._state, project, script_path)
        self._others = others
        self.uses += 1
        return self._state

    def forget(self) -> None:
        self._state = None


def _refresh(state: Any, project: Any, script_path: Path | None) -> None:
    """Ready a used state for the next request: the new overlay, no editor-made modules."""
    state.project = project
    state.script_path = script_path
    names = state.module_cache._name_cache
    for dotted in [dotted for dotted, values in names.items() if any(_from_editor(v) for v in values)]:
        del names[dotted]
    state.inferred_element_counts = {}
    state.analysis = []
    state.dynamic_params_depth = 0
    state.is_analysis = False
    state.reset_recursion_limitations()


def _from_editor(value: Any) -> bool:
    return isinstance(value, ImplicitNamespaceValue) or isinstance(getattr(value, "file_io", None), KnownContentFileIO)
