"""Cells (`# %%`) end to end: evalens.runCell in every scope, and the cells' lenses, code
actions, inlay hints, folding ranges and document symbols."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.e2e.test_editor_features import actions, lenses
from tests.e2e.test_lifecycle import send_command, wait_for_state
from tests.harness import Editor, listen, plain, wait_until

ANALYSIS = (
    "import helpers\n"  # 0: before the first cell: never run by a cell
    "started = 'by the module'\n"  # 1
    "# %% Load\n"  # 2
    "rows = [3, 1, 2]\n"  # 3
    "text = '''\n"  # 4
    "# %% inside a string\n"  # 5
    "'''\n"  # 6
    "len(rows)\n"  # 7
    "#%% [markdown]\n"  # 8
    "# Prose, not code: 1 / 0\n"  # 9
    "# %% Define\n"  # 10
    "def total(values):\n"  # 11
    "    s = 0\n"  # 12
    "\n"  # 13: a blank line inside the def
    "    for v in values:\n"  # 14
    "        s += v\n"  # 15
    "\n"  # 16
    "    return s\n"  # 17
    "import helpers\n"  # 18
    "@helpers.twice\n"  # 19
    "def largest():\n"  # 20
    "    return max(rows)\n"  # 21
    "# %% Use\n"  # 22
    "(total(rows), largest())\n"  # 23
    "\n"  # 24
)
HELPERS = "def twice(f):\n    return lambda: 2 * f()\n"


async def run_cell(editor: Editor, uri: str, line: int, scope: str | None = None) -> dict[str, Any]:
    argument: dict[str, Any] = {"uri": uri, "line": line}
    if scope is not None:
        argument["scope"] = scope
    return dict(plain(await editor.command("evalens.runCell", argument)))


def ran(result: dict[str, Any]) -> list[tuple[int, bool, str | None]]:
    return [(cell["line"], cell["ok"], cell["value"] and cell["value"]["repr"]) for cell in result["cells"]]


def open_analysis(editor: Editor) -> str:
    editor.open("helpers.py", HELPERS)  # unsaved: exists only in the editor
    return editor.open("analysis.py", ANALYSIS)


async def test_a_cell_runs_alone_in_the_module_and_the_lines_before_the_first_cell_never_run(editor: Editor) -> None:
    uri = open_analysis(editor)
    result = await run_cell(editor, uri, 5)  # a line inside the cell (in its string)
    assert (result["ok"], result["value"]["repr"], ran(result)) == (True, "3", [(2, True, "3")])
    missing = await run_cell(editor, uri, 23)
    assert missing["error"]["type"] == "NameError"  # `total` is defined by a cell not run yet
    assert missing["error"]["frames"][-1] == {"uri": uri, "line": 23, "name": "<module>"}
    solo = editor.open("solo.py", "started = 1\n# %%\n'started' in globals(), __name__, __file__.endswith('solo.py')\n")
    assert (await run_cell(editor, solo, 2))["value"]["repr"] == "(False, 'solo', True)"


async def test_every_scope(editor: Editor) -> None:
    uri = open_analysis(editor)
    above = await run_cell(editor, uri, 22, "above")
    assert ran(above) == [(2, True, "3"), (10, True, None)]  # the markdown cell is skipped
    below = await run_cell(editor, uri, 10, "below")
    assert ran(below) == [(10, True, None), (22, True, "(6, 6)")]
    assert below["value"]["repr"] == "(6, 6)"
    everything = await run_cell(editor, uri, 0 + 2, "all")
    assert ran(everything) == [(2, True, "3"), (10, True, None), (22, True, "(6, 6)")]
    one = await run_cell(editor, uri, 22, "cell")
    assert ran(one) == [(22, True, "(6, 6)")]


async def test_a_markdown_cell_and_nothing_above_run_nothing(editor: Editor) -> None:
    uri = open_analysis(editor)
    for line, scope in ((9, "cell"), (2, "above")):
        result = await run_cell(editor, uri, line, scope)
        assert (result["ok"], result["value"], result["cells"], result["error"]) == (True, None, [], None)


async def test_a_failure_in_the_middle_of_below_stops_the_rest(editor: Editor) -> None:
    uri = editor.open(
        "steps.py", "# %%\nfirst = 1\n# %% Boom\n1 / 0\n# %%\nthird = 3\n# %% Check\n'third' in globals(), first\n"
    )
    result = await run_cell(editor, uri, 0, "below")
    assert ran(result) == [(0, True, None), (2, False, None)]
    assert [cell["error"] and cell["error"]["type"] for cell in result["cells"]] == [None, "ZeroDivisionError"]
    assert result["error"]["type"] == "ZeroDivisionError"
    assert result["error"]["frames"][-1]["line"] == 3
    await wait_until(lambda: [d.range.start.line for d in editor.client.diagnostics.get(uri, [])] == [3])
    assert (await run_cell(editor, uri, 7))["value"]["repr"] == "(False, 1)"


async def test_a_cell_uses_the_unsaved_text_of_its_own_lines_and_does_not_reload_its_document(editor: Editor) -> None:
    uri = editor.open("counter.py", "# %%\ncount = 0\n# %%\ncount += 1\ncount\n")
    await run_cell(editor, uri, 0, "all")
    editor.replace(uri, "# %%\ncount = 100\n# %%\ncount += 10\ncount\n")  # unsaved edit of both cells
    again = await run_cell(editor, uri, 2)
    assert again["value"]["repr"] == "11"  # only the cell run ran: the first cell's edit did not
    assert again["reloaded"] == []


async def test_an_imported_unsaved_module_is_brought_up_to_date_before_a_cell(editor: Editor) -> None:
    helpers = editor.open("helpers.py", "N = 1\n")
    uri = editor.open("main.py", "# %%\nimport helpers\nhelpers.N\n")
    assert (await run_cell(editor, uri, 1))["value"]["repr"] == "1"
    editor.replace(helpers, "N = 2\n")
    result = await run_cell(editor, uri, 1)
    assert result["value"]["repr"] == "2"
    assert [entry["module"] for entry in result["reloaded"]] == ["helpers"]


async def test_interrupting_a_cell_stops_it_and_the_rest_of_its_scope(editor: Editor) -> None:
    code = "# %%\nimport time\nbefore = 1\n# %%\nwhile True:\n    time.sleep(0.01)\n# %%\nafter = 1\n"
    uri = editor.open("loop.py", code)
    running = send_command(editor, "evalens.runCell", {"uri": uri, "line": 0, "scope": "all"}, "cells-1")
    busy = await wait_for_state(editor, "busy")
    while "cell 2 of 3" not in (busy["running"] or {}).get("title", ""):
        busy = await wait_for_state(editor, "busy")
    assert busy["running"]["title"] == "loop: cell 2 of 3 (line 4)"
    assert await editor.command("evalens.interrupt", {}) == {"interrupted": True}
    result = plain(await running)
    assert ran(result) == [(0, True, None), (3, False, None)]
    assert result["error"]["type"] == "KeyboardInterrupt"
    editor.replace(uri, code + "# %%\nbefore, 'after' in globals()\n")
    assert (await run_cell(editor, uri, 8))["value"]["repr"] == "(1, False)"


async def test_cancelling_a_scope_stops_it(editor: Editor) -> None:
    uri = editor.open("loop.py", "# %%\nwhile True:\n    pass\n# %%\nafter = 1\n")
    running = send_command(editor, "evalens.runCell", {"uri": uri, "line": 0, "scope": "all"}, "cells-2")
    await wait_for_state(editor, "busy")
    editor.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="cells-2"))
    with pytest.raises(JsonRpcException):
        await running
    await wait_for_state(editor, "idle")
    editor.replace(uri, "# %%\nwhile True:\n    pass\n# %%\nafter = 1\n# %%\n'after' in globals()\n")
    assert (await run_cell(editor, uri, 5))["value"]["repr"] == "False"


async def test_bad_requests(editor: Editor) -> None:
    uri = open_analysis(editor)
    for argument, message in (
        (
            {"uri": uri, "line": 0},
            "line 0 is in no cell; cells start at the marker lines (# %%), here lines 2, 8, 10, 22",
        ),
        ({"uri": uri, "line": -1}, "needs `line`"),
        ({"uri": uri, "line": 2, "scope": "up"}, '`scope` must be one of "cell", "above", "below", "all"'),
    ):
        with pytest.raises(JsonRpcException, match=message.replace("(", r"\(").replace(")", r"\)")) as refused:
            await editor.command("evalens.runCell", argument)
        if "no cell" in message:
            assert refused.value.data == {"reason": "noCell", "cells": [2, 8, 10, 22]}


async def test_an_untrusted_workspace_runs_no_cell_and_offers_none(untrusted: Editor) -> None:
    uri = untrusted.open("cells.py", "# %%\nimport pathlib; pathlib.Path('ran').write_text('x')\n")
    with pytest.raises(JsonRpcException, match="untrusted workspace"):
        await untrusted.command("evalens.runCell", {"uri": uri, "line": 0})
    assert not (untrusted.root / "ran").exists()
    assert await lenses(untrusted, uri) == []
    assert await actions(untrusted, uri, types.Range(types.Position(1, 0), types.Position(1, 0))) == []


async def test_lenses_on_every_code_cell_and_actions_in_every_code_cell(editor: Editor) -> None:
    uri = open_analysis(editor)
    found = [(line, title, arguments) for line, title, arguments in await lenses(editor, uri) if "▶" not in title]
    expected = []
    for line in (2, 10, 22):
        for scope, title in (("cell", "Run cell"), ("above", "Run above"), ("below", "Run below")):
            expected.append((line, title, [{"uri": uri, "line": line, "scope": scope}]))
    assert found == expected
    at = types.Range(types.Position(14, 4), types.Position(14, 4))
    cell_actions = [a for a in await actions(editor, uri, at) if a[1] == "evalens.runCell"]
    assert cell_actions == [
        ("evalens: Run cell", "evalens.runCell", [{"uri": uri, "line": 10, "scope": "cell"}]),
        ("evalens: Run above", "evalens.runCell", [{"uri": uri, "line": 10, "scope": "above"}]),
        ("evalens: Run below", "evalens.runCell", [{"uri": uri, "line": 10, "scope": "below"}]),
    ]
    markdown = types.Range(types.Position(9, 0), types.Position(9, 0))
    assert [a for a in await actions(editor, uri, markdown) if a[1] == "evalens.runCell"] == []


async def hints(editor: Editor, uri: str) -> list[tuple[int, int, str]]:
    found = await editor.client.text_document_inlay_hint_async(
        types.InlayHintParams(
            types.TextDocumentIdentifier(uri), types.Range(types.Position(0, 0), types.Position(99, 0))
        )
    )
    return [(hint.position.line, hint.position.character, str(hint.label)) for hint in found or []]


async def test_each_cells_value_is_a_hint_after_its_last_line_replaced_when_it_runs_again(editor: Editor) -> None:
    uri = editor.open("hints.py", "# %%\nx = 20\nx + 1\n\n# %% Second\ny = 'é'\n")
    await run_cell(editor, uri, 0, "all")
    assert await hints(editor, uri) == [(2, 5, "⇒ 21"), (5, 7, "✓")]
    editor.insert(uri, 3, "x + 2  # longer\n")
    await run_cell(editor, uri, 0)
    assert await hints(editor, uri) == [(3, 15, "⇒ 22"), (6, 7, "✓")]  # moved down with the edit above it


async def test_cells_are_folding_ranges_beside_the_indentation_folds(editor: Editor) -> None:
    uri = open_analysis(editor)
    found = await editor.client.text_document_folding_range_async(
        types.FoldingRangeParams(types.TextDocumentIdentifier(uri))
    )
    assert [(r.start_line, r.end_line, r.kind) for r in found or []] == [
        (2, 7, "region"),
        (8, 9, "region"),
        (10, 21, "region"),
        (22, 24, "region"),
        (11, 17, None),  # def total, to its last line that is not blank
        (14, 15, None),
        (20, 21, None),
    ]


async def test_cells_are_document_symbols_holding_their_definitions(editor: Editor) -> None:
    uri = open_analysis(editor)
    found = await editor.client.text_document_document_symbol_async(
        types.DocumentSymbolParams(types.TextDocumentIdentifier(uri))
    )

    def shape(symbol: Any) -> tuple[Any, ...]:
        children = [child.name for child in symbol.children or []]
        return (symbol.name, symbol.kind, symbol.detail, symbol.range.start.line, symbol.range.end.line, children)

    assert [shape(symbol) for symbol in found or []] == [
        ("started", types.SymbolKind.Variable, None, 1, 1, []),
        ("Load", types.SymbolKind.Namespace, None, 2, 7, ["rows", "text"]),
        ("Cell 2", types.SymbolKind.Namespace, "markdown", 8, 9, []),
        ("Define", types.SymbolKind.Namespace, None, 10, 21, ["total", "largest"]),
        ("Use", types.SymbolKind.Namespace, None, 22, 24, []),
    ]


async def test_a_changed_cell_marker_setting_takes_effect(editor: Editor) -> None:
    uri = editor.open("custom.py", "## --- one\nx = 1\n# %% not a marker now\nx\n")
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"evalens": {"cellMarkers": [r"##\s*---"]}})
    )
    result = await run_cell(editor, uri, 3)
    assert (ran(result), result["value"]["repr"]) == ([(0, True, "1")], "1")


async def test_the_example_analysis_runs_cell_by_cell(editor: Editor) -> None:
    """examples/cells/analysis.py, as the README has a newcomer run it."""
    example = Path(__file__).resolve().parents[2] / "examples" / "cells"
    editor.open("readings.py", (example / "readings.py").read_text(encoding="utf-8"))
    uri = editor.open("analysis.py", (example / "analysis.py").read_text(encoding="utf-8"))
    result = await run_cell(editor, uri, 0, "all")
    assert [cell["ok"] for cell in result["cells"]] == [True] * 5
    assert result["cells"][0]["value"]["repr"] == "{'harbour': 168, 'hill': 168, 'airport': 168}"
    assert result["value"]["repr"] == "('hill', {'harbour': 10.0, 'hill': 14.5, 'airport': 13.1})"


async def test_each_cell_is_told_as_it_ends_with_its_extent(editor: Editor) -> None:
    done: list[dict[str, Any]] = []
    listen(editor.client, "evalens/cellDone", lambda params: done.append(plain(params)))
    uri = open_analysis(editor)
    result = await run_cell(editor, uri, 2, "all")
    assert [(c["line"], c["end"], c["title"]) for c in result["cells"]] == [
        (2, 7, "Load"),
        (10, 21, "Define"),
        (22, 24, "Use"),
    ]
    assert done == [{"uri": uri, **cell} for cell in result["cells"]]
    assert result["cells"][-1]["durationMs"] == result["durationMs"]
    editor.replace(editor.uri("helpers.py"), HELPERS.replace("2 * f()", "3 * f()"))
    again = await run_cell(editor, uri, 2, "all")  # helpers is brought up to date before the first cell
    assert [[entry["module"] for entry in cell["reloaded"]] for cell in again["cells"]] == [["helpers"], [], []]


async def test_a_document_run_cell_by_cell_is_not_run_again_by_later_runs(editor: Editor) -> None:
    """Its text runs only as the user runs it: not when another document runs, nor when a
    line of it is evaluated, even after an edit."""
    uri = editor.open("steps.py", "# %%\nfirst = 1\n# %% Boom\n1 / 0\n")
    assert ran(await run_cell(editor, uri, 0, "all")) == [(0, True, None), (2, False, None)]
    editor.replace(uri, "# %%\nfirst = 10\n# %% Boom\n1 / 0\n")
    other = editor.open("other.py", "import steps\n")
    elsewhere = await editor.eval(other, "steps.first")
    assert (elsewhere["value"]["repr"], elsewhere["reloaded"]) == ("1", [])
    here = await editor.eval(uri, "first + 1")
    assert (here["value"]["repr"], here["reloaded"]) == ("2", [])
