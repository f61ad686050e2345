"""Reading a module's statements again after an edit, parsing only the edited lines, gives
exactly what reading the whole new text gives."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from evalens.worker import rereading, statements

LINES = [
    "x = 1\n",
    "y = x + 1; z = 2\n",
    "@decorate\n",
    "def f(a=x):\n    return a\n",
    "class C:\n    v = 1\n\n    def m(self):\n        return 2\n",
    "# a comment\n",
    "\n",
    "s = '''\nnot code = 1\n'''\n",
    "import os\n",
    "if x:\n    w = 1\nelse:\n    w = 2\n",
    "t = (1,\n     2)\n",
    "x = 1\r\n",
]
FRAGMENTS = [
    "",
    "x",
    "1",
    " ",
    "\n",
    "\r",
    "\r\n",
    "    ",
    "y = 3\n",
    "def g():\n    return 1\n",
    "#",
    "(",
    ")",
    "'",
    ";",
    "z",
]


@st.composite
def edits(draw: st.DrawFn) -> tuple[str, str]:
    old = "".join(draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=10)))
    start = draw(st.integers(0, len(old)))
    end = draw(st.integers(start, min(len(old), start + 12)))
    return old, old[:start] + draw(st.sampled_from(FRAGMENTS)) + old[end:]


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


def seen(statement: statements.Statement) -> tuple[object, ...]:
    node = statement.node
    return (statement.text, statement.first, statement.start, statement.end, statement.binds, node.lineno)


@settings(max_examples=1500, deadline=None)
@given(edits())
def test_reading_only_the_edited_lines_gives_what_reading_everything_gives(edit: tuple[str, str]) -> None:
    old, new = edit
    if not (parses(old) and parses(new)):
        return
    before = statements.analyse(old, "m.py", "m", False)
    reread = rereading.reanalyse(old, before, new, "m.py", "m", False)
    fresh = statements.analyse(new, "m.py", "m", False)
    assert [seen(s) for s in reread.statements] == [seen(s) for s in fresh]
    kept = [*reread.statements[: reread.first], *reread.statements[reread.tail_from :]]
    assert [s for s in before if s not in reread.replaced] == kept  # the same objects, in order


def test_a_one_line_edit_in_a_big_module_parses_only_that_line() -> None:
    old = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(3000))
    new = old.replace("return x + 1500\n", "return x + 1500 + 1\n")
    before = statements.analyse(old, "m.py", "m", False)
    reread = rereading.reanalyse(old, before, new, "m.py", "m", False)
    again = reread.statements
    assert len(again) == 3000
    assert (reread.first, reread.tail_from, reread.lines, reread.replaced) == (1500, 1501, 0, [before[1500]])
    assert again[1500].text == "def f1500(x):\n    return x + 1500 + 1"
    assert again[1500].first == 4500
