"""The variables view: `evalens.variables` pages of a namespace and of objects' children,
read without running user code, and `evalens/variablesChanged` after each run."""

from __future__ import annotations

from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from tests.e2e.test_lifecycle import LOOP, send_command, wait_for_state
from tests.harness import Editor, wait_until

SESSION = """\
import builtins, os
from collections import OrderedDict

builtins.calls = []


class Sensor:
    @property
    def value(self):
        builtins.calls.append("property")
        return 42

    def __getattr__(self, name):
        builtins.calls.append("__getattr__ " + name)
        raise AttributeError(name)

    def __repr__(self):
        builtins.calls.append("__repr__")
        return "Sensor()"

    def __dir__(self):
        builtins.calls.append("__dir__")
        return []

    def __len__(self):
        builtins.calls.append("__len__")
        return 0


class Point:
    __slots__ = ("x", "__hidden", "unset")

    def __init__(self, x, hidden):
        self.x = x
        self.__hidden = hidden


def helper():
    return 1


sensor = Sensor()
sensor.reading = 21.5
point = Point(3, "h")
numbers = [10, 20, 30]
pair = (1, "two")
table = {"a": 1, (2, 3): [4], None: sensor}
tags = {"only"}
ordered = OrderedDict(z=1)
text = "hello"
nothing = None
_private = 1
"""


async def variables(editor: Editor, **argument: Any) -> dict[str, Any]:
    answer: dict[str, Any] = await editor.command("evalens.variables", argument)
    return answer


def rows(page: dict[str, Any]) -> list[tuple[str, str, str, int | None]]:
    """Each entry's name, type, repr and size (refs differ from run to run)."""
    return [(entry["name"], entry["type"], entry["repr"], entry["size"]) for entry in page["variables"]]


def entry(page: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [item for item in page["variables"] if item["name"] == name]
    return found


async def test_the_namespace_lists_names_types_reprs_and_sizes_without_running_user_code(editor: Editor) -> None:
    uri = editor.open("session.py", SESSION)
    assert (await editor.eval(uri, "1"))["ok"]
    page = await variables(editor, uri=uri)
    sensor_repr = entry(page, "sensor")["repr"]
    point_repr = entry(page, "point")["repr"]
    assert sensor_repr.startswith("<session.Sensor object at 0x") and point_repr.startswith(
        "<session.Point object at 0x"
    )
    assert rows(page) == [
        ("nothing", "NoneType", "None", None),
        ("numbers", "list", "[10, 20, 30]", 3),
        ("ordered", "collections.OrderedDict", entry(page, "ordered")["repr"], 1),
        ("pair", "tuple", "(1, 'two')", 2),
        ("point", "session.Point", point_repr, None),
        ("sensor", "session.Sensor", sensor_repr, None),
        ("table", "dict", "{'a': 1, (2, 3): [4], None: " + sensor_repr + "}", 3),
        ("tags", "set", "{'only'}", 1),
        ("text", "str", "'hello'", 5),
    ]
    assert page["total"] == 9
    assert [item["ref"] is not None for item in page["variables"]] == [
        False,
        True,
        True,
        True,
        True,
        True,
        True,
        True,
        False,
    ]
    assert (await editor.eval(uri, "builtins.calls"))["value"]["repr"] == "[]"


async def test_all_lists_private_names_modules_functions_and_classes_too(editor: Editor) -> None:
    uri = editor.open("session.py", SESSION)
    await editor.eval(uri, "1")
    page = await variables(editor, uri=uri, all=True)
    names = [item["name"] for item in page["variables"]]
    assert {"_private", "os", "helper", "Sensor", "__name__", "builtins"} <= set(names)
    assert names == sorted(names) and page["total"] == len(names)
    assert entry(page, "helper")["ref"] is None and entry(page, "os")["ref"] is None


async def test_each_kind_of_container_expands_into_its_children(editor: Editor) -> None:
    uri = editor.open("session.py", SESSION)
    await editor.eval(uri, "1")
    page = await variables(editor, uri=uri)

    async def children(name: str) -> list[tuple[str, str, str, int | None]]:
        return rows(await variables(editor, ref=entry(page, name)["ref"]))

    assert await children("numbers") == [("0", "int", "10", None), ("1", "int", "20", None), ("2", "int", "30", None)]
    assert await children("pair") == [("0", "int", "1", None), ("1", "str", "'two'", 3)]
    table = await children("table")
    assert table[:2] == [("'a'", "int", "1", None), ("(2, 3)", "list", "[4]", 1)]
    assert table[2][:2] == ("None", "session.Sensor")
    assert await children("tags") == [("0", "str", "'only'", 4)]
    assert await children("ordered") == [("'z'", "int", "1", None)]
    assert await children("sensor") == [("reading", "float", "21.5", None)]  # its __dict__, no property
    assert await children("point") == [("_Point__hidden", "str", "'h'", 1), ("x", "int", "3", None)]  # slots set
    assert (await editor.eval(uri, "builtins.calls"))["value"]["repr"] == "[]"


async def test_pages_of_a_million_items_and_a_stale_ref_after_the_next_run(editor: Editor) -> None:
    uri = editor.open("big.py", "big = list(range(1_000_000))\n")
    await editor.eval(uri, "1")
    (big,) = (await variables(editor, uri=uri))["variables"]
    assert (big["size"], big["truncated"], len(big["repr"])) == (1_000_000, True, 200)  # … in the 200th
    page = await variables(editor, ref=big["ref"], start=999_998, count=5)
    assert (rows(page), page["total"]) == (
        [("999998", "int", "999998", None), ("999999", "int", "999999", None)],
        1_000_000,
    )
    assert (await variables(editor, ref=big["ref"], start=2_000_000))["variables"] == []
    long = await variables(editor, uri=uri, reprChars=30)
    assert long["variables"][0]["repr"] == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9…"
    await editor.eval(uri, "1")
    with pytest.raises(JsonRpcException) as caught:
        await variables(editor, ref=big["ref"])
    assert caught.value.code == -32602
    assert f"ref {big['ref']} is stale" in caught.value.message
    assert caught.value.data == {"reason": "staleRef"}


async def test_ten_thousand_names_page_by_page(editor: Editor) -> None:
    uri = editor.open("many.py", "for i in range(10_000):\n    globals()[f'v{i:05}'] = i\n")
    await editor.eval(uri, "1")
    first = await variables(editor, uri=uri)
    assert (first["total"], len(first["variables"])) == (10_001, 100)
    assert rows(first)[:2] == [("i", "int", "9999", None), ("v00000", "int", "0", None)]
    last = await variables(editor, uri=uri, start=9_950, count=1000)
    assert [item["name"] for item in last["variables"]][-1] == "v09999" and len(last["variables"]) == 51


async def test_without_a_uri_the_page_is_of_the_last_runs_module(editor: Editor) -> None:
    with pytest.raises(JsonRpcException, match="nothing has run yet"):
        await variables(editor)
    first = editor.open("first.py", "a = 1\n")
    second = editor.open("second.py", "b = 2\n")
    assert (await variables(editor, uri=first)) == {"variables": [], "total": 0}  # no interpreter yet
    await editor.eval(second, "1")
    assert rows(await variables(editor)) == [("b", "int", "2", None)]
    await editor.eval(first, "1")
    assert rows(await variables(editor)) == [("a", "int", "1", None)]


async def test_each_run_says_which_names_of_its_module_it_changed(editor: Editor) -> None:
    uri = editor.open("changes.py", "a = 1\nb = [1]\nc = 'x'\n")
    await editor.eval(uri, "1")  # the module is loaded: every name is new
    await wait_until(lambda: len(editor.changes) == 1)
    dunders = ["__builtins__", "__cached__", "__doc__", "__file__", "__loader__", "__name__", "__package__", "__spec__"]
    assert editor.changes == [{"uri": uri, "names": [*dunders, "a", "b", "c"]}]
    await editor.eval(uri, "b.append(2)")  # a mutation rebinds nothing
    await editor.eval(uri, "a = 2\ndel c\nd = 4\nb = [1, 2]")
    await wait_until(lambda: len(editor.changes) == 3)
    assert editor.changes[1:] == [{"uri": uri, "names": []}, {"uri": uri, "names": ["a", "b", "c", "d"]}]
    # A view refreshes those entries alone: the names still bound, whatever they hold, sorted.
    fresh = await variables(editor, uri=uri, names=["d", "c", "b", "a", "d", "_private_unbound", "__name__"])
    assert rows(fresh) == [
        ("__name__", "str", "'changes'", 7),
        ("a", "int", "2", None),
        ("b", "list", "[1, 2]", 2),
        ("d", "int", "4", None),
    ]
    assert fresh["total"] == 4
    with pytest.raises(JsonRpcException, match="`names` picks entries of a namespace"):
        await variables(editor, ref=1, names=["a"])


async def test_a_busy_interpreter_answers_that_it_is_busy(editor: Editor) -> None:
    uri = editor.open("busy.py", "x = 1\n")
    await editor.eval(uri, "1")
    running = send_command(editor, "evalens.eval", {"uri": uri, "code": LOOP}, "busy-variables")
    await wait_for_state(editor, "busy")
    with pytest.raises(JsonRpcException) as caught:
        await variables(editor, uri=uri)
    assert caught.value.code == -32602
    assert "the interpreter is busy running code (busy: import time while True:" in caught.value.message
    assert caught.value.data == {"reason": "busy"}
    assert await editor.command("evalens.interrupt", {}) == {"interrupted": True}
    await running
    assert rows(await variables(editor, uri=uri)) == [("x", "int", "1", None)]


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ({"ref": 0}, "`ref` must be a `ref` from an earlier answer"),
        ({"uri": "x", "count": 1001}, "`count` must be how many entries the page holds (0 to 1000)"),
        ({"uri": "x", "start": -1}, "`start` must be the index of the page's first entry"),
        ({"uri": "x", "all": 1}, "`all` must be true or false"),
        ({"uri": "file:///nowhere.py"}, "file:///nowhere.py is not an open document"),
    ],
)
async def test_bad_arguments_say_what_to_pass(editor: Editor, argument: dict[str, Any], message: str) -> None:
    with pytest.raises(JsonRpcException) as caught:
        await variables(editor, **argument)
    assert caught.value.code == -32602 and message in caught.value.message


async def test_library_values_are_read_through_the_library(editor: Editor) -> None:
    pytest.importorskip("pandas")
    text = "import numpy as np\nimport pandas as pd\nframe = pd.DataFrame({'a': [1, 2], 'b': [0.5, None]})\ngrid = np.arange(6).reshape(2, 3)\n"
    uri = editor.open("frames.py", text)
    await editor.eval(uri, "1")
    page = await variables(editor, uri=uri)
    assert rows(page) == [
        ("frame", "pandas.DataFrame", "<DataFrame 2 rows × 2 columns: 'a', 'b'>", 2),
        ("grid", "numpy.ndarray", "<ndarray shape (2, 3), dtype int64: [0, 1, 2, 3, 4, …]>", 2),
    ]
    columns = await variables(editor, ref=entry(page, "frame")["ref"])
    assert rows(columns) == [
        ("a", "pandas.Series", "<Series 2 rows, dtype int64: 1, 2>", 2),
        ("b", "pandas.Series", "<Series 2 rows, dtype float64: 0.5, nan>", 2),
    ]
    assert rows(await variables(editor, ref=entry(columns, "b")["ref"])) == [
        ("0", "float", "0.5", None),
        ("1", "float", "nan", None),
    ]
    grid = await variables(editor, ref=entry(page, "grid")["ref"])
    assert rows(grid)[1] == ("1", "numpy.ndarray", "<ndarray shape (3,), dtype int64: [3, 4, 5]>", 3)
    assert rows(await variables(editor, ref=grid["variables"][1]["ref"])) == [
        ("0", "int", "3", None),
        ("1", "int", "4", None),
        ("2", "int", "5", None),
    ]


async def test_a_restart_tells_views_that_every_entry_is_gone(editor: Editor) -> None:
    uri = editor.open("restarted.py", "kept = 1\n")
    await editor.eval(uri, "1")
    await wait_until(lambda: len(editor.changes) == 1)
    await editor.command("evalens.restart", {})
    await wait_until(lambda: len(editor.changes) == 2)
    assert editor.changes[1] == {"uri": uri, "names": [], "reset": True}
    assert await variables(editor) == {"variables": [], "total": 0}  # a fresh interpreter: nothing loaded
    await editor.eval(uri, "1")
    await wait_until(lambda: len(editor.changes) == 3)
    assert "kept" in editor.changes[2]["names"]
