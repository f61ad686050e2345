"""Reload what changed: each case that cannot be updated in place, and each use no reading can
follow, runs again, says why in ``reason``, and leaves the values a fresh run would give."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.test_reload_changed import reloaded, value
from tests.harness import Editor


@dataclass(frozen=True)
class Case:
    source: str  # main.py
    before: str  # evaluated before the edit (sets up what the edit must keep or change)
    old: str  # the edit: this text of main.py
    new: str  # becomes this
    entries: list[dict[str, Any]]  # the Result's `reloaded` after the edit
    check: str  # evaluated after the edit
    expected: str  # its repr


CASES = {
    "namedtuple": Case(
        "from typing import NamedTuple\nclass P(NamedTuple):\n    x: int\nV = P(1)\n",
        "V",
        "    x: int\n",
        "    x: int\n    y: int = 0\n",
        [{"module": "main", "patched": [], "rerun": [1, 4], "reason": "P: a NamedTuple is rebuilt, not updated"}],
        "V",
        "P(x=1, y=0)",
    ),
    "slots": Case(
        "class S:\n    __slots__ = ('a',)\n    def get(self):\n        return 1\nOBJ = S()\n",
        "OBJ.get()",
        "return 1",
        "return 2",
        [
            {
                "module": "main",
                "patched": [],
                "rerun": [0, 4],
                "reason": "S: a class with `__slots__` has a fixed layout",
            }
        ],
        "OBJ.get()",
        "2",
    ),
    "enum": Case(
        "import enum\nclass Color(enum.Enum):\n    RED = 1\nFIRST = list(Color)[0]\n",
        "FIRST",
        "    RED = 1\n",
        "    BLUE = 0\n    RED = 1\n",
        [
            {
                "module": "main",
                "patched": [],
                "rerun": [1, 4],
                "reason": f"Color: its metaclass {type(enum.Enum).__name__} makes it an object evalens cannot "
                "update in place",
            }
        ],
        "(FIRST, list(Color))",
        "(<Color.BLUE: 0>, [<Color.BLUE: 0>, <Color.RED: 1>])",
    ),
    "metaclass": Case(
        "class Meta(type):\n    pass\nclass K:\n    pass\n",
        "None",
        "class K:",
        "class K(metaclass=Meta):",
        [{"module": "main", "patched": [], "rerun": [2], "reason": "K: its metaclass changed"}],
        "type(K).__name__",
        "'Meta'",
    ),
    "bases": Case(
        "class A:\n    def who(self):\n        return 'A'\nclass B:\n    def who(self):\n        return 'B'\n"
        "class C(A):\n    pass\n",
        "C().who()",
        "class C(A):",
        "class C(B):",
        [{"module": "main", "patched": [], "rerun": [6], "reason": "C: its base classes changed"}],
        "C().who()",
        "'B'",
    ),
    "closure": Case(
        "class Base:\n    def hi(self):\n        return 'b'\nclass C(Base):\n    def hi(self):\n        return 'c'\n",
        "C().hi()",
        "return 'c'",
        "return super().hi() + 'c'",
        [{"module": "main", "patched": [], "rerun": [3], "reason": "C.hi: the variables it closes over changed"}],
        "C().hi()",
        "'bc'",
    ),
    "decorator without __wrapped__": Case(
        "class Tenfold:\n    def __init__(self, f):\n        self.f = f\n    def __call__(self):\n"
        "        return self.f() * 10\n@Tenfold\ndef g():\n    return 1\n",
        "g()",
        "return 1",
        "return 2",
        [
            {
                "module": "main",
                "patched": [],
                "rerun": [5],
                "reason": "g: its decorator returns a new object that keeps no `__wrapped__` function",
            }
        ],
        "g()",
        "20",
    ),
    "decorator arguments": Case(
        "def times(n):\n    def decorate(f):\n        return lambda: f() * n\n    return decorate\n"
        "@times(2)\ndef g():\n    return 1\n",
        "g()",
        "@times(2)",
        "@times(3)",
        [
            {
                "module": "main",
                "patched": [],
                "rerun": [4],
                "reason": "g: the value of `n` it closes over changed",
            }
        ],
        "g()",
        "3",
    ),
    "star import": Case(
        "from base import *\nY = X + 1\n",
        "Y",
        "",
        "",
        [
            {"module": "base", "patched": [], "rerun": [0]},
            {
                "module": "main",
                "patched": [],
                "rerun": [0, 1],
                "reason": "line 1: `from base import *` re-runs when it changes",
            },
        ],
        "Y",
        "3",
    ),
    "exec": Case(
        "x = 1\nexec('z = x * 2')\nw = 0\n",
        "z",
        "x = 1",
        "x = 5",
        [
            {
                "module": "main",
                "patched": [],
                "rerun": [0, 1],
                "reason": "line 2: `exec()` may use any name, so it re-ran",
            }
        ],
        "z",
        "10",
    ),
    "call of something without a name": Case(
        "A = 1\ndef get():\n    return A\nhandlers = [get]\nR = handlers[0]()\n",
        "R",
        "return A",
        "return A * 100",
        [
            {
                "module": "main",
                "patched": ["get"],
                "rerun": [4],
                "reason": "line 5: it calls something only known when it runs, and that changed",
            }
        ],
        "R",
        "100",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_a_case_that_cannot_be_updated_in_place_runs_again_and_says_why(editor: Editor, name: str) -> None:
    case = CASES[name]
    base = editor.open("base.py", "X = 1\n")
    main = editor.open("main.py", case.source)
    await value(editor, main, case.before)
    if case.old:
        assert case.old in case.source
        editor.replace(main, case.source.replace(case.old, case.new))
    else:
        editor.replace(base, "X = 2\n")
    assert await reloaded(editor, main) == case.entries
    assert await value(editor, main, case.check) == case.expected


async def test_a_decorator_that_keeps_wrapped_is_patched_through_it(editor: Editor) -> None:
    """The wrapper keeps its identity and the function it closes over gets the new code."""
    source = (
        "import functools\n"
        "def logged(f):\n    @functools.wraps(f)\n    def wrapper(*args):\n        return f(*args)\n    return wrapper\n"
        "@logged\ndef g():\n    return 1\nHELD = g\n"
    )
    main = editor.open("main.py", source)
    assert await value(editor, main, "g()") == "1"
    editor.replace(main, source.replace("return 1", "return 2"))
    assert await reloaded(editor, main) == [{"module": "main", "patched": ["g"], "rerun": []}]
    assert await value(editor, main, "(g(), HELD is g)") == "(2, True)"


async def test_a_wrapper_closing_over_the_function_keeps_its_state(editor: Editor) -> None:
    source = (
        "def counted(f):\n    calls = [0]\n    def wrapper():\n        calls[0] += 1\n"
        "        return (f(), calls[0])\n    return wrapper\n@counted\ndef g():\n    return 1\n"
    )
    main = editor.open("main.py", source)
    assert await value(editor, main, "g(); g()") == "(1, 2)"
    editor.replace(main, source.replace("return 1", "return 'one'"))
    result = await editor.eval(main, "g()")
    assert (result["reloaded"], result["value"]) == (
        [{"module": "main", "patched": [], "rerun": [6], "reason": "g: the value of `calls` it closes over changed"}],
        {"repr": "('one', 1)", "type": "tuple"},
    )


async def test_an_lru_cache_is_cleared_when_its_function_is_patched(editor: Editor) -> None:
    source = "import functools\n@functools.lru_cache\ndef square(x):\n    return x * x\n"
    main = editor.open("main.py", source)
    assert await value(editor, main, "held = square; square(3)") == "9"
    editor.replace(main, source.replace("x * x", "x * x + 1"))
    assert await reloaded(editor, main) == [{"module": "main", "patched": ["square"], "rerun": []}]
    assert await value(editor, main, "(square(3), held is square)") == "(10, True)"


async def test_a_running_generator_keeps_its_old_code_and_the_result_says_so(editor: Editor) -> None:
    source = "def numbers():\n    yield 1\n    yield 2\n"
    main = editor.open("main.py", source)
    assert await value(editor, main, "running = numbers(); next(running)") == "1"
    editor.replace(main, source.replace("yield 2", "yield 20"))
    assert await reloaded(editor, main) == [
        {
            "module": "main",
            "patched": ["numbers"],
            "rerun": [],
            "reason": "numbers: 1 running generator(s) or coroutine(s) keep the old code",
        }
    ]
    assert await value(editor, main, "(next(running), list(numbers()))") == "(2, [1, 20])"


async def test_a_statement_that_fails_is_reported_and_the_next_edit_starts_from_what_ran(editor: Editor) -> None:
    source = "count = 0\ndef f():\n    return 1\nX = f()\n"
    main = editor.open("main.py", source)
    assert await value(editor, main, "count += 5; count") == "5"
    editor.replace(main, source.replace("X = f()", "X = f() / 0"))
    failed = await editor.eval(main, "X")
    assert failed["error"] is not None
    assert (failed["ok"], failed["error"]["type"], failed["reloaded"]) == (
        False,
        "ZeroDivisionError",
        [{"module": "main", "patched": [], "rerun": [3]}],
    )
    assert [frame["line"] for frame in failed["error"]["frames"] if frame["uri"] == main] == [3]
    editor.replace(main, "count = 0\ndef f(:\n")
    broken = await editor.eval(main, "count")
    assert broken["error"] is not None
    assert (broken["error"]["type"], broken["reloaded"]) == ("SyntaxError", [])
    editor.replace(main, source.replace("return 1", "return 3").replace("X = f()", "X = f() * 2"))
    assert await reloaded(editor, main) == [{"module": "main", "patched": ["f"], "rerun": [3]}]
    assert await value(editor, main, "(X, count)") == "(6, 5)"


async def test_looking_for_running_generators_never_calls_an_objects_getattr(editor: Editor) -> None:
    source = (
        "asked = []\n"
        "class Anything:\n"
        "    def __getattr__(self, name):\n"
        "        asked.append(name)\n"
        "        raise OSError(name)\n"
        "anything = Anything()\n"
        "def numbers():\n    yield 1\n    yield 2\n"
    )
    main = editor.open("main.py", source)
    assert await value(editor, main, "running = numbers(); next(running)") == "1"
    editor.replace(main, source.replace("yield 2", "yield 20"))
    assert await value(editor, main, "(next(running), asked)") == "(2, [])"
