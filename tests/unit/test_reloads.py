"""Finding the modules a change reaches without parsing what cannot import it."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from evalens.execution import graph, reloads
from evalens.text.documents import Document
from evalens.text.modnames import ModuleName

NAMES = ["a", "b", "pkg", "pkg.x", "pkg.y", "pkg.sub", "pkg.sub.z"]
PACKAGES = {"pkg", "pkg.sub"}
LINES = [
    "import a",
    "import pkg.x",
    "from pkg import y",
    "from . import x",
    "from .. import z",
    "from .sub import z",
    "from pkg.sub import z as q",
    "import b as bee",
    "note = 'a b x y z sub pkg are only mentioned here'",
    "def f():\n    import pkg.sub.z",
]


def document(name: str, text: str, revision: int = 1) -> Document:
    path = f"/w/{name.replace('.', '/')}" + ("/__init__.py" if name in PACKAGES else ".py")
    return Document(f"file://{path}", text, revision, ModuleName(name, path, True, name in PACKAGES, "/w"))


def brute_force(docs: dict[str, Document]) -> dict[str, frozenset[str]]:
    return {name: graph.imports_of(name, doc.text, doc.module.is_package) for name, doc in docs.items()}


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(NAMES), st.lists(st.sampled_from(LINES), max_size=4), min_size=1),
    st.lists(st.sampled_from(NAMES), min_size=1, max_size=3),
)
def test_reaches_exactly_what_parsing_everything_reaches(sources: dict[str, list[str]], changed: list[str]) -> None:
    docs = {name: document(name, "\n".join(lines) + "\n") for name, lines in sources.items()}
    modules = {name: doc.module.path for name, doc in docs.items()}
    open_paths = {doc.module.path: doc for doc in docs.values()}
    stale = sorted(set(changed) & set(docs))
    found = reloads.affected(stale, modules, open_paths, reloads.ImportCache())
    everything = brute_force(docs)
    assert set(found) == graph.dependents(stale, everything)
    order = graph.reload_order(stale, found)
    assert sorted(order) == sorted(graph.reload_order(stale, everything))
    if len(stale) > 1:
        assert order == graph.reload_order(stale, everything)


class CountingCache(reloads.ImportCache):
    def __init__(self) -> None:
        super().__init__()
        self.parsed: list[str] = []

    def imports(self, name: str, path: str, open_paths: dict[str, Document]) -> frozenset[str]:  # type: ignore[override]
        self.parsed.append(name)
        return super().imports(name, path, open_paths)


def test_parses_only_the_modules_that_mention_the_changed_one() -> None:
    docs = {f"m{i}": document(f"m{i}", f"import m{(i - 1) // 2}\n" if i else "x = 1\n") for i in range(200)}
    modules = {name: doc.module.path for name, doc in docs.items()}
    open_paths = {doc.module.path: doc for doc in docs.values()}
    cache = CountingCache()
    found = reloads.affected(["m150"], modules, open_paths, cache)
    assert set(found) == {"m150"}  # a leaf: nothing imports it
    assert cache.parsed == []  # and no module was parsed to learn that
    found = reloads.affected(["m3"], modules, open_paths, cache)
    assert set(found) == graph.dependents(["m3"], brute_force(docs))
    assert len(found) == 63  # m3 and its descendants m7-m8, m15-m18, m31-m38, m63-m78, m127-m158
    mentioning = {name for name in docs if any(target in docs[name].text for target in found)}
    assert set(cache.parsed) <= mentioning


def test_a_module_on_disk_is_read_once_per_change(tmp_path: Path) -> None:
    """Files on disk cannot be ruled out without reading them: each is read (stat'ed, and
    parsed when new) once per change, not once per module the change reaches."""
    modules = {}
    for i in range(30):
        path = tmp_path / f"d{i}.py"
        path.write_text(f"import d{i - 1}\n" if i else "x = 1\n")
        modules[f"d{i}"] = str(path)
    cache = CountingCache()
    found = reloads.affected(["d0"], modules, {}, cache)
    assert set(found) == set(modules)  # a chain: every module reaches back to d0
    assert sorted(cache.parsed) == sorted(set(modules) - {"d0"})  # each asked once
