"""Docstring examples end to end: evalens.doctest, its lenses, diagnostics and code actions."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.conftest import process_only
from tests.e2e.test_lifecycle import send_command, wait_for_state
from tests.harness import Editor, plain, wait_until

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


async def test_an_exception_is_got_as_doctest_expects_it_with_its_traceback_when_it_fails(editor: Editor) -> None:
    text = (
        "def half(n):\n"  # 0
        '    """\n'  # 1
        "    >>> half(None)\n"  # 2
        "    Traceback (most recent call last):\n"
        "    TypeError: unsupported operand type(s) for /: 'NoneType' and 'int'\n"
        "    >>> half('x')\n"  # 5
        "    0.5\n"
        '    """\n'
        "    return n / 2\n"  # 8
    )
    uri = editor.open("half.py", text)
    expected, unexpected = (await doctest(editor, uri))["examples"]
    got = "Traceback (most recent call last):\n    ...\nTypeError: unsupported operand type(s) for /: '{}' and 'int'\n"
    assert expected == {
        "line": 2,
        "source": "half(None)\n",
        "want": "Traceback (most recent call last):\nTypeError: unsupported operand type(s) for /: 'NoneType' and 'int'\n",
        "got": got.format("NoneType"),
        "ok": True,
        "skipped": False,
    }
    assert (unexpected["ok"], unexpected["got"]) == (False, got.format("str"))
    lines = unexpected["traceback"].splitlines()
    assert [line for line in lines if line.strip(" ~^")] == [  # without 3.11's markers under the expression
        "Traceback (most recent call last):",
        '  File "<doctest half.half[1]>", line 1, in <module>',
        "    half('x')",
        f'  File "{editor.root / "half.py"}", line 9, in half',
        "    return n / 2",
        "TypeError: unsupported operand type(s) for /: 'str' and 'int'",
    ]


async def test_one_docstring_runs_alone_from_any_of_its_lines(editor: Editor) -> None:
    uri = editor.open("shapes.py", SHAPES)
    for line in (8, 9, 20, 27):  # the def line, the docstring's first, an example, the closing quotes
        result = await doctest(editor, uri, line)
        assert (result["passed"], result["failed"], result["skipped"]) == (5, 1, 1)
        assert [example["line"] for example in result["examples"]] == [11, 13, 15, 19, 20, 22, 23]
    method = await doctest(editor, uri, 37)  # a method of a class nested in a class
    assert outcomes(method) == [(39, False, False)]
    assert (await doctest(editor, uri, 0))["examples"][0]["got"] == "4\n"


async def test_a_line_in_no_docstring_is_a_bad_request_naming_the_docstrings(editor: Editor) -> None:
    uri = editor.open("shapes.py", SHAPES)
    with pytest.raises(JsonRpcException) as caught:
        await doctest(editor, uri, 5)
    assert caught.value.code == -32602
    assert "line 5 is in no docstring with examples" in caught.value.message
    assert caught.value.data == {"reason": "noDocstring", "docstrings": [0, 9, 32, 38]}
    with pytest.raises(JsonRpcException, match="`line` must be a 0-based line"):
        await doctest(editor, uri, -1)


async def test_examples_see_the_unsaved_text(editor: Editor) -> None:
    uri = editor.open("shapes.py", SHAPES)
    assert (await doctest(editor, uri, 9))["failed"] == 1
    editor.edit(uri, (28, 0), (28, 22), "    return side * side + (side == 4)")  # area(4) is 17 now
    result = await doctest(editor, uri, 9)
    assert [example["got"] for example in result["examples"] if example["line"] == 13] == ["17\n"]
    assert result["reloaded"][0]["module"] == "shapes"


async def test_a_name_defined_by_an_example_stays_in_its_docstring(editor: Editor) -> None:
    text = (
        "def first():\n"
        '    """\n'
        "    >>> made = 1\n"
        "    >>> made\n"
        '    1"""\n'
        "def second():\n"
        '    """\n'
        "    >>> made\n"
        "    Traceback (most recent call last):\n"
        "    NameError: name 'made' is not defined\n"
        '    """\n'
    )
    uri = editor.open("fresh.py", text)
    result = await doctest(editor, uri)
    assert (result["passed"], result["failed"]) == (3, 0)
    assert (await editor.eval(uri, "'made' in globals()"))["value"]["repr"] == "False"


async def test_a_hanging_example_is_interrupted_and_the_examples_before_it_are_kept(editor: Editor) -> None:
    text = (
        "def spin():\n"
        '    """\n'
        "    >>> 1 + 1\n"
        "    2\n"
        "    >>> import sys; print('spinning', file=sys.stderr)\n"
        "    >>> while True: pass\n"
        '    """\n'
    )
    uri = editor.open("spin.py", text)
    running = asyncio.ensure_future(doctest(editor, uri))
    await wait_until(lambda: any("spinning" in item["text"] for item in editor.output), timeout=30)
    assert await editor.command("evalens.interrupt", {}) == {"interrupted": True}
    result = await running
    assert (result["ok"], result["error"]["type"]) == (False, "KeyboardInterrupt")
    assert outcomes(result) == [(2, True, False), (4, True, False)]
    assert (await editor.eval(uri, "1"))["value"]["repr"] == "1"  # the session goes on


async def lens_titles(editor: Editor, uri: str) -> list[tuple[int, str]]:
    found = await editor.client.text_document_code_lens_async(types.CodeLensParams(types.TextDocumentIdentifier(uri)))
    return [
        (lens.range.start.line, lens.command.title)
        for lens in found or []
        if lens.command and lens.command.command == "evalens.doctest"
    ]


def doctest_diagnostics(editor: Editor, uri: str) -> list[tuple[int, int, int, str]]:
    return [
        (item.range.start.line, item.range.start.character, item.range.end.character, item.message)
        for item in editor.client.diagnostics.get(uri, [])
        if item.source == "evalens.doctest"
    ]


async def test_lenses_show_each_docstrings_last_outcome_and_follow_it_as_it_moves(editor: Editor) -> None:
    uri = editor.open("shapes.py", SHAPES)
    before = [(0, "Run all examples"), (0, "Run examples"), (9, "Run examples"), (32, "Run examples")]
    assert await lens_titles(editor, uri) == [*before, (38, "Run examples")]
    await doctest(editor, uri, 9)
    assert await lens_titles(editor, uri) == [*before[:2], (9, "✗ 1 of 6 failed"), *before[3:], (38, "Run examples")]
    await doctest(editor, uri)
    after = [(0, "Run all examples"), (0, "✓ 1/1"), (9, "✗ 1 of 6 failed"), (32, "✓ 1/1"), (38, "✗ 1 of 1 failed")]
    assert await lens_titles(editor, uri) == after
    editor.insert(uri, 5, "# a comment\n# another\n")  # every docstring below moves down two lines
    moved = [(0, "Run all examples"), (0, "✓ 1/1"), (11, "✗ 1 of 6 failed"), (34, "✓ 1/1"), (40, "✗ 1 of 1 failed")]
    assert await lens_titles(editor, uri) == moved
    editor.edit(uri, (16, 4), (16, 6), "16")  # area's `15` is now `16`: its outcome is gone
    assert (await lens_titles(editor, uri))[2] == (11, "Run examples")


async def test_failing_examples_are_diagnostics_until_their_docstring_changes_or_passes(editor: Editor) -> None:
    uri = editor.open("shapes.py", SHAPES)
    await doctest(editor, uri)
    await wait_until(lambda: len(doctest_diagnostics(editor, uri)) == 2)
    assert doctest_diagnostics(editor, uri) == [
        (13, 4, 15, "expected 15, got 16"),
        (39, 12, 34, "expected 3, got 2"),
    ]
    (diagnostic,) = [item for item in editor.client.diagnostics[uri] if item.range.start.line == 13]
    assert (diagnostic.severity, diagnostic.code) == (types.DiagnosticSeverity.Error, "example-failed")
    editor.insert(uri, 0, "\n")  # both move with their docstrings
    await wait_until(lambda: [item[0] for item in doctest_diagnostics(editor, uri)] == [14, 40])
    editor.edit(uri, (40, 12), (40, 13), "2")  # the nested method's docstring changes: its failure goes
    await wait_until(lambda: [item[0] for item in doctest_diagnostics(editor, uri)] == [14])
    editor.edit(uri, (15, 4), (15, 6), "16")
    await wait_until(lambda: doctest_diagnostics(editor, uri) == [])
    await doctest(editor, uri, 14)
    assert doctest_diagnostics(editor, uri) == []  # it passes now
    editor.edit(uri, (15, 4), (15, 6), "17")
    await doctest(editor, uri)
    await wait_until(lambda: [item[0] for item in doctest_diagnostics(editor, uri)] == [14])
    editor.close(uri)
    await wait_until(lambda: doctest_diagnostics(editor, uri) == [])


async def test_a_long_expected_output_is_shown_on_lines_of_its_own(editor: Editor) -> None:
    text = 'def rows():\n    """\n    >>> print("a"); print("b")\n    a\n    c\n    """\n'
    uri = editor.open("rows.py", text)
    await doctest(editor, uri)
    await wait_until(lambda: len(doctest_diagnostics(editor, uri)) == 1)
    assert doctest_diagnostics(editor, uri)[0][3] == "expected:\n    a\n    c\ngot:\n    a\n    b"


UPDATES = (
    "def report(rows):\n"  # 0
    '    """Rows, one per line.\n'  # 1
    "\n"  # 2
    "    >>> report(['a', '', 'b'])\n"  # 3
    "    a\n"  # 4
    "    >>> report([])\n"  # 5
    "    nothing\n"  # 6
    "    >>> print('C:\\\\\\\\temp')\n"  # 7: the source holds print('C:\\\\temp'), which prints C:\temp
    "    >>> report(['x  '])\n"  # 8
    "    x\n"  # 9
    "    >>> report(None)\n"  # 10
    "    Traceback (most recent call last):\n"  # 11
    "    ValueError: no rows\n"  # 12
    '    >>> "\\\\"\\\\"\\\\""\n'  # 13: the example is "\"\"\"", whose repr holds three quotes
    "    >>> 1 + 1\n"  # 14
    "    2\n"  # 15
    '    """\n'  # 16
    "    for row in rows:\n"  # 17
    "        print(row)\n"  # 18
)


async def code_actions(editor: Editor, uri: str, line: int) -> list[types.Command | types.CodeAction]:
    at = types.Range(types.Position(line, 0), types.Position(line, 0))
    context = types.CodeActionContext(diagnostics=[])
    params = types.CodeActionParams(types.TextDocumentIdentifier(uri), at, context)
    return list(await editor.client.text_document_code_action_async(params) or [])


def apply(editor: Editor, uri: str, action: types.CodeAction) -> None:
    """The action's edit as the editor applies it: all edits against the text before them."""
    assert action.edit is not None and action.edit.document_changes is not None
    (change,) = action.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.version == editor.versions[uri]
    for edit in sorted(change.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        assert isinstance(edit, types.TextEdit)
        start, end = edit.range.start, edit.range.end
        editor.edit(uri, (start.line, start.character), (end.line, end.character), edit.new_text)


async def test_update_expected_output_makes_an_example_pass(editor: Editor) -> None:
    uri = editor.open("report.py", UPDATES)
    result = await doctest(editor, uri, 0)
    assert [example["line"] for example in result["examples"] if not example["ok"]] == [3, 5, 7, 8, 10, 13]
    titles = [action.title for action in await code_actions(editor, uri, 4)]
    assert titles == ["evalens: Run examples", "Update expected output", "Update all expected output in this docstring"]
    (update,) = [action for action in await code_actions(editor, uri, 3) if action.title == "Update expected output"]
    assert isinstance(update, types.CodeAction) and update.kind == types.CodeActionKind.QuickFix
    assert update.diagnostics is not None and update.diagnostics[0].range.start.line == 3
    apply(editor, uri, update)
    text = plain(await editor.command("evalens.document", {"uri": uri}))["text"]
    assert text.splitlines()[3:7] == ["    >>> report(['a', '', 'b'])", "    a", "    <BLANKLINE>", "    b"]
    after = await doctest(editor, uri, 0)
    assert [example["line"] for example in after["examples"] if not example["ok"]] == [7, 9, 10, 12, 15]


async def test_update_all_expected_output_makes_the_docstring_pass(editor: Editor) -> None:
    uri = editor.open("report.py", UPDATES)
    await doctest(editor, uri, 0)
    actions = await code_actions(editor, uri, 14)  # a passing example: only the docstring's actions
    assert [action.title for action in actions] == [
        "evalens: Run examples",
        "Update all expected output in this docstring",
    ]
    update_all = actions[1]
    assert isinstance(update_all, types.CodeAction)
    apply(editor, uri, update_all)
    text = plain(await editor.command("evalens.document", {"uri": uri}))["text"]
    assert text.splitlines()[1:22] == [
        '    """Rows, one per line.',
        "",
        "    >>> report(['a', '', 'b'])",
        "    a",
        "    <BLANKLINE>",
        "    b",
        "    >>> report([])",
        "    >>> print('C:\\\\\\\\temp')",
        "    C:\\\\temp",
        "    >>> report(['x  '])",
        "    x  ",
        "    >>> report(None)",
        "    Traceback (most recent call last):",
        "        ...",
        "    TypeError: 'NoneType' object is not iterable",
        '    >>> "\\\\"\\\\"\\\\""',
        '    \'\\"\\"\\"\'',
        "    >>> 1 + 1",
        "    2",
        '    """',
        "    for row in rows:",
    ]
    after = await doctest(editor, uri, 0)
    assert (after["passed"], after["failed"]) == (7, 0)
    (run,) = await code_actions(editor, uri, 3)  # nothing fails: nothing to update
    assert isinstance(run, types.Command)
    assert (run.title, run.command, plain(run.arguments)) == (
        "evalens: Run examples",
        "evalens.doctest",
        [{"uri": uri, "line": 1}],
    )


def other_pythons() -> list[str]:
    """The oldest CPython the worker supports and the newest, when this machine has them
    (3.13 strips docstrings' indentation at compile time)."""
    found = []
    for version in ("3.9", "3.13"):
        installed = sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"))
        path = installed[-1] if installed else shutil.which(f"python{version}")
        if path is not None and "shims" not in str(path):  # pyenv's shims need a version chosen
            found.append(str(path))
    return found


@process_only("the kernelspec names the Python, not the interpreter setting")
@pytest.mark.parametrize("python", other_pythons() or [pytest.param("", marks=pytest.mark.skip("no other CPython"))])
async def test_every_supported_python_runs_the_examples_alike(editor: Editor, python: str) -> None:
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"evalens": {"interpreter": python}})
    )
    uri = editor.open("shapes.py", SHAPES)
    result = await doctest(editor, uri)
    status = await editor.command("evalens.status", {})
    assert status["executable"] == python
    assert (result["passed"], result["failed"], result["skipped"]) == (7, 2, 1)
    assert [example["line"] for example in result["examples"] if not example["ok"]] == [13, 19, 39]


async def test_the_readme_example_fails_once_and_passes_after_its_update(editor: Editor) -> None:
    """examples/doctests/money.py, as the README has a newcomer try it."""
    uri = editor.open("money.py", (Path(__file__).parents[2] / "examples" / "doctests" / "money.py").read_text())
    result = await doctest(editor, uri)
    assert (result["passed"], result["failed"], result["skipped"]) == (8, 1, 0)
    (failing,) = [example for example in result["examples"] if not example["ok"]]
    assert (failing["line"], failing["got"]) == (46, "[Amount(cents=3), Amount(cents=2)]\n")
    (update,) = [action for action in await code_actions(editor, uri, 46) if action.title == "Update expected output"]
    assert isinstance(update, types.CodeAction)
    apply(editor, uri, update)
    assert (await doctest(editor, uri, 46))["failed"] == 0


async def test_an_untrusted_workspace_offers_no_examples_to_run(untrusted: Editor) -> None:
    uri = untrusted.open("shapes.py", SHAPES)
    assert await lens_titles(untrusted, uri) == []
    assert await code_actions(untrusted, uri, 11) == []
    with pytest.raises(JsonRpcException, match="untrusted"):
        await doctest(untrusted, uri)


async def test_an_untitled_document_runs_its_examples_at_their_lines(editor: Editor) -> None:
    text = '#!/usr/bin/env python\n# a comment first\n"""\n>>> 6 * 7\n42\n>>> 6 * 8\n42\n"""\n'
    uri = editor.open_uri("untitled:Untitled-1", text)
    result = await doctest(editor, uri)
    assert outcomes(result) == [(3, True, False), (5, False, False)]
    assert await lens_titles(editor, uri) == [(2, "✗ 1 of 2 failed")]


async def test_a_module_that_does_not_load_runs_no_example_and_says_why(editor: Editor) -> None:
    uri = editor.open("broken.py", '"""\n>>> 1\n1\n"""\nimport not_a_module_anywhere\n')
    result = await doctest(editor, uri)
    assert (result["ok"], result["error"]["type"], result["examples"]) == (False, "ModuleNotFoundError", [])
    assert (result["passed"], result["failed"], result["skipped"]) == (0, 0, 0)
    assert await lens_titles(editor, uri) == [(0, "Run examples")]


async def test_cancelling_a_run_of_examples_stops_it(editor: Editor) -> None:
    uri = editor.open("spin.py", 'def spin():\n    """\n    >>> while True: pass\n    """\n')
    running = send_command(editor, "evalens.doctest", {"uri": uri}, "doctest-1")
    await wait_for_state(editor, "busy")
    editor.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="doctest-1"))
    with pytest.raises(JsonRpcException):
        await running
    await wait_for_state(editor, "idle")
    assert (await editor.eval(uri, "2 + 2"))["value"]["repr"] == "4"
