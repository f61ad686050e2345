"""Statement-level updates in-process: for any sequence of edits to a small module, bringing it
up to date gives the values a fresh execution of the final text gives."""

from __future__ import annotations

import types
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evalens.worker import statements, updates

#: deterministic statements without side effects, in slots of alternatives (None: left out), in the
#: order they appear; later slots use the names earlier ones bind, directly and through functions
SLOTS: list[list[str | None]] = [
    ["a = 1", "a = 2"],
    ["b = a + 1", "b = 7", "b = a * a"],
    ["def f():\n    return a * 10", "def f():\n    return b", 'def f():\n    """doc"""\n    return a + b'],
    ["def g(n):\n    return f() + n", "def g(n, k=b):\n    return n + k", None],
    [
        "class K:\n    v = a\n    def m(self):\n        return b",
        "class K:\n    v = 5\n    def m(self):\n        return f()",
        "class K:\n    v = a\n    def m(self):\n        return b\n    def extra(self):\n        return 1",
        None,
    ],
    ["c = [a, b]", "c = (b, a)", None],
    ["d = f()", "d = f() + 1", None],
    ["k = K().m()", "e = K.v", None],
    ["h = [f]", None],
    ["i = h[0]()", "a = 3", None],
    ["b = b + 1", "c = f()", None],
    ["def f():\n    return 99", None],
    ["j = (f(), a, b)", None],
]


@st.composite
def texts(draw: st.DrawFn) -> str:
    """A module: one alternative of each slot, with up to two neighbours swapped (statements move)."""
    chosen = [line for line in (draw(st.sampled_from(slot)) for slot in SLOTS) if line is not None]
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(chosen) - 2))
        chosen[at], chosen[at + 1] = chosen[at + 1], chosen[at]
    return "\n".join(chosen) + "\n"


def fresh(text: str) -> dict[str, Any] | None:
    namespace: dict[str, Any] = {"__name__": "m"}
    try:
        exec(compile(text, "m.py", "exec"), namespace)
    except Exception:
        return None
    return namespace


def observed(namespace: dict[str, Any]) -> dict[str, Any]:
    """What a user could tell apart: data values, and what functions and classes give."""
    seen: dict[str, Any] = {}
    for name, value in namespace.items():
        if name.startswith("__"):
            continue
        if isinstance(value, types.FunctionType):
            try:
                seen[name] = ("function", value() if value.__code__.co_argcount == 0 else value(3))
            except Exception as exc:
                seen[name] = ("function raises", type(exc).__name__)
        elif isinstance(value, type):
            try:
                seen[name] = ("class", value.v, value().m())
            except Exception as exc:
                seen[name] = ("class raises", type(exc).__name__)
        elif isinstance(value, list):
            seen[name] = [observed({"x": item})["x"] if callable(item) else item for item in value]
        else:
            seen[name] = value
    return seen


def updated(versions: list[str]) -> dict[str, Any]:
    module = types.ModuleType("m")
    exec(compile(versions[0], "m.py", "exec"), module.__dict__)
    baseline = updates.Baseline(versions[0])
    for text in versions[1:]:
        _, _, baseline = updates.update(
            module, baseline, text, "m.py", False, {}, lambda code: exec(code, module.__dict__)
        )
    return module.__dict__


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.lists(texts(), min_size=2, max_size=4))
def test_an_update_gives_what_a_fresh_run_of_the_final_text_gives(versions: list[str]) -> None:
    runs = [fresh(text) for text in versions]
    assume(all(run is not None for run in runs))
    final = runs[-1]
    assert final is not None
    got = updated(versions)
    expected = observed(final)
    assert {name: observed(got)[name] for name in expected} == expected


def test_a_statement_reads_binds_and_calls_what_its_text_says() -> None:
    source = (
        "import helpers as h\n"
        "from .pkg import thing as other\n"
        "@decorate(limit)\n"
        "def f(x=DEFAULT):\n"
        "    local = x\n"
        "    return helper(local) + CONSTANT + h.VALUE\n"
        "class C(Base):\n"
        "    size = SIZE\n"
        "    def m(self):\n"
        "        return self.n + LIMIT\n"
        "total = f() + C().m() + h.VALUE\n"
        "exec('x = 1')\n"
    )
    found = statements.analyse(source, "m.py", "pkg.m", False)
    assert [(s.first, sorted(s.binds)) for s in found] == [
        (0, ["h"]),
        (1, ["other"]),
        (2, ["f"]),
        (6, ["C"]),
        (10, ["total"]),
        (11, []),
    ]
    assert found[0].imports == {"h": ("helpers", "")}
    assert found[1].imports == {"other": ("pkg.pkg", "thing")}
    assert sorted(found[2].reads) == ["DEFAULT", "decorate", "limit"]
    assert sorted(found[2].body_reads) == ["CONSTANT", "h", "h.VALUE", "helper"]
    assert sorted(found[3].reads) == ["Base", "SIZE"]
    assert sorted(found[3].body_reads) == ["LIMIT"]
    assert sorted(found[4].calls) == ["C", "f"]
    assert found[4].text == "total = f() + C().m() + h.VALUE"
    assert found[5].dynamic == "`exec()`"


def test_a_patched_function_held_in_a_list_is_not_bound_again() -> None:
    first = "a = 1\ndef f():\n    return a\nh = [f]\nr = h[0]()\n"
    module = types.ModuleType("m")
    exec(compile(first, "m.py", "exec"), module.__dict__)
    held = module.f
    second = first.replace("return a", "return a + 1").replace("a = 1", "a = 5")
    report, changes, _ = updates.update(
        module, updates.Baseline(first), second, "m.py", False, {}, lambda code: exec(code, module.__dict__)
    )
    assert report == {
        "module": "m",
        "patched": ["f"],
        "rerun": [0, 4],
        "reason": "line 5: it calls something only known when it runs, and that changed",
    }
    assert changes == {"a": "value", "f": "code", "r": "value"}
    assert (module.h[0] is held, module.f is held, module.r) == (True, True, 6)


def test_user_code_runs_with_the_collector_as_the_user_left_it() -> None:
    import gc

    first = "import gc\nseen = gc.isenabled()\n"
    second = "import gc\nseen = gc.isenabled()  # again\n"
    for collecting in (True, False):
        (gc.enable if collecting else gc.disable)()
        try:
            assert updated([first, second])["seen"] is collecting
            assert gc.isenabled() is collecting
        finally:
            gc.enable()
