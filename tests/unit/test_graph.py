"""Import discovery and reload ordering, without an interpreter."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evalens.execution.graph import dependents, imports_of, reload_order, resolve_relative


def test_imports_include_parents_and_from_names() -> None:
    source = "import a.b.c\nfrom x.y import z, w\nimport os as o\n"
    assert imports_of("m", source) == {"a", "a.b", "a.b.c", "x", "x.y", "x.y.z", "x.y.w", "os"}


def test_relative_imports_resolve_against_the_package() -> None:
    assert imports_of("pkg.sub.mod", "from . import sibling\nfrom ..top import f\n") == {
        "pkg",
        "pkg.sub",
        "pkg.sub.sibling",
        "pkg.top",
        "pkg.top.f",
    }
    assert imports_of("pkg", "from .core import run\n", is_package=True) == {"pkg.core", "pkg.core.run"}


def test_relative_import_beyond_the_top_is_ignored() -> None:
    assert resolve_relative("mod", False, 2, "x") is None


def test_only_imports_that_run_with_the_module_count_and_syntax_errors_give_nothing() -> None:
    assert imports_of("m", "def f():\n    import late\n") == set()
    assert imports_of("m", "async def f():\n    from . import late\n") == set()
    source = (
        "from typing import TYPE_CHECKING\n"
        "import typing\n"
        "if TYPE_CHECKING:\n    import hints\nelse:\n    import fallback\n"
        "if typing.TYPE_CHECKING:\n    import more_hints\n"
        "try:\n    import fast\nexcept ImportError:\n    import slow\nfinally:\n    import done\n"
        "class C:\n    import in_class\n    def method(self):\n        import in_method\n"
        "with ctx():\n    import in_with\n"
        "for _ in ():\n    import in_loop\n"
        "match x:\n    case 1:\n        import in_case\n"
        "if __name__ == '__main__':\n    import as_main\n"
        "if '__main__' == __name__:\n    import also_as_main\n"
    )
    assert imports_of("m", source) == {
        "typing",
        "typing.TYPE_CHECKING",
        "fallback",
        "fast",
        "slow",
        "done",
        "in_class",
        "in_with",
        "in_loop",
        "in_case",
    }
    assert imports_of("m", "def broken(:\n") == frozenset()


def test_edit_reaches_dependents_in_import_order() -> None:
    imports = {"helpers": set(), "models": {"helpers"}, "app": {"models", "os"}, "other": {"os"}}
    assert reload_order(["helpers"], imports) == ["helpers", "models", "app"]


def test_only_loaded_modules_reload() -> None:
    assert reload_order(["gone"], {"app": {"gone"}}) == []


def test_cycles_terminate_and_keep_everything_once() -> None:
    imports = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    order = reload_order(["a"], imports)
    assert sorted(order) == ["a", "b", "c"]
    assert order.index("c") > order.index("a")


graphs = st.dictionaries(
    st.sampled_from("abcdefgh"), st.sets(st.sampled_from("abcdefgh"), max_size=4), min_size=1, max_size=8
)


@given(graphs, st.sets(st.sampled_from("abcdefgh"), max_size=3))
def test_order_is_complete_unique_and_respects_acyclic_edges(imports: dict[str, set[str]], changed: set[str]) -> None:
    order = reload_order(changed, imports)
    assert len(order) == len(set(order))
    assert set(order) == dependents(changed, imports)
    position = {name: index for index, name in enumerate(order)}
    reached = set(order)

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            for nxt in imports.get(node, ()):
                if nxt == goal:
                    return True
                if nxt not in seen and nxt in reached:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    for module in order:
        for imported in imports[module]:
            if imported in position and imported != module and not reaches(imported, module):
                assert position[imported] < position[module]
