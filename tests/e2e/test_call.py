"""evalens.call and evalens.runModule end to end."""

from __future__ import annotations

from tests.harness import Editor

SOURCE = """\
import contextlib

def add(a, b=0, *, scale=1):
    return (a + b) * scale

class Counter:
    def __init__(self):
        self.n = 0
    def incr(self, by=1):
        self.n += by
        return self.n

counter = Counter()

async def fetch(x):
    return x * 2
"""


async def test_call_with_source_arguments(editor: Editor) -> None:
    uri = editor.open("lib.py", SOURCE)
    result = await editor.call(uri, "add", args="1, 2, scale=10")
    assert result["value"] == {"repr": "30", "type": "int"}


async def test_call_with_json_arguments(editor: Editor) -> None:
    uri = editor.open("lib.py", SOURCE)
    assert (await editor.call(uri, "add", args=[1, 2], kwargs={"scale": 3}))["value"]["repr"] == "9"
    assert (await editor.call(uri, "add", args=[5]))["value"]["repr"] == "5"


async def test_source_arguments_combine_with_json_keywords(editor: Editor) -> None:
    uri = editor.open("lib.py", SOURCE)
    assert (await editor.call(uri, "add", args="1, 1", kwargs={"scale": 4}))["value"]["repr"] == "8"


async def test_methods_of_live_objects_and_class_methods_with_an_instance(editor: Editor) -> None:
    uri = editor.open("lib.py", SOURCE)
    assert (await editor.call(uri, "counter.incr"))["value"]["repr"] == "1"
    assert (await editor.call(uri, "counter.incr", args="by=5"))["value"]["repr"] == "6"
    assert (await editor.call(uri, "Counter.incr", args="counter"))["value"]["repr"] == "7"


async def test_calls_can_name_results_and_expressions(editor: Editor) -> None:
    uri = editor.open("lib.py", SOURCE)
    await editor.eval(uri, "Counter()")
    assert (await editor.call(uri, "_.incr", args="2"))["value"]["repr"] == "2"
    assert (await editor.call(uri, "(lambda: 'lam')"))["value"]["repr"] == "'lam'"


async def test_async_functions_are_awaited(editor: Editor) -> None:
    uri = editor.open("lib.py", SOURCE)
    assert (await editor.call(uri, "fetch", args="21"))["value"]["repr"] == "42"


async def test_call_errors_are_results(editor: Editor) -> None:
    uri = editor.open("lib.py", SOURCE)
    missing = await editor.call(uri, "nope")
    assert (missing["error"]["type"], missing["error"]["message"]) == ("NameError", "name 'nope' is not defined")
    wrong = await editor.call(uri, "add")
    assert wrong["error"]["type"] == "TypeError"


async def test_run_module_runs_as_main_in_a_fresh_namespace(editor: Editor) -> None:
    text = "import sys\nleft = globals().get('left_over')\nif __name__ == '__main__':\n    print('main', left, sys.argv[0].endswith('app.py'))\n"
    uri = editor.open("app.py", text)
    await editor.eval(uri, "left_over = 1")
    result = await editor.command("evalens.runModule", {"uri": uri})
    assert result["ok"] is True and result["value"] is None
    assert result["stdout"] == "main None True\n"


async def test_run_module_error_maps_to_the_document(editor: Editor) -> None:
    uri = editor.open("app.py", "x = 1\nraise KeyError('k')\n")
    result = await editor.command("evalens.runModule", {"uri": uri})
    assert result["error"]["type"] == "KeyError"
    assert result["error"]["frames"] == [{"uri": uri, "line": 1, "name": "<module>"}]
