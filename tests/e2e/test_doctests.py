"""Docstring examples end to end: evalens.doctest, its lenses, diagnostics and code actions."""

from __future__ import annotations

from typing import Any

from tests.harness import Editor, plain

SHAPES = (
    '"""Shapes.\n'  # 0
    "\n"  # 1
    ">>> area(2)\n"  # 2
    "4\n"  # 3
    '"""\n'  # 4
    "SIDE = 1\n"  # 5
    "\n"  # 6
    "\n"  # 7
    "def area(side):\n"  # 8
    '    """The area of a square.\n'  # 9
    "\n"  # 10
    "    >>> area(3)\n"  # 11
    "    9\n"  # 12
    "    >>> area(4)\n"  # 13
    "    15\n"  # 14
    "    >>> area('x')\n"  # 15
    "    Traceback (most recent call last):\n"  # 16
    "        ...\n"  # 17
    "    TypeError: can't multiply sequence by non-int of type 'str'\n"  # 18
    "    >>> area(None)  # doctest: +SKIP\n"  # 19
    "    >>> list(range(30))  # doctest: +ELLIPSIS\n"  # 20
    "    [0, 1, ..., 29]\n"  # 21
    "    >>> SIDE = 7\n"  # 22
    "    >>> print('a'); print(); print('b')\n"  # 23
    "    a\n"  # 24
    "    <BLANKLINE>\n"  # 25
    "    b\n"  # 26
    '    """\n'  # 27
    "    return side * side\n"  # 28
    "\n"  # 29
    "\n"  # 30
    "class Box:\n"  # 31
    '    """\n'  # 32
    "    >>> SIDE\n"  # 33
    '    1"""\n'  # 34
    "\n"  # 35
    "    class Lid:\n"  # 36
    "        def weight(self):\n"  # 37
    '            """A lid.\n'  # 38
    "            >>> Box.Lid().weight()\n"  # 39
    '            3"""\n'  # 40
    "            return 2\n"  # 41
)


async def doctest(editor: Editor, uri: str, line: int | None = None) -> dict[str, Any]:
    argument: dict[str, Any] = {"uri": uri}
    if line is not None:
        argument["line"] = line
    return dict(plain(await editor.command("evalens.doctest", argument)))


def outcomes(result: dict[str, Any]) -> list[tuple[int, bool, bool]]:
    return [(example["line"], example["ok"], example["skipped"]) for example in result["examples"]]


async def test_every_docstring_runs_with_doctests_semantics(editor: Editor) -> None:
    uri = editor.open("shapes.py", SHAPES)
    result = await doctest(editor, uri)
    assert (result["ok"], result["passed"], result["failed"], result["skipped"]) == (True, 7, 2, 1)
    assert outcomes(result) == [
        (2, True, False),
        (11, True, False),
        (13, False, False),
        (15, True, False),
        (19, False, True),
        (20, True, False),
        (22, True, False),
        (23, True, False),
        (33, True, False),  # a fresh copy of the module's globals: SIDE = 7 stayed in area's
        (39, False, False),
    ]
    failing = result["examples"][2]
    assert failing == {"line": 13, "source": "area(4)\n", "want": "15\n", "got": "16\n", "ok": False, "skipped": False}
    assert result["examples"][9]["got"] == "2\n"
