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


HELPERS = """\
import functools

def countdown(n):
    return list(range(n, 0, -1))

def logged(function):
    @functools.wraps(function)
    def wrapper(*args):
        return function(*args)
    return wrapper

@logged
@functools.lru_cache(maxsize=None)
def square(x):
    return x * x

@logged
def cube(x):
    return x ** 3
"""

MAIN = """\
from helpers import countdown, cube, square
import helpers

class Counter:
    def incr(self, by=1):
        return by

counter = Counter()
"""


async def test_a_calls_result_says_where_the_called_function_is_defined(editor: Editor) -> None:
    helpers = editor.open("helpers.py", HELPERS)
    main = editor.open("main.py", MAIN)
    result = await editor.call(main, "countdown", args="3")
    assert (result["value"]["repr"], result["target"]) == ("[3, 2, 1]", {"uri": helpers, "line": 2})
    # through functools.wraps, past the decorators, to the def line
    assert (await editor.call(main, "cube", args="2"))["target"] == {"uri": helpers, "line": 17}
    assert (await editor.call(main, "helpers.cube", args="2"))["target"] == {"uri": helpers, "line": 17}
    # lru_cache keeps the function as __wrapped__ of an object that is not a function
    assert (await editor.call(main, "square", args="3"))["target"] == {"uri": helpers, "line": 13}
    assert (await editor.call(main, "counter.incr"))["target"] == {"uri": main, "line": 4}
    assert (await editor.call(main, "Counter.incr", args="counter"))["target"] == {"uri": main, "line": 4}


async def test_a_call_of_what_has_no_def_line_has_no_target(editor: Editor) -> None:
    editor.open("helpers.py", HELPERS)
    main = editor.open("main.py", MAIN)
    for target in ("len", "Counter", "(lambda: 1)"):
        result = await editor.call(main, target, args="[1]" if target == "len" else "")
        assert result["ok"] and result["target"] is None, (target, result)
    failed = await editor.call(main, "missing")
    assert (failed["error"]["type"], failed["target"]) == ("NameError", None)
    # an eval's Result has no target at all
    assert "target" not in await editor.eval(main, "1")
