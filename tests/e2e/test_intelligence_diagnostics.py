"""Static diagnostics end to end: every syntax error, and imports that do not resolve."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from tests.harness import Editor, wait_until


def shown(editor: Editor, uri: str) -> list[tuple[int, int, int, int, str]]:
    return [
        (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, d.message)
        for d in editor.client.diagnostics.get(uri, [])
        if d.source == "evalens"
    ]


async def test_every_syntax_error_with_its_range(editor: Editor) -> None:
    uri = editor.open("broken.py", "x = (1,\ny = 2\ndef f(:\n    pass\nz = 3 +\n")
    await wait_until(lambda: len(shown(editor, uri)) >= 3)
    found = shown(editor, uri)
    # the interpreter's first error (its message and range), then parso's recovery after it
    assert found == [
        (1, 0, 1, 5, "SyntaxError: invalid syntax. Maybe you meant '==' or ':=' instead of '='?"),
        (2, 0, 2, 3, "SyntaxError: invalid syntax"),
        (4, 7, 5, 0, "SyntaxError: invalid syntax"),
    ]
    editor.replace(uri, "x = 1\n")
    await wait_until(lambda: shown(editor, uri) == [])


async def test_unresolved_imports_and_an_unsaved_module(editor: Editor) -> None:
    uri = editor.open(
        "main.py",
        "import os.path\nimport json, nosuchmodule\nfrom helpers import double\nfrom . import sibling\n"
        "try:\n    import optional_thing\nexcept ImportError:\n    pass\nimport sys\n",
    )
    await wait_until(lambda: len(shown(editor, uri)) == 2)
    assert shown(editor, uri) == [
        (1, 13, 1, 25, 'Import "nosuchmodule" could not be resolved'),
        (2, 5, 2, 12, 'Import "helpers" could not be resolved'),
    ]
    assert {d.severity for d in editor.client.diagnostics[uri]} == {types.DiagnosticSeverity.Warning}
    helpers = editor.open("helpers.py", "def double(x):\n    return 2 * x\n")
    await wait_until(lambda: len(shown(editor, uri)) == 1)
    assert shown(editor, uri) == [(1, 13, 1, 25, 'Import "nosuchmodule" could not be resolved')]
    editor.close(helpers)  # the module is gone again: so is the import that named it
    await wait_until(lambda: len(shown(editor, uri)) == 2)
    assert shown(editor, uri)[1] == (2, 5, 2, 12, 'Import "helpers" could not be resolved')


async def test_positions_count_protocol_lines_and_utf16_units(editor: Editor) -> None:
    uri = editor.open("wide.py", "s = '\u2028\x85'\f\nt = '😀' + )\n")
    await wait_until(lambda: len(shown(editor, uri)) >= 1)
    assert shown(editor, uri) == [(1, 11, 1, 12, "SyntaxError: unmatched ')'")]


async def test_status_says_when_the_analysis_has_settled(untrusted: Editor) -> None:
    """``analysis`` in evalens.status is ``idle`` only once the opened document's diagnostics
    are out (an editor can show "analysing…" until then; benchmarks wait for it)."""
    uri = untrusted.open("settle.py", "import nosuchmodule\n")
    states = []

    async def analysis() -> dict[str, object]:
        answer = dict((await untrusted.command("evalens.status", {}))["analysis"])
        states.append(answer["state"])
        return answer

    deadline = asyncio.get_running_loop().time() + 20
    while (found := await analysis())["state"] != "idle":
        assert found["state"] in ("waiting", "loading", "busy"), found
        assert asyncio.get_running_loop().time() < deadline, states
        await asyncio.sleep(0.01)
    assert found == {"state": "idle", "pending": 0}
    assert shown(untrusted, uri) == [(0, 7, 0, 19, 'Import "nosuchmodule" could not be resolved')]
    assert "busy" in states  # the diagnostics pass was seen under way first


MODERN = """\
def area(shape):
    match shape:
        case {"kind": "circle", "r": r}:
            return 3 * r * r
        case [w, h] if w > 0:
            return w * h
        case _:
            return 0

with (open(__file__) as first,
      open(__file__) as second):
    pass
"""


async def test_syntax_the_interpreter_compiles_is_no_error(editor: Editor) -> None:
    """parso's grammar stops at 3.9: match statements and parenthesized with were errors."""
    uri = editor.open("modern.py", MODERN + "z = 3 +\n")
    await wait_until(lambda: shown(editor, uri) != [])
    assert shown(editor, uri) == [(12, 7, 13, 0, "SyntaxError: invalid syntax")]
    editor.replace(uri, MODERN)
    await wait_until(lambda: shown(editor, uri) == [])
    published = editor.published[uri]
    editor.replace(uri, MODERN + "y = 1\n")
    await wait_until(lambda: editor.published[uri] > published)
    assert shown(editor, uri) == []


async def test_an_error_after_modern_syntax_is_the_only_one(editor: Editor) -> None:
    uri = editor.open("broken.py", MODERN + "def f():\n    return 1\n  x = 2\n")
    await wait_until(lambda: shown(editor, uri) != [])
    assert shown(editor, uri) == [
        (14, 0, 14, 2, "IndentationError: unindent does not match any outer indentation level")
    ]
