"""When a lane reuses its jedi inference state, and what a reuse forgets."""

from __future__ import annotations

from pathlib import Path

import jedi  # type: ignore[import-untyped]

from evalens.intelligence import overlay, patches
from evalens.intelligence.states import MAX_AGE, MAX_USES, StateKeeper

ENVIRONMENT = jedi.InterpreterEnvironment()

patches.install(None)  # as the server does when it loads jedi


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def project(files: dict[str, tuple[str, int]], roots: tuple[str, ...] = ("/w",)) -> overlay.OverlayProject:
    return overlay.OverlayProject(overlay.Overlay(files), "/w", roots)


def ask(keeper: StateKeeper, files: dict[str, tuple[str, int]], current: str, **kwargs: tuple[str, ...]) -> object:
    return keeper.state(project(files, **kwargs), ENVIRONMENT, Path(current), current)


def test_typing_in_one_document_reuses_the_state() -> None:
    keeper = StateKeeper(Clock())
    first = ask(keeper, {"/w/a.py": ("x = 1", 1), "/w/b.py": ("y = 2", 1)}, "/w/a.py")
    second = ask(keeper, {"/w/a.py": ("x = 12", 2), "/w/b.py": ("y = 2", 1)}, "/w/a.py")
    assert second is first
    assert (keeper.created, keeper.uses) == (1, 2)


def test_a_change_in_another_document_starts_afresh() -> None:
    keeper = StateKeeper(Clock())
    first = ask(keeper, {"/w/a.py": ("x = 1", 1), "/w/b.py": ("y = 2", 1)}, "/w/a.py")
    second = ask(keeper, {"/w/a.py": ("x = 1", 1), "/w/b.py": ("y = 3", 2)}, "/w/a.py")
    assert second is not first
    third = ask(keeper, {"/w/a.py": ("x = 1", 1), "/w/b.py": ("y = 3", 2)}, "/w/b.py")
    assert third is not second  # a.py is now among the others, b.py no longer
    assert keeper.created == 3


def test_opening_a_document_or_changing_roots_starts_afresh() -> None:
    keeper = StateKeeper(Clock())
    first = ask(keeper, {"/w/a.py": ("x = 1", 1)}, "/w/a.py")
    opened = ask(keeper, {"/w/a.py": ("x = 1", 1), "/w/c.py": ("", 3)}, "/w/a.py")
    assert opened is not first
    rooted = ask(keeper, {"/w/a.py": ("x = 1", 1), "/w/c.py": ("", 3)}, "/w/a.py", roots=("/w", "/w/src"))
    assert rooted is not opened
    assert keeper.created == 3


def test_age_and_use_count_bound_a_state() -> None:
    clock = Clock()
    keeper = StateKeeper(clock)
    files = {"/w/a.py": ("x = 1", 1)}
    first = ask(keeper, files, "/w/a.py")
    clock.now = MAX_AGE
    assert ask(keeper, files, "/w/a.py") is first
    clock.now = MAX_AGE + 0.001
    aged = ask(keeper, files, "/w/a.py")
    assert aged is not first
    for _ in range(MAX_USES - 1):
        assert ask(keeper, files, "/w/a.py") is aged
    assert ask(keeper, files, "/w/a.py") is not aged
    assert keeper.created == 3


def test_a_reuse_forgets_modules_built_from_editor_text() -> None:
    keeper = StateKeeper(Clock())
    text = "import b\nimport json\nb.\njson.dum"
    files = {"/w/a.py": (text, 1), "/w/b.py": ("def f(): pass\n", 1)}
    made, lease = overlay.script(overlay_snapshot(files), ENVIRONMENT, "/w/a.py", text, 1, keeper)
    assert [c.name for c in made.complete(3, 2) if not c.name.startswith("_")] == ["f"]
    assert [c.name for c in made.complete(4, 8)] == ["dump", "dumps"]
    lease.release()
    state = keeper.state(project(files), ENVIRONMENT, Path("/w/a.py"), "/w/a.py")
    cached = set(state.module_cache._name_cache)
    assert ("a",) not in cached and ("b",) not in cached
    assert ("json",) in cached  # what came from disk stays


def overlay_snapshot(files: dict[str, tuple[str, int]]) -> overlay.Snapshot:
    return overlay.Snapshot("python", "/w", ("/w",), files, len)
